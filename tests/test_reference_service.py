"""fixtures/reference_service really is compliant: its behaviour, run against a real Redis.

The audit finds nothing in it; these tests show that is deserved: the checks
the auditor credits (auth, membership, CORS, rate limit, body limit, signed and
de-duplicated webhooks, a readiness probe, a graceful shutdown) all hold at
run time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import sys
import time

import pytest

from auditor.config import Config
from auditor.engine.rule import Severity
from auditor.engine.runner import audit

from .conftest import FIXTURES, ROOT
from .helpers import bearer, free_port, service_package, slow_request_across_sigterm

SERVICE = FIXTURES / "reference_service"
WEBHOOK_SECRET = "w" * 40
JWT_SECRET = "j" * 40
ENV = {
    "APP_JWT_SECRET": JWT_SECRET,
    "APP_KOMMO_CLIENT_SECRET": "c" * 20,
    "APP_KOMMO_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "APP_LOG_JSON": "false",
}


def test_the_audit_finds_nothing_and_scores_it_ready(registry):
    result = audit(SERVICE, Config(), registry, jobs=1)
    serious = [f for f in result.findings if f.severity.rank >= Severity.LOW.rank]
    assert serious == [], [(f.code, f.path, f.line) for f in serious]
    assert result.scores.total >= 9.5 and result.scores.verdict == "ready"


@pytest.fixture
def service():
    """The reference service's `create_app` and `Settings`, imported from the fixture."""
    with service_package(SERVICE):
        from app.main import create_app  # the fixture's package, on the path only here
        from app.settings import Settings

        yield create_app, Settings


def make_client(service, redis_server, **overrides):
    from starlette.testclient import TestClient

    create_app, Settings = service
    values = dict(
        redis_url=redis_server["url"],
        redis_timeout_seconds=0.5,
        jwt_secret=JWT_SECRET,
        kommo_client_secret="c" * 20,
        kommo_webhook_secret=WEBHOOK_SECRET,
        log_json=False,
    )
    values.update(overrides)
    return TestClient(create_app(Settings(**values)), client=("127.0.0.1", 50000))


def token(user: str = "u1", orgs: tuple[str, ...] = ("o1",)) -> dict[str, str]:
    return bearer(JWT_SECRET, user, orgs)


def test_requests_without_a_token_get_401(service, redis_server):
    with make_client(service, redis_server) as client:
        assert client.get("/v1/orgs/o1/agents").status_code == 401
        assert client.get("/v1/orgs/o1/agents", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401


def test_another_organisation_gets_403_and_changes_are_audited(service, redis_server):
    import redis

    with make_client(service, redis_server) as client:
        assert client.get("/v1/orgs/o2/agents", headers=token(orgs=("o1",))).status_code == 403
        created = client.post("/v1/orgs/o1/agents", json={"name": "triage"}, headers=token())
        assert created.status_code == 201
        listed = client.get("/v1/orgs/o1/agents", headers=token()).json()
        assert [a["name"] for a in listed["data"]] == ["triage"]
    entries = [json.loads(e) for e in redis.Redis.from_url(redis_server["url"]).lrange("audit:log", 0, -1)]
    assert entries and entries[0]["action"] == "agent.create" and entries[0]["actor"] == "u1"


def test_jobs_reach_the_queue(service, redis_server):
    import redis

    with make_client(service, redis_server) as client:
        queued = client.post("/v1/orgs/o1/jobs", json={"kind": "crm-sync", "target_ids": ["c1"]}, headers=token())
        assert queued.status_code == 202
        assert client.post("/v1/orgs/o2/jobs", json={"kind": "crm-sync", "target_ids": ["c1"]}, headers=token()).status_code == 403
    entries = redis.Redis.from_url(redis_server["url"]).xrange("jobs")
    assert [e[1][b"kind"] for e in entries] == [b"crm-sync"]


def test_a_foreign_origin_gets_no_cors_grant(service, redis_server):
    with make_client(service, redis_server) as client:
        preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "Authorization"}
        evil = client.options("/v1/orgs/o1/agents", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in evil.headers
        good = client.options("/v1/orgs/o1/agents", headers={"Origin": "https://app.example.com", **preflight})
        assert good.headers["access-control-allow-origin"] == "https://app.example.com"


def test_the_rate_limit_answers_429(service, redis_server):
    with make_client(service, redis_server, rate_limit_per_minute=5) as client:
        codes = [client.get("/v1/orgs/o1/agents", headers=token()).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_an_oversized_body_gets_413(service, redis_server):
    with make_client(service, redis_server, max_body_bytes=2_000) as client:
        big = client.post("/v1/orgs/o1/agents", content=b'{"name": "' + b"x" * 5_000 + b'"}', headers={**token(), "Content-Type": "application/json"})
        assert big.status_code == 413
        small = client.post("/v1/orgs/o1/agents", json={"name": "ok"}, headers=token())
        assert small.status_code == 201


def _delivery(body: bytes, delivery: str, timestamp: int | None = None, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Kommo-Signature": signature, "X-Kommo-Timestamp": str(timestamp), "X-Kommo-Delivery": delivery,
            "Content-Type": "application/json"}


def test_forged_stale_and_replayed_webhooks_are_refused(service, redis_server):
    body = json.dumps({"account": {"id": 42}, "leads": {"add": [{"id": 1}]}}).encode()
    with make_client(service, redis_server) as client:
        forged = client.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0001", secret="x" * 40))
        assert forged.status_code == 401
        stale = client.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0002", int(time.time()) - 3600))
        assert stale.status_code == 401
        genuine = client.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0003"))
        assert genuine.status_code == 200
        replayed = client.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0003"))
        assert replayed.status_code == 409
    with make_client(service, redis_server, kommo_webhook_networks=["203.0.113.0/24"]) as outsider:
        assert outsider.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0004")).status_code == 403


def test_the_readiness_probe_answers_503_when_redis_is_down(service, redis_server):
    with make_client(service, redis_server) as client:
        assert client.get("/v1/health/ready").status_code == 200
        redis_server["process"].terminate()
        redis_server["process"].wait(timeout=10)
        down = client.get("/v1/health/ready")
        assert down.status_code == 503 and down.json()["redis"] == "down"
        assert client.get("/v1/health/live").status_code == 200


def test_sigterm_lets_an_in_flight_request_finish(redis_server):
    port = free_port()
    env = {**os.environ, **ENV, "APP_REDIS_URL": redis_server["url"], "PYTHONPATH": os.pathsep.join([str(SERVICE), str(ROOT / "tests")])}
    command = [sys.executable, "-m", "uvicorn", "reference_slow_app:app", "--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "20"]
    outcome, code, log = slow_request_across_sigterm(command, port, env)
    assert "response" in outcome, f"{outcome.get('error')!r}\n{log}"
    assert outcome["response"].status_code == 200 and outcome["response"].json() == {"finished": True}
    # uvicorn exits 0, or (recent releases) re-raises SIGTERM after the graceful shutdown
    assert code in (0, -signal.SIGTERM), log
    assert "Waiting for connections to close" in log or "Shutting down" in log, log
    assert '"stopped"' in log or "stopped" in log, log  # the lifespan closed Redis and the HTTP client
