"""App-wide hooks: the app's before_request only loads the user; a blueprint's before_app_request rejects."""

from flask import Blueprint, Flask, abort, g, jsonify, request, session

app = Flask(__name__)
app.config.from_prefixed_env()
security = Blueprint("security", __name__, url_prefix="/security")
EXEMPT_ENDPOINTS = {"livez", "security.login", "static"}
SESSIONS = {}


def load_user():
    # remembers who the session says the caller is; never rejects
    g.user = SESSIONS.get(session.get("sid"))


@security.before_app_request
def require_session():
    if request.endpoint in EXEMPT_ENDPOINTS or request.path.startswith("/public/"):
        return None
    if g.get("user") is None:
        abort(401)
    return None


@security.post("/login")  # route: POST /security/login public
def login():
    session["sid"] = request.form["username"]
    return jsonify(ok=True)


@security.post("/logout")  # route: POST /security/logout authenticated
def logout():
    session.clear()
    return "", 204


@app.get("/livez")  # route: GET /livez public
def livez():
    return "ok"


@app.get("/public/pricing")  # route: GET /public/pricing anonymous
def pricing():
    return jsonify(plans=["free", "team"])


@app.route("/projects", methods=["GET", "POST"])  # route: GET /projects authenticated, POST /projects authenticated
def projects():
    return jsonify(owner=g.user, projects=[])


@app.delete("/projects/<int:project_id>")  # route: DELETE /projects/<int:project_id> authenticated
def delete_project(project_id):
    return "", 204


app.before_request(load_user)
app.register_blueprint(security)
