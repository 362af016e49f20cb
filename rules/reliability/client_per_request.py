from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class ClientPerRequest(Rule):
    """
    ## What it does
    Finds database engines, connection pools, Redis clients and HTTP clients
    constructed inside request-handling code — a handler, a dependency or a
    function they call — instead of once per process (module level, a
    cached getter, or the lifespan). One finding per construction.

    ## Why is this bad?
    Each request then pays for a new TCP and TLS handshake and a new pool,
    connection reuse never happens, and under load the service opens
    connections faster than the database or the remote API accepts them.

    ## Example
    ```python
    async def send(self, payload):
        async with httpx.AsyncClient() as client:
            return await client.post(self.url, json=payload)
    ```

    ## Use instead
    ```python
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.http = httpx.AsyncClient(timeout=10)
        yield
        await app.state.http.aclose()
    ```

    ## References
    - CWE-400: Uncontrolled Resource Consumption
    - https://www.python-httpx.org/advanced/clients/#why-use-a-client
    """

    code = "REL006"
    name = "client-per-request"
    title = "Client or pool created per request"
    category = Category.RELIABILITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    effort = "1h"
    fix = "Create clients and pools once per process (lifespan or a cached getter) and reuse them across requests."
    impact = "No connection reuse; connection storms under load"
    references = ("CWE-400",)
    messages = {"per_request": "`{target}` is constructed on every call of {function}, which runs on request paths."}
    translations = {
        "ru": {
            "impact": "Нет переиспользования соединений; лавина подключений под нагрузкой",
            "title": "Клиент или пул создаётся на каждый запрос",
            "fix": "Создавайте клиенты и пулы один раз на процесс (lifespan или кэшируемый геттер) и переиспользуйте их между запросами.",
            "why": "Каждый запрос тогда платит за новое TCP- и TLS-рукопожатие и новый пул, соединения не "
            "переиспользуются, а под нагрузкой сервис открывает соединения быстрее, чем их принимают база или "
            "удалённый API.",
            "message.per_request": "`{target}` создаётся при каждом вызове {function}, который выполняется при обработке запросов.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for call in model.outbound:
            if not call.is_constructor or call.function is None:
                continue
            if call.function not in model.request_path_functions or call.function in model.cached_getters:
                continue
            info = model.function(call.function)
            if info is not None and any(a.is_global for a in info.facts.assignments):
                continue  # `global _client; if _client is None: _client = ...` builds it once
            target = ".".join(call.target.rsplit(".", 2)[-2:])
            yield self.finding(
                call.location,
                "per_request",
                anchor=f"per-request:{call.function}:{target}",
                target=target,
                function=call.function.rsplit(".", 1)[-1],
            )
