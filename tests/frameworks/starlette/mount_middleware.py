"""Middleware declared on a Mount or on a single Route wraps only what it is declared on."""

import hmac
import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

OPS_TOKEN = os.environ["OPS_TOKEN"]


class OpsTokenMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if not hmac.compare_digest(request.headers.get("x-ops-token", ""), OPS_TOKEN):
            return JSONResponse({"detail": "ops token required"}, status_code=401)
        return await call_next(request)


async def list_jobs(request):
    return JSONResponse({"jobs": []})


async def retry_job(request):
    return JSONResponse({"retried": request.path_params["job_id"]})


async def reindex(request):
    return JSONResponse({"started": True}, status_code=202)


async def search(request):
    return JSONResponse({"q": request.query_params.get("q"), "hits": []})


app = Starlette(
    routes=[
        Route("/search", search),  # route: GET /search anonymous
        Route("/search/reindex", reindex, methods=["POST"], middleware=[Middleware(OpsTokenMiddleware)]),  # route: POST /search/reindex authenticated
        Mount(
            "/ops",
            routes=[
                Route("/jobs", list_jobs),  # route: GET /ops/jobs authenticated
                Route("/jobs/{job_id}/retry", retry_job, methods=["POST"]),  # route: POST /ops/jobs/{job_id}/retry authenticated
            ],
            middleware=[Middleware(OpsTokenMiddleware)],
        ),
    ]
)
