"""A RouteTableDef for the public site, whose middleware only attaches the user; an /admin/ sub-app
whose own middleware rejects (it guards the sub-app's routes, never the parent's)."""

import hmac
import os

from aiohttp import web

SESSIONS: dict[str, dict] = {}
ADMIN_TOKEN = os.environ.get("ADMIN_TOKEN", "")
routes = web.RouteTableDef()


@web.middleware
async def attach_user(request: web.Request, handler):
    # remembers who the session cookie says the caller is; never rejects
    request["user"] = SESSIONS.get(request.cookies.get("session", ""))
    return await handler(request)


@web.middleware
async def require_admin_token(request: web.Request, handler):
    if request.path == "/admin/login":
        return await handler(request)
    supplied = request.headers.get("X-Admin-Token", "")
    if not ADMIN_TOKEN or not hmac.compare_digest(supplied, ADMIN_TOKEN):
        raise web.HTTPUnauthorized()
    return await handler(request)


@routes.get("/recipes")  # route: GET /recipes anonymous
async def list_recipes(request: web.Request) -> web.Response:
    return web.json_response({"recipes": [], "viewer": request["user"]})


@routes.post("/recipes/{recipe_id}/ratings")  # route: POST /recipes/{recipe_id}/ratings anonymous
async def rate_recipe(request: web.Request) -> web.Response:
    return web.json_response({"recipe": request.match_info["recipe_id"], **(await request.json())}, status=201)


@routes.view("/notes/{note_id}")  # route: GET /notes/{note_id} anonymous, PUT /notes/{note_id} anonymous
class NoteView(web.View):
    async def get(self) -> web.Response:
        return web.json_response({"id": self.request.match_info["note_id"]})

    async def put(self) -> web.Response:
        return web.json_response({"id": self.request.match_info["note_id"], **(await self.request.json())})


async def dashboard(request: web.Request) -> web.Response:
    return web.json_response({"recipes": 0, "users": len(SESSIONS)})


async def admin_login(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def ban_user(request: web.Request) -> web.Response:
    SESSIONS.pop(request.match_info["user_id"], None)
    return web.Response(status=204)


admin = web.Application(middlewares=[require_admin_token])
admin.add_routes(
    [
        web.get("/", dashboard),  # route: GET /admin/ authenticated
        web.post("/login", admin_login),  # route: POST /admin/login public
        web.delete("/users/{user_id}", ban_user),  # route: DELETE /admin/users/{user_id} authenticated
    ]
)

app = web.Application(middlewares=[attach_user])
app.add_routes(routes)
app.add_subapp("/admin/", admin)
