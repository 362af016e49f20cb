from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.capabilities import structured_logging
from auditor.model.types import AppModel


class UnstructuredLogging(Rule):
    """
    ## What it does
    Finds services that log with `print()` on request paths, or only as plain
    text: no structured (JSON) logging library or formatter is configured
    (structlog, python-json-logger, loguru, ecs-logging). One finding per
    served application.

    ## Why is this bad?
    `print` has no level, no timestamp, no request context and cannot be
    silenced in production; plain-text lines cannot be filtered or aggregated
    by field in a log platform, so an incident means regexes over free text.

    ## Example
    ```python
    @app.post("/jobs")
    async def enqueue(job: Job):
        print("enqueue", job.kind)
    ```

    ## Use instead
    ```python
    import structlog

    structlog.configure(processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()])
    log = structlog.get_logger()

    @app.post("/jobs")
    async def enqueue(job: Job):
        log.info("job enqueued", kind=job.kind)
    ```

    ## References
    - CWE-778: Insufficient Logging
    - OWASP API10:2019 Insufficient Logging & Monitoring
    - https://www.structlog.org/
    """

    code = "OBS005"
    name = "unstructured-logging"
    title = "Unstructured logging"
    category = Category.MONITORING
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    effort = "2h"
    fix = "Log through a structured logger (JSON, with level, timestamp and request id) and drop print() from request paths."
    impact = "Logs cannot be searched or filtered"
    references = ("CWE-778", "OWASP-API10:2019")
    messages = {
        "print": "Request handlers log with print() ({place}): no level, no timestamp, no context, no way to turn it down.",
        "plain": "Logs are plain text: no structured (JSON) logging is configured, so they cannot be filtered by field.",
    }
    translations = {
        "ru": {
            "impact": "Логи не найти и не отфильтровать",
            "title": "Неструктурированное логирование",
            "fix": "Логируйте через структурированный логгер (JSON, с уровнем, временем и id запроса) и уберите print() из обработчиков.",
            "why": "У `print` нет уровня, времени, контекста запроса, и его нельзя приглушить в production; "
            "текстовые строки не отфильтровать и не агрегировать по полям в системе логов, и разбор инцидента "
            "превращается в регулярные выражения по свободному тексту.",
            "message.print": "Обработчики запросов пишут через print() ({place}): без уровня, времени, контекста и без возможности приглушить.",
            "message.plain": "Логи — простой текст: структурированное (JSON) логирование не настроено, поля не отфильтровать.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        evidence = structured_logging(model)
        prints = [
            location
            for _site, location, _target in model.calls_to("print")
            if any(
                i.path == location.path and i.facts.span.line <= location.line <= i.facts.span.end_line
                for q, i in model.functions.items()
                if q in model.request_path_functions
            )
        ]
        for app in model.served_apps:
            if prints:
                yield self.finding(app.location, "print", anchor=f"logging:{app.id}", related=tuple(prints[:5]), place=prints[0])
            elif evidence is not None:
                yield self.passed(str(evidence), evidence.location)
            else:
                yield self.finding(app.location, "plain", anchor=f"logging:{app.id}")
