"""HTTPEndpoint classes with @requires on some methods, and a back office sub-app behind its own middleware."""

import os

import jwt
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, SimpleUser, requires
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET = os.environ["JWT_SECRET"]
STAFF_SESSIONS = {}


class JWTBackend(AuthenticationBackend):
    async def authenticate(self, conn):
        if "authorization" not in conn.headers:
            return None  # no token: an anonymous reader
        try:
            claims = jwt.decode(conn.headers["authorization"].removeprefix("Bearer "), SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError("invalid token") from exc
        return AuthCredentials(["authenticated", *claims.get("roles", [])]), SimpleUser(claims["sub"])


class StaffSessionMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.url.path.startswith("/backoffice/login"):
            return await call_next(request)
        if request.cookies.get("staff_session") not in STAFF_SESSIONS:
            return JSONResponse({"detail": "staff only"}, status_code=401)
        return await call_next(request)


class Articles(HTTPEndpoint):
    async def get(self, request):
        return JSONResponse({"articles": []})

    @requires("authenticated")
    async def post(self, request):
        return JSONResponse(await request.json(), status_code=201)


class Article(HTTPEndpoint):
    async def get(self, request):
        return JSONResponse({"slug": request.path_params["slug"]})

    @requires("editor")
    async def put(self, request):
        return JSONResponse({"slug": request.path_params["slug"], **(await request.json())})


async def staff_login(request):
    return JSONResponse({"ok": True})


async def moderation_queue(request):
    return JSONResponse({"queue": []})


backoffice = Starlette(
    routes=[
        Route("/login", staff_login, methods=["POST"]),  # route: POST /backoffice/login public
        Route("/moderation", moderation_queue),  # route: GET /backoffice/moderation authenticated
    ],
    middleware=[Middleware(StaffSessionMiddleware)],
)

app = Starlette(
    routes=[
        Route("/articles", Articles),  # route: GET /articles anonymous, POST /articles authenticated
        Route("/articles/{slug}", Article),  # route: GET /articles/{slug} anonymous, PUT /articles/{slug} authenticated
    ],
    middleware=[Middleware(AuthenticationMiddleware, backend=JWTBackend())],
)
app.mount("/backoffice", backoffice)
