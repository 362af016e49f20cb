"""A router guard that answers 401 to a caller without a session, then 403 to a member
who is not an admin, authenticates the routes under it."""

from litestar import Litestar, Router, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

SESSIONS: dict[str, dict] = {}


def require_admin(connection: ASGIConnection, route_handler: BaseRouteHandler) -> None:
    member = SESSIONS.get(connection.cookies.get("session", ""))
    if member is None:
        raise NotAuthorizedException("sign in first")
    if not member.get("admin"):
        raise PermissionDeniedException("administrators only")



@post("/cache/purge")  # route: POST /admin/cache/purge authenticated
async def purge_cache() -> dict:
    return {"purged": True}


app = Litestar(route_handlers=[Router(path="/admin", guards=[require_admin], route_handlers=[purge_cache])])
