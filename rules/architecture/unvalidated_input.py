from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class UnvalidatedInput(Rule):
    """
    ## What it does
    Finds route handlers (and their dependencies) that read the raw request —
    `await request.json()`, `await request.form()`,
    `request.query_params["x"]` — instead of declaring a validated schema
    (a pydantic model or typed parameters) that FastAPI checks before the
    handler runs. Reading `await request.body()` for a signature check is
    fine.

    ## Why is this bad?
    Unvalidated input reaches the code as whatever the client sent: missing
    keys become 500s, wrong types corrupt the database, oversized strings
    and nested structures go straight to queries and third-party APIs, and
    the API's contract exists nowhere.

    ## Example
    ```python
    @router.post("/agents")
    async def create_agent(request: Request):
        data = await request.json()
        return await repo.create_agent(data["orgId"], data["name"])
    ```

    ## Use instead
    ```python
    class AgentIn(BaseModel):
        org_id: UUID = Field(alias="orgId")
        name: str = Field(min_length=1, max_length=200)

    @router.post("/agents")
    async def create_agent(payload: AgentIn):
        return await repo.create_agent(payload.org_id, payload.name)
    ```

    ## References
    - CWE-20: Improper Input Validation
    - OWASP API8:2023 Security Misconfiguration
    """

    code = "ARC001"
    name = "unvalidated-input"
    title = "Raw request input instead of a validated schema"
    category = Category.ARCHITECTURE
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    effort = "1h"
    fix = "Declare the body, query and path inputs as pydantic models or typed parameters and let FastAPI validate them."
    impact = "Malformed input reaches queries and integrations"
    references = ("CWE-20", "OWASP-API8:2023")
    messages = {"raw": "{route} reads `{read}` raw instead of a validated schema."}
    translations = {
        "ru": {
            "impact": "Некорректный ввод доходит до запросов и интеграций",
            "title": "Сырые данные запроса вместо валидируемой схемы",
            "fix": "Объявите тело, query и path как pydantic-модели или типизированные параметры, и FastAPI провалидирует их.",
            "why": "Невалидированный ввод доходит до кода таким, каким его прислал клиент: отсутствующие ключи "
            "превращаются в 500, неверные типы портят базу, огромные строки и вложенные структуры идут прямо в "
            "запросы и сторонние API, а контракт API нигде не записан.",
            "message.raw": "{route} читает `{read}` в сыром виде вместо валидируемой схемы.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        validated = 0
        for route in model.routes:
            if not route.raw_reads:
                validated += 1
                continue
            raw = route.raw_reads[0]
            yield self.finding(raw.location, "raw", anchor=f"raw:{route.label}", route=route.label, read=raw.text)
        if validated:
            yield self.passed(f"{validated} of {len(model.routes)} route(s) take validated input (pydantic models or typed parameters)")
