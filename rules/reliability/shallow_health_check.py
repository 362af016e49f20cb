from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel
from auditor.parsing.facts import dotted

HEALTH_SEGMENTS = frozenset({"health", "healthz", "healthcheck", "health-check", "ready", "readyz", "readiness", "live", "livez", "liveness", "ping"})
_PROBE_CALL = re.compile(
    r"(^|\.)(ping|execute|exec_driver_sql|scalar|fetch\w*|info|exists|health\w*|check\w*|select|command|server_info|list_collection_names|get_queue|connect|is_ready|rpc|count)$",
    re.I,
)


class ShallowHealthCheck(Rule):
    """
    ## What it does
    Finds services whose health check lies: there is no health endpoint at
    all, or every health endpoint answers OK without touching the
    dependencies the service uses (database, Redis, queue) — no ping, no
    query, no call to a check function. A constant liveness probe is fine
    next to a readiness probe that does check dependencies.

    ## Why is this bad?
    The load balancer and the orchestrator keep sending traffic to an
    instance whose database connection is gone, and never restart it: every
    request fails while the dashboards show it healthy.

    ## Example
    ```python
    @router.get("/health")
    async def health():
        return {"status": "ok"}
    ```

    ## Use instead
    ```python
    @router.get("/health/ready")
    async def ready(response: Response):
        checks = {"redis": await ping(redis.ping), "database": await ping(db_ping)}
        if not all(checks.values()):
            response.status_code = 503
        return checks
    ```

    ## References
    - CWE-754: Improper Check for Unusual or Exceptional Conditions
    - https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
    """

    code = "REL002"
    name = "shallow-health-check"
    title = "Health check does not check dependencies"
    category = Category.RELIABILITY
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    effort = "2h"
    fix = "Add a readiness endpoint that pings every dependency (DB, Redis, queue) and answers 503 when one is down."
    impact = "Traffic is sent to broken instances"
    references = ("CWE-754",)
    messages = {
        "none": "The app has no health endpoint: nothing tells the load balancer an instance is broken.",
        "shallow": "{route} answers OK without checking the service's dependencies ({deps}).",
    }
    translations = {
        "ru": {
            "impact": "Трафик идёт на сломанные инстансы",
            "title": "Health check не проверяет зависимости",
            "fix": "Добавьте readiness-эндпоинт, который пингует все зависимости (БД, Redis, очередь) и отвечает 503, когда одна недоступна.",
            "why": "Балансировщик и оркестратор продолжают слать трафик на инстанс, у которого пропало "
            "соединение с базой, и не перезапускают его: все запросы падают, а дашборды показывают, что всё "
            "здорово.",
            "message.none": "У приложения нет health-эндпоинта: ничто не сообщит балансировщику, что инстанс сломан.",
            "message.shallow": "{route} отвечает OK, не проверяя зависимости сервиса ({deps}).",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        deps = sorted({i.name for i in model.integrations if i.kind in ("database", "cache", "queue")})
        for app in model.served_apps:
            routes = model.routes_of(app)
            health = [r for r in routes if _is_health(r.path)]
            if not routes:
                continue
            if not health:
                yield self.finding(app.location, "none", anchor=f"health:{app.id}")
                continue
            deep = next((r for r in health if self._probes(model, r.handler)), None)
            if deep is not None:
                yield self.passed(f"{deep.label} checks the dependencies", deep.location)
            elif not deps:
                yield self.passed(f"{health[0].label} answers; the service has no database, cache or queue to check", health[0].location)
            else:
                yield self.finding(health[0].location, "shallow", anchor=f"health:{app.id}", route=health[0].label, deps=", ".join(deps))

    def _probes(self, model: AppModel, handler: str, depth: int = 0) -> bool:
        info = model.function(handler)
        if info is None or depth > 2:
            return False
        for site in info.facts.calls:
            name = getattr(site.call.func, "attr", None) or (dotted(site.call.func) or "").rsplit(".", 1)[-1]
            if _PROBE_CALL.search(name) or (site.awaited and name):
                return True
        callees = {model.evaluate_callee(site, handler, info.path) for site in info.facts.calls}
        return any(self._probes(model, q, depth + 1) for q in callees if q in model.functions)


def _is_health(path: str) -> bool:
    """`/healthz`, `/v1/health/ready`; `/status` too when it is the service's own (`/status`, `/api/v1/status`)."""
    segments = [s.lower() for s in path.strip("/").split("/") if s]
    if not segments:
        return False
    if segments[-1] in HEALTH_SEGMENTS:
        return True
    prefix_only = all(s in ("api", "internal", "_") or (s[:1] == "v" and s[1:].isdigit()) for s in segments[:-1])
    return segments[-1] in ("status", "status.json") and prefix_only  # `/crm/status` is the CRM's, not the service's
