from __future__ import annotations

from collections.abc import Iterator

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
    impact = "Forged webhooks are processed"
    messages = {
        "unsigned": "Webhook {route} never verifies the sender's signature: anyone can post forged events.",
        "conditional": "Webhook {route} verifies the signature only when {secret} is set; without it forged events are accepted.",
    }
    translations = {
        "ru": {
            "impact": "Обрабатываются поддельные вебхуки",
            "title": "Подпись вебхука необязательна или не проверяется",
            "fix": "Сделайте секрет вебхука обязательной настройкой и проверяйте подпись у каждого запроса; иначе отвечайте 401.",
            "why": "Эндпоинт вебхука публичен по необходимости, и подпись — его единственная аутентификация. Когда "
            "секрет не задан в каком-то окружении — новый деплой, переименованная переменная, — эндпоинт молча "
            "принимает поддельные события: фальшивые обновления CRM, платежи, внедрённые данные обрабатываются "
            "как настоящие.",
            "message.unsigned": "Вебхук {route} никогда не проверяет подпись отправителя: кто угодно может присылать поддельные события.",
            "message.conditional": "Вебхук {route} проверяет подпись, только если задан {secret}; без него принимаются поддельные события.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for route in model.routes:
            check = route.webhook
            if check is None:
                continue
            if not check.verified:
                yield self.finding(route.location, "unsigned", anchor=f"webhook:{route.label}", route=route.label)
            elif check.conditional_on is not None:
                yield self.finding(
                    check.conditional_on.location or route.location,
                    "conditional",
                    anchor=f"webhook:{route.label}",
                    related=(check.evidence.location,) if check.evidence and check.evidence.location else (),
                    route=route.label,
                    secret=check.secret,
                )
            else:
                yield self.passed(f"webhook {route.label} verifies its signature: {check.evidence}", route.location)
