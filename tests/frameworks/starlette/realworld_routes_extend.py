# Routes appended with .extend() to the route list after its literal definition.
import os

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route


async def collections(request):
    return JSONResponse([])


async def admin_config(request):
    return JSONResponse({"config": {}})


api_routes = [Route("/collections", collections)]  # route: GET /collections anonymous
admin_routes = [Route("/admin/config", admin_config, methods=["GET", "PUT"])]  # route: GET /admin/config anonymous, PUT /admin/config anonymous

if os.environ.get("ENABLE_ADMIN"):
    api_routes.extend(admin_routes)

app = Starlette(routes=[Mount("/", routes=api_routes)])
