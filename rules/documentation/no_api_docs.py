from __future__ import annotations

from typing import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel, Location
from auditor.parsing.facts import Const

SCHEMA_GENERATORS = ("fastapi.openapi.utils.get_openapi",)


class NoApiDocs(Rule):
    """
    ## What it does
    Finds FastAPI applications that serve no OpenAPI description:
    `openapi_url=None` (which also turns off `/docs` and `/redoc`) with no
    replacement such as a route built with `get_openapi(...)`. FastAPI serves
    the schema and both UIs by default; hiding only the UIs while keeping the
    schema is fine.

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
    messages = {"disabled": "The app turns its OpenAPI schema off (openapi_url=None) and serves no replacement: there is no API description."}
    translations = {
        "ru": {
            "impact": "Клиенты интегрируются наугад",
            "title": "Документация API не публикуется",
            "fix": "Оставьте схему OpenAPI FastAPI (`openapi_url`), закройте её аутентификацией, если она должна "
            "быть приватной, и опишите маршруты.",
            "why": "Без машиночитаемого контракта клиенты пишутся по догадкам, ломающие изменения проходят "
            "ревью незамеченными, а генераторы клиентов и контрактные тесты не работают.",
            "message.disabled": "Приложение отключает схему OpenAPI (openapi_url=None) и не публикует замену: "
            "описания API нет.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        replacement = next(iter(model.calls_to(*SCHEMA_GENERATORS)), None)
        for app in model.served_apps:
            if app.framework != "fastapi":
                continue
            # a sub-app mounted under this one serves its schema too (under the mount path)
            family = [app] + [a for a in model.apps if a.mounted_in == app.id]
            serving = [a for a in family if not _schema_off(a)]
            if serving:
                schema = serving[0].call.kwarg("openapi_url")
                url = schema.value if isinstance(schema, Const) else "/openapi.json"
                yield self.passed(f"OpenAPI schema served at {url}", Location(serving[0].location.path, serving[0].location.span))
            elif replacement is not None:
                yield self.passed("OpenAPI schema generated with get_openapi()", replacement[1])
            else:
                yield self.finding(app.location, "disabled", anchor=f"docs:{app.id}")


def _schema_off(app) -> bool:
    schema = app.call.kwarg("openapi_url")
    return isinstance(schema, Const) and schema.value in (None, "")
