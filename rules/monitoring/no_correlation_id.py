from __future__ import annotations

from auditor.engine.rule import AppCapabilityRule, Category, Confidence, Severity
from auditor.model.capabilities import correlation_ids
from auditor.model.types import AppModel


class NoCorrelationId(AppCapabilityRule):
    """
    ## What it does
    Finds services whose requests carry no correlation id through the logs:
    no correlation-id middleware (asgi-correlation-id, starlette-context), no
    `X-Request-ID` handling, no request id bound into the log context. One
    finding per served application.

    ## Why is this bad?
    When a request fails across the API, the queue and a worker, its log
    lines cannot be tied together; finding what happened to one customer's
    call means grepping timestamps across services.

    ## Example
    ```python
    app = FastAPI()
    ```

    ## Use instead
    ```python
    from asgi_correlation_id import CorrelationIdMiddleware

    app = FastAPI()
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    ```

    ## References
    - CWE-778: Insufficient Logging
    - OWASP API10:2019 Insufficient Logging & Monitoring
    - https://github.com/snok/asgi-correlation-id
    """

    code = "OBS003"
    name = "no-correlation-id"
    title = "No request correlation id"
    category = Category.MONITORING
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    effort = "1h"
    fix = "Add a correlation-id middleware, pass the id to jobs and outbound calls, and bind it into every log line."
    impact = "One request's logs cannot be followed"
    references = ("CWE-778", "OWASP-API10:2019")
    messages = {"missing": "Requests carry no correlation id: the log lines of one request cannot be tied together."}
    translations = {
        "ru": {
            "impact": "Логи одного запроса не связать",
            "title": "Нет correlation id у запросов",
            "fix": "Добавьте middleware с correlation id, передавайте его в задачи и исходящие вызовы и привяжите к каждой строке лога.",
            "why": "Когда запрос падает по пути через API, очередь и воркер, его строки логов не связать между "
            "собой: чтобы понять, что случилось с вызовом одного клиента, приходится искать по времени во всех "
            "сервисах.",
            "message.missing": "У запросов нет correlation id: строки логов одного запроса не связать между собой.",
        }
    }

    def capability(self, model: AppModel):
        return correlation_ids(model)
