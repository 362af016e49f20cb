"""Flask-RESTful `method_decorators` as a dict: each decorator wraps only the method it is listed under."""

from flask import Flask, request
from flask_login import LoginManager, current_user, login_required
from flask_restful import Api, Resource

app = Flask(__name__)
login_manager = LoginManager(app)
api = Api(app, prefix="/api")
COMMENTS = []


class CommentList(Resource):
    # reading is open to everyone; only writing needs a session
    method_decorators = {"post": [login_required], "delete": [login_required]}

    def get(self, post_id):
        return [c for c in COMMENTS if c["post"] == post_id]

    def post(self, post_id):
        comment = {"post": post_id, "author": current_user.id, "text": request.get_json()["text"]}
        COMMENTS.append(comment)
        return comment, 201

    def delete(self, post_id):
        COMMENTS[:] = [c for c in COMMENTS if c["post"] != post_id]
        return "", 204


api.add_resource(CommentList, "/posts/<int:post_id>/comments")  # route: GET /api/posts/<int:post_id>/comments anonymous, POST /api/posts/<int:post_id>/comments authenticated, DELETE /api/posts/<int:post_id>/comments authenticated
