"""CORS policies: does the configured allowlist admit any origin, and with credentials?

Adapters read their framework's options into values; this module judges
them the same way for every framework.
"""

from __future__ import annotations

import re

from .types import CorsPolicy, Location, Value

# Origins no allowlist should contain: a pattern that accepts them accepts anyone.
HOSTILE_ORIGINS = ("https://attacker.invalid", "http://evil.example")


def _lists_any(origins: Value) -> bool:
    value = origins.value
    return origins.known and (value == "*" or (isinstance(value, (list, tuple)) and "*" in value))


def admits_hostile(pattern_text: str, full_match: bool, ignore_case: bool = False) -> bool:
    try:
        pattern = re.compile(pattern_text, re.I if ignore_case else 0)
    except re.error:
        return False
    test = pattern.fullmatch if full_match else pattern.match
    return any(test(o) for o in HOSTILE_ORIGINS)


def cors_policy(
    app: str,
    location: Location,
    origins: Value,
    origin_regex: Value,
    credentials: Value,
    *,
    origins_label: str = "allow_origins",
    regex_label: str = "allow_origin_regex",
    origins_are_patterns: bool = False,
) -> CorsPolicy:
    """`origins_are_patterns`: each origin is itself a regex matched at the start (Flask-CORS)."""
    reason = None
    if _lists_any(origins):
        reason = f"{origins_label}={describe(origins)}"
    if reason is None and origins_are_patterns and origins.known:
        values = origins.value if isinstance(origins.value, (list, tuple)) else [origins.value]
        patterns = [v for v in values if isinstance(v, str) and _looks_like_regex(v)]
        loose = next((v for v in patterns if admits_hostile(v, False, True)), None)
        unanchored = next((v for v in patterns if not v.endswith(("$", "\\Z"))), None)
        if loose is not None:
            reason = f"{origins_label} pattern {loose!r} matches any origin"
        elif unanchored is not None:  # re.match anchors only the start
            reason = f"{origins_label} pattern {unanchored!r} has no `$`: it also admits a suffixed host such as https://app.example.com.attacker.invalid"
    if reason is None and origin_regex.known and isinstance(origin_regex.value, str) and admits_hostile(origin_regex.value, full_match=True):
        reason = f"{regex_label}={origin_regex.value!r} matches any origin"
    return CorsPolicy(
        app=app,
        location=location,
        origins=origins,
        origin_regex=origin_regex,
        credentials=credentials,
        any_origin=reason is not None,
        any_origin_reason=reason,
        credentials_enabled=bool(credentials.known and credentials.value is True),
    )


def _looks_like_regex(text: str) -> bool:
    return any(c in text for c in "*\\[]()?+^$")


def describe(value: Value) -> str:
    """`settings.cors_origins (= ['*'], settings default Settings.cors_origins at app/config.py:5)`."""
    shown = repr(value.value) if value.known else "?"
    text = value.text or shown
    extra = [f"= {shown}"] if text != shown else []
    if value.origin and value.origin != value.text:
        extra.append(value.origin + (f" at {value.location}" if value.location else ""))
    return f"{text} ({', '.join(extra)})" if extra else text
