"""fixtures/flask_reference_service really is compliant: its behaviour, run against a real Redis.

The Flask twin of tests/test_reference_service.py. The audit finds nothing in
it (tests/test_compliant_services.py); these tests show that is deserved: the checks the auditor credits all hold
at run time. Bearer JWTs are required (401), then membership of the
organisation in the path (403), with every change audited. Flask-CORS grants
only the allowlisted origin, and Flask-Limiter answers 429 with its counts in
Redis. `MAX_CONTENT_LENGTH` answers 413 for a declared length, and a chunked
body is never read past it. Talisman sends the security headers (HSTS once
ProxyFix has read the load balancer's `X-Forwarded-Proto`), requests get ids,
and the OpenAPI document describes the routes. Webhooks that are forged,
stale, replayed, signed for another delivery or from a foreign sender are
refused. The OAuth state is bound to the browser's signed session, and tokens
are refreshed before they expire. The readiness probe answers 503 without
Redis. Under gunicorn with the fixture's gunicorn.conf.py, SIGTERM lets an
in-flight request finish.

Most tests use Flask's test client; only the SIGTERM test starts gunicorn.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import json
import os
import sys
import time
from urllib.parse import parse_qs, urlparse

import pytest


from .conftest import FIXTURES, ROOT
from .helpers import bearer, free_port, service_package, slow_request_across_sigterm

SERVICE = FIXTURES / "flask_reference_service"
SECRET_KEY = "s" * 40
WEBHOOK_SECRET = "w" * 40
JWT_SECRET = "j" * 40
ENV = {
    "APP_SECRET_KEY": SECRET_KEY,
    "APP_JWT_SECRET": JWT_SECRET,
    "APP_KOMMO_CLIENT_SECRET": "c" * 20,
    "APP_KOMMO_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "APP_LOG_JSON": "false",
}


@pytest.fixture(scope="module")
def service():
    """The Flask reference service's `create_app`, `Settings` and extension key, imported from the fixture.

    Imported once for the module, as in a gunicorn worker: its request metrics are module-level
    collectors in prometheus_client's default registry, which refuses them a second time. They are
    taken out of it again at the end.
    """
    from prometheus_client import REGISTRY

    with service_package(SERVICE):
        from app import create_app  # the fixture's package, on the path only here
        from app.lib import observability
        from app.lib.services import EXTENSION
        from app.settings import Settings

        try:
            yield create_app, Settings, EXTENSION
        finally:
            for collector in (observability.REQUEST_DURATION, observability.REQUEST_ERRORS):
                REGISTRY.unregister(collector)


def make_app(service, redis_server, **overrides):
    create_app, Settings, _ = service
    values = dict(
        secret_key=SECRET_KEY,
        redis_url=redis_server["url"],
        redis_timeout_seconds=0.5,
        jwt_secret=JWT_SECRET,
        kommo_client_secret="c" * 20,
        kommo_webhook_secret=WEBHOOK_SECRET,
        log_json=False,
    )
    values.update(overrides)
    return create_app(Settings(**values))


def make_client(service, redis_server, **overrides):
    return make_app(service, redis_server, **overrides).test_client()


def token(user: str = "u1", orgs: tuple[str, ...] = ("o1",)) -> dict[str, str]:
    return bearer(JWT_SECRET, user, orgs)


def test_requests_without_a_token_get_401(service, redis_server):
    import jwt

    claims = {"sub": "u1", "orgs": ["o1"], "aud": "agents-api", "exp": int(time.time()) + 600}
    unsigned = jwt.encode(claims, None, algorithm="none")
    expired = jwt.encode({**claims, "exp": int(time.time()) - 60}, JWT_SECRET, algorithm="HS256")
    foreign_audience = jwt.encode({**claims, "aud": "another-api"}, JWT_SECRET, algorithm="HS256")
    client = make_client(service, redis_server)
    assert client.get("/v1/orgs/o1/agents").status_code == 401
    for bad in ("Bearer not-a-jwt", "Basic abc", f"Bearer {unsigned}", f"Bearer {expired}", f"Bearer {foreign_audience}"):
        assert client.get("/v1/orgs/o1/agents", headers={"Authorization": bad}).status_code == 401, bad
    for path in ("/v1/orgs/o1/agents", "/v1/orgs/o1/jobs", "/v1/orgs/o1/agents/a1/status", "/v1/orgs/o1/kommo/oauth/start", "/v1/orgs/o1/kommo/messages"):
        assert client.post(path, json={}).status_code == 401, path
    # public by nature: the probes, the metrics and the API description
    for path in ("/v1/health/live", "/v1/health/ready", "/metrics", "/v1/openapi.json"):
        assert client.get(path).status_code == 200, path


def test_another_organisation_gets_403_and_changes_are_audited(service, redis_server):
    import redis

    client = make_client(service, redis_server)
    assert client.get("/v1/orgs/o2/agents", headers=token(orgs=("o1",))).status_code == 403
    assert client.post("/v1/orgs/o2/agents", json={"name": "triage"}, headers=token(orgs=("o1",))).status_code == 403
    created = client.post("/v1/orgs/o1/agents", json={"name": "triage"}, headers=token())
    assert created.status_code == 201, created.get_data(as_text=True)
    agent_id = created.get_json()["id"]
    listed = client.get("/v1/orgs/o1/agents", headers=token()).get_json()
    assert [a["name"] for a in listed["data"]] == ["triage"]
    paused = client.post(f"/v1/orgs/o1/agents/{agent_id}/status", json={"status": "paused"}, headers=token())
    assert paused.status_code == 200 and paused.get_json()["status"] == "paused"
    assert client.post(f"/v1/orgs/o2/agents/{agent_id}/status", json={"status": "paused"}, headers=token()).status_code == 403
    assert client.post("/v1/orgs/o1/agents/nope/status", json={"status": "paused"}, headers=token()).status_code == 404
    entries = [json.loads(e) for e in redis.Redis.from_url(redis_server["url"]).lrange("audit:log", 0, -1)]
    assert [e["action"] for e in entries] == ["agent.status", "agent.create"]
    assert {e["actor"] for e in entries} == {"u1"} and entries[1]["target"] == agent_id and entries[1]["address"] == "127.0.0.1"


def test_bodies_and_queries_are_validated(service, redis_server):
    client = make_client(service, redis_server)
    assert client.get("/v1/orgs/o1/agents?limit=1000", headers=token()).status_code == 422
    assert client.get("/v1/orgs/o1/agents?limit=0", headers=token()).status_code == 422
    invalid = client.post("/v1/orgs/o1/agents", json={"name": ""}, headers=token())
    assert invalid.status_code == 422 and set(invalid.get_json()["errors"]["json"]) == {"name"}
    malformed = client.post("/v1/orgs/o1/agents", data=b"{nope", headers={**token(), "Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert client.post("/v1/orgs/o1/agents/a1/status", json={"status": "deleted"}, headers=token()).status_code == 422
    assert client.delete("/v1/orgs/o1/agents", headers=token()).status_code == 405


def test_jobs_reach_the_queue(service, redis_server):
    import redis

    client = make_client(service, redis_server)
    queued = client.post("/v1/orgs/o1/jobs", json={"kind": "crm-sync", "target_ids": ["c1"]}, headers=token())
    assert queued.status_code == 202, queued.get_data(as_text=True)
    assert client.post("/v1/orgs/o2/jobs", json={"kind": "crm-sync", "target_ids": ["c1"]}, headers=token()).status_code == 403
    assert client.post("/v1/orgs/o1/jobs", json={"kind": "rm-rf", "target_ids": ["c1"]}, headers=token()).status_code == 422
    connection = redis.Redis.from_url(redis_server["url"])
    job_id = queued.get_json()["job_id"]
    assert connection.lrange("rq:queue:ingest", 0, -1) == [job_id.encode()]  # the fixture's RQ queue
    assert connection.hget(f"rq:job:{job_id}", "timeout") == b"600"  # every job has a timeout


def test_a_foreign_origin_gets_no_cors_grant(service, redis_server):
    client = make_client(service, redis_server)
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "Authorization"}
    evil = client.options("/v1/orgs/o1/agents", headers={"Origin": "https://evil.example", **preflight})
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Origin" not in client.get("/v1/orgs/o1/agents", headers={**token(), "Origin": "https://evil.example"}).headers
    good = client.options("/v1/orgs/o1/agents", headers={"Origin": "https://app.example.com", **preflight})
    assert good.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_the_rate_limit_answers_429(service, redis_server):
    import redis

    client = make_client(service, redis_server, rate_limit_per_minute=5)
    codes = [client.get("/v1/orgs/o1/agents", headers=token()).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert client.get("/v1/health/live").status_code == 200  # the probes and /metrics are exempt
    assert client.get("/metrics").status_code == 200
    # counted in Redis, so every gunicorn worker shares the count
    assert redis.Redis.from_url(redis_server["url"]).keys("LIMITS:*")


def test_an_oversized_body_gets_413(service, redis_server):
    client = make_client(service, redis_server, max_body_bytes=2_000)
    big = client.post("/v1/orgs/o1/agents", data=b'{"name": "' + b"x" * 5_000 + b'"}', headers={**token(), "Content-Type": "application/json"})
    assert big.status_code == 413
    body = json.dumps({"account": {"id": 42}, "padding": "x" * 5_000}).encode()
    assert client.post("/v1/kommo/webhook", data=body, headers=_delivery(body, "delivery-0001")).status_code == 413
    assert client.post("/v1/orgs/o1/agents", json={"name": "ok"}, headers=token()).status_code == 201


class _CountingStream(io.BytesIO):
    """A request body that counts what the application reads of it."""

    consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.consumed += len(data)
        return data

    def readinto(self, buffer) -> int:
        count = super().readinto(buffer)
        self.consumed += count
        return count


def test_a_chunked_body_is_never_read_past_the_limit(service, redis_server):
    """No Content-Length to check up front: the body is read through Werkzeug's LimitedStream.

    gunicorn sets `wsgi.input_terminated` (it de-chunks the body), so Werkzeug caps what is read
    at MAX_CONTENT_LENGTH. It answers 413 only on a read past the cap, which `get_data()` never
    makes: the application gets the first MAX_CONTENT_LENGTH bytes, and here fails to parse them.
    Without the flag (a server that does not terminate the stream) the body reads as empty.
    """
    client = make_client(service, redis_server, max_body_bytes=2_000)
    chunked = {**token(), "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    oversized = _CountingStream(b'{"name": "' + b"x" * 5_000 + b'"}')
    refused = client.post("/v1/orgs/o1/agents", input_stream=oversized, headers=chunked, environ_overrides={"wsgi.input_terminated": True})
    assert refused.status_code == 400 and oversized.consumed == 2_000
    fitting = _CountingStream(b'{"name": "ok"}')
    created = client.post("/v1/orgs/o1/agents", input_stream=fitting, headers=chunked, environ_overrides={"wsgi.input_terminated": True})
    assert created.status_code == 201 and created.get_json()["name"] == "ok"
    unterminated = _CountingStream(b'{"name": "ok"}')
    ignored = client.post("/v1/orgs/o1/agents", input_stream=unterminated, headers=chunked)
    assert ignored.status_code == 422 and unterminated.consumed == 0


def test_security_headers_and_request_ids(service, redis_server):
    client = make_client(service, redis_server)
    answered = client.get("/v1/health/live", headers={"X-Request-ID": "abc-123"})
    assert answered.headers["X-Request-ID"] == "abc-123"
    assert answered.headers["X-Frame-Options"] == "DENY" and answered.headers["X-Content-Type-Options"] == "nosniff"
    assert answered.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert answered.headers["Referrer-Policy"] == "no-referrer"
    # TLS ends at the load balancer: HSTS once ProxyFix has read its X-Forwarded-Proto
    assert "Strict-Transport-Security" not in answered.headers
    assert "Strict-Transport-Security" in client.get("/v1/health/live", headers={"X-Forwarded-Proto": "https"}).headers
    forged = client.get("/v1/health/live", headers={"X-Request-ID": "bad id; x"})
    assert forged.headers["X-Request-ID"] != "bad id; x" and len(forged.headers["X-Request-ID"]) == 32
    assert client.get("/v1/health/live").headers["X-Request-ID"] != forged.headers["X-Request-ID"]
    assert "api_http_request_duration_seconds" in client.get("/metrics").get_data(as_text=True)


def test_the_openapi_document_describes_the_routes(service, redis_server):
    schema = make_client(service, redis_server).get("/v1/openapi.json").get_json()
    assert schema["openapi"] == "3.0.3"
    paths = schema["paths"]
    assert set(paths["/v1/orgs/{org_id}/agents"]) >= {"get", "post"}
    assert {"/v1/kommo/webhook", "/v1/health/ready", "/v1/orgs/{org_id}/jobs", "/v1/kommo/oauth/callback"} <= set(paths)
    assert schema["security"] == [{"bearerAuth": []}] and "bearerAuth" in schema["components"]["securitySchemes"]
    assert paths["/v1/health/ready"]["get"]["security"] == [] and paths["/v1/kommo/webhook"]["post"]["security"] == []
    assert "AgentIn" in schema["components"]["schemas"]


def _delivery(body: bytes, delivery: str, timestamp: int | None = None, secret: str = WEBHOOK_SECRET, signed_delivery: str | None = None) -> dict[str, str]:
    """Kommo's headers; the signature covers the timestamp, the delivery id and the raw body."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{signed_delivery or delivery}.".encode() + body
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return {"X-Kommo-Signature": signature, "X-Kommo-Timestamp": str(timestamp), "X-Kommo-Delivery": delivery, "Content-Type": "application/json"}


def test_forged_stale_and_replayed_webhooks_are_refused(service, redis_server):
    import redis

    body = json.dumps({"account": {"id": 42}, "leads": {"add": [{"id": 1}]}}).encode()
    client = make_client(service, redis_server)
    forged = client.post("/v1/kommo/webhook", data=body, headers=_delivery(body, "delivery-0001", secret="x" * 40))
    assert forged.status_code == 401
    stale = client.post("/v1/kommo/webhook", data=body, headers=_delivery(body, "delivery-0002", int(time.time()) - 3600))
    assert stale.status_code == 401
    relabelled = client.post("/v1/kommo/webhook", data=body, headers=_delivery(body, "delivery-0009", signed_delivery="delivery-0003"))
    assert relabelled.status_code == 401  # a captured delivery cannot be replayed under a fresh id
    assert client.post("/v1/kommo/webhook", data=body, headers={"Content-Type": "application/json"}).status_code == 401  # unsigned
    genuine = client.post("/v1/kommo/webhook", data=body, headers=_delivery(body, "delivery-0003"))
    assert genuine.status_code == 202 and genuine.get_json() == {"accepted": True}
    replayed = client.post("/v1/kommo/webhook", data=body, headers=_delivery(body, "delivery-0003"))
    assert replayed.status_code == 200 and replayed.get_json() == {"accepted": False, "duplicate": True}  # acknowledged, not processed
    # one proxy in front (proxy_hops=1): the sender is the address the load balancer appended
    relayed = client.post("/v1/kommo/webhook", data=body, headers={**_delivery(body, "delivery-0004"), "X-Forwarded-For": "127.0.0.1, 198.51.100.7"})
    assert relayed.status_code == 403
    outsider = make_client(service, redis_server, kommo_webhook_networks=["203.0.113.0/24"])
    assert outsider.post("/v1/kommo/webhook", data=body, headers=_delivery(body, "delivery-0005")).status_code == 403
    assert [json.loads(e) for e in redis.Redis.from_url(redis_server["url"]).lrange("kommo:events", 0, -1)] == [json.loads(body)]  # stored once


def test_the_oauth_state_is_bound_to_the_browser_and_tokens_are_refreshed(service, redis_server):
    import httpx
    import redis

    calls = []

    def kommo_api(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        calls.append((request.method, request.url.host, request.url.path, request.headers.get("Authorization"), body))
        if request.url.path == "/oauth2/access_token":
            grant = body["grant_type"]
            # the first token expires within the refresh margin, so the next call refreshes it
            expires_in = 1 if grant == "authorization_code" else 86_400
            return httpx.Response(200, json={"access_token": f"at-{grant}", "refresh_token": f"rt-{len(calls)}", "expires_in": expires_in})
        return httpx.Response(201, json={"id": "m1"})

    app = make_app(service, redis_server)
    extension = service[2]
    app.extensions[extension] = dataclasses.replace(app.extensions[extension], http=httpx.Client(transport=httpx.MockTransport(kommo_api)))
    browser, other_browser = app.test_client(), app.test_client()

    started = browser.post("/v1/orgs/o1/kommo/oauth/start", headers=token())
    assert started.status_code == 200
    state = parse_qs(urlparse(started.get_json()["url"]).query)["state"][0]
    callback = {"code": "x", "state": state, "referer": "acme.kommo.com"}
    assert other_browser.get("/v1/kommo/oauth/callback", query_string=callback).status_code == 400  # not issued to it
    assert browser.get("/v1/kommo/oauth/callback", query_string={**callback, "referer": "evil.example"}).status_code == 422  # the code goes to Kommo only
    assert calls == []
    connected = browser.get("/v1/kommo/oauth/callback", query_string=callback)
    assert connected.status_code == 200 and connected.get_json() == {"connected": True}
    assert browser.get("/v1/kommo/oauth/callback", query_string=callback).status_code == 400  # used once

    sent = browser.post("/v1/orgs/o1/kommo/messages", json={"chat_id": "chat-1", "text": "hello"}, headers=token())
    assert sent.status_code == 201 and sent.get_json() == {"sent": True}
    assert [c[4]["grant_type"] for c in calls if c[2] == "/oauth2/access_token"] == ["authorization_code", "refresh_token"]
    assert calls[-1][:4] == ("POST", "acme.kommo.com", "/api/v4/chats/chat-1/messages", "Bearer at-refresh_token")
    assert browser.post("/v1/orgs/o2/kommo/messages", json={"chat_id": "chat-1", "text": "x"}, headers=token(orgs=("o2",))).status_code == 404
    assert browser.post("/v1/orgs/o2/kommo/messages", json={"chat_id": "chat-1", "text": "x"}, headers=token()).status_code == 403
    connection = redis.Redis.from_url(redis_server["url"])
    assert json.loads(connection.get("kommo:connection:o1"))["access_token"] == "at-refresh_token"
    assert [json.loads(e)["action"] for e in connection.lrange("audit:log", 0, -1)] == ["kommo.message.send", "kommo.connect"]


def test_the_readiness_probe_answers_503_when_redis_is_down(service, redis_server):
    client = make_client(service, redis_server)
    assert client.get("/v1/health/ready").status_code == 200
    redis_server["process"].terminate()
    redis_server["process"].wait(timeout=10)
    down = client.get("/v1/health/ready")
    assert down.status_code == 503 and down.get_json() == {"status": "degraded", "redis": "down"}
    assert client.get("/v1/health/live").status_code == 200


def test_sigterm_lets_an_in_flight_request_finish(redis_server):
    """gunicorn as the Procfile runs it (the fixture's gunicorn.conf.py), with one worker to keep it quick."""
    from gunicorn.config import KNOWN_SETTINGS

    port = free_port()
    env = {**os.environ, **ENV, "APP_REDIS_URL": redis_server["url"], "PYTHONPATH": os.pathsep.join([str(SERVICE), str(ROOT / "tests")])}
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        command.append("--no-control-socket")  # gunicorn 25+ would open one in the home directory
    outcome, code, log = slow_request_across_sigterm([*command, "flask_reference_slow_app:app"], port, env, cwd=SERVICE, ready_path="/v1/health/live")
    assert "response" in outcome, f"{outcome.get('error')!r}\n{log}"
    assert outcome["response"].status_code == 200 and outcome["response"].json() == {"finished": True}
    assert code == 0, log
    assert "Handling signal: term" in log and "Worker exiting" in log and "Shutting down: Master" in log, log
    assert log.index("Handling signal: term") < log.index('"GET /slow HTTP/1.1" 200'), log  # answered after the signal
