from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class NoApiDocs(Rule):
    """
    ## What it does
    Finds applications that serve no OpenAPI description. FastAPI serves the
    schema and both UIs by default, so there it is `openapi_url=None` (which
    also turns off `/docs` and `/redoc`) with no replacement such as a route
    built with `get_openapi(...)`; hiding only the UIs while keeping the
    schema is fine. Flask and Starlette serve none by default: an app needs
    flask-smorest, Flask-RESTX, flasgger or apispec, or Starlette's
    `SchemaGenerator`, serving its routes' description.

    ## Why is this bad?
    Without a machine-readable contract, clients are written from guesses,
    breaking changes go unnoticed in review, and neither client generators
    nor contract tests can run.

    ## Example
    ```python
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    ```

    ## Use instead
    ```python
    app = FastAPI(title="CRM agents API", version="1.4.0", docs_url=None, redoc_url=None)
    # the schema stays at /openapi.json (behind auth if it must be private)
    ```

    ## References
    - CWE-1059: Insufficient Technical Documentation
    - OWASP API9:2023 Improper Inventory Management
    - https://fastapi.tiangolo.com/how-to/configure-swagger-ui/
    """

    code = "DOC002"
    name = "no-api-docs"
    title = "No API documentation served"
    category = Category.DOCUMENTATION
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    effort = "1h"
    fix = "Keep FastAPI's OpenAPI schema (`openapi_url`), put it behind auth if it must be private, and describe the routes."
    impact = "Clients integrate by guesswork"
    references = ("CWE-1059", "OWASP-API9:2023")
    messages = {
        "disabled": "The app turns its OpenAPI schema off (openapi_url=None) and serves no replacement: there is no API description.",
        "none": "The app serves no API description: no OpenAPI/Swagger document is generated or served for its routes.",
    }
    translations = {
        "ru": {
            "impact": "Клиенты интегрируются наугад",
            "title": "Документация API не публикуется",
            "fix": "Оставьте схему OpenAPI FastAPI (`openapi_url`), закройте её аутентификацией, если она должна быть приватной, и опишите маршруты.",
            "why": "Без машиночитаемого контракта клиенты пишутся по догадкам, ломающие изменения проходят "
            "ревью незамеченными, а генераторы клиентов и контрактные тесты не работают.",
            "message.none": "Приложение не публикует описание API: для его маршрутов не генерируется и не отдаётся документ OpenAPI/Swagger.",
            "message.disabled": "Приложение отключает схему OpenAPI (openapi_url=None) и не публикует замену: описания API нет.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        replacement = next(iter(model.calls_to(*model.schema_generators)), None) if model.schema_generators else None
        for app in model.served_apps:
            # a sub-app mounted under this one serves its schema too (under the mount path)
            family = [app] + [a for a in model.apps if a.mounted_in == app.id]
            serving = next((a.api_docs for a in family if a.api_docs is not None), None)
            if serving is not None:
                yield self.passed(serving.text, serving.location)
            elif replacement is not None:
                yield self.passed(f"OpenAPI schema generated with {replacement[2].rsplit('.', 1)[-1]}()", replacement[1])
            else:
                yield self.finding(app.location, "disabled" if app.docs_disabled else "none", anchor=f"docs:{app.id}")
