"""An http middleware that answers 401 without a valid token, except for its public paths."""

import os

import jwt
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

SECRET = os.environ["JWT_SECRET"]
PUBLIC_PATHS = {"/health", "/docs", "/openapi.json", "/api/v1/auth/login"}

app = FastAPI()
router = APIRouter(prefix="/api/v1")


@app.middleware("http")
async def authenticate(request: Request, call_next):
    if request.url.path in PUBLIC_PATHS or request.url.path.startswith("/public/"):
        return await call_next(request)
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    try:
        request.state.user = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return JSONResponse({"detail": "unauthorized"}, status_code=401)
    return await call_next(request)


@app.get("/health")  # route: GET /health public
def health():
    return {"status": "ok"}


@app.get("/public/changelog")  # route: GET /public/changelog anonymous
def changelog():
    return {"entries": []}


@router.post("/auth/login")  # route: POST /api/v1/auth/login public
def login(username: str, password: str):
    return {"access_token": jwt.encode({"sub": username}, SECRET, algorithm="HS256")}


@router.api_route("/projects", methods=["GET", "POST"])  # route: GET /api/v1/projects authenticated, POST /api/v1/projects authenticated
async def projects(request: Request):
    return {"owner": request.state.user["sub"], "projects": []}


def delete_project(project_id: int):
    return {"deleted": project_id}


router.add_api_route("/projects/{project_id}", delete_project, methods=["DELETE"])  # route: DELETE /api/v1/projects/{project_id} authenticated
app.include_router(router)
