"""The served app: its routes come from routes.py, a backend that rejects requests without a token."""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import JSONResponse

from .auth import TokenBackend
from .routes import routes


def on_auth_error(conn, exc):
    return JSONResponse({"detail": str(exc)}, status_code=401)


app = Starlette(
    routes=routes,
    middleware=[Middleware(AuthenticationMiddleware, backend=TokenBackend(), on_error=on_auth_error)],
)
