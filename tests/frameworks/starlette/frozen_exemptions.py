"""A backend that rejects requests without a token, except for paths listed in a frozenset constant."""

import os

import jwt
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET = os.environ["JWT_SECRET"]
ANONYMOUS_PATHS = frozenset({"/healthz", "/pricing"})


class StrictBackend(AuthenticationBackend):
    async def authenticate(self, conn):
        if conn.url.path in ANONYMOUS_PATHS:
            return None
        token = conn.headers.get("authorization", "").removeprefix("Bearer ")
        if not token:
            raise AuthenticationError("missing token")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError("invalid token") from exc
        return AuthCredentials(["authenticated"]), SimpleUser(claims["sub"])


async def healthz(request):
    return JSONResponse({"ok": True})


async def pricing(request):
    return JSONResponse({"plans": ["free", "pro"]})


async def usage(request):
    return JSONResponse({"user": request.user.display_name, "calls": 0})


app = Starlette(
    routes=[
        Route("/healthz", healthz),  # route: GET /healthz public
        Route("/pricing", pricing),  # route: GET /pricing anonymous
        Route("/usage", usage),  # route: GET /usage authenticated
    ],
    middleware=[
        Middleware(AuthenticationMiddleware, backend=StrictBackend(), on_error=lambda conn, exc: JSONResponse({"detail": str(exc)}, status_code=401))
    ],
)
