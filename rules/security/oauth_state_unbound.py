from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel

_CALLBACK = re.compile(r"(callback|redirect|authorized)$", re.I)
_SESSION = re.compile(r"(cookie|session)", re.I)


class OAuthStateUnbound(Rule):
    """
    ## What it does
    Finds OAuth callbacks that consume a `state` value without binding it to
    the user or browser session that started the flow: the callback is not
    authenticated and reads no session or cookie to compare the state with,
    so any valid, unexpired state is accepted from anyone.

    ## Why is this bad?
    An attacker starts the flow for their own account, stops before the
    callback, and makes a victim's browser finish it: the victim's
    organisation gets connected to the attacker's CRM account (login CSRF),
    or the attacker's tokens are stored for the victim's tenant.

    ## Example
    ```python
    @router.post("/oauth/callback")
    async def oauth_callback(payload: CallbackBody):
        row = consume_state(payload.state)
    ```

    ## Use instead
    ```python
    @router.get("/oauth/callback")
    async def oauth_callback(code: str, state: str, oauth_session: str = Cookie()):
        row = consume_state(state)
        if row is None or not hmac.compare_digest(row["session_hash"], sha256(oauth_session)):
            raise HTTPException(400, "state does not belong to this session")
    ```

    ## References
    - CWE-352: Cross-Site Request Forgery
    - OWASP API2:2023 Broken Authentication
    - RFC 6749 section 10.12
    """

    code = "SEC010"
    name = "oauth-state-unbound"
    title = "OAuth state is not bound to the user's session"
    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    effort = "2h"
    fix = "Store a hash of the starting session (a cookie set by /oauth/start) with the state, and compare it in the callback."
    impact = "Accounts linked to an attacker's (login CSRF)"
    references = ("CWE-352", "OWASP-API2:2023")
    messages = {"unbound": "OAuth callback {route} consumes `state` without binding it to the session that started the flow."}
    translations = {
        "ru": {
            "impact": "Привязка чужого аккаунта (login CSRF)",
            "title": "OAuth state не привязан к сессии пользователя",
            "fix": "Сохраняйте вместе со state хэш начальной сессии (cookie, выставленной в /oauth/start) и сравнивайте его в callback.",
            "why": "Атакующий начинает поток для своего аккаунта, останавливается перед callback и заставляет "
            "браузер жертвы его завершить: организация жертвы подключается к CRM-аккаунту атакующего (login "
            "CSRF), или токены атакующего сохраняются для чужой организации.",
            "message.unbound": "OAuth callback {route} принимает `state`, не привязывая его к сессии, которая начала поток.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for route in model.routes:
            segments = [s for s in route.path.split("/") if s]
            if not segments or not _CALLBACK.search(segments[-1]):
                continue
            if not any("oauth" in s.lower() or "auth" in s.lower() for s in segments) and "oauth" not in route.handler.lower():
                continue
            info = model.function(route.handler)
            if info is None:
                continue
            takes_state = any(p.name == "state" or "state" in p.model_fields for p in route.params)
            if not takes_state:
                continue
            reads_session = any(p.source == "cookie" or _SESSION.search(p.name) for p in route.params) or any(_SESSION.search(n) for n in info.facts.names)
            if route.auth.authenticated or reads_session:
                how = "the caller is authenticated" if route.auth.authenticated else "it reads the session"
                yield self.passed(f"OAuth callback {route.label} binds state: {how}", route.location)
            else:
                yield self.finding(route.location, "unbound", anchor=f"oauth-state:{route.label}", route=route.label)
