"""From per-file facts to one application model: detect, collect, compose, enrich."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..deployment import ServerCommand
from ..parsing.facts import ModuleFacts, Param
from .auth import AuthAnalyzer
from .authorization import with_authorization
from .environment import env_reads, first_imports, integrations
from .evaluate import Evaluator, Scope
from .frameworks import registry
from .frameworks.base import Collected, DependencyRef, FrameworkAdapter
from .index import ProjectIndex
from .lifecycle import process_lifecycle
from .outbound import is_cached_getter, outbound_calls
from .reach import Reachability
from .resources import ResourceFinder
from .routes import RouteOptions, compose_routes, router_hooks
from .settings import settings_fields
from .types import AppModel, FunctionInfo, Location
from .webhooks import WebhookAnalyzer, with_webhook_verification

DEFAULT_TENANT_NAMES = frozenset(
    f"{stem}{suffix}"
    for stem in ("org", "organization", "organisation", "tenant", "account", "workspace", "team", "company", "customer", "user", "owner")
    for suffix in ("_id", "Id", "ID", "_uuid")
)


@dataclass(frozen=True)
class ModelOptions:
    public_routes: tuple[str, ...] = ()
    auth_dependencies: tuple[str, ...] = ()
    tenant_params: tuple[str, ...] = ()
    webhook_routes: tuple[str, ...] = ()
    assumptions: frozenset[str] = frozenset()
    pins: tuple[tuple[str, str], ...] = ()
    servers: tuple[ServerCommand, ...] = ()  # production server commands from the deployment files


def build_model(root: str, modules: list[ModuleFacts], options: ModelOptions) -> AppModel:
    adapter_types, unmodelled = registry.detect(modules)
    aliases, alias_prefixes = registry.aliases()
    index = ProjectIndex(modules, aliases, alias_prefixes)
    evaluator = Evaluator(index)
    adapters: list[FrameworkAdapter] = []
    auth = AuthAnalyzer(index, evaluator, list(options.auth_dependencies), registry.vocabulary(adapter_types), lambda s, p: _dependency(adapters, s, p))
    adapters.extend(a(evaluator, auth, options.servers, dict(options.pins)) for a in adapter_types)
    facts = Collected()
    for adapter in adapters:
        adapter.collect(facts)
    # A Flask blueprint's `@bp.route(...)` is unresolved to the Starlette adapter but placed by Flask's;
    # a registration no adapter places is listed once, not once per adapter.
    seen = {(r.location.path, r.location.line) for r in facts.routes}
    unresolved = []
    for u in facts.unresolved:
        if (u.location.path, u.location.line) not in seen:
            seen.add((u.location.path, u.location.line))
            unresolved.append(u)
    facts.unresolved = unresolved

    model = AppModel(root=root, frameworks=tuple(a.name for a in adapters), unmodelled=unmodelled)
    model.modules = {m.path: m for m in modules}
    model.files = len(modules)
    model.lines = sum(m.lines for m in modules)
    model.functions = {q: FunctionInfo(located.module, located.definition) for q, located in index.functions.items()}
    mounted = {m.child: m.parent for m in facts.mounts}
    model.apps = [replace(a, mounted_in=mounted.get(a.id)) for a in facts.apps.values()]
    model.middleware = facts.middleware
    lifecycle = process_lifecycle(evaluator, list(facts.apps))
    model.hooks = facts.hooks + router_hooks(facts) + lifecycle.hooks
    model.signal_handlers = lifecycle.signal_handlers
    model.tenant_names = DEFAULT_TENANT_NAMES | frozenset(options.tenant_params)
    webhooks = WebhookAnalyzer(auth)
    route_options = RouteOptions(options.public_routes, options.webhook_routes)
    model.routes = [
        with_webhook_verification(with_authorization(r, auth, model.tenant_names), webhooks)
        for r in compose_routes(facts, index.functions, auth, route_options)
    ]
    model.unresolved = sorted(facts.unresolved, key=lambda u: (u.location.path, u.location.line))
    model.cors = facts.cors
    model.loop_functions = frozenset(facts.loop_functions)
    model.exception_handlers = facts.exception_handlers

    hook_functions = {h.function for h in model.hooks if h.function}
    finder = ResourceFinder(evaluator, hook_functions)
    released = finder.releases([h for h in model.hooks if h.kind in ("lifespan", "shutdown", "signal")])
    released.update(lifecycle.released)
    model.resources = [r if r.managed or r.name not in released else replace(r, released_by=released[r.name]) for r in finder.find()]
    model.settings = settings_fields(index, evaluator)
    model.env_reads = env_reads(evaluator, modules)
    model.integrations = integrations(modules)
    model.imports = first_imports(modules)
    model.assumptions = options.assumptions
    model.pins = dict(options.pins)
    model.schema_generators = tuple(g for a in adapters for g in a.schema_generators)
    model.error_calls = frozenset(c for a in adapters for c in a.vocabulary.rejecting_calls if "." in c and c.split(".")[-1] == "abort")
    model.capability_libraries = _capability_libraries(adapters)
    model._build_call_index = lambda: _call_index(index, evaluator)
    model._callee = lambda site, function, path: evaluator.callee(Scope(index.by_path[path], index.function(function) if function else None), site.call)
    reach = Reachability(auth)
    model.request_path_functions = reach.request_paths(model)
    model.outbound = outbound_calls(evaluator, modules)
    model.cached_getters = frozenset(q for q, located in index.functions.items() if is_cached_getter(evaluator, located.module, located.definition))
    model.privileged_clients = reach.privileged_clients(model)
    return model


def _dependency(adapters: list[FrameworkAdapter], scope: Scope, param: Param) -> DependencyRef | None:
    for adapter in adapters:
        found = adapter.param_dependency(scope, param)
        if found is not None:
            return found
    return None


def _capability_libraries(adapters: list[FrameworkAdapter]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for adapter in adapters:
        for capability, libraries in adapter.capability_libraries.items():
            out[capability] = out.get(capability, ()) + tuple(libraries)
    return out


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
