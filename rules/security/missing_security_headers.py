from __future__ import annotations

from auditor.engine.rule import AppCapabilityRule, Category, Confidence, Severity
from auditor.model.capabilities import security_headers
from auditor.model.types import App, AppModel, Evidence


class MissingSecurityHeaders(AppCapabilityRule):
    """
    ## What it does
    Finds applications that set no security headers — no
    `Strict-Transport-Security`, `X-Content-Type-Options`, `X-Frame-Options`
    or `Content-Security-Policy` from a middleware or a library such as
    `secure` — the counterpart of Node's helmet. One finding per served
    application. Declare headers added by a proxy with
    `assume = ["edge-security-headers"]`.

    ## Why is this bad?
    Without HSTS a first plain-HTTP request can be intercepted and
    downgraded; without `nosniff` browsers may execute a JSON or upload
    response as script; without frame options the API's pages can be framed
    for clickjacking.

    ## Example
    ```python
    app = FastAPI()
    ```

    ## Use instead
    ```python
    class SecurityHeadersMiddleware(BaseHTTPMiddleware):
        async def dispatch(self, request, call_next):
            response = await call_next(request)
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
            return response

    app.add_middleware(SecurityHeadersMiddleware)
    ```

    ## References
    - CWE-693: Protection Mechanism Failure
    - OWASP API8:2023 Security Misconfiguration
    - https://owasp.org/www-project-secure-headers/
    """

    code = "SEC015"
    name = "missing-security-headers"
    title = "No security headers"
    category = Category.SECURITY
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    effort = "30m"
    fix = "Add a middleware (or the `secure` package) that sets HSTS, nosniff, frame options and a CSP on every response."
    impact = "Downgrade, MIME sniffing and clickjacking"
    references = ("CWE-693", "OWASP-API8:2023")
    messages = {
        "missing": "The app sets no security headers (HSTS, X-Content-Type-Options, X-Frame-Options, CSP). "
        '(If a proxy adds them, declare `assume = ["edge-security-headers"]`.)',
    }
    translations = {
        "ru": {
            "impact": "Понижение до HTTP, MIME-sniffing, clickjacking",
            "title": "Нет заголовков безопасности",
            "fix": "Добавьте middleware (или пакет `secure`), который ставит HSTS, nosniff, запрет фреймов и CSP на каждый ответ.",
            "why": "Без HSTS первый запрос по HTTP можно перехватить и понизить; без `nosniff` браузер может "
            "исполнить ответ JSON или загруженный файл как скрипт; без запрета фреймов страницы можно встроить "
            "для clickjacking.",
            "message.missing": "Приложение не ставит заголовки безопасности (HSTS, X-Content-Type-Options, "
            'X-Frame-Options, CSP). (Если их добавляет прокси, укажите `assume = ["edge-security-headers"]`.)',
        }
    }

    assumption = "edge-security-headers"

    def capability(self, model: AppModel):
        return security_headers(model)

    def app_capability(self, app: App) -> Evidence | None:
        return app.security_headers
