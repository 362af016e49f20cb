from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel
from auditor.pins import lowest_version

REDIS_TIMEOUT_DEFAULT_SINCE = Version("8.0")


class MissingTimeout(Rule):
    """
    ## What it does
    Finds outbound calls that can wait forever: `requests` calls without
    `timeout=` (requests has no default), httpx clients or calls with
    `timeout=None` (httpx's own default is 5 seconds), aiohttp sessions with
    `timeout=None`, and Redis clients without `socket_timeout` on redis-py
    versions before 8.0 (which had no default). The Redis judgment reads the
    version the project pins; with no pin it assumes the latest release.

    ## Why is this bad?
    When the other side hangs — a CRM API under load, a Redis failover — each
    request waiting on it holds a worker, a connection and memory. Within
    minutes every worker is stuck, health checks time out and the whole API
    is down because of one slow dependency.

    ## Example
    ```python
    async with httpx.AsyncClient(timeout=None) as client:
        response = await client.get(url)
    ```

    ## Use instead
    ```python
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=3.0)) as client:
        response = await client.get(url)
    ```

    ## References
    - CWE-400: Uncontrolled Resource Consumption
    - CWE-1088: Synchronous Access of Remote Resource without Timeout
    - https://www.python-httpx.org/advanced/timeouts/
    """

    code = "REL003"
    name = "missing-timeout"
    title = "Outbound call without a timeout"
    category = Category.RELIABILITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    effort = "1h"
    fix = "Give every outbound call a timeout (a few seconds, longer only where the remote work is known to be long)."
    impact = "One slow dependency hangs every worker"
    references = ("CWE-400", "CWE-1088")
    messages = {
        "disabled": "`{target}` is called with timeout=None: a hung peer holds this request forever.",
        "requests": "`{target}` has no timeout (requests never times out by default): a hung peer holds this request forever.",
        "redis": "`{target}` has no socket_timeout; redis-py {version} has no default one, so a stuck Redis blocks callers forever.",
    }
    translations = {
        "ru": {
            "impact": "Одна медленная зависимость вешает все воркеры",
            "title": "Исходящий вызов без таймаута",
            "fix": "Задайте таймаут каждому исходящему вызову (несколько секунд, дольше — только там, где удалённая работа заведомо долгая).",
            "why": "Когда другая сторона зависает — CRM API под нагрузкой, переключение Redis, — каждый ждущий "
            "запрос держит воркер, соединение и память. За минуты все воркеры заняты, health checks не отвечают, "
            "и весь API лежит из-за одной медленной зависимости.",
            "message.disabled": "`{target}` вызывается с timeout=None: зависший собеседник держит этот запрос вечно.",
            "message.requests": "У `{target}` нет таймаута (requests по умолчанию не ограничивает время): зависший собеседник держит запрос вечно.",
            "message.redis": "У `{target}` нет socket_timeout; в redis-py {version} значения по умолчанию нет, и зависший Redis блокирует вызывающих навсегда.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        redis_pin = model.pins.get("redis")
        lowest = lowest_version(redis_pin)
        redis_without_default = lowest is not None and lowest < REDIS_TIMEOUT_DEFAULT_SINCE
        checked, flagged = 0, 0
        for call in model.outbound:
            short = call.target.rsplit(".", 2)[-2:] if "." in call.target else [call.target]
            target = ".".join(short)
            anchor = f"timeout:{call.function}:{target}"
            if call.timeout == "none":
                key = "disabled"
            elif call.timeout == "missing" and call.target.startswith("requests."):
                key = "requests"
            elif call.kind == "redis-client" and call.timeout == "missing" and redis_without_default:
                key = "redis"
            else:
                checked += 1
                continue
            flagged += 1
            if key == "redis":
                yield self.finding(call.location, key, anchor=anchor, target=target, version=redis_pin or "")
            else:
                yield self.finding(call.location, key, anchor=anchor, target=target)
        if checked and not flagged:
            assumed = f"redis-py {redis_pin}" if redis_pin else "the latest redis-py"
            yield self.passed(f"{checked} outbound call(s) and client(s) have a timeout or a finite default (assuming {assumed})")
