from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class WebhookReplay(Rule):
    """
    ## What it does
    Finds webhook receivers that accept the same delivery twice: they neither
    check the delivery's timestamp against the clock (a tolerance window) nor
    remember delivery ids to drop duplicates. Providers' own verifiers that
    enforce a tolerance (`stripe.Webhook.construct_event`, Svix) count.

    ## Why is this bad?
    A captured, validly signed delivery can be sent again at will, and
    providers themselves retry deliveries: without de-duplication an event is
    processed twice — a contact created twice, a sync run twice, a payment
    credited twice.

    ## Example
    ```python
    @router.post("/webhook")
    async def webhook(request: Request):
        verify_signature(await request.body(), request.headers["x-signature"])
        await process(await request.json())
    ```

    ## Use instead
    ```python
    @router.post("/webhook")
    async def webhook(request: Request):
        body = await request.body()
        verify_signature(body, request.headers["x-signature"])
        sent_at = int(request.headers["x-timestamp"])
        if abs(time.time() - sent_at) > 300:
            raise HTTPException(401, "stale delivery")
        if not await redis.set(f"webhook:{request.headers['x-delivery-id']}", 1, nx=True, ex=86400):
            return {"duplicate": True}
        await process(json.loads(body))
    ```

    ## References
    - CWE-294: Authentication Bypass by Capture-replay
    - OWASP API2:2023 Broken Authentication
    """

    code = "SEC008"
    name = "webhook-replay"
    title = "Webhook deliveries can be replayed"
    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    effort = "2h"
    fix = "Reject deliveries whose signed timestamp is older than a few minutes, and store delivery ids to drop duplicates."
    impact = "Duplicate processing of the same event"
    references = ("CWE-294", "OWASP-API2:2023")
    messages = {"replayable": "Webhook {route} accepts the same delivery twice: no timestamp tolerance and no delivery-id de-duplication."}
    translations = {
        "ru": {
            "impact": "Повторная обработка одного события",
            "title": "Доставки вебхука можно повторить",
            "fix": "Отклоняйте доставки с подписанной меткой времени старше нескольких минут и храните id доставок, чтобы отбрасывать дубликаты.",
            "why": "Перехваченную доставку с верной подписью можно отправить снова сколько угодно раз, да и "
            "провайдеры сами повторяют доставки: без дедупликации событие обрабатывается дважды — контакт "
            "создаётся дважды, синхронизация запускается дважды, платёж зачисляется дважды.",
            "message.replayable": "Вебхук {route} принимает одну и ту же доставку повторно: нет допуска по времени и нет дедупликации по id доставки.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for route in model.routes:
            if route.webhook is None:
                continue
            if route.webhook.replay_protection is not None:
                yield self.passed(f"webhook {route.label}: {route.webhook.replay_protection}", route.location)
            else:
                yield self.finding(route.location, "replayable", anchor=f"replay:{route.label}", route=route.label)
