from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel, Location

EXPIRY_KEYS = ("expires_at", "expires_in", "expiresat", "expiry", "token_expiry")
REFRESH_CALLS = ("refresh_token", "ensure_active_token", "fetch_access_token", "refresh")


class NoTokenRefresh(Rule):
    """
    ## What it does
    Finds third-party OAuth tokens stored with an expiry (`refresh_token`
    together with `expires_at`/`expires_in`) when nothing in the service ever
    refreshes them: no request with `grant_type=refresh_token`, no OAuth
    client's `refresh_token()` / `ensure_active_token()`. Reported where the
    tokens are stored.

    ## Why is this bad?
    The access token expires (for Kommo after a day) and every sync, message
    and webhook follow-up fails with 401 until a person reconnects the
    integration — usually after a customer notices missing data.

    ## Example
    ```python
    db.table("crm_connections").upsert({"access_token": t["access_token"], "refresh_token": t["refresh_token"],
                                        "expires_at": expires_at}).execute()
    ```

    ## Use instead
    ```python
    async def access_token(connection) -> str:
        if connection.expires_at - timedelta(minutes=5) > now():
            return connection.access_token
        tokens = await oauth_post({"grant_type": "refresh_token", "refresh_token": connection.refresh_token, ...})
        await store_tokens(connection.org_id, tokens)
        return tokens["access_token"]
    ```

    ## References
    - CWE-613: Insufficient Session Expiration
    - RFC 6749 section 6 (Refreshing an Access Token)
    """

    code = "REL004"
    name = "no-token-refresh"
    title = "OAuth tokens are never refreshed"
    category = Category.RELIABILITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    effort = "3h"
    fix = "Refresh the access token with the refresh token shortly before it expires, and store the new pair."
    impact = "Integrations break when the token expires"
    references = ("CWE-613",)
    messages = {"never": "{function} stores OAuth tokens with an expiry, but nothing in the service refreshes them."}
    translations = {
        "ru": {
            "impact": "Интеграции ломаются, когда истекает токен",
            "title": "OAuth-токены не обновляются",
            "fix": "Обновляйте access token по refresh token незадолго до истечения и сохраняйте новую пару.",
            "why": "Access token истекает (у Kommo — через сутки), и все синхронизации, сообщения и обработка "
            "вебхуков падают с 401, пока кто-то не переподключит интеграцию — обычно после того, как клиент "
            "заметит пропавшие данные.",
            "message.never": "{function} сохраняет OAuth-токены со сроком действия, но в сервисе ничто их не обновляет.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        stores, refreshers = [], []
        for info in model.functions.values():
            strings = {s.lower() for s in info.facts.strings}
            if "grant_type" in strings and "refresh_token" in strings:
                refreshers.append(info)
            elif "refresh_token" in strings and any(k in strings for k in EXPIRY_KEYS) and "access_token" in strings:
                stores.append(info)
        for _site, location, _target in model.calls_to(*(f"authlib.integrations.httpx_client.AsyncOAuth2Client.{m}" for m in REFRESH_CALLS)):
            refreshers.append(location)
        if not stores:
            return
        if refreshers:
            first = refreshers[0]
            where = first if isinstance(first, Location) else first.at(first.facts.span)
            yield self.passed("OAuth tokens are refreshed", where)
            return
        for info in stores:
            yield self.finding(info.at(info.facts.header), "never", anchor=f"refresh:{info.facts.qualname}", function=info.facts.name)
