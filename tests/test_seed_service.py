"""The seed fixtures reproduce the reference assessment (shared/seeds/, in Russian).

`fixtures/seed_service` ports the assessed service to FastAPI and
`fixtures/flask_seed_service` to Flask (an app factory, blueprints,
Flask-CORS, Talisman), each with every flaw in the place the assessment names
and every strength kept. Each row of the assessment's two summary tables
(A5 = the detailed analysis' problem table and top-15 list, C = the
critical-issues summary) maps to a rule and to its place in each port.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from auditor.config import Config
from auditor.engine.rule import Category
from auditor.engine.runner import audit

from .conftest import FIXTURES

APP = "app"  # once per app, at its construction: where absence findings point
Place = tuple[str, int] | str | None  # a file:line, APP, or None for "anywhere"


@dataclass(frozen=True)
class Row:
    ref: str  # where the assessment says it
    problem: str
    code: str
    fastapi: Place
    flask: Place


@dataclass(frozen=True)
class Port:
    folder: str
    app: tuple[str, int]  # the app's construction
    raw_json: tuple[str, int]  # the one handler that parses raw JSON: the webhook, as in the original


PORTS = {
    "fastapi": Port("seed_service", ("app/server.py", 56), ("app/routes/kommo.py", 114)),
    "flask": Port("flask_seed_service", ("app/server.py", 45), ("app/routes/kommo.py", 126)),
}
ROWS = [
    Row("A5#1, C3", "CORS origin: true + credentials", "SEC003", ("app/server.py", 58), ("app/server.py", 47)),
    Row("A5#2, C1", "no authentication (agents list)", "SEC001", ("app/routes/agents.py", 32), ("app/routes/agents.py", 31)),
    Row("A5#2, C1", "no authentication (crm connections)", "SEC001", ("app/routes/crm.py", 57), ("app/routes/crm.py", 69)),
    Row("A5#2, C1", "no authentication (kommo send message)", "SEC001", ("app/routes/kommo.py", 103), ("app/routes/kommo.py", 114)),
    Row("A5#3, C2 agents.ts:50-84", "IDOR via orgId (agents)", "SEC002", ("app/routes/agents.py", 32), ("app/routes/agents.py", 31)),
    Row("A5#3, C2 crm.ts:237-258", "IDOR via orgId (crm connections)", "SEC002", ("app/routes/crm.py", 57), ("app/routes/crm.py", 69)),
    Row("A5#3, C2 kommo.ts:257-267", "IDOR via orgId (kommo status)", "SEC002", ("app/routes/kommo.py", 85), ("app/routes/kommo.py", 93)),
    Row("A5#4, C4 supabase.ts:12", "service-role key bypasses RLS", "SEC004", ("app/lib/supabase.py", 15), ("app/lib/supabase.py", 15)),
    Row("A5#6, C8 kommo.ts:389", "webhook validation optional", "SEC006", ("app/routes/kommo.py", 119), ("app/routes/kommo.py", 131)),
    Row("A2 problem 4 (seed's own code)", "HMAC over re-serialized JSON", "SEC007", ("app/routes/kommo.py", 120), ("app/routes/kommo.py", 132)),
    Row("A2 problem 4 (seed's own code)", "signature compared with !=", "SEC007", ("app/routes/kommo.py", 121), ("app/routes/kommo.py", 133)),
    Row("A5#7, C5 server.ts:143-151", "no graceful shutdown", "REL001", APP, APP),
    Row("A5#5, C6", "no rate limiting", "SEC005", APP, APP),
    Row("A5 top-15 #15, C14", "no audit logs", "OBS004", APP, APP),
    Row("A3.3", "Redis URL (with password) in logs", "SEC011", ("app/lib/queue/__init__.py", 9), ("app/lib/queue/__init__.py", 9)),
    Row("A7 checklist, C8", "KOMMO_WEBHOOK_SECRET optional", "SEC014", ("app/settings.py", 28), ("app/settings.py", 28)),
    Row("A5#8, C7 health.ts:1-7", "shallow health check", "REL002", ("app/routes/health.py", 8), ("app/routes/health.py", 8)),
    Row("A5#9, C9", "no request timeouts", "REL003", ("app/lib/providers/kommo.py", 19), ("app/lib/providers/kommo.py", 19)),
    Row("A5#11-12, C11 kommo.ts:190-201", "no token refresh", "REL004", ("app/lib/repositories/kommo.py", 31), ("app/lib/repositories/kommo.py", 31)),
    Row("A5 top-15 #13", "no circuit breaker on Kommo calls", "REL005", None, None),
    Row("A5#13, C12 kommo.ts:384-431", "webhook without replay protection", "SEC008", ("app/routes/kommo.py", 112), ("app/routes/kommo.py", 124)),
    Row("A5 top-15 #10, C13", "webhook source IP not checked", "SEC009", ("app/routes/kommo.py", 112), ("app/routes/kommo.py", 124)),
    Row("A2 problem 5 kommo.ts:156-169", "OAuth state not bound to the user", "SEC010", ("app/routes/kommo.py", 65), ("app/routes/kommo.py", 71)),
    Row("A5#10, C10", "no request size limits", "SCL001", APP, APP),
    Row("A5 top-15 #12, C15", "no API versioning", "DOC001", APP, APP),
]
STRENGTHS = ["SEC015", "OBS001", "OBS002", "OBS005"]  # security headers, metrics, Sentry, structured logging
ASSESSMENT_SCORES = {
    Category.ARCHITECTURE: 7,
    Category.SECURITY: 2,
    Category.RELIABILITY: 5,
    Category.SCALABILITY: 6,
    Category.MONITORING: 7,
    Category.DOCUMENTATION: 3,
}
ASSESSMENT_TOTAL = 4


@pytest.fixture(scope="module", params=sorted(PORTS))
def port(request, registry):
    chosen = PORTS[request.param]
    return request.param, chosen, audit(FIXTURES / chosen.folder, Config(), registry, jobs=1)


def _found(result, code: str, where: tuple[str, int] | None) -> bool:
    return any(f.code == code and not f.suppressed and (where is None or (f.path, f.line) == where) for f in result.findings)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.code}:{r.problem}")
def test_assessment_row_is_found_where_the_assessment_puts_it(port, row):
    framework, chosen, result = port
    place = getattr(row, framework)
    where = chosen.app if place == APP else place
    assert _found(result, row.code, where), f"{row.ref}: {row.problem} — expected {row.code} at {where} in the {framework} port"


def test_the_app_is_the_one_served(port):
    _, chosen, result = port
    assert [(a.location.path, a.location.line) for a in result.model.served_apps] == [chosen.app]


def test_every_non_public_route_lacks_authentication(port):
    _, _, result = port
    protected = [r for r in result.model.routes if not r.public_reason and not r.is_webhook]
    flagged = {(f.path, f.line) for f in result.findings if f.code == "SEC001"}
    assert len(protected) == 17
    assert {(r.location.path, r.location.line) for r in protected} == flagged
    public = {r.path for r in result.model.routes if r.public_reason}
    assert public == {"/health/", "/metrics", "/kommo/oauth/callback"}


def test_verdict_is_not_ready(port):
    assert port[2].scores.verdict == "not-ready"


@pytest.mark.parametrize("code", STRENGTHS)
def test_assessment_strength_is_a_pass(port, code):
    result = port[2]
    assert any(p.code == code for p in result.passes)
    assert not any(f.code == code for f in result.findings)


def test_validation_everywhere_is_credited(port):
    """A2 "what is good": schemas on every route; only the webhook parses raw JSON, as the original did."""
    _, chosen, result = port
    assert any(p.code == "ARC001" for p in result.passes)
    assert [(f.path, f.line) for f in result.findings if f.code == "ARC001"] == [chosen.raw_json]


def test_scores_match_the_assessment(port):
    result = port[2]
    for category, expected in ASSESSMENT_SCORES.items():
        assert abs(result.scores.categories[category].score - expected) <= 1.5, category
    assert abs(result.scores.total - ASSESSMENT_TOTAL) <= 1
