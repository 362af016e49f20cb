from __future__ import annotations

from typing import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class OptionalWebhookSignature(Rule):
    """
    ## What it does
    Finds webhook receivers (a route named or declared as a webhook, or one
    that reads a signature header) that verify the sender's signature only
    when a secret happens to be configured (`if secret: verify(...)`), or
    never verify it at all. The handler, its dependencies and the functions
    they call are searched for the verification (`hmac`, `compare_digest`,
    `stripe.Webhook.construct_event`, a `verify_*signature` helper).

    ## Why is this bad?
    A webhook endpoint is public by necessity; the signature is its only
    authentication. When the secret is missing from one environment — a new
    deploy, a renamed variable — the endpoint silently accepts forged events:
    fake CRM updates, fake payments, injected data, all processed as genuine.

    ## Example
    ```python
    @router.post("/webhook")
    async def kommo_webhook(request: Request):
        secret = settings.kommo_webhook_secret
        if secret:
            verify(secret, await request.body(), request.headers.get("x-signature"))
        await process(await request.json())
    ```

    ## Use instead
    ```python
    class Settings(BaseSettings):
        kommo_webhook_secret: SecretStr  # required: the service does not start without it

    @router.post("/webhook")
    async def kommo_webhook(request: Request):
        body = await request.body()
        verify(settings.kommo_webhook_secret.get_secret_value(), body, request.headers.get("x-signature"))
        await process(json.loads(body))
    ```

    ## References
    - CWE-347: Improper Verification of Cryptographic Signature
    - CWE-306: Missing Authentication for Critical Function
    - OWASP API2:2023 Broken Authentication
    """

    code = "SEC006"
    name = "optional-webhook-signature"
    title = "Webhook signature is optional or unchecked"
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    effort = "30m"
    fix = "Make the webhook secret a required setting and verify the signature on every request; reject with 401 otherwise."
    references = ("CWE-347", "OWASP-API2:2023")

    def check(self, model: AppModel) -> Iterator[Result]:
        for route in model.routes:
            check = route.webhook
            if check is None:
                continue
            if not check.verified:
                yield self.finding(
                    route.location,
                    f"Webhook {route.label} never verifies the sender's signature: anyone can post forged events.",
                    anchor=f"webhook:{route.label}",
                )
            elif check.conditional_on is not None:
                yield self.finding(
                    check.conditional_on.location or route.location,
                    f"Webhook {route.label}: {check.conditional_on.text}; without it forged events are accepted.",
                    anchor=f"webhook:{route.label}",
                    related=(check.evidence.location,) if check.evidence and check.evidence.location else (),
                )
            else:
                yield self.passed(f"webhook {route.label} verifies its signature: {check.evidence}", route.location)
