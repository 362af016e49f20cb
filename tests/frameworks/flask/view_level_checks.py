"""Checks inside the view: a session-backed g.user, a redirect to the login page, an optional JWT made mandatory."""

from flask import Flask, abort, g, jsonify, redirect, request, session, url_for
from flask_jwt_extended import JWTManager, get_jwt_identity, jwt_required

app = Flask(__name__)
app.config.from_prefixed_env()
JWTManager(app)
USERS = {}


@app.before_request
def load_user():
    g.user = USERS.get(session.get("user_id"))


@app.get("/login")  # route: GET /login public
def login():
    return "<form method='post'>...</form>"


@app.get("/settings")  # route: GET /settings authenticated
def settings():
    if g.user is None:
        abort(401)
    return jsonify(email=g.user["email"])


@app.get("/dashboard")  # route: GET /dashboard authenticated
def dashboard():
    if "user_id" not in session:
        return redirect(url_for("login", next=request.path))
    return jsonify(widgets=[])


@app.get("/orders/<int:order_id>")  # route: GET /orders/<int:order_id> authenticated
@jwt_required(optional=True)
def get_order(order_id):
    customer = get_jwt_identity()
    if customer is None:
        abort(401)
    return jsonify(id=order_id, customer=customer)


@app.get("/menu")  # route: GET /menu anonymous
def menu():
    return jsonify(greeting=f"hello {g.user['name']}" if g.user else "hello", items=[])
