from __future__ import annotations

from auditor.engine.rule import AppCapabilityRule, Category, Confidence, Severity
from auditor.model.capabilities import error_tracking
from auditor.model.types import AppModel


class NoErrorTracking(AppCapabilityRule):
    """
    ## What it does
    Finds services whose unhandled errors are reported nowhere: no Sentry,
    Rollbar, Bugsnag, Honeybadger, New Relic or Datadog APM initialised.
    Initialising Sentry only when a DSN is configured counts as present. One
    finding per served application.

    ## Why is this bad?
    A 500 is then a line in a log nobody reads: no grouping, no stack trace
    with local variables, no release it started with, no alert. Bugs reach
    users for days before anyone learns of them.

    ## Example
    ```python
    app = FastAPI()
    ```

    ## Use instead
    ```python
    import sentry_sdk

    if settings.sentry_dsn:
        sentry_sdk.init(dsn=settings.sentry_dsn, environment=settings.environment, traces_sample_rate=0.1)
    app = FastAPI()
    ```

    ## References
    - CWE-778: Insufficient Logging
    - OWASP API10:2019 Insufficient Logging & Monitoring
    - https://docs.sentry.io/platforms/python/integrations/fastapi/
    """

    code = "OBS002"
    name = "no-error-tracking"
    title = "Unhandled errors are not tracked"
    category = Category.MONITORING
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    effort = "1h"
    fix = "Initialise an error tracker (Sentry or equivalent) at startup, with the environment and release set."
    impact = "Errors reach users before the team knows"
    references = ("CWE-778", "OWASP-API10:2019")
    messages = {"missing": "Unhandled errors are reported nowhere: no Sentry or equivalent is initialised."}
    translations = {
        "ru": {
            "impact": "Ошибки доходят до пользователей раньше, чем до команды",
            "title": "Необработанные ошибки не отслеживаются",
            "fix": "Инициализируйте трекер ошибок (Sentry или аналог) при старте, с окружением и релизом.",
            "why": "Ошибка 500 тогда — строка в логе, который никто не читает: нет группировки, стека с "
            "локальными переменными, релиза, с которого она началась, нет алерта. Баги живут у пользователей "
            "днями, прежде чем о них узнают.",
            "message.missing": "Необработанные ошибки никуда не отправляются: Sentry или аналог не инициализирован.",
        }
    }

    def capability(self, model: AppModel):
        return error_tracking(model)
