from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel

_AUDIT = re.compile(r"(^|[._\s])audit", re.I)
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


class NoAuditLog(Rule):
    """
    ## What it does
    Finds services whose endpoints create, change or delete data but leave no
    audit record of who did what: nothing on the request path of those
    routes writes an audit entry (an `audit_log` table, an `AuditLog` model,
    an `audit(...)` helper or an audit library). One finding per served
    application.

    ## Why is this bad?
    When a customer's CRM connection disappears or an agent is reconfigured,
    nobody can say who did it, when, or from where: incidents cannot be
    investigated, abuse cannot be proven, and compliance reviews (SOC 2,
    ISO 27001) fail.

    ## Example
    ```python
    @router.delete("/connections/{connection_id}")
    async def delete_connection(connection_id: UUID, user: User = Depends(current_user)):
        await repo.delete_connection(db, connection_id)
    ```

    ## Use instead
    ```python
    @router.delete("/connections/{connection_id}")
    async def delete_connection(connection_id: UUID, user: User = Depends(current_user)):
        await repo.delete_connection(db, connection_id)
        await audit.record(actor=user.id, action="crm_connection.delete", target=connection_id, ip=request.client.host)
    ```

    ## References
    - CWE-778: Insufficient Logging
    - OWASP API10:2019 Insufficient Logging & Monitoring
    """

    code = "OBS004"
    name = "no-audit-log"
    title = "No audit log of changes"
    category = Category.MONITORING
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    effort = "4h"
    fix = "Record who changed what (actor, action, target, time, source address) for every create, update and delete."
    impact = "Changes cannot be traced to a person"
    references = ("CWE-778", "OWASP-API10:2019")
    messages = {"missing": "{count} route(s) change data ({example}, ...) and none of them leaves an audit record."}
    translations = {
        "ru": {
            "impact": "Изменения не связать с человеком",
            "title": "Нет журнала аудита изменений",
            "fix": "Записывайте, кто что изменил (кто, действие, объект, время, адрес), при каждом создании, изменении и удалении.",
            "why": "Когда у клиента пропадает подключение к CRM или перенастраивается агент, никто не может "
            "сказать, кто это сделал, когда и откуда: инциденты не расследовать, злоупотребления не доказать, "
            "аудиты соответствия (SOC 2, ISO 27001) не пройти.",
            "message.missing": "Данные меняют маршрутов: {count} ({example}, ...), и ни один не оставляет записи аудита.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        audited = {
            q
            for q, info in model.functions.items()
            if any(_AUDIT.search(n) for n in info.facts.names) or any(_AUDIT.search(s) for s in info.facts.strings) or _AUDIT.search(info.facts.name)
        }
        for app in model.served_apps:
            changing = [r for r in model.routes_of(app) if set(r.methods) & CHANGING and not r.public_reason and not r.is_webhook]
            if not changing:
                continue
            if audited & model.request_path_functions:
                where = sorted(audited & model.request_path_functions)[0]
                info = model.function(where)
                yield self.passed(f"changes are audited ({where.rsplit('.', 1)[-1]})", info.at(info.facts.span) if info else app.location)
            else:
                yield self.finding(app.location, "missing", anchor=f"audit:{app.id}", count=len(changing), example=changing[0].label)
