"""CORS policies, evaluated the way Starlette's `CORSMiddleware` reads its options."""

from __future__ import annotations

import re

from ..parsing.facts import CallExpr
from .evaluate import Evaluator, Scope
from .types import UNKNOWN, CorsPolicy, Location, Value

CORS_MIDDLEWARE = "fastapi.middleware.cors.CORSMiddleware"
# Origins no allowlist should contain: a regex that accepts them accepts anyone.
_HOSTILE_ORIGINS = ("https://attacker.invalid", "http://evil.example")


def cors_policy(evaluator: Evaluator, scope: Scope, app: str, call: CallExpr, location: Location, offset: int = 0) -> CorsPolicy:
    """`offset` is 1 for `add_middleware(CORSMiddleware, ...)`-style calls whose first arg is the class."""
    origins = evaluator.evaluate(scope, call.kwarg("allow_origins")) if call.kwarg("allow_origins") is not None else Value(True, [], text="[] (Starlette's default)")
    regex = evaluator.evaluate(scope, call.kwarg("allow_origin_regex")) if call.kwarg("allow_origin_regex") is not None else UNKNOWN
    credentials = evaluator.evaluate(scope, call.kwarg("allow_credentials")) if call.kwarg("allow_credentials") is not None else Value(True, False, text="False (Starlette's default)")
    reason = None
    if origins.known and (origins.value == "*" or isinstance(origins.value, (list, tuple)) and "*" in origins.value):
        reason = f"allow_origins={describe(origins)}"
    if reason is None and regex.known and isinstance(regex.value, str):
        try:
            pattern = re.compile(regex.value)
        except re.error:
            pattern = None
        if pattern is not None and any(pattern.fullmatch(o) for o in _HOSTILE_ORIGINS):
            reason = f"allow_origin_regex={regex.value!r} matches any origin"
    return CorsPolicy(
        app=app,
        location=location,
        origins=origins,
        origin_regex=regex,
        credentials=credentials,
        any_origin=reason is not None,
        any_origin_reason=reason,
        credentials_enabled=bool(credentials.known and credentials.value is True),
    )


def describe(value: Value) -> str:
    """`settings.cors_origins (= ['*'], settings default Settings.cors_origins at app/config.py:5)`."""
    shown = repr(value.value) if value.known else "?"
    text = value.text or shown
    extra = [f"= {shown}"] if text != shown else []
    if value.origin and value.origin != value.text:
        extra.append(value.origin + (f" at {value.location}" if value.location else ""))
    return f"{text} ({', '.join(extra)})" if extra else text
