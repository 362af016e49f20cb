"""An app-wide guard that lets `public` handlers through (the opt of the closest layer wins), a router
guard that only logs, and routers nested inline and by variable."""

import hmac
import logging
import os

from litestar import Litestar, Router, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

log = logging.getLogger("catalog")
SERVICE_TOKEN = os.environ.get("CATALOG_SERVICE_TOKEN", "")
PRODUCTS: dict[int, dict] = {}


def require_service_token(connection: ASGIConnection, route_handler: BaseRouteHandler) -> None:
    if route_handler.opt.get("public"):
        return
    supplied = connection.headers.get("x-service-token", "")
    if not SERVICE_TOKEN or not hmac.compare_digest(supplied, SERVICE_TOKEN):
        raise NotAuthorizedException("a service token is required")


def log_access(connection: ASGIConnection, route_handler: BaseRouteHandler) -> None:
    # records who reads the catalog; lets everyone through
    log.info("%s %s from %s", connection.scope["method"], connection.url.path, connection.client)


@get("/healthz", public=True)  # route: GET /healthz public
async def healthz() -> dict:
    return {"status": "ok"}


@get("/")  # route: GET /products anonymous
async def list_products(category: str | None = None) -> list[dict]:
    return [p for p in PRODUCTS.values() if category in (None, p.get("category"))]


@get("/{product_id:int}")  # route: GET /products/{product_id:int} anonymous
async def get_product(product_id: int) -> dict:
    return PRODUCTS.get(product_id, {})


@post("/", opt={"public": False})  # route: POST /products authenticated
async def create_product(data: dict) -> dict:
    PRODUCTS[len(PRODUCTS) + 1] = data
    return data


@post("/reindex")  # route: POST /internal/reindex authenticated
async def reindex() -> dict:
    return {"reindexed": len(PRODUCTS)}


@put("/{sku:str}")  # route: PUT /internal/stock/{sku:str} authenticated
async def set_stock(sku: str, data: dict) -> dict:
    return {"sku": sku, **data}


@delete("/{sku:str}")  # route: DELETE /internal/stock/{sku:str} authenticated
async def drop_stock(sku: str) -> None:
    return None


products = Router(path="/products", guards=[log_access], opt={"public": True}, route_handlers=[list_products, get_product, create_product])

app = Litestar(
    route_handlers=[
        healthz,
        products,
        Router(path="/internal", route_handlers=[reindex, Router(path="/stock", route_handlers=[set_stock, drop_stock])]),
    ],
    guards=[require_service_token],
)
