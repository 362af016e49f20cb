from __future__ import annotations

from auditor.engine.rule import AppCapabilityRule, Category, Confidence, Severity
from auditor.model.capabilities import metrics
from auditor.model.types import AppModel


class NoMetrics(AppCapabilityRule):
    """
    ## What it does
    Finds services that export no metrics: no Prometheus client or
    instrumentator, no OpenTelemetry metrics, no StatsD/Datadog client. One
    finding per served application, at its construction.

    ## Why is this bad?
    Without request rates, latencies and error counts nobody sees a slow
    dependency, a rising error rate or saturation until users report it, and
    there is nothing to alert on or to size capacity with.

    ## Example
    ```python
    app = FastAPI()
    ```

    ## Use instead
    ```python
    from prometheus_fastapi_instrumentator import Instrumentator

    app = FastAPI()
    Instrumentator().instrument(app).expose(app, endpoint="/metrics")
    ```

    ## References
    - CWE-778: Insufficient Logging
    - OWASP API10:2019 Insufficient Logging & Monitoring
    - https://prometheus.github.io/client_python/
    """

    code = "OBS001"
    name = "no-metrics"
    title = "No metrics exported"
    category = Category.MONITORING
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    effort = "2h"
    fix = "Export request rate, latency and error metrics (prometheus-fastapi-instrumentator or OpenTelemetry) and alert on them."
    impact = "Outages and slowdowns go unnoticed"
    references = ("CWE-778", "OWASP-API10:2019")
    messages = {"missing": "The service exports no metrics: no request rates, latencies or error counts to watch or alert on."}
    translations = {
        "ru": {
            "impact": "Сбои и замедления остаются незамеченными",
            "title": "Метрики не экспортируются",
            "fix": "Экспортируйте частоту запросов, задержки и ошибки (prometheus-fastapi-instrumentator или OpenTelemetry) и настройте по ним алерты.",
            "why": "Без частоты запросов, задержек и счётчиков ошибок никто не видит медленную зависимость, рост "
            "ошибок или насыщение, пока не пожалуются пользователи; не на что ставить алерты и не по чему "
            "планировать мощности.",
            "message.missing": "Сервис не экспортирует метрики: нет частоты запросов, задержек и счётчиков "
            "ошибок, за которыми можно следить и по которым можно алертить.",
        }
    }

    def capability(self, model: AppModel):
        return metrics(model)
