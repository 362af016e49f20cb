from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class MissingAuthorization(Rule):
    """
    ## What it does
    Finds routes that take a tenant or owner id from the client (`org_id`,
    `orgId`, `tenant_id`, `account_id`, `workspace_id`, `team_id`,
    `customer_id`, `user_id`... in the path, query, headers or a body model)
    and use it without checking it against the authenticated caller: no
    membership dependency that receives the id and rejects, no comparison with
    the caller's own id followed by a 403, no authorization helper called with
    it, and no admin role or scope on the route.

    ## Why is this bad?
    This is Broken Object Level Authorization (IDOR), the first item of the
    OWASP API Top 10: any caller — with a valid token for their own tenant, or
    with none — reads and changes another tenant's data by putting its id in
    the request. Ids are enumerable or leak in URLs, logs and emails.

    ## Example
    ```python
    @router.get("/connections")
    async def list_connections(org_id: UUID, user: User = Depends(current_user)):
        return await repo.list_connections(db, org_id)
    ```

    ## Use instead
    ```python
    async def org_member(org_id: UUID, user: User = Depends(current_user)) -> UUID:
        if not await repo.is_member(db, user.id, org_id):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not a member of this organisation")
        return org_id

    @router.get("/connections")
    async def list_connections(org_id: UUID = Depends(org_member)):
        return await repo.list_connections(db, org_id)
    ```

    ## Options
    `tenant-params` adds the project's own tenant id names.

    ## Known limitations
    Checks made inside the data layer (row-level security with the caller's
    own token) are not seen; suppress with a reason on such routes.

    ## References
    - CWE-639: Authorization Bypass Through User-Controlled Key
    - OWASP API1:2023 Broken Object Level Authorization
    """

    code = "SEC002"
    name = "missing-authorization"
    title = "Tenant id from the client is not checked against the caller"
    category = Category.SECURITY
    severity = Severity.CRITICAL
    confidence = Confidence.MEDIUM
    effort = "3h"
    fix = "Derive the tenant from the authenticated caller, or check the supplied id against the caller's memberships in a dependency that answers 403."
    references = ("CWE-639", "OWASP-API1:2023")
    impact = "Access to other tenants' data"
    messages = {
        "anyone": "{route} takes {ids} from the client and never checks it against the caller: anyone can reach another tenant's data by changing it.",
        "any_user": "{route} takes {ids} from the client and never checks it against the caller: any authenticated "
        "caller can reach another tenant's data by changing it.",
    }
    translations = {
        "ru": {
            "impact": "Доступ к данным чужих организаций",
            "title": "Идентификатор арендатора от клиента не сверяется с вызывающим",
            "fix": "Берите арендатора из аутентифицированного пользователя или проверяйте переданный идентификатор "
            "по его членствам в зависимости, которая отвечает 403.",
            "why": "Это нарушение авторизации на уровне объектов (IDOR), первый пункт OWASP API Top 10: любой "
            "вызывающий — с токеном своей организации или вовсе без него — читает и меняет данные чужой "
            "организации, подставив её идентификатор в запрос. Идентификаторы перебираются или утекают в URL, "
            "логах и письмах.",
            "message.anyone": "{route} принимает {ids} от клиента и не сверяет с вызывающим: любой может получить "
            "данные другой организации, подставив чужой идентификатор.",
            "message.any_user": "{route} принимает {ids} от клиента и не сверяет с вызывающим: любой "
            "аутентифицированный пользователь может получить данные другой организации, подставив чужой идентификатор.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for route in model.routes:
            if not route.tenant_inputs or route.is_webhook:
                continue
            ids = ", ".join(route.tenant_inputs)
            if route.authorization is not None:
                yield self.passed(f"{route.label}: {ids} checked — {route.authorization}", route.location)
                continue
            yield self.finding(
                route.location,
                "any_user" if route.auth.authenticated else "anyone",
                anchor=f"{route.label}:{ids}",
                route=route.label,
                ids=ids,
            )
