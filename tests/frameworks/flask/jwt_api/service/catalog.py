"""The public catalogue: its before_request only remembers who is calling, it rejects nobody."""

import jwt
from flask import Blueprint, current_app, g, jsonify, request

catalog = Blueprint("catalog", __name__, url_prefix="/catalog")


@catalog.before_request
def load_viewer():
    g.viewer = None
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if token:
        try:
            g.viewer = jwt.decode(token, current_app.config["JWT_SECRET_KEY"], algorithms=["HS256"])["sub"]
        except jwt.InvalidTokenError:
            g.viewer = None


@catalog.get("/products")  # route: GET /catalog/products anonymous
def list_products():
    return jsonify(products=[], viewer=g.viewer)


@catalog.get("/products/<int:product_id>")  # route: GET /catalog/products/<int:product_id> anonymous
def get_product(product_id):
    return jsonify(id=product_id)
