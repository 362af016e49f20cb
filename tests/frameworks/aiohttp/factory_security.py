"""An app built in `async def create_app()` from `web.get(...)` lists; aiohttp-security checks in the
handlers (`check_authorized`, `check_permission`); `authorized_userid` alone rejects nobody."""

import os

from aiohttp import web
from aiohttp_security import (
    AbstractAuthorizationPolicy,
    CookiesIdentityPolicy,
    authorized_userid,
    check_authorized,
    check_permission,
    remember,
    setup as setup_security,
)

USERS = {"ada": {"password": os.environ.get("ADA_PASSWORD", ""), "permissions": {"publish"}}}


class UserPolicy(AbstractAuthorizationPolicy):
    async def authorized_userid(self, identity):
        return identity if identity in USERS else None

    async def permits(self, identity, permission, context=None):
        return identity in USERS and permission in USERS[identity]["permissions"]


async def sign_in(request: web.Request) -> web.Response:
    form = await request.post()
    response = web.json_response({"ok": True})
    await remember(request, response, str(form.get("username", "")))
    return response


async def list_posts(request: web.Request) -> web.Response:
    reader = await authorized_userid(request)
    return web.json_response({"posts": [], "drafts_visible": reader is not None})


async def create_draft(request: web.Request) -> web.Response:
    author = await check_authorized(request)
    return web.json_response({"author": author, **(await request.json())}, status=201)


async def publish(request: web.Request) -> web.Response:
    await check_permission(request, "publish")
    return web.json_response({"published": request.match_info["post_id"]})


async def ping(request: web.Request) -> web.Response:
    return web.Response(text="pong")


async def create_app() -> web.Application:
    app = web.Application(client_max_size=2 * 1024**2)
    setup_security(app, CookiesIdentityPolicy(), UserPolicy())
    app.add_routes(
        [
            web.get("/ping", ping),  # route: GET /ping public
            web.post("/signin", sign_in),  # route: POST /signin public
            web.get("/posts", list_posts),  # route: GET /posts anonymous
            web.post("/drafts", create_draft),  # route: POST /drafts authenticated
            web.post("/posts/{post_id}/publish", publish),  # route: POST /posts/{post_id}/publish authenticated
        ]
    )
    return app


if __name__ == "__main__":
    web.run_app(create_app(), port=int(os.environ.get("PORT", "8080")))
