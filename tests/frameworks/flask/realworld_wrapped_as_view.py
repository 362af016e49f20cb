# The view_func given to add_url_rule is an as_view() wrapped by an auth decorator call.
from flask import Blueprint, Flask
from flask.views import MethodView
from flask_jwt_extended import jwt_required


class ContextResource(MethodView):
    def get(self):
        return {"context": {}}


bp = Blueprint("user", __name__)
bp.add_url_rule("/data/user/context", view_func=jwt_required()(ContextResource.as_view("context")))  # route: GET /data/user/context authenticated

app = Flask(__name__)
app.register_blueprint(bp)
