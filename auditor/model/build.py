"""From per-file facts to one frozen application model."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace

from ..parsing.facts import CallExpr, Const, ModuleFacts, dotted
from .auth import AuthAnalyzer, dependency_target
from .authorization import with_authorization
from .webhooks import WebhookAnalyzer, with_webhook_verification
from .environment import env_reads, first_imports, integrations
from .evaluate import Evaluator, Scope, annotation_text, field_default, is_optional_annotation
from .fastapi import FastAPIAdapter, FastAPIFacts, Include, RawRoute, RouterObj, join_paths
from .index import ProjectIndex
from .outbound import is_cached_getter, outbound_calls
from .resources import ResourceFinder
from .types import (
    AppModel,
    AuthVerdict,
    DependencyUse,
    Evidence,
    FunctionInfo,
    Hook,
    Location,
    PrivilegedClient,
    Route,
    SettingsField,
)

DEFAULT_TENANT_NAMES = frozenset(
    f"{stem}{suffix}"
    for stem in ("org", "organization", "organisation", "tenant", "account", "workspace", "team", "company", "customer", "user", "owner")
    for suffix in ("_id", "Id", "ID", "_uuid")
)
_PUBLIC_SEGMENTS = frozenset(
    {
        "health", "healthz", "healthcheck", "health-check", "livez", "readyz", "ready", "readiness", "live",
        "liveness", "ping", "metrics", "docs", "redoc", "openapi.json", "favicon.ico", "robots.txt",
        "token", "access-token", "refresh", "refresh-token",
    }
)
# A segment anywhere in the path that makes it part of signing in.
_AUTH_FLOW_SEGMENTS = frozenset(
    {
        "login", "signin", "sign-in", "signup", "sign-up", "register", "password-reset", "password-recovery",
        "forgot-password", "reset-password", "recover-password", "verify-email",
    }
)
_WEBHOOK_SEGMENT = re.compile(r"^(web)?hooks?$|[-_]webhooks?$|^webhooks?[-_]", re.I)
_PRIVILEGED_CREDENTIAL = re.compile(r"service[_-]?role|service_key|SERVICE_KEY|admin[_-]?key|superuser", re.I)
PRIVILEGED_CLIENTS = {
    "supabase.create_client": 1,
    "supabase.acreate_client": 1,
    "supabase.Client": 1,
    "supabase.client.create_client": 1,
    "supabase._async.client.create_client": 1,
}


@dataclass(frozen=True)
class ModelOptions:
    public_routes: tuple[str, ...] = ()
    auth_dependencies: tuple[str, ...] = ()
    tenant_params: tuple[str, ...] = ()
    webhook_routes: tuple[str, ...] = ()
    assumptions: frozenset[str] = frozenset()
    pins: tuple[tuple[str, str], ...] = ()


@dataclass
class _Chain:
    app: str
    includes: list[Include] = field(default_factory=list)
    routers: list[RouterObj] = field(default_factory=list)


def build_model(root: str, modules: list[ModuleFacts], options: ModelOptions) -> AppModel:
    index = ProjectIndex(modules)
    evaluator = Evaluator(index)
    auth = AuthAnalyzer(index, evaluator, list(options.auth_dependencies))
    adapter = FastAPIAdapter(evaluator, auth)
    facts = adapter.collect()
    model = AppModel(root=root)
    model.modules = {m.path: m for m in modules}
    model.files = len(modules)
    model.lines = sum(m.lines for m in modules)
    model.functions = {q: FunctionInfo(l.module, l.definition) for q, l in index.functions.items()}  # type: ignore[arg-type]
    mounted = {m.child: m.parent for m in facts.mounts}
    model.apps = [replace(a, mounted_in=mounted.get(a.id)) for a in facts.apps.values()]
    model.middleware = facts.middleware
    model.hooks = _hooks(facts, index, evaluator, model.signal_handlers)
    model.tenant_names = DEFAULT_TENANT_NAMES | frozenset(options.tenant_params)
    webhooks = WebhookAnalyzer(auth)
    model.routes = [
        with_webhook_verification(with_authorization(r, auth, model.tenant_names), webhooks)
        for r in _routes(facts, adapter, auth, index, options)
    ]
    model.cors = facts.cors
    hook_functions = {h.function for h in model.hooks if h.function}
    finder = ResourceFinder(evaluator, hook_functions)
    resources = finder.find()
    released = finder.releases([h for h in model.hooks if h.kind in ("lifespan", "shutdown", "signal")])
    model.resources = [
        r if r.managed or r.name not in released else _released(r, released[r.name]) for r in resources
    ]
    model.settings = _settings(index, evaluator)
    model.exception_handlers = facts.exception_handlers
    model.env_reads = env_reads(evaluator, modules)
    model.integrations = integrations(modules)
    model.imports = first_imports(modules)
    model.assumptions = options.assumptions
    model._build_call_index = lambda: _call_index(index, evaluator)
    model._callee = lambda site, function, path: _callee(index, evaluator, site, function, path)
    model.pins = dict(options.pins)
    model.request_path_functions = _reachable(model, evaluator, index)
    model.outbound = outbound_calls(evaluator, modules)
    model.cached_getters = frozenset(
        q for q, located in index.functions.items() if is_cached_getter(evaluator, located.module, located.definition)  # type: ignore[arg-type]
    )
    model.privileged_clients = _privileged_clients(model, evaluator, index)
    return model


def _call_index(index: ProjectIndex, evaluator: Evaluator) -> dict[str, list]:
    out: dict[str, list] = {}
    for module in index.modules.values():
        scopes = [(Scope(module), module.calls, None)] + [(Scope(module, fn), fn.calls, fn.qualname) for fn in module.functions.values()]
        for scope, calls, qual in scopes:
            for site in calls:
                target = evaluator.callee(scope, site.call)
                if target:
                    out.setdefault(target, []).append((site, Location(module.path, site.call.span), qual))
    return out


def _callee(index: ProjectIndex, evaluator: Evaluator, site, function: str | None, path: str) -> str | None:
    module = index.by_path[path]
    fn = index.function(function) if function else None
    return evaluator.callee(Scope(module, fn), site.call)


def _released(resource, where):
    return replace(resource, released_by=where)


# --- routes ---------------------------------------------------------------


def _chains(facts: FastAPIFacts, owner: str, seen: frozenset[str] = frozenset()) -> list[_Chain]:
    """Every way `owner` (a router or app) is reached from an app that is served, outermost first."""
    if owner in seen:
        return []
    out: list[_Chain] = []
    if owner in facts.apps:
        mounts = [m for m in facts.mounts if m.child == owner]
        if not mounts:
            return [_Chain(owner)]
        for mount in mounts:  # a mounted sub-app: its routes live under the mount path
            as_step = Include(mount.parent, owner, mount.prefix, facts.app_dependencies.get(owner, []), mount.location)
            for chain in _chains(facts, mount.parent, seen | {owner}):
                out.append(_Chain(chain.app, chain.includes + [as_step], chain.routers + [RouterObj(owner, mount.location)]))
        return out
    for inc in facts.includes:
        if inc.child != owner:
            continue
        for chain in _chains(facts, inc.parent, seen | {owner}):
            out.append(_Chain(chain.app, chain.includes + [inc], chain.routers + [facts.routers[owner]]))
    return out


def _routes(facts: FastAPIFacts, adapter: FastAPIAdapter, auth: AuthAnalyzer, index: ProjectIndex, options: ModelOptions) -> list[Route]:
    routes: list[Route] = []
    for raw in facts.routes:
        located = index.functions.get(raw.handler)
        if located is None:
            continue
        for chain in _chains(facts, raw.owner):
            routes.append(_route(raw, chain, facts, adapter, auth, located, options))
    routes.sort(key=lambda r: (r.path, r.methods, r.location.path, r.location.line))
    return routes


def _route(raw: RawRoute, chain: _Chain, facts: FastAPIFacts, adapter: FastAPIAdapter, auth: AuthAnalyzer, located, options: ModelOptions) -> Route:
    handler = located.definition
    parts: list[str] = []
    deps: list[DependencyUse] = list(facts.app_dependencies.get(chain.app, []))
    for inc, router in zip(chain.includes, chain.routers):
        parts += [inc.prefix, router.prefix]
        deps += inc.dependencies + router.dependencies
    path = join_paths(*parts, raw.path)
    deps += raw.dependencies
    params, param_deps = adapter.params(handler, located.module, raw.path)
    deps += param_deps
    apps = {chain.app} | {r.id for r in chain.routers if r.id in facts.apps}
    verdict = _auth_verdict(facts, apps, deps, auth, handler, located.module)
    is_webhook = _is_webhook(path, raw.methods, handler, params, options)
    return Route(
        app=chain.app,
        methods=raw.methods,
        path=path,
        handler=raw.handler,
        handler_location=Location(located.module.path, handler.span),
        location=raw.location,
        dependencies=tuple(deps),
        params=tuple(params),
        auth=verdict,
        is_webhook=is_webhook,
        public_reason=_public_reason(path, raw.methods, options),
        routers=tuple(r.id for r in reversed(chain.routers)),
        only_when=next((i.only_when for i in chain.includes if i.only_when), None),
    )


def _auth_verdict(facts: FastAPIFacts, apps: set[str], deps: list[DependencyUse], auth: AuthAnalyzer, handler, module: ModuleFacts) -> AuthVerdict:
    for mw in facts.middleware:
        if mw.app in apps and mw.authenticates is not None:
            return AuthVerdict(True, Evidence(f"middleware {mw.cls.rsplit('.', 1)[-1]}: {mw.authenticates.text}", mw.location), "middleware")
    for dep in deps:
        evidence = auth.dependency(dep.target)
        if evidence is not None:
            return AuthVerdict(True, Evidence(evidence.text, evidence.location or dep.location), dep.level)
    scope = auth.evaluator.enclosing(handler, module)
    for decorator in handler.decorators:
        name = auth.evaluator.resolve_expr(scope, decorator.func if isinstance(decorator, CallExpr) else decorator)
        if not name:
            continue
        if auth.is_configured(name):
            return AuthVerdict(True, Evidence(f"@{name.rsplit('.', 1)[-1]} (configured auth decorator)"), "decorator")
        inner = [f for q, f in auth.index.functions.items() if q == name or q.startswith(f"{name}.<locals>.")]
        for located in inner:
            evidence = auth.function(located.definition)  # type: ignore[arg-type]
            if evidence is not None:
                return AuthVerdict(True, Evidence(f"@{name.rsplit('.', 1)[-1]}: {evidence.text}", evidence.location), "decorator")
    scope = Scope(module, handler)
    rejection = auth.rejection(scope, handler)
    if rejection is not None and any(p for p in handler.params if "token" in p.name.lower() or "key" in p.name.lower() or "authorization" in p.name.lower()):
        return AuthVerdict(True, Evidence(f"{handler.name} checks a credential and rejects with {rejection[0]}", Location(module.path, rejection[1])), "handler")
    return AuthVerdict(False)


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s and not s.startswith("{")]


def _public_reason(path: str, methods: tuple[str, ...], options: ModelOptions) -> str | None:
    for pattern in options.public_routes:
        method, _, glob = pattern.partition(" ") if " " in pattern else ("", "", pattern)
        if fnmatch.fnmatchcase(path, glob) and (not method or method.upper() in methods):
            return f"declared public in config ({pattern})"
    segments = _segments(path)
    if not segments:
        return None
    if segments[0] == ".well-known":
        return "a /.well-known document"
    last = segments[-1].lower()
    if last in _PUBLIC_SEGMENTS:
        return f"a {last} endpoint is public by nature"
    flow = next((s for s in segments if s.lower() in _AUTH_FLOW_SEGMENTS), None)
    if flow is not None:
        return f"part of the {flow} flow, public by nature"
    if last == "callback" and any(s.lower() in ("oauth", "oauth2", "auth", "sso") for s in segments):
        return "an OAuth callback is public by nature (the state parameter protects it)"
    return None


def _is_webhook(path: str, methods: tuple[str, ...], handler, params, options: ModelOptions) -> bool:
    if any(fnmatch.fnmatchcase(path, p) for p in options.webhook_routes):
        return True
    if not set(methods) & {"POST", "PUT", "PATCH"}:
        return False  # deliveries are posted
    if any(_WEBHOOK_SEGMENT.search(s) for s in _segments(path)) or "webhook" in handler.name.lower():
        return True
    if any("signature" in s.lower() for s in handler.strings):
        return True
    return any(p.source == "header" and "signature" in p.name.lower() for p in params)


# --- hooks, settings, reachability --------------------------------------------


def _hooks(facts: FastAPIFacts, index: ProjectIndex, evaluator: Evaluator, signal_handlers: list[Location]) -> list[Hook]:
    hooks = list(facts.hooks)
    for chain_owner, router in facts.routers.items():  # router hooks apply to the apps including them
        for kind, fn, location in router.hooks:
            for chain in _chains(facts, chain_owner):
                hooks.append(Hook(chain.app, kind, fn, location))
    for module in index.modules.values():  # signal handlers apply to every app
        for scope_fn, calls in [(None, module.calls)] + [(fn, fn.calls) for fn in module.functions.values()]:
            scope = Scope(module, scope_fn)
            for site in calls:
                target = evaluator.callee(scope, site.call) or ""
                if target in ("signal.signal",) or target.endswith(".add_signal_handler"):
                    sig = dotted(site.call.arg(0)) or ""
                    if sig.endswith(("SIGTERM", "SIGINT")) and len(site.call.args) > 1:
                        handler = evaluator.resolve_expr(scope, site.call.args[1])
                        signal_handlers.append(Location(module.path, site.call.span))
                        for app in facts.apps:
                            hooks.append(Hook(app, "signal", handler, Location(module.path, site.call.span)))
    return hooks


def _settings(index: ProjectIndex, evaluator: Evaluator) -> list[SettingsField]:
    out: list[SettingsField] = []
    for qual, located in index.classes.items():
        if not evaluator.is_settings_class(qual):
            continue
        cls = located.definition
        prefix = _env_prefix(cls)
        for assignment in cls.fields:  # type: ignore[union-attr]
            if assignment.annotation is None or assignment.target in ("model_config",) or assignment.target.startswith("_"):
                continue
            default_expr = field_default(assignment.value)
            default = evaluator.evaluate(Scope(located.module), default_expr) if default_expr is not None else evaluator.evaluate(Scope(located.module), None)
            alias = None
            if isinstance(assignment.value, CallExpr):
                for key in ("validation_alias", "alias", "env"):
                    value = assignment.value.kwarg(key)
                    if isinstance(value, Const) and isinstance(value.value, str):
                        alias = value.value
            out.append(
                SettingsField(
                    cls=qual,
                    name=assignment.target,
                    annotation=annotation_text(assignment.annotation),
                    default=default,
                    required=default_expr is None,
                    optional=is_optional_annotation(assignment.annotation),
                    location=Location(located.module.path, assignment.span),
                    env_name=(alias or (prefix + assignment.target)).upper(),
                )
            )
    return out


def _env_prefix(cls) -> str:
    for assignment in cls.fields:
        if assignment.target == "model_config" and isinstance(assignment.value, CallExpr):
            prefix = assignment.value.kwarg("env_prefix")
            if isinstance(prefix, Const) and isinstance(prefix.value, str):
                return prefix.value
    return ""


def _reach(starts: list[str], evaluator: Evaluator, index: ProjectIndex, with_globals: bool = False) -> set[str]:
    """What running `starts` can run: functions called (classes through __init__/__call__),
    dependencies of their parameters, and, `with_globals`, the module globals they read."""
    todo = list(starts)
    seen: set[str] = set()
    while todo:
        qual = todo.pop()
        if qual in seen:
            continue
        if qual in index.classes:
            seen.add(qual)
            todo.extend(f"{qual}.{m}" for m in ("__init__", "__call__"))
            continue
        located = index.functions.get(qual)
        if located is None:
            continue
        seen.add(qual)
        fn = located.definition
        scope = Scope(located.module, fn)  # type: ignore[arg-type]
        for site in fn.calls:  # type: ignore[union-attr]
            target = evaluator.callee(scope, site.call)
            if target and (target in index.functions or target in index.classes):
                todo.append(target)
        for p in fn.params:  # type: ignore[union-attr]
            dep = dependency_target(evaluator, evaluator.enclosing(fn, located.module), p.default)  # type: ignore[arg-type]
            if dep:
                todo.append(dep[0].removesuffix("()"))
        if with_globals:
            for name in fn.names:  # type: ignore[union-attr]
                qual_name = evaluator.resolve(scope, name.split(".")[0])
                if qual_name in index.globals:
                    seen.add(qual_name)
    return seen


def _route_starts(route: Route) -> list[str]:
    return [route.handler] + [d.target.removesuffix("()") for d in route.dependencies]


def _reachable(model: AppModel, evaluator: Evaluator, index: ProjectIndex) -> frozenset[str]:
    """Functions a request can run: handlers, their dependencies, middleware, and what they call."""
    starts = [q for route in model.routes for q in _route_starts(route)]
    starts += [m.cls for m in model.middleware if m.kind == "function"]
    return frozenset(q for q in _reach(starts, evaluator, index) if q in index.functions or q in index.classes)


def _privileged_clients(model: AppModel, evaluator: Evaluator, index: ProjectIndex) -> list[PrivilegedClient]:
    out: list[PrivilegedClient] = []
    for module in index.modules.values():
        scopes = [(Scope(module), module.calls, None)] + [(Scope(module, fn), fn.calls, fn) for fn in module.functions.values()]
        for scope, calls, fn in scopes:
            for site in calls:
                target = evaluator.callee(scope, site.call)
                key_index = PRIVILEGED_CLIENTS.get(target or "")
                if key_index is None:
                    continue
                key = site.call.arg(key_index, "supabase_key")
                value = evaluator.evaluate(scope, key)
                label = " ".join(filter(None, [value.settings_field, value.origin, value.text, dotted(key)]))
                if not _PRIVILEGED_CREDENTIAL.search(label):
                    continue
                owner = fn.qualname if fn is not None else _assigned_to(module, site.call)
                users = _routes_using(model, evaluator, index, owner, module)
                out.append(PrivilegedClient(Location(module.path, site.call.span), value.settings_field or value.text or dotted(key) or "?", owner, users))
    return out


def _assigned_to(module: ModuleFacts, call: CallExpr) -> str:
    """The module global a module-level call's result is stored in."""
    for assignment in module.assignments:
        value = assignment.value
        if isinstance(value, CallExpr) and value.span == call.span:
            return f"{module.module}.{assignment.target}"
    return module.module


def _routes_using(model: AppModel, evaluator: Evaluator, index: ProjectIndex, owner: str, module: ModuleFacts) -> tuple[str, ...]:
    """Routes whose request path reaches the function (or module) that builds the client."""
    holders = {owner}
    if owner in index.functions:
        # callers that keep the client in a module global make that global a holder too
        for assignment in module.assignments:
            if isinstance(assignment.value, CallExpr) and evaluator.callee(Scope(module), assignment.value) == owner:
                holders.add(f"{module.module}.{assignment.target}")
    users: list[str] = []
    for route in model.routes:
        reach = _route_reach(route, model, evaluator, index)
        if reach & holders:
            users.append(f"{'/'.join(route.methods)} {route.path}")
    return tuple(users)


def _route_reach(route: Route, model: AppModel, evaluator: Evaluator, index: ProjectIndex) -> set[str]:
    """Functions and module globals a route's request path touches (memoised per route)."""
    cache = getattr(model, "_reach_cache", None)
    if cache is None:
        cache = {}
        object.__setattr__(model, "_reach_cache", cache)
    key = (route.handler, route.path)
    if key not in cache:
        cache[key] = _reach(_route_starts(route), evaluator, index, with_globals=True)
    return cache[key]
