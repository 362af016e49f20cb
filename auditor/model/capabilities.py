"""App-wide capabilities judged by what the code sets up: rate limits, body limits, headers...

Absence rules ask "does this app have X?". The answer comes from the
libraries imported, the middleware added, and the strings the project's
functions set (a header name, a status code), never from one file alone.
"""

from __future__ import annotations

import re

from ..parsing.facts import Seq
from .evaluate import status_code
from .types import AppModel, Evidence, Location

RATE_LIMIT_LIBRARIES = ("slowapi", "fastapi_limiter", "limits", "ratelimit", "pyrate_limiter", "fastapi_throttle", "asgi_ratelimit", "ratelimiter")
_RATE_LIMIT_NAME = re.compile(r"(rate_?limit|throttl|limiter)", re.I)
_BODY_LIMIT_NAME = re.compile(r"(body_?size|content_?size|max_?body|request_?size|size_?limit|upload_?limit|max_?content)", re.I)
SECURITY_HEADER_LIBRARIES = ("secure", "secweb", "fastapi_security_headers", "starlette_securityheaders")
SECURITY_HEADERS = ("strict-transport-security", "x-content-type-options", "x-frame-options", "content-security-policy")


def _middleware_named(model: AppModel, pattern: re.Pattern) -> Evidence | None:
    for mw in model.middleware:
        if pattern.search(mw.cls.rsplit(".", 1)[-1]):
            return Evidence(f"middleware {mw.cls.rsplit('.', 1)[-1]}", mw.location)
    return None


def _functions_with(model: AppModel, strings: tuple[str, ...], need: int = 1) -> Evidence | None:
    """A project function whose string literals include `need` of `strings` (case-insensitive)."""
    for info in model.functions.values():
        lowered = {s.lower() for s in info.facts.strings}
        found = [s for s in strings if s in lowered]
        if len(found) >= need:
            return Evidence(f"{info.facts.name} sets {', '.join(found)}", Location(info.path, info.facts.span))
    return None


def _libraries(model: AppModel, capability: str, built_in: tuple[str, ...]) -> tuple[str, ...]:
    return built_in + model.capability_libraries.get(capability, ())


def rate_limiting(model: AppModel) -> Evidence | None:
    location = model.imported(*_libraries(model, "rate-limit", RATE_LIMIT_LIBRARIES))
    if location is not None:
        library = next(n for n in sorted(model.imports) if model.imports[n] == location)
        return Evidence(f"rate limiting with {library.split('.')[0]}", location)
    found = _middleware_named(model, _RATE_LIMIT_NAME)
    if found:
        return found
    for route in model.routes:
        for dep in route.dependencies:
            if _RATE_LIMIT_NAME.search(dep.label.rsplit(".", 1)[-1]):
                return Evidence(f"rate-limit dependency {dep.label.rsplit('.', 1)[-1]}", dep.location)
    for info in model.functions.values():
        if 429 in _status_codes(info) and _RATE_LIMIT_NAME.search(info.facts.qualname):
            return Evidence(f"{info.facts.name} answers 429", Location(info.path, info.facts.span))
    return None


def body_limit(model: AppModel) -> Evidence | None:
    found = _middleware_named(model, _BODY_LIMIT_NAME)
    if found:
        return found
    for mw in model.middleware:  # judged by what it does: reads Content-Length and answers 413
        candidates = [mw.cls] if mw.kind == "function" else [f"{mw.cls}.{m}" for m in ("__call__", "dispatch")]
        for qual in candidates:
            info = model.functions.get(qual)
            if info and "content-length" in {s.lower() for s in info.facts.strings} and 413 in _status_codes(info):
                name = info.facts.name if mw.kind == "function" else mw.cls.rsplit(".", 1)[-1]
                return Evidence(f"middleware {name} rejects large bodies with 413", mw.location)
    return None


_SECURITY_HEADERS_NAME = re.compile(r"(secur\w*headers?|helmet|secure_?headers|hsts)", re.I)


def security_headers(model: AppModel) -> Evidence | None:
    location = model.imported(*_libraries(model, "security-headers", SECURITY_HEADER_LIBRARIES))
    if location is not None:
        return Evidence("security headers library", location)
    return _middleware_named(model, _SECURITY_HEADERS_NAME) or _functions_with(model, SECURITY_HEADERS, need=2)


def _status_codes(info) -> set[int]:
    codes: set[int] = set()
    for ret in info.facts.return_sites:  # Flask: `return body, 429`
        if isinstance(ret.value, Seq) and ret.value.kind == "tuple" and len(ret.value.items) >= 2:
            code = status_code(ret.value.items[1])
            if code:
                codes.add(code)
    for assignment in info.facts.assignments:  # `resp.status_code = 429`
        if assignment.target.endswith((".status_code", ".status")):
            code = status_code(assignment.value)
            if code:
                codes.add(code)
    for site in info.facts.calls:
        for key in ("status_code", "status"):
            code = status_code(site.call.kwarg(key))
            if code:
                codes.add(code)
        for arg in site.call.args[:2]:
            code = status_code(arg)
            if code and 100 <= code < 600:
                codes.add(code)
    return codes


METRICS_LIBRARIES = (
    "prometheus_client",
    "prometheus_fastapi_instrumentator",
    "starlette_exporter",
    "starlette_prometheus",
    "aioprometheus",
    "opentelemetry.metrics",
    "opentelemetry.sdk.metrics",
    "datadog",
    "statsd",
    "aiodogstatsd",
)
ERROR_TRACKERS = {
    "sentry_sdk.init": "Sentry",
    "rollbar.init": "Rollbar",
    "bugsnag.configure": "Bugsnag",
    "honeybadger.honeybadger.configure": "Honeybadger",
    "newrelic.agent.initialize": "New Relic",
    "ddtrace.patch_all": "Datadog APM",
    "ddtrace.auto": "Datadog APM",
}
CORRELATION_LIBRARIES = ("asgi_correlation_id", "starlette_context", "fastapi_request_id", "asgi_request_id")
CORRELATION_HEADERS = ("x-request-id", "x-correlation-id", "x-trace-id", "request-id", "correlation-id")
_CORRELATION_NAME = re.compile(r"(request_?id|correlation_?id)", re.I)
STRUCTURED_LOGGING = ("structlog", "pythonjsonlogger", "json_log_formatter", "ecs_logging", "loguru")


def metrics(model: AppModel) -> Evidence | None:
    location = model.imported(*_libraries(model, "metrics", METRICS_LIBRARIES))
    if location is None:
        return None
    name = next(n for n in sorted(model.imports) if model.imports[n] == location)
    return Evidence(f"metrics exported with {name.split('.')[0]}", location)


def error_tracking(model: AppModel) -> Evidence | None:
    for site, location, target in model.calls_to(*ERROR_TRACKERS):
        conditional = " (when configured)" if site.guards else ""
        return Evidence(f"{ERROR_TRACKERS[target]} error tracking{conditional}", location)
    location = model.imported("ddtrace")
    return Evidence("Datadog APM", location) if location else None


def correlation_ids(model: AppModel) -> Evidence | None:
    location = model.imported(*_libraries(model, "correlation-id", CORRELATION_LIBRARIES))
    if location is not None:
        return Evidence("request ids from a correlation-id middleware", location)
    found = _middleware_named(model, _CORRELATION_NAME)
    if found:
        return found
    found = _functions_with(model, CORRELATION_HEADERS)
    if found:
        return found
    for site, location, _ in model.calls_to("structlog.contextvars.bind_contextvars", "structlog.contextvars.bind"):
        if any(_CORRELATION_NAME.search(key) for key, _ in site.call.kwargs):
            return Evidence("request id bound into the log context", location)
    return None


def structured_logging(model: AppModel) -> Evidence | None:
    location = model.imported(*_libraries(model, "structured-logging", STRUCTURED_LOGGING))
    if location is not None:
        name = next(n for n in sorted(model.imports) if model.imports[n] == location)
        return Evidence(f"structured logging with {name.split('.')[0]}", location)
    return None
