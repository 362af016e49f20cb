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
    replay_protection: Evidence | None = None  # a timestamp tolerance or delivery-id de-duplication
    source_check: Evidence | None = None  # an allowlist of sender addresses


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
        functions = [route.handler] + [d.target for d in route.dependencies] + list(route.wrappers)
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
        fn: FunctionFacts = located.definition
        scope = Scope(located.module, fn)
        for site in fn.calls:
            target = self.ev.callee(scope, site.call) or ""
            guard = _guarded_by_secret(site.guards) or outer_guard
            location = Location(located.module.path, (guard.span if guard and guard is not outer_guard else site.call.span))
            if target in SIGNATURE_CALLS or _VERIFY_NAME.search(target.rsplit(".", 1)[-1]):
                sites.append((Evidence(f"{target}() in {fn.name}", Location(located.module.path, site.call.span)), guard, fn, location))
            elif target in self.index.functions:
                self._collect(target, sites, depth + 1, guard)
        for compare_site in fn.compares:  # `if signature != expected:` verifies too (SEC007 judges how)
            compare = compare_site.compare
            sides = [dotted(compare.left)] + [dotted(c) for c in compare.comparators]
            if any(s and _SIGNATURE_NAME.search(s.rsplit(".", 1)[-1]) for s in sides) and not any(isinstance(c, Const) for c in compare.comparators):
                guard = _guarded_by_secret(compare_site.guards) or outer_guard
                location = Location(located.module.path, guard.span if guard and guard is not outer_guard else compare.span)
                sites.append((Evidence(f"signature comparison in {fn.name}", Location(located.module.path, compare.span)), guard, fn, location))

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
    verification = replace(
        analyzer.verification(route),
        replay_protection=replay_protection(analyzer, route),
        source_check=source_check(analyzer, route),
    )
    return replace(route, webhook=verification)


_TIMESTAMP_HEADER = re.compile(r"(timestamp|-time$|^date$|signature-time|x-[\w-]*-ts$)", re.I)
_DELIVERY_HEADER = re.compile(r"(delivery|event-id|webhook-id|message-id|idempotency|request-id|x-[\w-]*-id$)", re.I)
_CLOCK_CALLS = frozenset({"time.time", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.now", "datetime.utcnow", "time.monotonic"})
_BUILT_IN_TOLERANCE = frozenset({"stripe.Webhook.construct_event", "stripe.WebhookSignature.verify_header", "svix.webhooks.Webhook", "svix.Webhook"})
_ALLOWLIST_NAME = re.compile(r"(allow(ed)?_?(ips?|list|networks?|cidrs?)|whitelist|trusted_(ips?|networks?|proxies))", re.I)


def _functions_on_path(analyzer: WebhookAnalyzer, route: Route, depth: int = 2):
    """The handler, its dependencies and what they call, with their scopes."""
    todo = [(route.handler, 0)] + [(d.target, 0) for d in route.dependencies] + [(w, 0) for w in route.wrappers]
    seen: set[str] = set()
    while todo:
        qual, level = todo.pop()
        located = analyzer.index.functions.get(qual)
        if located is None or qual in seen:
            continue
        seen.add(qual)
        fn: FunctionFacts = located.definition
        scope = Scope(located.module, fn)
        yield located.module, fn, scope
        if level < depth:
            for site in fn.calls:
                target = analyzer.ev.callee(scope, site.call)
                if target in analyzer.index.functions:
                    todo.append((target, level + 1))


def replay_protection(analyzer: WebhookAnalyzer, route: Route) -> Evidence | None:
    """A timestamp checked against the clock, or a delivery id remembered."""
    declared = {p.name.replace("_", "-") for p in route.params if p.source == "header"}  # x_kommo_timestamp: Header()
    for module, fn, scope in _functions_on_path(analyzer, route):
        targets = {analyzer.ev.callee(scope, site.call) or "" for site in fn.calls}
        where = Location(module.path, fn.span)
        if targets & _BUILT_IN_TOLERANCE:
            return Evidence(f"{fn.name}: the provider's verifier rejects stale timestamps", where)
        headers = {s for s in fn.strings if "-" in s or s.lower() == "date"}
        if fn.qualname == route.handler:
            headers |= declared
        if any(_TIMESTAMP_HEADER.search(h) for h in headers) and targets & _CLOCK_CALLS:
            return Evidence(f"{fn.name} checks the delivery timestamp against the clock", where)
        remembers = any(site.call.kwarg("nx") is not None for site in fn.calls) or any(
            t.endswith((".setnx", ".sadd", ".add_delivery", ".seen")) for t in targets
        )
        if any(_DELIVERY_HEADER.search(h) for h in headers) and remembers:
            return Evidence(f"{fn.name} remembers delivery ids", where)
    return None


def source_check(analyzer: WebhookAnalyzer, route: Route) -> Evidence | None:
    """The sender's address read and compared with an allowlist somewhere on the path."""
    reads_address = allowlist = None
    for module, fn, _scope in _functions_on_path(analyzer, route):
        if any(n.endswith(("client.host", "remote_addr", ".remote")) for n in fn.names) or "x-forwarded-for" in {s.lower() for s in fn.strings}:
            reads_address = reads_address or fn
        if any(_ALLOWLIST_NAME.search(n) for n in fn.names) or any("ipaddress" in n for n in fn.names):
            allowlist = allowlist or (module, fn)
    if reads_address is not None and allowlist is not None:
        module, fn = allowlist
        return Evidence(f"{fn.name} checks the sender's address against an allowlist", Location(module.path, fn.span))
    return None
