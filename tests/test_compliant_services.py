"""The compliant services, one per framework, audit clean: nothing at or above `low`, ready.

Each does the seed's job right (auth, membership, CORS allowlist, rate and body
limits, signed and de-duplicated webhooks, readiness, graceful shutdown...), so
every finding here would be a false alarm, and every route must be seen and
judged authenticated, public by nature, or a verified webhook receiver.
"""

from __future__ import annotations

import pytest

from auditor.config import Config
from auditor.engine.rule import Severity
from auditor.engine.runner import audit

from .conftest import FIXTURES

SERVICES = {
    "reference_service": "fastapi",
    "flask_reference_service": "flask",
    "starlette_reference_service": "starlette",
    "litestar_reference_service": "litestar",
    "aiohttp_reference_service": "aiohttp",
}


@pytest.fixture(scope="module", params=sorted(SERVICES))
def audited(request, registry):
    return request.param, audit(FIXTURES / request.param, Config(), registry, jobs=1)


def test_nothing_at_or_above_low_and_ready(audited) -> None:
    name, result = audited
    serious = [f"{f.code} {f.path}:{f.line} {f.message}" for f in result.findings if f.severity.rank >= Severity.LOW.rank]
    assert serious == []
    assert result.scores.verdict == "ready" and result.scores.total >= 9.5
    assert not result.errors


def test_the_adapter_of_its_framework_serves_one_app(audited) -> None:
    name, result = audited
    assert [a.framework for a in result.model.served_apps] == [SERVICES[name]]
    assert not result.model.unmodelled


def test_every_route_is_authenticated_public_or_a_verified_webhook(audited) -> None:
    name, result = audited
    assert len(result.model.routes) >= 10
    for route in result.model.routes:
        if route.is_webhook:
            assert route.webhook.verified and route.webhook.conditional_on is None, route.label
        else:
            assert route.auth.authenticated or route.public_reason, route.label
