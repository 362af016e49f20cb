"""Flask-RESTX on a blueprint: namespaces, their default paths, add_namespace(path=...) and Resource classes."""

from flask import Blueprint, Flask, request
from flask_jwt_extended import JWTManager, get_jwt_identity, jwt_required
from flask_restx import Api, Namespace, Resource, fields

app = Flask(__name__)
app.config.from_prefixed_env()
JWTManager(app)

blueprint = Blueprint("api", __name__, url_prefix="/api")
authorizations = {"bearer": {"type": "apiKey", "in": "header", "name": "Authorization"}}
api = Api(blueprint, version="1.0", title="Inventory", prefix="/v1", authorizations=authorizations, doc="/docs")

users = Namespace("users", description="People and their tokens")  # path defaults to /users
orgs = Namespace("orgs", path="/organizations")
reports = Namespace("reports")  # served under the path add_namespace gives it
user_model = users.model("User", {"id": fields.Integer, "email": fields.String(required=True)})


@api.route("/status")  # route: GET /api/v1/status anonymous
class Status(Resource):
    def get(self):
        return {"version": api.version}


@users.route("/")  # route: GET /api/v1/users/ authenticated, POST /api/v1/users/ authenticated
class UserList(Resource):
    method_decorators = [jwt_required()]

    @users.marshal_list_with(user_model)
    def get(self):
        return []

    @users.expect(user_model, validate=True)
    def post(self):
        return users.payload, 201


@users.route("/<int:user_id>")  # route: GET /api/v1/users/<int:user_id> authenticated, DELETE /api/v1/users/<int:user_id> anonymous
class User(Resource):
    @jwt_required()
    def get(self, user_id):
        return {"id": user_id, "viewer": get_jwt_identity()}

    def delete(self, user_id):
        return "", 204


@orgs.route("/<int:org_id>", "/by-slug/<slug>")  # route: GET /api/v1/organizations/<int:org_id> anonymous, GET /api/v1/organizations/by-slug/<slug> anonymous
@orgs.doc(security="bearer")  # documents a scheme in swagger.json; checks nothing
class Organization(Resource):
    def get(self, org_id=None, slug=None):
        return {"id": org_id, "slug": slug}


@reports.route("/<int:org_id>/monthly")  # route: GET /api/v1/analytics/reports/<int:org_id>/monthly anonymous
class MonthlyReport(Resource):
    method_decorators = [jwt_required(optional=True)]

    def get(self, org_id):
        return {"org": org_id, "month": request.args.get("month"), "viewer": get_jwt_identity()}


class UserTokens(Resource):
    method_decorators = [jwt_required()]

    def post(self, user_id):
        return {"user": user_id, "token": "..."}, 201


users.add_resource(UserTokens, "/<int:user_id>/tokens")  # route: POST /api/v1/users/<int:user_id>/tokens authenticated
api.add_namespace(users)
api.add_namespace(orgs)
api.add_namespace(reports, path="/analytics/reports")
app.register_blueprint(blueprint)
