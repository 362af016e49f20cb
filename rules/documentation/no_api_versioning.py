from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel

VERSION_SEGMENT = re.compile(r"^v\d+(\.\d+)?$", re.I)
VERSION_HEADERS = ("api-version", "accept-version", "x-api-version")


class NoApiVersioning(Rule):
    """
    ## What it does
    Finds applications whose routes are not under a version: no path segment
    like `/v1` on any route that is not public by nature (health, docs,
    metrics), and no version header read. Mounting the API under `/api/v1`
    counts. One finding per served application.

    ## Why is this bad?
    Without a version, every breaking change to a request or response breaks
    every client at once — mobile apps that cannot be updated in step, partner
    integrations, the team's own front end mid-deploy. A version lets the old
    contract live while clients move.

    ## Example
    ```python
    app.include_router(agents.router, prefix="/agents")
    ```

    ## Use instead
    ```python
    api_v1 = APIRouter(prefix="/v1")
    api_v1.include_router(agents.router, prefix="/agents")
    app.include_router(api_v1)
    ```

    ## References
    - CWE-1059: Insufficient Technical Documentation
    - OWASP API9:2023 Improper Inventory Management
    """

    code = "DOC001"
    name = "no-api-versioning"
    title = "No API versioning"
    category = Category.DOCUMENTATION
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    effort = "2h"
    fix = "Put the routes under a version prefix (`/v1`) so breaking changes can ship as `/v2` beside it."
    impact = "Breaking changes break every client at once"
    references = ("CWE-1059", "OWASP-API9:2023")
    messages = {"missing": "None of the app's {count} routes is under a version prefix such as /v1 (e.g. {example})."}
    translations = {
        "ru": {
            "impact": "Ломающие изменения ломают всех клиентов сразу",
            "title": "Нет версионирования API",
            "fix": "Поместите маршруты под префикс версии (`/v1`), чтобы ломающие изменения выходили как `/v2` рядом.",
            "why": "Без версии каждое ломающее изменение запроса или ответа ломает всех клиентов разом — "
            "мобильные приложения, которые нельзя обновить синхронно, интеграции партнёров, собственный фронтенд "
            "посреди деплоя. Версия позволяет старому контракту жить, пока клиенты переходят.",
            "message.missing": "Ни один из {count} маршрутов приложения не находится под префиксом версии вроде /v1 (например, {example}).",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        header_versioning = any(h in {s.lower() for s in info.facts.strings} for info in model.functions.values() for h in VERSION_HEADERS)
        for app in model.served_apps:
            routes = [r for r in model.routes_of(app) if not r.public_reason and not r.is_webhook]
            if not routes:
                continue
            versioned = [r for r in routes if any(VERSION_SEGMENT.match(s) for s in r.path.split("/"))]
            if versioned or header_versioning:
                how = f"{len(versioned)} of {len(routes)} routes under a version prefix" if versioned else "a version header"
                yield self.passed(f"API versioned: {how}", versioned[0].location if versioned else app.location)
            else:
                yield self.finding(app.location, "missing", anchor=f"versioning:{app.id}", count=len(routes), example=routes[0].path)
