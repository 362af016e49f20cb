"""A parent blueprint's before_request guards its nested blueprints; siblings and app routes are not guarded."""

import hmac
import os

from flask import Blueprint, Flask, abort, jsonify, request

API_TOKEN = os.environ["API_TOKEN"]
OPEN_ENDPOINTS = ("api.webhooks.stripe",)

api = Blueprint("api", __name__, url_prefix="/api")
invoices = Blueprint("invoices", __name__, url_prefix="/orgs/<int:org_id>/invoices")
webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks")
widgets = Blueprint("widgets", __name__, url_prefix="/widgets")


@api.before_request
def require_token():
    if request.endpoint in OPEN_ENDPOINTS:
        return None  # Stripe signs its deliveries; the view verifies the signature
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(supplied, API_TOKEN):
        abort(401)
    return None


@api.get("/me")  # route: GET /api/me authenticated
def me():
    return jsonify(token="valid")


@invoices.get("")  # route: GET /api/orgs/<int:org_id>/invoices authenticated
def list_invoices(org_id):
    return jsonify(org=org_id, invoices=[])


@invoices.post("/<int:invoice_id>/void")  # route: POST /api/orgs/<int:org_id>/invoices/<int:invoice_id>/void authenticated
def void_invoice(org_id, invoice_id):
    return jsonify(org=org_id, id=invoice_id, status="void")


@webhooks.post("/stripe")  # route: POST /api/webhooks/stripe anonymous
def stripe():
    return jsonify(received=len(request.get_data()))


@widgets.get("/<int:widget_id>/embed")  # route: GET /embed/<int:widget_id>/embed anonymous
def embed(widget_id):
    return jsonify(id=widget_id, html="<div></div>")


app = Flask(__name__)
api.register_blueprint(invoices)
api.register_blueprint(webhooks)
app.register_blueprint(api)
app.register_blueprint(widgets, url_prefix="/embed")  # a sibling of api: its hook does not run here


@app.get("/ready")  # route: GET /ready public
def ready():
    return "ok"
