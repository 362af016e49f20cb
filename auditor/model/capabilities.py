"""App-wide capabilities judged by what the code sets up: rate limits, body limits, headers...

Absence rules ask "does this app have X?". The answer comes from the
libraries imported, the middleware added, and the strings the project's
functions set (a header name, a status code), never from one file alone.
"""

from __future__ import annotations

import re

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


def rate_limiting(model: AppModel) -> Evidence | None:
    location = model.imported(*RATE_LIMIT_LIBRARIES)
    if location is not None:
        library = next(n for n in sorted(model.imports) if model.imports[n] == location)
        return Evidence(f"rate limiting with {library.split('.')[0]}", location)
    found = _middleware_named(model, _RATE_LIMIT_NAME)
    if found:
        return found
    for route in model.routes:
        for dep in route.dependencies:
            if _RATE_LIMIT_NAME.search(dep.target.rsplit(".", 1)[-1]):
                return Evidence(f"rate-limit dependency {dep.target.rsplit('.', 1)[-1]}", dep.location)
    for info in model.functions.values():
        if 429 in _status_codes(info) and _RATE_LIMIT_NAME.search(info.facts.qualname):
            return Evidence(f"{info.facts.name} answers 429", Location(info.path, info.facts.span))
    return None


def body_limit(model: AppModel) -> Evidence | None:
    found = _middleware_named(model, _BODY_LIMIT_NAME)
    if found:
        return found
    for mw in model.middleware:
        if mw.kind != "function":
            continue
        info = model.functions.get(mw.cls)
        if info and "content-length" in {s.lower() for s in info.facts.strings} and 413 in _status_codes(info):
            return Evidence(f"middleware {info.facts.name} rejects large bodies with 413", mw.location)
    for app in model.apps:
        limit = app.call.kwarg("max_body_size") or app.call.kwarg("max_request_body_size")
        if limit is not None:
            return Evidence("the app's max body size", app.location)
    return None


def security_headers(model: AppModel) -> Evidence | None:
    location = model.imported(*SECURITY_HEADER_LIBRARIES)
    if location is not None:
        return Evidence("security headers library", location)
    return _functions_with(model, SECURITY_HEADERS, need=2)


def _status_codes(info) -> set[int]:
    from ..model.evaluate import status_code

    codes: set[int] = set()
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
