"""Controllers with a path and guards, and routers, under `Litestar(path="/api")`; the app's own guard only audits."""

import logging
from uuid import UUID

from litestar import Controller, Litestar, Request, Router, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

audit = logging.getLogger("audit")
SESSIONS: dict[str, dict] = {}


def audit_request(connection: ASGIConnection, route_handler: BaseRouteHandler) -> None:
    audit.info("%s %s", connection.scope["method"], connection.url.path)


def require_member(connection: ASGIConnection, route_handler: BaseRouteHandler) -> None:
    member = SESSIONS.get(connection.cookies.get("session", ""))
    if member is None:
        raise NotAuthorizedException("sign in first")
    connection.state.member = member


def require_admin(connection: ASGIConnection, route_handler: BaseRouteHandler) -> None:
    member = SESSIONS.get(connection.cookies.get("session", ""))
    if member is None:
        raise NotAuthorizedException("sign in first")
    if not member.get("admin"):
        raise PermissionDeniedException("administrators only")


class ProjectController(Controller):
    path = "/projects"
    guards = [require_member]

    @get()  # route: GET /api/projects authenticated
    async def list_projects(self, request: Request) -> list[dict]:
        return [{"owner": request.state.member["id"]}]

    @post()  # route: POST /api/projects authenticated
    async def create_project(self, data: dict) -> dict:
        return data

    @patch("/{project_id:uuid}")  # route: PATCH /api/projects/{project_id:uuid} authenticated
    async def rename_project(self, project_id: UUID, data: dict) -> dict:
        return {"id": str(project_id), **data}

    @delete("/{project_id:uuid}", guards=[require_admin])  # route: DELETE /api/projects/{project_id:uuid} authenticated
    async def delete_project(self, project_id: UUID) -> None:
        return None


class ShowcaseController(Controller):
    path = "/showcase"

    @get("/{project_id:uuid}")  # route: GET /api/public/showcase/{project_id:uuid} anonymous
    async def showcase(self, project_id: UUID) -> dict:
        return {"id": str(project_id), "featured": True}

    @get("/featured", guards=[require_member])  # route: GET /api/public/showcase/featured authenticated
    async def featured_for_me(self) -> list[dict]:
        return []


@get("/ping")  # route: GET /api/ping public
async def ping() -> str:
    return "pong"


@post("/export")  # route: POST /api/account/export authenticated
async def export_account(request: Request) -> dict:
    return {"member": request.state.member["id"], "status": "queued"}


public = Router(path="/public", route_handlers=[ShowcaseController])
account = Router(path="/account", guards=[require_member], route_handlers=[export_account])

app = Litestar(path="/api", route_handlers=[ping, ProjectController, public, account], guards=[audit_request])
