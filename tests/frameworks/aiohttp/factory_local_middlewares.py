"""The middlewares of an app built in a factory from a local list,
`middlewares = [...]; web.Application(middlewares=middlewares)`, guard its routes."""

import os

from aiohttp import web

API_TOKEN = os.environ.get("API_TOKEN", "")


@web.middleware
async def require_token(request: web.Request, handler):
    if not API_TOKEN or request.headers.get("Authorization") != f"Bearer {API_TOKEN}":
        raise web.HTTPUnauthorized()
    return await handler(request)


async def list_reports(request: web.Request) -> web.Response:
    return web.json_response({"reports": []})


async def create_app() -> web.Application:
    middlewares = [require_token]
    app = web.Application(middlewares=middlewares)
    app.router.add_get("/reports", list_reports)  # route: GET /reports authenticated
    return app
