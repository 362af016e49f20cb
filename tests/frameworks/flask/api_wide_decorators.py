"""`decorators=[...]` on a Flask-RESTful Api, a Flask-RESTX Api and a RESTX Namespace wrap every resource they serve."""

from flask import Blueprint, Flask
from flask_httpauth import HTTPTokenAuth
from flask_restful import Api as RestfulApi
from flask_restful import Resource as RestfulResource
from flask_restx import Api, Namespace, Resource

app = Flask(__name__)
auth = HTTPTokenAuth(scheme="Bearer")
auth.verify_token(lambda token: {"ops-token": "ops"}.get(token))

# Flask-RESTful: every resource added to this Api is wrapped by auth.login_required
internal = RestfulApi(app, prefix="/internal", decorators=[auth.login_required])


class QueueDepth(RestfulResource):
    def get(self):
        return {"depth": 0}


internal.add_resource(QueueDepth, "/queues/depth")  # route: GET /internal/queues/depth authenticated

# Flask-RESTX: the Api's decorators wrap all its namespaces, a Namespace's decorators its own resources
v1 = Blueprint("v1", __name__, url_prefix="/v1")
api = Api(v1, doc=False, decorators=[auth.login_required])
vault = Namespace("vault", decorators=[auth.login_required])
status = Namespace("status")


@vault.route("/secrets/<name>")  # route: GET /v1/vault/secrets/<name> authenticated
class Secret(Resource):
    def get(self, name):
        return {"name": name}


@api.route("/whoami")  # route: GET /v1/whoami authenticated
class WhoAmI(Resource):
    def get(self):
        return {"user": auth.current_user()}


@status.route("/incidents")  # route: GET /v1/status/incidents authenticated
class Incidents(Resource):
    def get(self):
        return []


api.add_namespace(vault)
api.add_namespace(status)
app.register_blueprint(v1)
