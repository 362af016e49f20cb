# A second entry point builds the app by calling the factory and adds routes to the returned object.
from flask import Flask
from flask_jwt_extended import jwt_required


def create_app():
    application = Flask(__name__)
    application.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    return application


app = create_app()


@app.route("/stats", methods=["GET"])  # route: GET /stats anonymous
def stats():
    return {"rooms": 0}


@app.route("/rooms", methods=["GET", "POST"])  # route: GET /rooms authenticated, POST /rooms authenticated
@jwt_required()
def rooms():
    return {"rooms": []}
