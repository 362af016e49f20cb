"""The served app: an app-level dependency that only tags requests, the v1 router under settings.API_V1_STR."""

import uuid

from fastapi import Depends, FastAPI, Request

from .api.v1 import api_router
from .core.config import settings


async def request_id(request: Request) -> str:
    request.state.request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
    return request.state.request_id


app = FastAPI(title=settings.PROJECT_NAME, dependencies=[Depends(request_id)])


@app.get("/health")  # route: GET /health public
async def health():
    return {"status": "ok"}


app.include_router(api_router, prefix=settings.API_V1_STR)
