from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    PROJECT_NAME: str = "Layered"
    API_V1_STR: str = "/api/v1"
    SECRET_KEY: str = "change-me"
    PARTNER_API_KEY: str = ""


settings = Settings()
