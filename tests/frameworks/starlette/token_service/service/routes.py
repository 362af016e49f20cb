"""The route table, assembled from the endpoint modules."""

from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from .admin import admin_router
from .endpoints.projects import project_routes
from .endpoints.tokens import issue_token


async def healthz(request):
    return JSONResponse({"ok": True})


v1_routes = [
    Route("/auth/token", issue_token, methods=["POST"]),  # route: POST /v1/auth/token public
    Mount("/orgs/{org_id:int}", routes=project_routes),
]

routes = [
    Route("/healthz", healthz),  # route: GET /healthz public
    Mount("/v1", routes=v1_routes),
    Mount("/admin", app=admin_router),
]
