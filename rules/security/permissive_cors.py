from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class PermissiveCors(Rule):
    """
    ## What it does
    Finds CORS configurations that grant any origin: `allow_origins=["*"]`, an
    `allow_origin_regex` that matches any site (Starlette full-matches the
    regex, so an anchored allowlist pattern is fine), whether written inline,
    in a module constant or as a settings default. With `allow_credentials=True`
    the finding is critical; without credentials it is medium.

    ## Why is this bad?
    With credentials allowed, Starlette answers a request carrying cookies with
    the caller's own `Origin` and `Access-Control-Allow-Credentials: true`, so
    any website the user visits can call the API as the user and read the
    answers: create and delete records, read tenant data (CSRF with the
    response in hand). Without credentials, any site can still read whatever
    the API returns to anonymous callers.

    ## Example
    ```python
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    ```

    ## Use instead
    ```python
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,  # ["https://app.example.com"]
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
    )
    ```

    ## Known limitations
    Origins read from the environment without a default cannot be judged and
    are not reported.

    ## References
    - CWE-942: Permissive Cross-domain Policy with Untrusted Domains
    - OWASP API8:2023 Security Misconfiguration
    - https://www.starlette.io/middleware/#corsmiddleware
    """

    code = "SEC003"
    name = "permissive-cors"
    title = "CORS allows any origin"
    category = Category.SECURITY
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    effort = "30m"
    fix = "List the trusted front-end origins explicitly (from settings) instead of `*` or a match-all regex."
    references = ("CWE-942", "OWASP-API8:2023")
    impact = "Any site acts with the user's cookies (CSRF)"
    messages = {
        "credentials": "CORS grants any origin with credentials ({reason}, allow_credentials=True): any website can "
        "call the API with the user's cookies and read the answer.",
        "any_origin": "CORS grants any origin ({reason}): any website can read what the API returns.",
    }
    translations = {
        "ru": {
            "impact": "Любой сайт действует с cookies пользователя (CSRF)",
            "title": "CORS разрешает любой источник",
            "fix": "Перечислите доверенные источники фронтенда явно (из настроек) вместо `*` или регулярного выражения, совпадающего с любым сайтом.",
            "why": "Когда разрешены учётные данные, Starlette отвечает на запрос с cookies собственным `Origin` "
            "вызывающего и `Access-Control-Allow-Credentials: true`: любой сайт, который открыл пользователь, "
            "вызывает API от его имени и читает ответы — создаёт и удаляет записи, читает данные организации "
            "(CSRF с ответом на руках). Без учётных данных любой сайт читает всё, что API отдаёт анонимно.",
            "message.credentials": "CORS разрешает любой источник вместе с учётными данными ({reason}, "
            "allow_credentials=True): любой сайт может вызвать API с cookies пользователя и прочитать ответ.",
            "message.any_origin": "CORS разрешает любой источник ({reason}): любой сайт может читать ответы API.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for cors in model.cors:
            if not cors.any_origin:
                allowed = cors.origins.text or repr(cors.origins.value)
                source = f" ({cors.origins.origin})" if cors.origins.origin else ""
                yield self.passed(f"CORS restricted to {allowed}{source}", cors.location)
                continue
            related = tuple(v.location for v in (cors.origins, cors.origin_regex, cors.credentials) if v.location)
            if cors.credentials_enabled:
                yield self.finding(cors.location, "credentials", anchor=f"cors:{cors.app}", related=related, reason=cors.any_origin_reason)
            else:
                yield self.finding(
                    cors.location,
                    "any_origin",
                    anchor=f"cors:{cors.app}",
                    severity=Severity.MEDIUM,
                    related=related,
                    reason=cors.any_origin_reason,
                )
