"""Known gap: a login handler that raises NotAuthorizedException for a wrong password is still the
public way in (it needs no prior credentials); the raise is not an authentication check."""

import hmac

from litestar import Litestar, Response, post
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import JWTAuth

USERS: dict[str, dict] = {}  # username -> {"id": ..., "password": ...} (hashed in real life)


async def retrieve_user(token, connection):
    return token.sub


jwt_auth = JWTAuth[str](retrieve_user_handler=retrieve_user, token_secret="change-me", exclude=["/login"])


# today: the tool says authenticated (`if user is None ...: raise NotAuthorizedException` reads as a check of the caller)
@post("/login")  # want: POST /login public
async def login(data: dict[str, str]) -> Response:
    user = USERS.get(data.get("username", ""))
    if user is None or not hmac.compare_digest(data.get("password", ""), user["password"]):
        raise NotAuthorizedException("wrong username or password")
    return jwt_auth.login(identifier=user["id"])


app = Litestar(route_handlers=[login], on_app_init=[jwt_auth.on_app_init])
