# The factory assigns the module-level `app` through `global app` before registering blueprints.
from flask import Blueprint, Flask
from flask_jwt_extended import jwt_required

bp = Blueprint("items", __name__)


@bp.route("/items")  # route: GET /items authenticated
@jwt_required()
def list_items():
    return {"items": []}


app = None


def create_app():
    global app
    app = Flask(__name__)
    app.register_blueprint(bp)
    return app
