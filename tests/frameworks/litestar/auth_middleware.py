"""Two authentication middlewares: the partner API's raises without an API key (but for its excluded
docs and opted-out handlers); the site's returns an anonymous result for a visitor without a session."""

import hashlib
import os

from litestar import Litestar, Request, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

# "acme:key1,globex:key2" -> {sha256(key): partner}
PARTNER_KEYS = {hashlib.sha256(k.encode()).hexdigest(): p for p, _, k in (e.partition(":") for e in os.environ.get("PARTNER_KEYS", "").split(",")) if k}
SESSIONS: dict[str, dict] = {}


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        key = connection.headers.get("x-api-key")
        if not key:
            raise NotAuthorizedException("an API key is required")
        partner = PARTNER_KEYS.get(hashlib.sha256(key.encode()).hexdigest())
        if partner is None:
            raise NotAuthorizedException("unknown API key")
        return AuthenticationResult(user=partner, auth=key)


class VisitorSessionMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        sid = connection.cookies.get("sid", "")
        # a visitor without a (valid) session goes on as an anonymous user
        return AuthenticationResult(user=SESSIONS.get(sid), auth=sid or None)


@get("/articles")  # route: GET /articles anonymous
async def articles(request: Request) -> list[dict]:
    return [{"title": "Hello", "personalised": request.user is not None}]


@post("/articles/{slug:str}/comments")  # route: POST /articles/{slug:str}/comments anonymous
async def comment(slug: str, data: dict) -> dict:
    return {"article": slug, **data}


@get("/orders")  # route: GET /partners/orders authenticated
async def partner_orders(request: Request) -> list[dict]:
    return [{"partner": request.user}]


@post("/orders/{order_id:int}/ship")  # route: POST /partners/orders/{order_id:int}/ship authenticated
async def ship_order(order_id: int) -> dict:
    return {"order": order_id, "state": "shipped"}


@get("/catalog", exclude_from_auth=True)  # route: GET /partners/catalog anonymous
async def partner_catalog() -> list[dict]:
    return [{"sku": "A-100", "price": 1200}]


@get("/docs/quickstart")  # route: GET /partners/docs/quickstart anonymous
async def quickstart() -> str:
    return "Send your key in X-API-Key."


partners = Router(
    path="/partners",
    route_handlers=[partner_orders, ship_order, partner_catalog, quickstart],
    middleware=[DefineMiddleware(ApiKeyMiddleware, exclude=["^/partners/docs/"])],
)

app = Litestar(route_handlers=[articles, comment, partners], middleware=[VisitorSessionMiddleware])
