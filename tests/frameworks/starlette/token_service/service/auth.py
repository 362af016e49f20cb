"""Every request needs a bearer token, except the few public paths."""

import os

import jwt
from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, SimpleUser

SECRET = os.environ.get("JWT_SECRET", "")
PUBLIC_PATHS = {"/healthz", "/v1/auth/token"}


class TokenBackend(AuthenticationBackend):
    async def authenticate(self, conn):
        if conn.url.path in PUBLIC_PATHS:
            return None
        scheme, _, token = conn.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("missing bearer token")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError("invalid token") from exc
        return AuthCredentials(["authenticated", *claims.get("scopes", [])]), SimpleUser(claims["sub"])
