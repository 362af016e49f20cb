from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class PrivilegedDbKey(Rule):
    """
    ## What it does
    Finds database clients built with a privileged credential that bypasses
    row-level security — Supabase's `service_role` key, an admin or superuser
    key — when request-handling code uses them: the client is built or fetched
    by a route handler, one of its dependencies, or a function they call.
    A privileged client used only by scripts or migrations is fine.

    ## Why is this bad?
    The service-role key ignores every row-level security policy, so the only
    thing between a caller and every tenant's rows is the application code.
    One missing `org_id` filter, one IDOR, one injection, and all tenants'
    data is exposed; the database cannot help.

    ## Example
    ```python
    def get_supabase() -> Client:
        return create_client(settings.supabase_url, settings.supabase_service_role_key)

    @router.get("/agents")
    async def list_agents(db: Client = Depends(get_supabase)): ...
    ```

    ## Use instead
    ```python
    def get_supabase(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> Client:
        client = create_client(settings.supabase_url, settings.supabase_anon_key)
        client.postgrest.auth(creds.credentials)  # queries run as the caller, under RLS
        return client
    ```

    ## References
    - CWE-250: Execution with Unnecessary Privileges
    - OWASP API1:2023 Broken Object Level Authorization
    - https://supabase.com/docs/guides/database/postgres/row-level-security
    """

    code = "SEC004"
    name = "privileged-db-key"
    title = "Request paths use a database key that bypasses row-level security"
    category = Category.SECURITY
    severity = Severity.CRITICAL
    confidence = Confidence.MEDIUM
    effort = "1d"
    fix = "Serve requests with a client scoped to the caller (anon key plus the user's JWT, under RLS); keep the service-role key for back-office jobs."
    references = ("CWE-250", "OWASP-API1:2023")
    impact = "No access control at the database level"
    messages = {
        "privileged": "Client built with a privileged key ({credential}) that bypasses row-level security serves request paths: {routes}.",
    }
    translations = {
        "ru": {
            "impact": "Нет разграничения доступа на уровне БД",
            "title": "Запросы обслуживаются ключом БД, который обходит row-level security",
            "fix": "Обслуживайте запросы клиентом с правами вызывающего (anon-ключ и JWT пользователя, под RLS); service-role ключ оставьте для фоновых задач.",
            "why": "Ключ service-role игнорирует все политики row-level security, поэтому между вызывающим и "
            "строками всех организаций остаётся только код приложения. Один забытый фильтр по `org_id`, один IDOR "
            "или инъекция — и данные всех арендаторов открыты; база данных не поможет.",
            "message.privileged": "Клиент с привилегированным ключом ({credential}), обходящим row-level security, обслуживает запросы: {routes}.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for client in model.privileged_clients:
            if not client.used_by_routes:
                yield self.passed(f"privileged client ({client.credential}) is not used on request paths", client.location)
                continue
            shown = ", ".join(client.used_by_routes[:4]) + (f" (+{len(client.used_by_routes) - 4})" if len(client.used_by_routes) > 4 else "")
            yield self.finding(client.location, "privileged", anchor=f"privileged:{client.owner}", credential=client.credential, routes=shown)
