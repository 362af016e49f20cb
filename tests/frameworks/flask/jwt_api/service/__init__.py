"""The service's factory: JWT for the API, an API key for partners, a staff-only admin area."""

from flask import Flask, jsonify, request
from flask_jwt_extended import JWTManager, create_access_token, get_jwt_identity, jwt_required

from .admin import admin
from .catalog import catalog
from .orgs import orgs

jwt = JWTManager()


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()
    jwt.init_app(app)

    @app.get("/healthz")  # route: GET /healthz public
    def healthz():
        return jsonify(status="ok")

    @app.post("/auth/token")  # route: POST /auth/token public
    def issue_token():
        body = request.get_json()
        return jsonify(access_token=create_access_token(identity=body["username"]))

    @app.post("/auth/refresh")  # route: POST /auth/refresh authenticated
    @jwt_required(refresh=True)
    def refresh():
        return jsonify(access_token=create_access_token(identity=get_jwt_identity()))

    app.register_blueprint(orgs, url_prefix="/api/v1/orgs")
    app.register_blueprint(orgs, url_prefix="/api/v2/orgs", name="orgs_v2")
    app.register_blueprint(admin, url_prefix="/admin")
    app.register_blueprint(catalog)
    return app
