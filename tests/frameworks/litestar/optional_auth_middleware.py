"""An auth middleware that lets a request without a token through as anonymous
(`return AuthenticationResult(user=None, ...)`) and raises only for a bad token authenticates nobody."""

import jwt
from litestar import Litestar, Request, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

SECRET = "change-me"


class OptionalJWTMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if header is None:
            return AuthenticationResult(user=None, auth=None)  # no token: an anonymous reader
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError as exc:
            raise NotAuthorizedException("invalid token") from exc
        return AuthenticationResult(user=claims["sub"], auth=claims)


@get("/feed")  # route: GET /feed anonymous
async def feed(request: Request) -> dict:
    return {"for": request.user, "items": []}


app = Litestar(route_handlers=[feed], middleware=[OptionalJWTMiddleware])
