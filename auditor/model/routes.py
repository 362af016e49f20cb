"""From collected declarations to routes: full paths, effective dependencies, auth verdicts.

A route is reached from a served app through a chain of includes (routers,
blueprints, mounts); every step adds its prefix and the dependencies or hooks
it declares. Whether the route is authenticated is then judged from all of
them, by what they do.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from ..parsing.facts import CallExpr, ModuleFacts, dotted
from .auth import CALLER_STATE, CREDENTIAL_CHECK, ROLE_CHECK, AuthAnalyzer
from .evaluate import Scope, names_in
from .frameworks.base import Collected, Decorator, Include, RouteDecl, RouterDecl, join_paths
from .index import Located
from .types import AuthVerdict, DependencyUse, Evidence, Hook, Location, Route, Unresolved

_PUBLIC_SEGMENTS = frozenset(
    {
        *("health", "healthz", "healthcheck", "health-check", "livez", "readyz", "ready", "readiness", "live", "liveness", "ping"),
        *("metrics", "favicon.ico", "robots.txt", "token", "access-token", "refresh", "refresh-token"),
        *("docs", "redoc", "openapi.json", "openapi", "openapi.yaml", "swagger", "swagger.json", "swagger-ui", "api-docs"),
    }
)
# A segment anywhere in the path that makes it part of signing in.
_AUTH_FLOW_SEGMENTS = frozenset(
    {
        *("login", "signin", "sign-in", "signup", "sign-up", "register", "logout", "log-out", "signout", "sign-out"),
        *("password-reset", "password-recovery", "forgot-password", "reset-password", "recover-password"),
        *("verify-email", "email-verification", "confirm", "confirm-email", "resend-confirmation-email"),
        *("authorize", "authorized", "oauth2callback", "saml", "sso", "otp", "email-otp", "2fa", "mfa", "totp"),
    }
)
# Exceptions that answer 401: the caller is not signed in (`NotAuthorizedException`, `HTTPUnauthorized`).
_UNAUTHENTICATED = re.compile(r"(Un|Not)authori[sz]ed|Unauthenticated|NotAuthenticated", re.I)
_WEBHOOK_SEGMENT = re.compile(r"^(web)?hooks?$|[-_]webhooks?$|^webhooks?[-_]", re.I)


@dataclass(frozen=True)
class RouteOptions:
    public_routes: tuple[str, ...] = ()
    webhook_routes: tuple[str, ...] = ()


@dataclass
class Chain:
    """One way a router (or app) is reached from a served app, outermost first."""

    app: str
    includes: list[Include] = field(default_factory=list)
    routers: list[RouterDecl] = field(default_factory=list)


def chains(facts: Collected, owner: str, seen: frozenset[str] = frozenset()) -> list[Chain]:
    """Every way `owner` (a router or app) is reached from an app that is served, outermost first."""
    if owner in seen:
        return []
    out: list[Chain] = []
    if owner in facts.apps:
        mounts = [m for m in facts.mounts if m.child == owner]
        if not mounts:
            return [Chain(owner)]
        for mount in mounts:  # a mounted sub-app: its routes live under the mount path
            as_step = Include(mount.parent, owner, mount.prefix, facts.app_dependencies.get(owner, []), mount.location, mount=True)
            for chain in chains(facts, mount.parent, seen | {owner}):
                out.append(Chain(chain.app, [*chain.includes, as_step], [*chain.routers, RouterDecl(owner, mount.location)]))
        return out
    for inc in facts.includes:
        if inc.child != owner:
            continue
        for chain in chains(facts, inc.parent, seen | {owner}):
            out.append(Chain(chain.app, [*chain.includes, inc], [*chain.routers, facts.routers[owner]]))
    return out


def compose_routes(facts: Collected, functions: dict[str, Located], auth: AuthAnalyzer, options: RouteOptions) -> list[Route]:
    routes: list[Route] = []
    for raw in facts.routes:
        located = functions.get(raw.handler)
        adapter = facts.owners.get(raw.owner)
        if located is None or adapter is None:
            continue
        found = chains(facts, raw.owner)
        if not found:  # a router no app includes (that the model could see)
            facts.unresolved.append(
                Unresolved(
                    f"{'/'.join(raw.methods)} {raw.path}", f"`{raw.owner.rsplit('.', 1)[-1]}` is not included in any app the auditor found", raw.location
                )
            )
        for chain in found:
            routes.append(_route(raw, chain, facts, adapter, auth, located, options))
    routes.sort(key=lambda r: (r.path, r.methods, r.location.path, r.location.line))
    return routes


def _route(raw: RouteDecl, chain: Chain, facts: Collected, adapter, auth: AuthAnalyzer, located: Located, options: RouteOptions) -> Route:
    handler = located.definition
    module = located.module
    parts: list[str] = []
    deps: list[DependencyUse] = list(facts.app_dependencies.get(chain.app, []))
    for inc, router in zip(chain.includes, chain.routers, strict=False):
        parts += [inc.prefix] if inc.replaces else [inc.prefix, router.prefix]
        if inc.mount:
            deps = []  # what the parent app injects stops at a mounted sub-app
        deps += inc.dependencies + router.dependencies
    path = join_paths(*parts, raw.path)
    deps += raw.dependencies
    params, param_deps = adapter.params(handler, module, path)
    deps += param_deps
    apps = {chain.app} | {r.id for r in chain.routers}  # middleware of the app, of mounted apps and of Mount(...)s
    decorators = list(raw.decorators) + [d for router in chain.routers for d in router.decorators]
    if raw.own_decorators:
        scope = auth.evaluator.enclosing(handler, module)
        decorators = [Decorator(d, scope, Location(module.path, handler.header)) for d in handler.decorators] + decorators
    endpoint = ".".join([r.name for r in chain.routers if r.name] + [raw.endpoint]) if raw.endpoint else None
    wrappers = _wrappers(auth, decorators)
    verdict = auth_verdict(facts, apps, deps, decorators, auth, handler, module, path, endpoint, raw.methods, raw.opts)
    return Route(
        app=chain.app,
        methods=raw.methods,
        path=path,
        handler=raw.handler,
        handler_location=Location(module.path, handler.span),
        location=raw.location,
        dependencies=tuple(deps),
        params=tuple(params),
        auth=verdict,
        is_webhook=_is_webhook(path, raw.methods, handler, params, options, verdict.authenticated, _reads_signature(auth, deps, wrappers)),
        public_reason=public_reason(path, raw.methods, options),
        routers=tuple(r.id for r in reversed(chain.routers)),
        only_when=next((i.only_when for i in chain.includes if i.only_when), None),
        raw_reads=adapter.raw_reads(handler, module, params),
        endpoint=endpoint,
        wrappers=wrappers,
    )


def _searches(pattern: str, path: str) -> bool:
    """Litestar matches exclusion patterns anywhere in the path (`re.search`)."""
    try:
        return re.search(pattern, path) is not None
    except re.error:
        return False


def _redirect(value) -> bool:
    """`redirect(url_for("login"))`, `RedirectResponse("/login")`."""
    return isinstance(value, CallExpr) and (dotted(value.func) or "").rsplit(".", 1)[-1] in ("redirect", "RedirectResponse")


def _wrappers(auth: AuthAnalyzer, decorators: list[Decorator]) -> tuple[str, ...]:
    """The inner functions of project decorators: `def signed(...): def decorator(view): def wrapper(...)`."""
    out: list[str] = []
    for decorator in decorators:
        func = decorator.expr.func if isinstance(decorator.expr, CallExpr) else decorator.expr
        name = auth.evaluator.resolve_expr(decorator.scope, func)
        if name and name in auth.index.functions:
            out += [q for q in auth.index.functions if q.startswith(f"{name}.<locals>.")]
    return tuple(out)


def auth_verdict(
    facts: Collected,
    apps: set[str],
    deps: list[DependencyUse],
    decorators: list[Decorator],
    auth: AuthAnalyzer,
    handler,
    module: ModuleFacts,
    path: str,
    endpoint: str | None,
    methods: tuple[str, ...] = (),
    opts: frozenset[str] = frozenset(),
) -> AuthVerdict:
    websocket = methods == ("WEBSOCKET",)
    for mw in facts.middleware:
        if mw.app in apps and mw.authenticates is not None and not (websocket and mw.http_only):
            fn = auth.index.function(mw.gate) if mw.gate else None
            if fn is not None and auth.exempts(fn, path, endpoint, opts):
                continue
            if mw.exclude_opt_key in opts or any(_searches(pattern, path) for pattern in mw.exclude):
                continue
            if methods and set(methods) <= set(mw.exclude_methods):
                continue
            return AuthVerdict(True, Evidence(f"middleware {mw.cls.rsplit('.', 1)[-1]}: {mw.authenticates.text}", mw.location), "middleware")
    for dep in deps:
        if dep.hook:
            fn = auth.index.function(dep.target)
            evidence = auth.hook(fn) if fn is not None and not auth.exempts(fn, path, endpoint, opts) else None
        else:
            evidence = auth.dependency(dep.target, dep.instance)
        if evidence is not None:
            return AuthVerdict(True, Evidence(evidence.text, evidence.location or dep.location), dep.level)
    for decorator in decorators:
        evidence = auth.decorator(decorator.scope, decorator.expr)
        if evidence is not None:
            return AuthVerdict(True, evidence, "decorator")
    scope = Scope(module, handler)
    sites = auth.rejecting_sites(scope, handler) + [("a redirect to sign in", ret.span, ret.guards) for ret in handler.return_sites if _redirect(ret.value)]
    # `customer = get_jwt_identity()`: a local holding the caller stands for it
    callers = {a.target for a in handler.assignments if isinstance(a.value, CallExpr) and CALLER_STATE.search(dotted(a.value.func) or "")}
    for site in handler.calls:  # `await check_authorized(request)`: a library call that itself rejects anonymous callers
        code = auth.rejecting_call(scope, site.call) if not site.guards else None
        if code in (401, 403):
            text = f"{handler.name} calls {dotted(site.call.func)}(), which answers {code} to unauthenticated callers"
            return AuthVerdict(True, Evidence(text, Location(module.path, site.call.span)), "handler")
    for described, span, guards in sites:  # `if not current_user.is_authenticated: abort(401)`, `if g.user is None: ...`
        names = [n for g in guards for n in names_in(g.test)]
        unauthenticated = described in ("HTTP 401", "a redirect to sign in") or bool(_UNAUTHENTICATED.search(described))
        caller_check = unauthenticated and any(CALLER_STATE.search(n) or n in callers for n in names)
        caller_check = caller_check or (described == "HTTP 403" and any(ROLE_CHECK.search(n) for n in names))
        if caller_check or any(CREDENTIAL_CHECK.search(n) for n in names):
            return AuthVerdict(True, Evidence(f"{handler.name} rejects unauthenticated callers with {described}", Location(module.path, span)), "handler")
    rejection = auth.rejection(scope, handler)
    if rejection is not None and any(p for p in handler.params if "token" in p.name.lower() or "key" in p.name.lower() or "authorization" in p.name.lower()):
        return AuthVerdict(
            True, Evidence(f"{handler.name} checks a credential and rejects with {rejection[0]}", Location(module.path, rejection[1])), "handler"
        )
    return AuthVerdict(False)


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s and not s.startswith(("{", "<"))]


def public_reason(path: str, methods: tuple[str, ...], options: RouteOptions) -> str | None:
    for pattern in options.public_routes:
        method, _, glob = pattern.partition(" ") if " " in pattern else ("", "", pattern)
        if fnmatch.fnmatchcase(path, glob) and (not method or method.upper() in methods):
            return f"declared public in config ({pattern})"
    segments = _segments(path)
    if not segments:
        return None
    if segments[0] == ".well-known":
        return "a /.well-known document"
    last = segments[-1].lower().replace("_", "-")
    if last in _PUBLIC_SEGMENTS:
        return f"a {last} endpoint is public by nature"
    flow = next((s for s in segments if s.lower().replace("_", "-") in _AUTH_FLOW_SEGMENTS), None)
    if flow is not None:
        return f"part of the {flow} flow, public by nature"
    if last == "callback" and any(s.lower() in ("oauth", "oauth2", "auth", "sso") for s in segments):
        return "an OAuth callback is public by nature (the state parameter protects it)"
    return None


def _reads_signature(auth: AuthAnalyzer, deps: list[DependencyUse], wrappers: tuple[str, ...]) -> bool:
    """A dependency or wrapper that reads a signature header: what authenticates the route is a sender's signature."""
    functions = [auth.index.function(q) for q in (*(d.target for d in deps), *wrappers)]
    return any("signature" in s.lower() for fn in functions if fn is not None for s in fn.strings)


def _is_webhook(path: str, methods: tuple[str, ...], handler, params, options: RouteOptions, authenticated: bool, signed: bool) -> bool:
    """A receiver of a third party's deliveries: it reads a signature, or it is configured as one.

    A path or name that says "webhook" counts only for a route the service's own users
    cannot sign in to: `POST /households/webhooks` behind the usual auth manages
    subscriptions, it receives nothing."""
    if any(fnmatch.fnmatchcase(path, p) for p in options.webhook_routes):
        return True
    if not set(methods) & {"POST", "PUT", "PATCH"}:
        return False  # deliveries are posted
    if signed or any("signature" in s.lower() for s in handler.strings):
        return True
    if any(p.source == "header" and "signature" in p.name.lower() for p in params):
        return True
    named = any(_WEBHOOK_SEGMENT.search(s) for s in _segments(path)) or "webhook" in handler.name.lower()
    return named and not authenticated


def router_hooks(facts: Collected) -> list[Hook]:
    """Hooks declared on routers apply to the apps that include them."""
    hooks: list[Hook] = []
    for owner, router in facts.routers.items():
        for kind, fn, location in router.hooks:
            for chain in chains(facts, owner):
                hooks.append(Hook(chain.app, kind, fn, location))
    return hooks
