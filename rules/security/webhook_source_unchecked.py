from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class WebhookSourceUnchecked(Rule):
    """
    ## What it does
    Finds webhook receivers that accept deliveries from any address: the
    handler never compares the sender's address (`request.client.host`, the
    forwarded-for header set by your proxy) with the provider's published
    ranges. Informational: a verified signature is the real defence, this is
    depth. Declare an allowlist enforced at the edge with
    `assume = ["edge-ip-allowlist"]`.

    ## Why is this bad?
    Anyone on the internet can reach the endpoint and probe it: try signature
    bypasses, send oversized or malformed payloads, load it. An allowlist
    shrinks that to the provider's own addresses.

    ## Example
    ```python
    @router.post("/webhook")
    async def webhook(request: Request): ...
    ```

    ## Use instead
    ```python
    KOMMO_NETWORKS = [ipaddress.ip_network(n) for n in settings.kommo_webhook_networks]

    @router.post("/webhook")
    async def webhook(request: Request):
        sender = ipaddress.ip_address(request.client.host)
        if not any(sender in network for network in KOMMO_NETWORKS):
            raise HTTPException(403)
    ```

    ## References
    - CWE-941: Incorrectly Specified Destination in a Communication Channel
    - OWASP API8:2023 Security Misconfiguration
    """

    code = "SEC009"
    name = "webhook-source-unchecked"
    title = "Webhook sender address not checked"
    category = Category.SECURITY
    severity = Severity.INFO
    confidence = Confidence.MEDIUM
    effort = "1h"
    fix = "Accept deliveries only from the provider's published address ranges, at the edge or in the handler."
    impact = "The endpoint is open to probing from anywhere"
    references = ("CWE-941", "OWASP-API8:2023")
    messages = {"unchecked": "Webhook {route} accepts deliveries from any address (no allowlist of the provider's ranges)."}
    translations = {
        "ru": {
            "impact": "Эндпоинт открыт для зондирования откуда угодно",
            "title": "Адрес отправителя вебхука не проверяется",
            "fix": "Принимайте доставки только из опубликованных диапазонов адресов провайдера — на границе или в обработчике.",
            "why": "Любой в интернете может обратиться к эндпоинту и зондировать его: пробовать обойти подпись, "
            "слать огромные или битые данные, нагружать. Allowlist сужает круг до адресов самого провайдера.",
            "message.unchecked": "Вебхук {route} принимает доставки с любого адреса (нет allowlist диапазонов провайдера).",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for route in model.routes:
            if route.webhook is None:
                continue
            if "edge-ip-allowlist" in model.assumptions:
                yield self.passed(f"webhook {route.label}: sender addresses are filtered by the deployment", route.location)
            elif route.webhook.source_check is not None:
                yield self.passed(f"webhook {route.label}: {route.webhook.source_check}", route.location)
            else:
                yield self.finding(route.location, "unchecked", anchor=f"source:{route.label}", route=route.label)
