"""add_url_rule with a view wrapped inline, and a View whose `methods` attribute names what it serves."""

from flask import Flask, jsonify, request
from flask.views import View
from flask_login import LoginManager, current_user, login_required

app = Flask(__name__)
login_manager = LoginManager(app)


def dashboard():
    return jsonify(user=current_user.get_id(), widgets=[])


def changelog():
    return jsonify(entries=[])


class UploadView(View):
    methods = ["GET", "POST"]
    decorators = [login_required]

    def dispatch_request(self):
        if request.method == "POST":
            return jsonify(stored=len(request.files)), 201
        return jsonify(limit="10MB")


app.add_url_rule("/changelog", view_func=changelog)  # route: GET /changelog anonymous
app.add_url_rule("/dashboard", view_func=login_required(dashboard))  # route: GET /dashboard authenticated
app.add_url_rule("/uploads", view_func=UploadView.as_view("uploads"))  # route: GET /uploads authenticated, POST /uploads authenticated
