"""`@app.middleware("http")` never sees websocket connections: a websocket route needs its own check."""

import os

import jwt
from fastapi import APIRouter, FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

SECRET = os.environ["JWT_SECRET"]
app = FastAPI()
chat = APIRouter(prefix="/chat")


@app.middleware("http")
async def require_token(request: Request, call_next):
    if request.url.path == "/health":
        return await call_next(request)
    try:
        request.state.user = jwt.decode(request.headers.get("authorization", "")[7:], SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return JSONResponse({"detail": "unauthorized"}, status_code=401)
    return await call_next(request)


@app.get("/health")  # route: GET /health public
def health():
    return {"ok": True}


@chat.get("/rooms")  # route: GET /chat/rooms authenticated
def list_rooms(request: Request):
    return {"rooms": [], "user": request.state.user["sub"]}


@chat.websocket("/rooms/{room_id}")  # route: WEBSOCKET /chat/rooms/{room_id} anonymous
async def room(websocket: WebSocket, room_id: str):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(f"{room_id}: {await websocket.receive_text()}")
    except WebSocketDisconnect:
        pass


app.include_router(chat)
