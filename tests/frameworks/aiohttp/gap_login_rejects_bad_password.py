"""Known gap: a sign-in handler that raises HTTPUnauthorized for a wrong password is still the public
way in (it needs no prior credentials); the raise is not an authentication check."""

import hmac

from aiohttp import web

USERS: dict[str, dict] = {}  # username -> {"id": ..., "password": ...} (hashed in real life)


async def login(request: web.Request) -> web.Response:
    body = await request.json()
    user = USERS.get(body.get("username", ""))
    if user is None or not hmac.compare_digest(body.get("password", ""), user["password"]):
        raise web.HTTPUnauthorized(reason="wrong username or password")
    return web.json_response({"token": "...", "user": user["id"]})


app = web.Application()
# today: the tool says authenticated (`if user is None ...: raise HTTPUnauthorized` reads as a check of the caller)
app.router.add_post("/login", login)  # want: POST /login public
