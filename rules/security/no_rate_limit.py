from __future__ import annotations

from auditor.engine.rule import AppCapabilityRule, Category, Confidence, Severity
from auditor.model.capabilities import rate_limiting
from auditor.model.types import App, AppModel, Evidence


class NoRateLimit(AppCapabilityRule):
    """
    ## What it does
    Finds applications with no rate limiting: no limiter library (slowapi,
    fastapi-limiter, limits...), no throttling middleware or dependency, no
    handler answering 429. One finding per served application, at its
    construction. When a gateway or proxy in front of the service limits
    rates, declare it with `assume = ["edge-rate-limit"]`.

    ## Why is this bad?
    Without a limit, one client can enumerate ids (`orgId`, invoice numbers),
    brute-force tokens and passwords, scrape everything the API serves, and
    exhaust the database and third-party quotas for everyone else.

    ## Example
    ```python
    app = FastAPI()
    app.include_router(agents.router)
    ```

    ## Use instead
    ```python
    from slowapi import Limiter, _rate_limit_exceeded_handler
    from slowapi.errors import RateLimitExceeded
    from slowapi.middleware import SlowAPIMiddleware
    from slowapi.util import get_remote_address

    limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"], storage_uri=settings.redis_url)
    app = FastAPI()
    app.state.limiter = limiter
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)
    app.add_middleware(SlowAPIMiddleware)
    ```

    ## Options
    `assume = ["edge-rate-limit"]` when the deployment limits rates in front of the code.

    ## References
    - CWE-770: Allocation of Resources Without Limits or Throttling
    - OWASP API4:2023 Unrestricted Resource Consumption
    - https://slowapi.readthedocs.io/
    """

    code = "SEC005"
    name = "no-rate-limit"
    title = "No rate limiting"
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    effort = "1h"
    fix = "Add a rate limiter (slowapi or fastapi-limiter, backed by Redis) with a default limit per client, stricter on auth endpoints."
    impact = "Brute force, enumeration, resource exhaustion"
    references = ("CWE-770", "OWASP-API4:2023")
    messages = {
        "missing": "The app has no rate limiting: any client can enumerate ids, brute-force credentials and exhaust "
        'resources. (If a gateway limits rates in front of it, declare `assume = ["edge-rate-limit"]`.)',
    }
    translations = {
        "ru": {
            "impact": "Перебор, brute-force, исчерпание ресурсов",
            "title": "Нет rate limiting",
            "fix": "Добавьте ограничитель частоты запросов (slowapi или fastapi-limiter на Redis) с лимитом по "
            "умолчанию на клиента и строже на эндпоинтах аутентификации.",
            "why": "Без ограничения один клиент перебирает идентификаторы (`orgId`, номера счетов), подбирает "
            "токены и пароли, выкачивает всё, что отдаёт API, и исчерпывает базу и квоты сторонних сервисов для "
            "всех остальных.",
            "message.missing": "В приложении нет rate limiting: любой клиент может перебирать идентификаторы, "
            "подбирать учётные данные и исчерпывать ресурсы. (Если лимиты ставит шлюз перед сервисом, укажите "
            '`assume = ["edge-rate-limit"]`.)',
        }
    }

    assumption = "edge-rate-limit"

    def capability(self, model: AppModel):
        return rate_limiting(model)

    def app_capability(self, app: App) -> Evidence | None:
        return app.rate_limit
