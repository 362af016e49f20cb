"""Class-based views and add_url_rule, protected with Flask-HTTPAuth."""

from flask import Flask, jsonify, request
from flask.views import MethodView, View
from flask_httpauth import HTTPBasicAuth, HTTPTokenAuth
from werkzeug.security import check_password_hash

app = Flask(__name__)
basic = HTTPBasicAuth()
token_auth = HTTPTokenAuth(scheme="Bearer")
AUDITORS = {"ines": "pbkdf2:sha256:600000$salt$hash"}
TOKENS = {}


@basic.verify_password
def verify_password(username, password):
    if username in AUDITORS and check_password_hash(AUDITORS[username], password):
        return username
    return None


@token_auth.verify_token
def verify_token(token):
    return TOKENS.get(token)


class ItemListAPI(MethodView):
    init_every_request = False

    def get(self):
        return jsonify(items=[], page=request.args.get("page", 1, type=int))

    @token_auth.login_required
    def post(self):
        return jsonify(request.get_json()), 201


class ItemAPI(MethodView):
    decorators = [token_auth.login_required]

    def get(self, item_id):
        return jsonify(id=item_id)

    def patch(self, item_id):
        return jsonify(id=item_id, **request.get_json())

    def delete(self, item_id):
        return "", 204


class ArchivedItemAPI(ItemAPI):
    """Inherits get/patch/delete and ItemAPI.decorators."""


class AuditLogView(View):
    decorators = [basic.login_required(role="auditor")]

    def dispatch_request(self):
        return jsonify(entries=[])


def ping():
    return "pong"


@token_auth.login_required(optional=True)
def stats():
    return jsonify(viewer=token_auth.current_user(), items=0)


app.add_url_rule("/ping", view_func=ping)  # route: GET /ping public
app.add_url_rule("/stats", "stats", stats)  # route: GET /stats anonymous
app.add_url_rule("/items", view_func=ItemListAPI.as_view("items"))  # route: GET /items anonymous, POST /items authenticated
app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))  # route: GET /items/<int:item_id> authenticated, PATCH /items/<int:item_id> authenticated, DELETE /items/<int:item_id> authenticated
app.add_url_rule("/archive/<int:item_id>", view_func=ArchivedItemAPI.as_view("archived"))  # route: GET /archive/<int:item_id> authenticated, PATCH /archive/<int:item_id> authenticated, DELETE /archive/<int:item_id> authenticated
app.add_url_rule("/audit-log", view_func=AuditLogView.as_view("audit_log"), methods=["GET"])  # route: GET /audit-log authenticated
