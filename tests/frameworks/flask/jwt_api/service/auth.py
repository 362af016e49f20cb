"""Project decorators: a partner API key, and roles read from the JWT."""

import hmac
from functools import wraps

from flask import abort, current_app, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request


def require_api_key(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        supplied = request.headers.get("X-API-Key", "")
        if not hmac.compare_digest(supplied, current_app.config["PARTNER_API_KEY"]):
            abort(401)
        return view(*args, **kwargs)

    return wrapper


def roles_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request()
            if not set(roles) & set(get_jwt().get("roles", [])):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
