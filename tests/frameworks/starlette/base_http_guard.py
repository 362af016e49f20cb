"""A BaseHTTPMiddleware added with add_middleware guards every route but its exempt paths; a Router under Mount."""

import hmac
import os

from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, Router

SERVICE_TOKEN = os.environ["SERVICE_TOKEN"]
OPEN_PATHS = ["/ping", "/auth/login"]


class ServiceTokenMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.url.path in OPEN_PATHS or request.url.path.startswith("/docs/"):
            return await call_next(request)
        supplied = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(supplied, SERVICE_TOKEN):
            return JSONResponse({"detail": "missing or invalid service token"}, status_code=401)
        return await call_next(request)


async def ping(request):
    return JSONResponse({"pong": True})


async def login(request):
    return JSONResponse({"token": "..."})


async def api_reference(request):
    return JSONResponse({"openapi": "3.1.0"})


async def list_invoices(request):
    return JSONResponse({"invoices": [], "status": request.query_params.get("status")})


async def refund_invoice(request):
    return JSONResponse({"refunded": request.path_params["invoice_id"]})


billing = Router(
    routes=[
        Route("/invoices", list_invoices),  # route: GET /billing/invoices authenticated
        Route("/invoices/{invoice_id:int}/refund", refund_invoice, methods=["POST"]),  # route: POST /billing/invoices/{invoice_id:int}/refund authenticated
    ]
)

app = Starlette(
    routes=[
        Route("/ping", ping),  # route: GET /ping public
        Route("/auth/login", login, methods=["POST"]),  # route: POST /auth/login public
        Route("/docs/reference", api_reference),  # route: GET /docs/reference anonymous
        Mount("/billing", app=billing),
    ]
)
app.add_middleware(ServiceTokenMiddleware)
