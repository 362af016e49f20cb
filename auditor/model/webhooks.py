"""How a webhook receiver verifies the sender: always, only when a secret is set, or never."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..parsing.facts import BoolOp, Compare, Const, Expr, FunctionFacts, Guard, Not, dotted
from .auth import AuthAnalyzer
from .evaluate import Scope
from .types import Evidence, Location, Route

SIGNATURE_CALLS = frozenset(
    {
        "hmac.new",
        "hmac.digest",
        "hmac.compare_digest",
        "secrets.compare_digest",
        "stripe.Webhook.construct_event",
        "stripe.WebhookSignature.verify_header",
        "svix.webhooks.Webhook",
        "svix.Webhook",
    }
)
_VERIFY_NAME = re.compile(r"(verify|validate|check)_?\w*(signature|hmac|webhook)|construct_event", re.I)
SECRET_NAME = re.compile(r"(secret|signing_key|webhook_key|hmac_key|shared_key)", re.I)
_SIGNATURE_NAME = re.compile(r"(signature|sig|digest|hmac|mac)$", re.I)


@dataclass(frozen=True)
class WebhookVerification:
    verified: bool  # some verification exists on the path
    evidence: Evidence | None = None  # where it is
    conditional_on: Evidence | None = None  # the `if secret:` it hides behind
    secret: str | None = None  # the name that test reads


def _secret_test(test: Expr) -> tuple[str, bool] | None:
    """For `if secret:` -> ("secret", True); for `if not secret:` / `secret is None` -> ("secret", False)."""
    if isinstance(test, Not):
        inner = _secret_test(test.value)
        return (inner[0], not inner[1]) if inner else None
    if isinstance(test, BoolOp):
        return _secret_test(test.left) or _secret_test(test.right)
    if isinstance(test, Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], Const) and test.comparators[0].value is None:
        inner = _secret_test(test.left)
        if inner and test.ops[0] in ("is", "=="):
            return inner[0], not inner[1]
        return inner
    name = dotted(test)
    if name and SECRET_NAME.search(name.rsplit(".", 1)[-1]):
        return name, True
    return None


def _guarded_by_secret(guards: tuple[Guard, ...]) -> Guard | None:
    for guard in guards:
        found = _secret_test(guard.test)
        if found is not None and found[1] != guard.negated:
            return guard
    return None


class WebhookAnalyzer:
    def __init__(self, auth: AuthAnalyzer) -> None:
        self.auth = auth
        self.index = auth.index
        self.ev = auth.evaluator

    def verification(self, route: Route) -> WebhookVerification:
        functions = [route.handler] + [d.target.removesuffix("()") for d in route.dependencies]
        sites: list[tuple[Evidence, Guard | None, FunctionFacts, Location]] = []
        for qual in functions:
            self._collect(qual, sites, depth=0, outer_guard=None)
        if not sites:
            return WebhookVerification(False)
        unguarded = [s for s in sites if s[1] is None]
        if unguarded:
            return WebhookVerification(True, unguarded[0][0])
        guard, fn, location = sites[0][1], sites[0][2], sites[0][3]
        if self._rejects_when_missing(fn):
            return WebhookVerification(True, sites[0][0])
        secret = _secret_test(guard.test)[0]  # type: ignore[union-attr,index]
        condition = Evidence(f"verification runs only when {secret} is set", location)
        return WebhookVerification(True, sites[0][0], condition, secret)

    def _collect(self, qual: str, sites: list, depth: int, outer_guard: Guard | None) -> None:
        located = self.index.functions.get(qual)
        if located is None or depth > 2:
            return
        fn: FunctionFacts = located.definition  # type: ignore[assignment]
        scope = Scope(located.module, fn)
        for site in fn.calls:
            target = self.ev.callee(scope, site.call) or ""
            guard = _guarded_by_secret(site.guards) or outer_guard
            location = Location(located.module.path, (guard.span if guard and guard is not outer_guard else site.call.span))
            if target in SIGNATURE_CALLS or _VERIFY_NAME.search(target.rsplit(".", 1)[-1]):
                sites.append((Evidence(f"{target.rsplit('.', 1)[-1] or target}() in {fn.name}", Location(located.module.path, site.call.span)), guard, fn, location))
            elif target in self.index.functions:
                self._collect(target, sites, depth + 1, guard)
        for site in fn.compares:  # `if signature != expected:` verifies too (SEC007 judges how)
            sides = [dotted(site.compare.left)] + [dotted(c) for c in site.compare.comparators]
            if any(s and _SIGNATURE_NAME.search(s.rsplit(".", 1)[-1]) for s in sides) and not any(isinstance(c, Const) for c in site.compare.comparators):
                guard = _guarded_by_secret(site.guards) or outer_guard
                location = Location(located.module.path, guard.span if guard and guard is not outer_guard else site.compare.span)
                sites.append((Evidence(f"signature comparison in {fn.name}", Location(located.module.path, site.compare.span)), guard, fn, location))

    def _rejects_when_missing(self, fn: FunctionFacts) -> bool:
        """`if not secret: raise ...` before the check makes the secret required."""
        for site in fn.raises:
            for guard in site.guards:
                found = _secret_test(guard.test)
                if found is not None and found[1] == guard.negated:
                    return True
        return False


def with_webhook_verification(route: Route, analyzer: WebhookAnalyzer) -> Route:
    if not route.is_webhook:
        return route
    return replace(route, webhook=analyzer.verification(route))

