from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class NoRetryOrBreaker(Rule):
    """
    ## What it does
    Finds requests to third-party HTTP APIs made with neither a retry with
    backoff (tenacity, backoff, stamina, an httpx transport with `retries=`)
    nor a circuit breaker (pybreaker, aiobreaker) around them. One finding
    per call site.

    ## Why is this bad?
    Remote APIs fail briefly all the time — a 502 during their deploy, a
    reset connection. Without a retry each blip becomes a failed sync or a
    500 for the user; without a breaker, a provider outage keeps every worker
    waiting on it and the failure spreads to your whole API.

    ## Example
    ```python
    async def pipelines(self):
        response = await self.client.get("/api/v4/leads/pipelines")
    ```

    ## Use instead
    ```python
    @retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.5, max=5),
           retry=retry_if_exception_type(httpx.TransportError))
    async def pipelines(self):
        response = await self.client.get("/api/v4/leads/pipelines")
    ```

    ## References
    - CWE-703: Improper Check or Handling of Exceptional Conditions
    - https://tenacity.readthedocs.io/
    """

    code = "REL005"
    name = "no-retry-or-breaker"
    title = "Third-party call without retry or circuit breaker"
    category = Category.RELIABILITY
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    effort = "2h"
    fix = "Retry idempotent third-party calls with exponential backoff and jitter, and put a circuit breaker around each provider."
    impact = "Transient provider errors become user-facing failures"
    references = ("CWE-703",)
    messages = {"bare": "`{target}` calls a third-party API with no retry and no circuit breaker."}
    translations = {
        "ru": {
            "impact": "Кратковременные сбои провайдера превращаются в ошибки для пользователей",
            "title": "Вызов стороннего API без повторов и circuit breaker",
            "fix": "Повторяйте идемпотентные вызовы сторонних API с экспоненциальной задержкой и джиттером и поставьте circuit breaker на каждого провайдера.",
            "why": "Удалённые API постоянно ненадолго сбоят — 502 во время их деплоя, сброшенное соединение. "
            "Без повторов каждый такой сбой — проваленная синхронизация или 500 у пользователя; без breaker "
            "авария провайдера держит все воркеры в ожидании, и отказ расползается на весь ваш API.",
            "message.bare": "`{target}` вызывает сторонний API без повторов и без circuit breaker.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        requests = [c for c in model.outbound if c.kind == "http" and not c.is_constructor]
        for call in requests:
            if call.retried:
                continue
            target = ".".join(call.target.rsplit(".", 2)[-2:])
            yield self.finding(call.location, "bare", anchor=f"retry:{call.function}:{target}", target=target)
        retried = [c for c in model.outbound if c.retried]
        if retried:
            yield self.passed(f"{len(retried)} third-party call(s) retried or behind a breaker", retried[0].location)
