"""A sub-app that an async helper builds, `app.add_subapp("/v1/", await create_api())`, is
served under the prefix and behind the parent's middleware."""

from aiohttp import web


@web.middleware
async def require_token(request: web.Request, handler):
    if "Authorization" not in request.headers:
        raise web.HTTPUnauthorized()
    return await handler(request)


async def list_items(request: web.Request) -> web.Response:
    return web.json_response({"items": []})


async def create_api() -> web.Application:
    api = web.Application()
    api.router.add_get("/items", list_items)  # route: GET /v1/items authenticated
    return api


async def create_app() -> web.Application:
    app = web.Application(middlewares=[require_token])
    app.add_subapp("/v1/", await create_api())
    return app
