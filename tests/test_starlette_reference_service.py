"""fixtures/starlette_reference_service really is compliant: its behaviour, run against a real Redis.

The plain-Starlette twin of tests/test_reference_service.py. The audit finds
nothing in it (tests/test_compliant_services.py); these tests show that is deserved: the checks the auditor
credits all hold at run time. Auth comes from `AuthenticationMiddleware` plus
`@requires` (401 for no, a malformed or an unsigned token), then membership of
the organisation in the path (403), with every change audited. CORS grants
only the allowlisted origin. The Redis rate limit answers 429, and the body
limit 413 for a declared and for a streamed body. Requests get ids and security
headers, and the OpenAPI document describes the routes. Webhooks that are
forged, stale, replayed or from a foreign sender are refused. The OAuth state
is bound to the browser, and tokens are refreshed before they expire. The
readiness probe answers 503 without Redis, and SIGTERM lets an in-flight
request finish.
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


from .conftest import FIXTURES, ROOT
from .helpers import bearer, free_port, service_package, slow_request_across_sigterm

SERVICE = FIXTURES / "starlette_reference_service"
WEBHOOK_SECRET = "w" * 40
JWT_SECRET = "j" * 40
ENV = {
    "APP_JWT_SECRET": JWT_SECRET,
    "APP_KOMMO_CLIENT_SECRET": "c" * 20,
    "APP_KOMMO_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "APP_LOG_JSON": "false",
}


@pytest.fixture
def service():
    """The Starlette reference service's `create_app` and `Settings`, imported from the fixture."""
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
    import jwt

    claims = {"sub": "u1", "orgs": ["o1"], "aud": "agents-api", "exp": int(time.time()) + 600}
    unsigned = jwt.encode(claims, None, algorithm="none")
    expired = jwt.encode({**claims, "exp": int(time.time()) - 60}, JWT_SECRET, algorithm="HS256")
    foreign_audience = jwt.encode({**claims, "aud": "another-api"}, JWT_SECRET, algorithm="HS256")
    with make_client(service, redis_server) as client:
        anonymous = client.get("/v1/orgs/o1/agents")
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        garbage = client.get("/v1/orgs/o1/agents", headers={"Authorization": "Bearer not-a-jwt"})
        assert garbage.status_code == 401 and garbage.json() == {"detail": "invalid credentials"}
        for bad in ("Basic abc", f"Bearer {unsigned}", f"Bearer {expired}", f"Bearer {foreign_audience}"):
            assert client.get("/v1/orgs/o1/agents", headers={"Authorization": bad}).status_code == 401, bad
        for path in ("/v1/orgs/o1/jobs", "/v1/orgs/o1/agents/a1/status", "/v1/orgs/o1/kommo/oauth/start"):
            assert client.post(path, json={}).status_code == 401, path
        assert client.get("/v1/orgs/o1/kommo/account").status_code == 401
        # public by nature: the probes, the metrics and the API description
        for path in ("/v1/health/live", "/metrics", "/v1/openapi.json"):
            assert client.get(path).status_code == 200, path


def test_another_organisation_gets_403_and_changes_are_audited(service, redis_server):
    import redis

    with make_client(service, redis_server) as client:
        assert client.get("/v1/orgs/o2/agents", headers=token(orgs=("o1",))).status_code == 403
        created = client.post("/v1/orgs/o1/agents", json={"name": "triage"}, headers=token())
        assert created.status_code == 201, created.text
        agent_id = created.json()["id"]
        listed = client.get("/v1/orgs/o1/agents", headers=token()).json()
        assert [a["name"] for a in listed["data"]] == ["triage"]
        paused = client.post(f"/v1/orgs/o1/agents/{agent_id}/status", json={"status": "paused"}, headers=token())
        assert paused.status_code == 200 and paused.json()["status"] == "paused"
        assert client.post(f"/v1/orgs/o2/agents/{agent_id}/status", json={"status": "paused"}, headers=token()).status_code == 403
        assert client.post("/v1/orgs/o1/agents/nope/status", json={"status": "paused"}, headers=token()).status_code == 404
    entries = [json.loads(e) for e in redis.Redis.from_url(redis_server["url"]).lrange("audit:log", 0, -1)]
    assert [e["action"] for e in entries] == ["agent.status", "agent.create"] and entries[0]["actor"] == "u1"


def test_bodies_and_queries_are_validated(service, redis_server):
    with make_client(service, redis_server) as client:
        assert client.get("/v1/orgs/o1/agents?limit=1000", headers=token()).status_code == 422
        assert client.get("/v1/orgs/o1/agents?limit=0", headers=token()).status_code == 422
        invalid = client.post("/v1/orgs/o1/agents", json={"name": ""}, headers=token())
        assert invalid.status_code == 422 and "input" not in invalid.json()["detail"][0], invalid.text  # the value is not echoed
        malformed = client.post("/v1/orgs/o1/agents", content=b"{nope", headers={**token(), "Content-Type": "application/json"})
        assert malformed.status_code == 400, malformed.text
        assert client.delete("/v1/orgs/o1/agents", headers=token()).status_code == 405


def test_jobs_reach_the_queue(service, redis_server):
    import redis

    with make_client(service, redis_server) as client:
        queued = client.post("/v1/orgs/o1/jobs", json={"kind": "crm-sync", "target_ids": ["c1"]}, headers=token())
        assert queued.status_code == 202, queued.text
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
        assert client.get("/v1/health/live").status_code == 200  # the probes are exempt


def test_an_oversized_body_gets_413(service, redis_server):
    def chunks():
        yield b'{"name": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    with make_client(service, redis_server, max_body_bytes=2_000) as client:
        big = client.post("/v1/orgs/o1/agents", content=b'{"name": "' + b"x" * 5_000 + b'"}', headers={**token(), "Content-Type": "application/json"})
        assert big.status_code == 413
        streamed = client.post("/v1/orgs/o1/agents", content=chunks(), headers={**token(), "Content-Type": "application/json"})
        assert "content-length" not in streamed.request.headers  # sent chunked: only counting what arrives can stop it
        assert streamed.status_code == 413, streamed.text
        small = client.post("/v1/orgs/o1/agents", json={"name": "ok"}, headers=token())
        assert small.status_code == 201


def test_security_headers_and_request_ids(service, redis_server):
    with make_client(service, redis_server) as client:
        answered = client.get("/v1/health/live", headers={"X-Request-ID": "abc-123"})
        assert answered.headers["x-request-id"] == "abc-123"
        for header in ("strict-transport-security", "x-content-type-options", "x-frame-options", "content-security-policy"):
            assert header in answered.headers, header
        forged = client.get("/v1/health/live", headers={"X-Request-ID": "bad id\nx"})
        assert forged.headers["x-request-id"] != "bad id\nx" and len(forged.headers["x-request-id"]) == 32
        assert "http_requests_total" in client.get("/metrics").text


def test_the_openapi_document_describes_the_routes(service, redis_server):
    with make_client(service, redis_server) as client:
        schema = client.get("/v1/openapi.json").json()
    assert schema["openapi"] == "3.0.3"
    assert set(schema["paths"]["/v1/orgs/{org_id}/agents"]) == {"get", "post"}
    assert "/v1/kommo/webhook" in schema["paths"] and "/v1/health/ready" in schema["paths"]
    assert "AgentIn" in schema["components"]["schemas"]


def _delivery(body: bytes, delivery: str, timestamp: int | None = None, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Kommo-Signature": signature, "X-Kommo-Timestamp": str(timestamp), "X-Kommo-Delivery": delivery, "Content-Type": "application/json"}


def test_forged_stale_and_replayed_webhooks_are_refused(service, redis_server):
    import redis

    body = json.dumps({"account": {"id": 42}, "leads": {"add": [{"id": 1}]}}).encode()
    with make_client(service, redis_server) as client:
        forged = client.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0001", secret="x" * 40))
        assert forged.status_code == 401
        stale = client.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0002", int(time.time()) - 3600))
        assert stale.status_code == 401
        genuine = client.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0003"))
        assert genuine.status_code == 200, genuine.text
        replayed = client.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0003"))
        assert replayed.status_code == 409
        assert client.post("/v1/kommo/webhook", content=body).status_code == 422  # unsigned
    with make_client(service, redis_server, kommo_webhook_networks=["203.0.113.0/24"]) as outsider:
        assert outsider.post("/v1/kommo/webhook", content=body, headers=_delivery(body, "delivery-0004")).status_code == 403
    assert redis.Redis.from_url(redis_server["url"]).lrange("kommo:events", 0, -1) == [body]  # stored once


def test_the_oauth_state_is_bound_to_the_browser_and_tokens_are_refreshed(service, redis_server):
    import httpx
    import redis

    calls = []

    def kommo_api(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        calls.append((request.method, request.url.path, body))
        if request.url.path == "/oauth2/access_token":
            grant = body["grant_type"]
            # the first token expires within the refresh margin, so the next call refreshes it
            expires_in = 1 if grant == "authorization_code" else 86_400
            return httpx.Response(200, json={"access_token": f"at-{grant}", "refresh_token": f"rt-{len(calls)}", "expires_in": expires_in})
        return httpx.Response(200, json={"id": 7, "name": "Acme", "subdomain": "acme"})

    def start() -> tuple[str, str]:
        started = client.post("/v1/orgs/o1/kommo/oauth/start", json={"redirect_uri": "https://api.example.com/v1/kommo/oauth/callback"}, headers=token())
        assert started.status_code == 200, started.text
        session = started.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        client.cookies.clear()  # each request below says which browser it comes from
        return started.json()["state"], session

    def callback(state: str, cookie: str | None, referer: str = "acme.kommo.com") -> httpx.Response:
        headers = {"Cookie": f"kommo_oauth_session={cookie}"} if cookie else {}
        return client.get("/v1/kommo/oauth/callback", params={"code": "x", "state": state, "referer": referer}, headers=headers)

    with make_client(service, redis_server) as client:
        client.app.state.kommo.http = httpx.AsyncClient(transport=httpx.MockTransport(kommo_api))  # Kommo, as the lifespan's client would reach it
        state, _ = start()
        assert callback(state, None).status_code == 400  # another browser, without the session cookie
        state, session = start()
        assert callback(state, session, referer="evil.example").status_code == 422  # the code goes to Kommo only
        state, _ = start()
        assert callback(state, "wrong").status_code == 400  # another browser's session
        state, session = start()
        connected = callback(state, session)
        assert connected.status_code == 200 and connected.json() == {"connected": True}, connected.text
        account = client.get("/v1/orgs/o1/kommo/account", headers=token())
        assert account.status_code == 200, account.text
        assert account.json() == {"id": 7, "name": "Acme", "domain": "acme.kommo.com"}
        assert [body["grant_type"] for _, _, body in calls if body] == ["authorization_code", "refresh_token"]
        assert calls[-1][:2] == ("GET", "/api/v4/account")
        assert client.get("/v1/orgs/o2/kommo/account", headers=token(orgs=("o2",))).status_code == 404
        assert client.get("/v1/orgs/o2/kommo/account", headers=token()).status_code == 403
    stored = json.loads(redis.Redis.from_url(redis_server["url"]).get("kommo:connection:o1"))
    assert stored["access_token"] == "at-refresh_token"


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
    command = [sys.executable, "-m", "uvicorn", "starlette_reference_slow_app:app", "--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "20"]
    outcome, code, log = slow_request_across_sigterm(command, port, env)
    assert "response" in outcome, f"{outcome.get('error')!r}\n{log}"
    assert outcome["response"].status_code == 200 and outcome["response"].json() == {"finished": True}
    # uvicorn exits 0, or (recent releases) re-raises SIGTERM after the graceful shutdown
    assert code in (0, -signal.SIGTERM), log
    assert "stopped" in log, log  # the lifespan closed Redis, the queue and the HTTP client
