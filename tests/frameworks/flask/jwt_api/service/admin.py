"""Staff-only admin area: a before_request on the blueprint rejects, except for its public endpoints."""

import jwt
from flask import Blueprint, abort, current_app, g, jsonify, request

admin = Blueprint("admin", __name__)
PUBLIC_ENDPOINTS = {"admin.login", "admin.status"}


@admin.before_request
def require_staff():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    try:
        claims = jwt.decode(token, current_app.config["ADMIN_JWT_SECRET"], algorithms=["HS256"])
    except jwt.InvalidTokenError:
        abort(401)
    if not claims.get("staff"):
        abort(403)
    g.staff = claims["sub"]
    return None


@admin.post("/login")  # route: POST /admin/login public
def login():
    return jsonify(token="...")


@admin.get("/status")  # route: GET /admin/status anonymous
def status():
    return jsonify(maintenance=False)


@admin.get("/users")  # route: GET /admin/users authenticated
def list_users():
    return jsonify(users=[], by=g.staff)


@admin.post("/users/<int:user_id>/suspend")  # route: POST /admin/users/<int:user_id>/suspend authenticated
def suspend_user(user_id):
    return jsonify(id=user_id, suspended=True)
