from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel

PAGE_SIZE_NAMES = frozenset({"limit", "pagesize", "perpage", "size", "pagelimit", "take", "top", "first", "count", "maxresults", "itemsperpage"})


class UnboundedPageSize(Rule):
    """
    ## What it does
    Finds list endpoints whose page-size parameter (`limit`, `page_size`,
    `per_page`, `size`...) has no upper bound: no `le=`/`lt=` on its `Query`,
    `Field` or `conint`.

    ## Why is this bad?
    `?limit=1000000` makes the service load a million rows into memory,
    serialise them and hold a database connection for the whole time; a few
    such requests exhaust memory and the pool for everyone, and one request
    downloads the whole table.

    ## Example
    ```python
    @router.get("/agents")
    async def list_agents(limit: int = 20, offset: int = 0): ...
    ```

    ## Use instead
    ```python
    @router.get("/agents")
    async def list_agents(limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)): ...
    ```

    ## References
    - CWE-770: Allocation of Resources Without Limits or Throttling
    - OWASP API4:2023 Unrestricted Resource Consumption
    """

    code = "SCL002"
    name = "unbounded-page-size"
    title = "Page size without an upper bound"
    category = Category.SCALABILITY
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    effort = "30m"
    fix = "Bound the page size (`Query(20, ge=1, le=100)`) and paginate beyond it."
    impact = "One request loads a whole table"
    references = ("CWE-770", "OWASP-API4:2023")
    messages = {"unbounded": "{route} accepts `{param}` with no upper bound: one request can ask for every row."}
    translations = {
        "ru": {
            "impact": "Один запрос загружает всю таблицу",
            "title": "Размер страницы без верхней границы",
            "fix": "Ограничьте размер страницы (`Query(20, ge=1, le=100)`) и отдавайте остальное постранично.",
            "why": "`?limit=1000000` заставляет сервис загрузить миллион строк в память, сериализовать их и всё "
            "это время держать соединение с базой; несколько таких запросов исчерпывают память и пул для всех, "
            "а один запрос выгружает всю таблицу.",
            "message.unbounded": "{route} принимает `{param}` без верхней границы: один запрос может запросить все строки.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for route in model.routes:
            for param in route.params:
                if param.source != "query" or param.name.replace("_", "").lower() not in PAGE_SIZE_NAMES:
                    continue
                if param.annotation and not any(t in param.annotation for t in ("int", "conint", "Annotated")):
                    continue
                if param.bounded:
                    yield self.passed(f"{route.label}: `{param.name}` is bounded", param.location)
                else:
                    yield self.finding(param.location, "unbounded", anchor=f"page:{route.label}:{param.name}", route=route.label, param=param.name)
