"""BaseHTTPMiddleware only sees HTTP requests: websocket routes behind it are not authenticated by it."""

import os

import jwt
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

SECRET = os.environ["JWT_SECRET"]


class BearerMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        try:
            request.state.claims = jwt.decode(request.headers.get("authorization", "")[7:], SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return JSONResponse({"detail": "unauthorized"}, status_code=401)
        return await call_next(request)


async def list_rooms(request):
    return JSONResponse({"rooms": [], "user": request.state.claims["sub"]})


async def room_socket(websocket):
    # BaseHTTPMiddleware passes websocket scopes straight through: nobody checked a token
    await websocket.accept()
    async for message in websocket.iter_text():
        await websocket.send_text(message)


app = Starlette(
    routes=[
        Route("/rooms", list_rooms),  # route: GET /rooms authenticated
        WebSocketRoute("/rooms/{room_id}/ws", room_socket),  # route: WEBSOCKET /rooms/{room_id}/ws anonymous
    ],
    middleware=[Middleware(BearerMiddleware)],
)
