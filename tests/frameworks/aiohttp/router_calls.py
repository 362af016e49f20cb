"""`app.router.add_*` calls and a class-based View behind a token middleware with an exemption list."""

import hmac
import os

from aiohttp import web

API_TOKENS = [t for t in os.environ.get("DEVICE_API_TOKENS", "").split(",") if t]
PUBLIC_PATHS = ("/healthz", "/auth/login")


@web.middleware
async def require_token(request: web.Request, handler):
    if request.path in PUBLIC_PATHS or request.path.startswith("/public/"):
        return await handler(request)
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not any(hmac.compare_digest(supplied, token) for token in API_TOKENS):
        raise web.HTTPUnauthorized(reason="missing or invalid token")
    return await handler(request)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def login(request: web.Request) -> web.Response:
    body = await request.json()
    return web.json_response({"token": "...", "user": body.get("username")})


async def pricing(request: web.Request) -> web.Response:
    return web.json_response({"plans": ["hobby", "fleet"]})


async def list_devices(request: web.Request) -> web.Response:
    return web.json_response({"devices": [], "site": request.query.get("site")})


async def register_device(request: web.Request) -> web.Response:
    return web.json_response(await request.json(), status=201)


async def push_config(request: web.Request) -> web.Response:
    return web.json_response({"device": request.match_info["device_id"], "config": await request.json()})


class DeviceView(web.View):
    async def get(self) -> web.Response:
        return web.json_response({"id": self.request.match_info["device_id"]})

    async def patch(self) -> web.Response:
        return web.json_response({"id": self.request.match_info["device_id"], **(await self.request.json())})

    async def delete(self) -> web.Response:
        return web.Response(status=204)


app = web.Application(middlewares=[require_token])
app.router.add_get("/healthz", healthz)  # route: GET /healthz public
app.router.add_post("/auth/login", login)  # route: POST /auth/login public
app.router.add_get("/public/pricing", pricing)  # route: GET /public/pricing anonymous
app.router.add_get("/devices", list_devices)  # route: GET /devices authenticated
app.router.add_post("/devices", register_device)  # route: POST /devices authenticated
app.router.add_route("PUT", "/devices/{device_id}/config", push_config)  # route: PUT /devices/{device_id}/config authenticated
app.router.add_view("/devices/{device_id}", DeviceView)  # route: GET /devices/{device_id} authenticated, PATCH /devices/{device_id} authenticated, DELETE /devices/{device_id} authenticated

if __name__ == "__main__":
    web.run_app(app, port=int(os.environ.get("PORT", "8080")))
