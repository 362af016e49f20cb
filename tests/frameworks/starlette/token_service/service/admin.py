"""Admin endpoints on a Router mounted under /admin."""

from starlette.authentication import requires
from starlette.responses import JSONResponse
from starlette.routing import Route, Router


@requires("admin")
async def list_users(request):
    return JSONResponse({"users": []})


async def delete_user(request):
    return JSONResponse(None, status_code=204)


admin_router = Router(
    routes=[
        Route("/users", list_users),  # route: GET /admin/users authenticated
        Route("/users/{user_id}", delete_user, methods=["DELETE"]),  # route: DELETE /admin/users/{user_id} authenticated
    ]
)
