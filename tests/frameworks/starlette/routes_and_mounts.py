"""Route lists with Mount(routes=...), a mounted sub-app, websockets, add_route; a backend that lets anonymous in."""

from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser, requires
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute

SESSIONS = {}


class SessionBackend(AuthenticationBackend):
    async def authenticate(self, conn):
        user = SESSIONS.get(conn.cookies.get("session", ""))
        if user is None:
            return None  # anonymous: the request goes on with request.user unauthenticated
        return AuthCredentials(["authenticated"]), SimpleUser(user)


@requires("authenticated")
async def list_orgs(request):
    return JSONResponse([{"owner": request.user.display_name}])


@requires("authenticated", status_code=401)
async def create_org(request):
    return JSONResponse(await request.json(), status_code=201)


async def get_org(request):
    return JSONResponse({"id": request.path_params["org_id"]})


async def me(request):
    if not request.user.is_authenticated:
        return JSONResponse({"detail": "login required"}, status_code=401)
    return JSONResponse({"user": request.user.display_name})


async def ticker(websocket):
    await websocket.accept()
    await websocket.send_json({"price": 1, "viewer": websocket.user.display_name or None})


@requires("authenticated")
async def notifications(websocket):
    await websocket.accept()
    await websocket.send_json({"user": websocket.user.display_name})


async def health(request):
    return JSONResponse({"status": "ok"})


async def login(request):
    return JSONResponse({"session": "..."})


status_app = Starlette(routes=[Route("/health", health)])  # route: GET /status/health public

app = Starlette(
    routes=[
        Mount(
            "/api",
            routes=[
                Route("/orgs", list_orgs),  # route: GET /api/orgs authenticated
                Route("/orgs", create_org, methods=["POST"]),  # route: POST /api/orgs authenticated
                Route("/orgs/{org_id:int}", get_org),  # route: GET /api/orgs/{org_id:int} anonymous
                Route("/me", me),  # route: GET /api/me authenticated
            ],
        ),
        Mount("/status", app=status_app),
        WebSocketRoute("/ws/ticker", ticker),  # route: WEBSOCKET /ws/ticker anonymous
        WebSocketRoute("/ws/notifications", notifications),  # route: WEBSOCKET /ws/notifications authenticated
    ],
    middleware=[Middleware(AuthenticationMiddleware, backend=SessionBackend())],
)
app.add_route("/login", login, methods=["GET", "POST"])  # route: GET /login public, POST /login public
