"""Organisations, served twice: /api/v1/orgs and /api/v2/orgs (the registrations' prefixes)."""

from flask import Blueprint, jsonify, request
from flask_jwt_extended import get_jwt_identity, jwt_required

from .auth import require_api_key, roles_required

orgs = Blueprint("orgs", __name__, url_prefix="/organisations")


@orgs.get("/<int:org_id>")  # route: GET /api/v1/orgs/<int:org_id> authenticated, GET /api/v2/orgs/<int:org_id> authenticated
@jwt_required()
def get_org(org_id):
    return jsonify(id=org_id, owner=get_jwt_identity())


@orgs.get("/<int:org_id>/projects")  # route: GET /api/v1/orgs/<int:org_id>/projects anonymous, GET /api/v2/orgs/<int:org_id>/projects anonymous
@jwt_required(optional=True)
def list_projects(org_id):
    viewer = get_jwt_identity()  # None for anonymous callers: they see public projects
    return jsonify(org=org_id, viewer=viewer, projects=[])


@orgs.delete("/<int:org_id>")  # route: DELETE /api/v1/orgs/<int:org_id> authenticated, DELETE /api/v2/orgs/<int:org_id> authenticated
@roles_required("owner", "admin")
def delete_org(org_id):
    return "", 204


@orgs.post("/<int:org_id>/sync")  # route: POST /api/v1/orgs/<int:org_id>/sync authenticated, POST /api/v2/orgs/<int:org_id>/sync authenticated
@require_api_key
def sync_org(org_id):
    return jsonify(org=org_id, queued=len(request.get_json()["records"])), 202
