"""Flask-RESTful: an Api on the app with a prefix, another on a blueprint, method_decorators on Resources."""
import hmac
from functools import wraps

from flask import Blueprint, Flask, current_app, request
from flask_httpauth import HTTPTokenAuth
from flask_restful import Api, Resource, abort

app = Flask(__name__)
auth = HTTPTokenAuth(scheme="Token")
api = Api(app, prefix="/api/v1")


@auth.verify_token
def verify_token(token):
    return {"alice-token": "alice"}.get(token)


def require_partner_key(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        expected = current_app.config.get("PARTNER_KEY")
        if not expected or not hmac.compare_digest(request.headers.get("X-Partner-Key", ""), expected):
            abort(401, message="partner key required")
        return view(*args, **kwargs)

    return wrapper


class TodoList(Resource):
    method_decorators = [auth.login_required]

    def get(self):
        return {"owner": auth.current_user(), "todos": []}

    def post(self):
        return request.get_json(), 201


class Todo(Resource):
    method_decorators = [auth.login_required]

    def get(self, todo_id):
        return {"id": todo_id}

    def put(self, todo_id):
        return {"id": todo_id, **request.get_json()}

    def delete(self, todo_id):
        return "", 204


class PartnerResource(Resource):
    method_decorators = [require_partner_key]


class PartnerExport(PartnerResource):
    def get(self, org_id):
        return {"org": org_id, "rows": []}


class Health(Resource):
    def get(self):
        return {"status": "ok"}


class Leaderboard(Resource):
    def get(self):  # open to everyone
        return {"top": [], "season": request.args.get("season")}


api.add_resource(TodoList, "/todos")  # route: GET /api/v1/todos authenticated, POST /api/v1/todos authenticated
api.add_resource(Todo, "/todos/<int:todo_id>", "/tasks/<int:todo_id>")  # route: GET /api/v1/todos/<int:todo_id> authenticated, PUT /api/v1/todos/<int:todo_id> authenticated, DELETE /api/v1/todos/<int:todo_id> authenticated, GET /api/v1/tasks/<int:todo_id> authenticated, PUT /api/v1/tasks/<int:todo_id> authenticated, DELETE /api/v1/tasks/<int:todo_id> authenticated
api.add_resource(Health, "/health", endpoint="health")  # route: GET /api/v1/health public
api.add_resource(Leaderboard, "/leaderboard")  # route: GET /api/v1/leaderboard anonymous

partners = Blueprint("partners", __name__, url_prefix="/partners")
partner_api = Api(partners)
partner_api.add_resource(PartnerExport, "/orgs/<int:org_id>/export")  # route: GET /partners/orgs/<int:org_id>/export authenticated
app.register_blueprint(partners)
