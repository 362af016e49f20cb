"""A pure-ASGI middleware that answers 401 without a valid API key, except for its exempt paths."""

import hmac
import os

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

API_KEYS = {k for k in os.environ.get("API_KEYS", "").split(",") if k}
EXEMPT_PATHS = ("/livez", "/readyz", "/public/status")


class ApiKeyMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        supplied = Headers(scope=scope).get("x-api-key", "")
        if not any(hmac.compare_digest(supplied, key) for key in API_KEYS):
            response = JSONResponse({"detail": "invalid or missing API key"}, status_code=401)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def livez(request):
    return JSONResponse({"status": "alive"})


async def readyz(request):
    return JSONResponse({"status": "ready"})


async def public_status(request):
    return JSONResponse({"incidents": []})


async def list_shipments(request):
    return JSONResponse({"shipments": [], "carrier": request.query_params.get("carrier")})


async def track_shipment(request):
    return JSONResponse({"id": request.path_params["shipment_id"], "status": "in transit"})


async def cancel_shipment(request):
    return JSONResponse(None, status_code=204)


app = Starlette(
    routes=[
        Route("/livez", livez),  # route: GET /livez public
        Route("/readyz", readyz),  # route: GET /readyz public
        Route("/public/status", public_status),  # route: GET /public/status anonymous
        Mount(
            "/shipments",
            routes=[
                Route("/", list_shipments),  # route: GET /shipments/ authenticated
                Route("/{shipment_id}", track_shipment),  # route: GET /shipments/{shipment_id} authenticated
                Route("/{shipment_id}", cancel_shipment, methods=["DELETE"]),  # route: DELETE /shipments/{shipment_id} authenticated
            ],
        ),
    ],
    middleware=[Middleware(ApiKeyMiddleware)],
)
