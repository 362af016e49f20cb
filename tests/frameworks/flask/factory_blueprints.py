"""A create_app factory with blueprints: construction prefixes, registration prefixes, nesting."""

from flask import Blueprint, Flask, abort, jsonify, request
from flask_login import LoginManager, current_user, login_required, login_user

login_manager = LoginManager()

accounts = Blueprint("accounts", __name__, url_prefix="/accounts")
api = Blueprint("api", __name__, url_prefix="/api")
orgs = Blueprint("orgs", __name__, url_prefix="/orgs")
billing = Blueprint("billing", __name__, url_prefix="/billing")
legacy = Blueprint("legacy", __name__, url_prefix="/old")


@accounts.post("/login")  # route: POST /accounts/login public
def login():
    payload = request.get_json()
    user = login_manager._user_callback(payload["email"])
    login_user(user)
    return jsonify(id=user.id)


@accounts.get("/me")  # route: GET /accounts/me authenticated
@login_required
def me():
    return jsonify(id=current_user.id, email=current_user.email)


@orgs.route("", methods=["GET", "POST"])  # route: GET /api/v2/orgs authenticated, POST /api/v2/orgs authenticated
@login_required
def orgs_collection():
    return jsonify([])


@orgs.get("/<int:org_id>/members")  # route: GET /api/v2/orgs/<int:org_id>/members authenticated
def list_members(org_id):
    # the check in the view rejects anonymous callers
    if not current_user.is_authenticated:
        abort(401)
    return jsonify(org=org_id, members=[])


@billing.get("/<int:org_id>/invoices")  # route: GET /api/v2/billing/<int:org_id>/invoices authenticated
@login_required
def list_invoices(org_id):
    return jsonify(org=org_id, invoices=[])


@login_required  # above the route decorator: Flask registered the bare view
@legacy.get("/exports/<int:export_id>")  # route: GET /v1/exports/<int:export_id> anonymous
def download_export(export_id):
    return jsonify(id=export_id, url=f"/files/{export_id}.csv")


def create_app(config_object="settings.ProductionConfig"):
    app = Flask(__name__)
    app.config.from_object(config_object)
    login_manager.init_app(app)

    @app.get("/health")  # route: GET /health public
    def health():
        return {"status": "ok"}

    @app.get("/profile/<username>")  # route: GET /profile/<username> authenticated
    def profile(username):
        if not current_user.is_authenticated:
            abort(401)
        return jsonify(username=username)

    app.register_blueprint(accounts)
    api.register_blueprint(orgs)  # nested: /api/v2 + /orgs
    api.register_blueprint(billing, url_prefix="/billing")
    app.register_blueprint(api, url_prefix="/api/v2")  # replaces the blueprint's own /api
    app.register_blueprint(legacy, url_prefix="/v1")  # replaces /old
    return app
