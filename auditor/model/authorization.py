"""Tenant ids a client sends, and whether anything checks them against the caller.

A route takes a tenant id from the client when a path/query/header/body
parameter (or a field of its body model) is named like one. It is checked
when a dependency that receives that id rejects (a membership dependency),
when the handler compares it with something derived from the authenticated
caller and rejects, when it passes the id and the caller to an authorization
helper, or when the route is gated by an admin role or scope.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..parsing.facts import CallExpr, Const, FunctionFacts, Other, Seq, dotted
from .auth import AuthAnalyzer
from .evaluate import Scope, names_in
from .types import Evidence, Location, Route

_AUTHORIZING_CALL = re.compile(r"(authori[sz]|permission|member|access|(^|_)can_|check_|ensure_|assert_|require_|verify_org|belongs)", re.I)
_ADMIN = re.compile(r"(admin|superuser|staff|require_role|role_required|has_role)", re.I)
# A principal anywhere in a dotted name: `request.user.org_id`, `g.user.orgs`, `get_jwt()["account_id"]`.
_CALLER = re.compile(r"\b(current_user|user|caller|principal|identity|claims|get_jwt|get_jwt_identity|get_current_user)\b", re.I)
# Exceptions that answer 403/401 by their name: `web.HTTPForbidden`, `PermissionDenied`, `NotAuthorizedException`.
_DENIED = re.compile(r"Forbidden|PermissionDenied|(Un|Not)authori[sz]ed|Unauthenticated|NotAuthenticated", re.I)
_PRINCIPAL = re.compile(r"(user|principal|claims|token|identity|session|member|account|caller|auth)", re.I)


def normalise(name: str) -> str:
    return name.replace("_", "").lower()


def tenant_inputs(route: Route, tenant_names: frozenset[str]) -> tuple[str, ...]:
    names = {normalise(n) for n in tenant_names}
    out: list[str] = []
    for p in route.params:
        if p.source in ("path", "query", "header", "cookie", "form") and normalise(p.name) in names:
            out.append(p.name)
        elif p.source in ("query", "form") and p.model_fields:  # a model validated from the query string
            out.extend(f"{p.name}.{f}" for f in p.model_fields if normalise(f) in names)
        elif p.source == "body":
            out.extend(f"{p.name}.{f}" for f in p.model_fields if normalise(f) in names)
            if normalise(p.name) in names:
                out.append(p.name)
    return tuple(dict.fromkeys(out))


def check_authorization(route: Route, handler: FunctionFacts, module, auth: AuthAnalyzer, inputs: tuple[str, ...]) -> Evidence | None:
    ev = auth.evaluator
    for dep in route.dependencies:
        short = dep.target.rsplit(".", 1)[-1]
        if _ADMIN.search(short) or any(_ADMIN.search(s) for s in dep.scopes):
            return Evidence(f"gated by {short}", dep.location)
        if _AUTHORIZING_CALL.search(short):  # PermissionsDependency([...]), require_membership
            return Evidence(f"gated by the authorization dependency {short}", dep.location)
    plain = {i.split(".")[-1] for i in inputs}
    for dep in route.dependencies:  # a membership dependency that receives the tenant id
        fn = None if dep.instance else auth.index.function(dep.target)
        if fn is None or not any(p.name in plain for p in fn.params):
            continue
        rejection = auth.rejection(Scope(auth.index.functions[fn.qualname].module, fn), fn)
        if rejection is not None:
            return Evidence(f"{fn.name} checks the tenant id and rejects with {rejection[0]}", dep.location)
    found = _gating_decorator(handler, module, auth, plain)
    if found is not None:
        return found
    scope = Scope(module, handler)
    principals = {p.name for p in route.params if p.source == "dependency"} | {
        a.target for a in handler.assignments if isinstance(a.value, CallExpr) and _PRINCIPAL.search(dotted(a.value.func) or "")
    }
    rejection = auth.rejection(scope, handler)
    # `user = get(db, user_id=user_id)`: what is loaded by the client's id stands for it
    derived = {
        a.target
        for a in handler.assignments
        if isinstance(a.value, CallExpr)
        and any((dotted(v) or "") in plain or (dotted(v) or "") in inputs for v in (*a.value.args, *(v for _, v in a.value.kwargs)))
    }

    def is_input(name: str) -> bool:
        return name in inputs or name in plain or name.split(".")[0] in derived

    def is_principal(name: str) -> bool:
        head = name.split(".")[0]
        return not is_input(name) and (head in principals or bool(_PRINCIPAL.search(head)) or bool(_CALLER.search(name)))

    for site in handler.compares:
        compare = site.compare
        sides = [n for side in (compare.left, *compare.comparators) for n in names_in(side)]
        texts = " ".join(side.text for side in (compare.left, *compare.comparators) if isinstance(side, Other))
        mentions_principal = any(map(is_principal, sides)) or bool(texts and _CALLER.search(texts))
        if any(map(is_input, sides)) and mentions_principal and rejection is not None:
            return Evidence(f"{handler.name} compares the tenant id with the caller's and rejects with {rejection[0]}", Location(module.path, compare.span))
    for described, span, guards in auth.rejecting_sites(scope, handler):  # `if not current_user.is_owner(org): raise HTTPException(403)`
        if described not in ("HTTP 403", "HTTP 401") and not _DENIED.search(described):
            continue
        for guard in guards:
            names = names_in(guard.test)
            if any(is_principal(n) for n in names):
                return Evidence(f"{handler.name} rejects with 403 after checking {next(n for n in names if is_principal(n))}", Location(module.path, span))
    for call_site in handler.calls:
        target = ev.callee(scope, call_site.call) or ""
        args = [dotted(a) or "" for a in call_site.call.args] + [dotted(v) or "" for _, v in call_site.call.kwargs]
        if not any(map(is_input, args)):
            continue
        short = target.rsplit(".", 1)[-1]
        receiver = dotted(getattr(call_site.call.func, "value", None)) or ""
        if receiver and is_principal(receiver):  # current_user.orgs.filter_by(id=org_id): through the caller's relations
            return Evidence(f"{handler.name} looks the tenant up through the caller ({receiver})", Location(module.path, call_site.call.span))
        if _AUTHORIZING_CALL.search(short):
            return Evidence(f"{handler.name} calls {short}() with the tenant id", Location(module.path, call_site.call.span))
        inner = auth.index.function(target)
        if inner is not None:
            inner_reject = auth.rejection(Scope(auth.index.functions[target].module, inner), inner)
            if (inner_reject is not None and inner_reject[0] in ("HTTP 403", "HTTP 401")) or (inner_reject and "Forbidden" in inner_reject[0]):
                return Evidence(f"{short}() checks the tenant id and rejects with {inner_reject[0]}", Location(module.path, call_site.call.span))
    return None


def _gating_decorator(handler: FunctionFacts, module, auth: AuthAnalyzer, tenant: set[str]) -> Evidence | None:
    """A decorator that requires an admin role, or receives the tenant id and rejects (`@require_org_role("owner")`)."""
    scope = auth.evaluator.enclosing(handler, module)
    for decorator in handler.decorators:
        func = decorator.func if isinstance(decorator, CallExpr) else decorator
        name = auth.evaluator.resolve_expr(scope, func) or ""
        args = [a.value for a in getattr(decorator, "args", ()) if isinstance(a, Const) and isinstance(a.value, str)]
        args += [i.value for a in getattr(decorator, "args", ()) if isinstance(a, Seq) for i in a.items if isinstance(i, Const) and isinstance(i.value, str)]
        if _ADMIN.search(name.rsplit(".", 1)[-1]) or any(_ADMIN.search(a) for a in args):
            return Evidence(f"gated by @{name.rsplit('.', 1)[-1]}({', '.join(map(repr, args))})", Location(module.path, handler.header))
        for qual, located in auth.index.functions.items():
            inner: FunctionFacts = located.definition
            receives = any(p.name in tenant for p in inner.params) or (
                any(p.kind == "var_keyword" for p in inner.params) and bool(tenant & inner.strings)  # kwargs.get("org_id")
            )
            if not qual.startswith(f"{name}.<locals>.") or not receives:
                continue
            rejection = auth.rejection(Scope(located.module, inner), inner)
            if rejection is not None:
                return Evidence(f"@{name.rsplit('.', 1)[-1]} checks the tenant id and rejects with {rejection[0]}", Location(module.path, handler.header))
    return None


def with_authorization(route: Route, auth: AuthAnalyzer, tenant_names: frozenset[str]) -> Route:
    inputs = tenant_inputs(route, tenant_names)
    if not inputs:
        return route
    located = auth.index.functions[route.handler]
    evidence = check_authorization(route, located.definition, located.module, auth, inputs)
    return replace(route, tenant_inputs=inputs, authorization=evidence)
