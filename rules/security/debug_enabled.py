from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class DebugEnabled(Rule):
    """
    ## What it does
    Finds applications constructed with debug mode on — `FastAPI(debug=True)`,
    directly or through a settings default or a constant that is `True`.
    Reported at the `debug=` argument, where the value takes effect.

    ## Why is this bad?
    In debug mode Starlette answers unhandled errors with the full traceback
    as an HTML page: source lines, file paths, library versions, sometimes
    local values — a map of the service for whoever triggers an error.

    ## Example
    ```python
    app = FastAPI(debug=True)
    ```

    ## Use instead
    ```python
    app = FastAPI(debug=settings.debug)  # debug: bool = False, set only on a developer's machine
    ```

    ## References
    - CWE-489: Active Debug Code
    - CWE-209: Generation of Error Message Containing Sensitive Information
    - OWASP API8:2023 Security Misconfiguration
    """

    code = "SEC012"
    name = "debug-enabled"
    title = "Debug mode enabled"
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    effort = "30m"
    fix = "Default debug to False and enable it only through a development-only setting."
    impact = "Tracebacks with source and paths shown to anyone"
    references = ("CWE-489", "CWE-209", "OWASP-API8:2023")
    messages = {"on": "Debug mode is on ({value}): unhandled errors answer with full tracebacks."}
    translations = {
        "ru": {
            "impact": "Трейсбеки с кодом и путями видны всем",
            "title": "Включён режим отладки",
            "fix": "Сделайте debug по умолчанию False и включайте только настройкой для разработки.",
            "why": "В режиме отладки Starlette отвечает на необработанные ошибки полным трейсбеком в HTML: "
            "строки кода, пути к файлам, версии библиотек, иногда значения переменных — карта сервиса для "
            "любого, кто вызовет ошибку.",
            "message.on": "Включён режим отладки ({value}): необработанные ошибки отвечают полными трейсбеками.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for app in model.apps:
            value = app.debug
            # on, or on unless the deployment sets an environment variable (a True default)
            if value is not None and value.value is True and (value.known or (value.origin or "").startswith("environment variable")):
                shown = value.text or "True" if not value.origin else f"{value.text} ({value.origin})"
                if app.debug_context:
                    shown += f", {app.debug_context}"
                yield self.finding(app.debug_location or app.location, "on", anchor=f"debug:{app.id}", value=shown)
            else:
                yield self.passed("debug mode is off", app.location)
