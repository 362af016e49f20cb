from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    supabase_url: str
    supabase_service_role_key: str
    webhook_secret: str | None = None
    cors_origins: list[str] = ["*"]
    log_level: str = "info"


settings = Settings()
