"""An API sub-app, built by a helper, under `add_subapp("/v1/", ...)`: the parent's key middleware guards
its routes (but the exempt ones); the sub-app's own middleware only times requests."""

import hashlib
import logging
import os
import time

from aiohttp import web

log = logging.getLogger("api")
KEY_DIGESTS = {hashlib.sha256(k.encode()).hexdigest() for k in os.environ.get("API_KEYS", "").split(",") if k}
OPEN_PREFIXES = ("/livez", "/v1/docs/")


@web.middleware
async def api_key_required(request: web.Request, handler):
    if request.path.startswith(OPEN_PREFIXES):
        return await handler(request)
    key = request.headers.get("X-API-Key", "")
    if hashlib.sha256(key.encode()).hexdigest() not in KEY_DIGESTS:
        raise web.HTTPUnauthorized(text="an API key is required")
    return await handler(request)


@web.middleware
async def timing(request: web.Request, handler):
    started = time.monotonic()
    response = await handler(request)
    log.info("%s %s took %.3fs", request.method, request.path, time.monotonic() - started)
    return response


async def livez(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def openapi_guide(request: web.Request) -> web.Response:
    return web.Response(text="# Getting started")


async def list_invoices(request: web.Request) -> web.Response:
    return web.json_response({"invoices": [], "status": request.query.get("status")})


class InvoiceView(web.View):
    async def get(self) -> web.Response:
        return web.json_response({"id": self.request.match_info["invoice_id"]})

    async def post(self) -> web.Response:
        return web.json_response({"id": self.request.match_info["invoice_id"], "action": "refund"})


def create_api() -> web.Application:
    api = web.Application(middlewares=[timing])
    api.router.add_get("/invoices", list_invoices)  # route: GET /v1/invoices authenticated
    api.router.add_view(r"/invoices/{invoice_id:\d+}", InvoiceView)  # route: GET /v1/invoices/{invoice_id:\d+} authenticated, POST /v1/invoices/{invoice_id:\d+} authenticated
    api.router.add_get("/docs/guide", openapi_guide)  # route: GET /v1/docs/guide anonymous
    return api


app = web.Application()
app.middlewares.append(api_key_required)
app.router.add_get("/livez", livez)  # route: GET /livez public
app.add_subapp("/v1/", create_api())

if __name__ == "__main__":
    web.run_app(app)
