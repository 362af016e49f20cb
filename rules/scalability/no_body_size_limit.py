from __future__ import annotations

from auditor.engine.rule import AppCapabilityRule, Category, Confidence, Severity
from auditor.model.capabilities import body_limit
from auditor.model.types import App, AppModel, Evidence


class NoBodySizeLimit(AppCapabilityRule):
    """
    ## What it does
    Finds applications that accept request bodies of any size. Starlette and
    FastAPI put no limit on request bodies, and uvicorn does not either, so
    unless a middleware rejects large bodies (413) the service reads whatever
    it is sent. One finding per served application, at its construction.
    Declare a proxy's limit (nginx `client_max_body_size`, a load balancer)
    with `assume = ["edge-body-limit"]`.

    ## Why is this bad?
    A single request with a 1 GB JSON body is parsed into memory; a few in
    parallel take the process down (out of memory), and every other request
    on it fails with it.

    ## Example
    ```python
    app = FastAPI()
    ```

    ## Use instead
    ```python
    MAX_BODY = 5 * 1024 * 1024

    class BodySizeLimitMiddleware:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                length = dict(scope["headers"]).get(b"content-length")
                if length and int(length) > MAX_BODY:
                    response = JSONResponse({"detail": "request body too large"}, status_code=413)
                    return await response(scope, receive, send)
            await self.app(scope, receive, send)

    app.add_middleware(BodySizeLimitMiddleware)
    ```

    ## Known limitations
    A limit that only checks `Content-Length` lets chunked bodies through;
    the middleware's logic is not judged, only its presence.

    ## References
    - CWE-400: Uncontrolled Resource Consumption
    - OWASP API4:2023 Unrestricted Resource Consumption
    """

    code = "SCL001"
    name = "no-body-size-limit"
    title = "No request body size limit"
    category = Category.SCALABILITY
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    effort = "1h"
    fix = "Reject bodies over a few megabytes with 413, in a middleware or at the proxy (then declare it)."
    impact = "Out-of-memory crashes from one large request"
    references = ("CWE-400", "OWASP-API4:2023")
    messages = {
        "missing": "The app accepts request bodies of any size (no limit of the framework's, no middleware answering 413): one large "
        'request can exhaust memory. (If a proxy limits bodies, declare `assume = ["edge-body-limit"]`.)',
    }
    translations = {
        "ru": {
            "impact": "Падение по памяти от одного большого запроса",
            "title": "Нет ограничения размера тела запроса",
            "fix": "Отклоняйте тела больше нескольких мегабайт ответом 413 — в middleware или на прокси (тогда объявите это в конфигурации).",
            "why": "Один запрос с JSON на 1 ГБ разбирается в память; несколько параллельных кладут процесс (out "
            "of memory), и вместе с ним падают все остальные запросы.",
            "message.missing": "Приложение принимает тела запросов любого размера (ни лимита фреймворка, ни middleware "
            "с ответом 413): один большой запрос может исчерпать память. (Если размер ограничивает прокси, "
            'укажите `assume = ["edge-body-limit"]`.)',
        }
    }

    assumption = "edge-body-limit"

    def capability(self, model: AppModel):
        return body_limit(model)

    def app_capability(self, app: App) -> Evidence | None:
        return app.body_limit
