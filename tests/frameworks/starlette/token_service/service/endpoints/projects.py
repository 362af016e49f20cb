"""Projects of an organisation, as HTTPEndpoint classes: one route per method they define."""

from starlette.endpoints import HTTPEndpoint
from starlette.responses import JSONResponse
from starlette.routing import Route


class ProjectList(HTTPEndpoint):
    async def get(self, request):
        return JSONResponse({"org": request.path_params["org_id"], "projects": []})

    async def post(self, request):
        payload = await request.json()
        return JSONResponse({"org": request.path_params["org_id"], **payload}, status_code=201)


class Project(HTTPEndpoint):
    async def get(self, request):
        return JSONResponse({"id": request.path_params["project_id"]})

    async def put(self, request):
        return JSONResponse({"id": request.path_params["project_id"], **(await request.json())})

    async def delete(self, request):
        return JSONResponse(None, status_code=204)


project_routes = [
    Route("/projects", ProjectList),  # route: GET /v1/orgs/{org_id:int}/projects authenticated, POST /v1/orgs/{org_id:int}/projects authenticated
    Route("/projects/{project_id:int}", Project),  # route: GET /v1/orgs/{org_id:int}/projects/{project_id:int} authenticated, PUT /v1/orgs/{org_id:int}/projects/{project_id:int} authenticated, DELETE /v1/orgs/{org_id:int}/projects/{project_id:int} authenticated
]
