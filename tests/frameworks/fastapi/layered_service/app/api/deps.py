"""Shared dependencies, most of them as Annotated aliases."""

import hmac
from typing import Annotated

import jwt
from fastapi import Depends, Header, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

from ..core.config import settings

oauth2 = OAuth2PasswordBearer(tokenUrl=f"{settings.API_V1_STR}/login/access-token")


def get_db():
    db = {"users": {}}
    try:
        yield db
    finally:
        db.clear()


SessionDep = Annotated[dict, Depends(get_db)]
TokenDep = Annotated[str, Depends(oauth2)]


def get_current_user(session: SessionDep, token: TokenDep) -> dict:
    try:
        payload = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="could not validate credentials")
    return session["users"].get(payload["sub"], {"id": payload["sub"], "is_superuser": False})


CurrentUser = Annotated[dict, Depends(get_current_user)]


def get_current_active_superuser(current_user: CurrentUser) -> dict:
    if not current_user["is_superuser"]:
        raise HTTPException(status_code=403, detail="not enough privileges")
    return current_user


def require_partner_key(x_api_key: Annotated[str, Header()] = "") -> None:
    if not settings.PARTNER_API_KEY or not hmac.compare_digest(x_api_key, settings.PARTNER_API_KEY):
        raise HTTPException(status_code=401, detail="invalid partner key")
