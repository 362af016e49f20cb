"""The Litestar adapter: apps, routers, controllers, handlers, guards, dependencies and parameters.

Litestar handlers are module-level objects (`@get("/x")`) listed in the
`route_handlers` of an app, a `Router` or (as methods) a `Controller`. Every
layer (app, router, controller, handler) adds a path, guards, dependencies and
`opt` flags; the closest layer wins for opts and dependencies, guards add up.
A dependency runs only for handlers that ask for it by name. Authentication
comes from guards that reject, from auth middleware and from security backends
(`JWTAuth`...), which `litestar_config.py` reads with the rest of the app's
configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ...parsing.facts import Assignment, Attr, CallExpr, Const, DictExpr, Expr, FunctionFacts, ModuleFacts, Name, Seq, dotted
from ..evaluate import Scope
from ..types import DependencyUse, Location, RawRead, RouteParam, Unresolved
from .base import AuthVocabulary, Collected, FrameworkAdapter, Include, RouteDecl, RouterDecl, join_paths
from .litestar_config import APP, APP_CLASSES, APP_CONFIG, LitestarSettings, splat
from .litestar_params import STATE, HandlerParams
from .requests import RequestShape
from .starlette import path_params

VERBS = ("get", "post", "put", "patch", "delete", "head")
HANDLER_DECORATORS = {f"litestar.{v}": v.upper() for v in VERBS} | {
    "litestar.route": "ROUTE",
    "litestar.websocket": "WEBSOCKET",
    "litestar.websocket_listener": "WEBSOCKET",
}
ROUTER = "litestar.Router"
CONTROLLER = "litestar.Controller"
PROVIDE = "litestar.di.Provide"
FILTER_DEPENDENCIES = "advanced_alchemy.extensions.litestar.providers.create_filter_dependencies"
# advanced-alchemy's limit/offset provider: the keys a handler asks for it by
FILTER_KEYS = ("filters", "limit_offset_filter")
# handler decorator keywords that configure it; any other keyword is merged into its `opt`
HANDLER_KWARGS = frozenset(
    {
        *("path", "http_method", "guards", "dependencies", "opt", "middleware", "before_request", "after_request", "after_response"),
        *("exception_handlers", "request_max_body_size", "sync_to_thread", "name", "status_code", "media_type", "include_in_schema"),
        *("response_class", "response_headers", "response_cookies", "request_class", "dto", "return_dto", "tags", "summary"),
        *("description", "operation_id", "security", "cache", "cache_control", "cache_key_builder", "etag", "background"),
        *("type_encoders", "type_decoders", "signature_namespace", "signature_types", "raises", "responses", "deprecated"),
        *("content_encoding", "content_media_type", "operation_class", "response_description", "websocket_class", "listener_class"),
    }
)
REQUEST_SHAPE = RequestShape(
    body_calls=frozenset({"json", "form", "msgpack"}),
    body_attrs=frozenset(),
    containers={"query_params": "query", "path_params": "path", "headers": "header", "cookies": "cookie"},
    raw_containers=frozenset({"query_params", "path_params"}),
)


@dataclass(frozen=True)
class Provider:
    """A `dependencies={"key": Provide(fn)}` entry: what runs when a handler asks for `key`."""

    key: str
    target: str | None  # the function or class it calls
    location: Location
    cached: bool = False  # `Provide(use_cache=True)`: the first value is kept, it does not run per request
    page_size: bool = False  # advanced-alchemy's limit/offset filter: `pageSize` with no upper bound


@dataclass
class Layer:
    """What an app, router, controller or handler sets for the handlers under it."""

    opts: dict[str, bool] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)


@dataclass
class Handler:
    qual: str
    methods: tuple[str, ...]
    paths: tuple[str, ...]
    location: Location
    layer: Layer
    hooks: list[DependencyUse]  # its guards and before_request hook


class LitestarAdapter(FrameworkAdapter):
    name = "litestar"
    markers = ("litestar",)
    aliases: ClassVar[dict[str, str]] = {
        **{f"litestar.handlers.{v}": f"litestar.{v}" for v in (*VERBS, "route", "websocket", "websocket_listener")},
        **{f"litestar.handlers.http_handlers.decorators.{v}": f"litestar.{v}" for v in VERBS},
        "litestar.handlers.http_handlers.decorators.route": "litestar.route",
        "litestar.handlers.websocket_handlers.websocket": "litestar.websocket",
        "litestar.handlers.websocket_handlers.websocket_listener": "litestar.websocket_listener",
        "litestar.app.Litestar": APP,
        "litestar.router.Router": ROUTER,
        "litestar.controller.Controller": CONTROLLER,
        "litestar.di.Provide": PROVIDE,
        "litestar.params.Dependency": "litestar.params.Dependency",
        "litestar.connection.Request": "litestar.Request",
        "litestar.connection.request.Request": "litestar.Request",
        "litestar.connection.WebSocket": "litestar.WebSocket",
        "litestar.connection.websocket.WebSocket": "litestar.WebSocket",
        "litestar.connection.base.ASGIConnection": "litestar.connection.ASGIConnection",
        "litestar.datastructures.state.State": STATE,
        "advanced_alchemy.extensions.litestar.create_filter_dependencies": FILTER_DEPENDENCIES,
        **LitestarSettings.aliases,
    }
    alias_prefixes: ClassVar[dict[str, str]] = {"litestar.contrib.jwt": "litestar.security.jwt"}
    vocabulary = AuthVocabulary(
        rejecting_calls={"litestar.exceptions.NotAuthorizedException": -1},  # always a 401
        library_prefixes=("litestar.",),
    )
    capability_libraries: ClassVar[dict[str, tuple[str, ...]]] = {
        "metrics": ("litestar.contrib.prometheus", "litestar.plugins.prometheus", "litestar.contrib.opentelemetry", "litestar.plugins.opentelemetry"),
        "structured-logging": ("litestar.plugins.structlog", "litestar.contrib.structlog"),
    }

    # --- collection ------------------------------------------------------------------

    def collect(self, out: Collected) -> None:
        self.out = out
        self.layers: dict[str, Layer] = {}
        self.parents: dict[str, str] = {}  # router/controller -> the first layer that serves it
        self.app_paths: dict[str, str] = {}  # `Litestar(path="/v1")` prefixes every route of the app
        self.pending: list[tuple[str, Handler]] = []  # (owner, handler): routes once every layer is known
        self.uses: dict[str, list[Provider]] = {}  # handler -> the providers it asks for (directly or through others)
        self.body_limits: dict[str, tuple[Scope, Expr]] = {}  # layer or handler -> its request_max_body_size
        self.on_loop: set[str] = set()  # sync handlers Litestar calls on the event loop
        self.settings = LitestarSettings(self, out)
        self.reader = HandlerParams(self)
        self.handlers = self._handlers()
        declared: list[tuple[Scope, str, CallExpr]] = []
        for scope, assignments in self.scopes():  # every app and router first: route lists name them
            for assignment in assignments:
                if isinstance(assignment.value, CallExpr):
                    declared += self._declare(scope, assignment, assignment.value)
            for ret in scope.function.return_sites if scope.function else ():  # `return Litestar(...)`: the factory's app
                if isinstance(ret.value, CallExpr):
                    declared += self._declare(scope, Assignment("app", ret.value, None, ret.span, True, False), ret.value, only_apps=True)
        self.alias_factory_results(out)
        self.bind_parameters(out)
        for scope, ident, call in declared:  # `Litestar([...])` takes its handlers first; a Router, an AppConfig by name
            positional = call.arg(0) if ident in out.apps and self.settings.class_of(scope, call) != APP_CONFIG else None
            self.serve(scope, ident, call.kwarg("route_handlers") or positional)
        for scope, _ in self.scopes():  # app.register(handler), router.register(controller)
            for site in scope.calls:
                func = site.call.func
                owner = self.owner_of(out, scope, func.value) if isinstance(func, Attr) and func.attr == "register" else None
                if owner is not None and owner in self.layers and site.call.args:
                    self.serve(scope, owner, Seq("list", site.call.args[:1]))
        self.settings.apply(declared)
        self._finish()
        out.loop_functions |= self.on_loop

    def _declare(self, scope: Scope, assignment: Assignment, call: CallExpr, only_apps: bool = False) -> list[tuple[Scope, str, CallExpr]]:
        kind = self.ev.callee(scope, call)
        if kind in self.index.classes:  # `class Api(Litestar)`
            kind = next((c for c in (*APP_CLASSES, ROUTER) if self.subclass_of(kind, frozenset({c}))), kind)
        ident = self.object_id(scope, assignment)
        if ident is None or ident in self.layers or (only_apps and kind not in APP_CLASSES):
            return []
        if kind in APP_CLASSES:
            found = self.settings.app_call(scope, call)  # `Litestar.from_config(AppConfig(...))` reads the AppConfig
            if found is None:
                return []
            config_scope, config = found
            self.settings.declare_app(config_scope, ident, config, self.at(scope, call.span))
            self.app_paths[ident] = self.text(config_scope, config.kwarg("path"))
            self.layers[ident] = self._layer(config_scope, config.kwarg("opt"), config.kwarg("dependencies"), self.out.apps[ident].location)
            return [(config_scope, ident, config)]
        if kind == ROUTER:
            self.router(scope, ident, call)
            return [(scope, ident, call)]
        return []

    def router(self, scope: Scope, ident: str, call: CallExpr) -> None:
        location = self.at(scope, call.span)
        hooks = self.layer_hooks(scope, call.kwarg("guards"), call.kwarg("before_request"), "router", location)
        self.out.routers[ident] = RouterDecl(ident, location, self.text(scope, call.arg(0, "path")), hooks)
        self.out.owners[ident] = self
        self.layers[ident] = self._layer(scope, call.kwarg("opt"), call.kwarg("dependencies"), location)
        self.settings.layer(scope, ident, call.kwarg)

    def _layer(self, scope: Scope, opt: Expr | None, dependencies: Expr | None, at: Location, flags: dict[str, bool] | None = None) -> Layer:
        """A layer's opts (the closest layer's value wins) and the providers it declares."""
        return Layer({**(flags or {}), **self._opts(scope, opt)}, self._providers(scope, dependencies, at))

    # --- handlers ------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Handler]:
        found: dict[str, Handler] = {}
        for module in self.index.modules.values():
            for fn in module.functions.values():
                scope = self.ev.enclosing(fn, module)
                for decorator in fn.decorators:
                    call = decorator if isinstance(decorator, CallExpr) else None
                    verb = HANDLER_DECORATORS.get(self.ev.resolve_expr(scope, call.func if call else decorator) or "")
                    if verb is not None:
                        found[fn.qualname] = self._handler(scope, fn.qualname, verb, call, self.at(scope, getattr(decorator, "span", None) or fn.header))
        return found

    def _handler(self, scope: Scope, qual: str, verb: str, call: CallExpr | None, location: Location) -> Handler:
        def option(name: str) -> Expr | None:
            return call.kwarg(name) if call is not None else None

        methods = self._methods(scope, option("http_method")) if verb == "ROUTE" else (verb,)
        paths = self._paths(scope, call.arg(0, "path") if call is not None else None)
        flags = {key: self._truthy(scope, value) for key, value in (call.kwargs if call is not None else ()) if key not in HANDLER_KWARGS}
        layer = self._layer(scope, option("opt"), option("dependencies"), location, flags)
        hooks = self.layer_hooks(scope, option("guards"), option("before_request"), "route", location)
        limit = option("request_max_body_size")
        if limit is not None:
            self.body_limits[qual] = (scope, limit)
        fn = self.index.function(qual)
        threaded = option("sync_to_thread")
        if fn is not None and not fn.is_async and not (threaded is not None and self._truthy(scope, threaded)):
            self.on_loop.add(qual)  # a sync handler without sync_to_thread=True is called on the event loop
        return Handler(qual, methods, paths, location, layer, hooks)

    def _paths(self, scope: Scope, expr: Expr | None) -> tuple[str, ...]:
        items = expr.items if isinstance(expr, Seq) else (expr,)
        # a handler at "/" of a router is served at the router's own path, without a trailing slash
        return tuple(p if p != "/" else "" for p in (self.text(scope, i) or "/" for i in items))

    def _methods(self, scope: Scope, expr: Expr | None) -> tuple[str, ...]:
        items = expr.items if isinstance(expr, Seq) else ((expr,) if expr is not None else ())
        found = [(self.text(scope, i) or (dotted(i) or "").rsplit(".", 1)[-1]).upper() for i in items]
        return tuple(m for m in found if m) or ("GET",)

    def layer_hooks(self, scope: Scope, guards: Expr | None, before: Expr | None, level: str, location: Location) -> list[DependencyUse]:
        """Guards, and a `before_request` hook: both run before the handler and reject by raising."""
        items = [*getattr(guards, "items", ()), *([before] if before is not None else [])]
        targets = [self.ev.resolve_expr(scope, i.func if isinstance(i, CallExpr) else i) for i in items]
        return [DependencyUse(t, level, location, hook=True) for t in targets if t]

    def _truthy(self, scope: Scope, expr: Expr) -> bool:
        value = self.ev.evaluate(scope, expr)
        return bool(value.value) if value.known else True  # an opt set from configuration is meant to be on

    def _opts(self, scope: Scope, expr: Expr | None) -> dict[str, bool]:
        """`opt={"exclude_from_auth": True}` on any layer."""
        if not isinstance(expr, DictExpr):
            return {}
        return {k.value: self._truthy(scope, v) for k, v in zip(expr.keys, expr.values, strict=False) if isinstance(k, Const) and isinstance(k.value, str)}

    def _providers(self, scope: Scope, expr: Expr | None, at: Location, depth: int = 0) -> dict[str, Provider]:
        """`dependencies={"key": Provide(fn)}`, a dict variable, or advanced-alchemy's filter dependencies."""
        found = self.settings.construction(scope, expr) if depth < 4 and expr is not None else None
        if found is None:
            return {}
        scope, value = found
        if isinstance(value, CallExpr) and self.ev.callee(scope, value) == FILTER_DEPENDENCIES:
            config = self.settings.construction(scope, value.arg(0, "config"))
            options = config[1] if config is not None and isinstance(config[1], DictExpr) else DictExpr((), ())
            kind = next((v for k, v in zip(options.keys, options.values, strict=False) if isinstance(k, Const) and k.value == "pagination_type"), None)
            paginated = config is not None and self.text(config[0], kind) == "limit_offset"
            return {k: Provider(k, None, self.at(scope, value.span), page_size=True) for k in FILTER_KEYS} if paginated else {}
        if not isinstance(value, DictExpr):
            return {}
        out: dict[str, Provider] = {}
        for key, item in zip(value.keys, value.values, strict=False):
            if key is None:  # `{**shared, "x": Provide(...)}`
                out.update(self._providers(scope, item, at, depth + 1))
            elif isinstance(key, Const) and isinstance(key.value, str):
                provide = item if isinstance(item, CallExpr) and self.ev.callee(scope, item) == PROVIDE else None
                target = self.ev.resolve_expr(scope, provide.arg(0, "dependency") if provide else item)
                cached = provide is not None and self._truthy(scope, provide.kwarg("use_cache") or Const(False))
                out[key.value] = Provider(key.value, target, self.at(scope, item.span) if isinstance(item, CallExpr) else at, cached)
        return out

    # --- what a layer serves -----------------------------------------------------------------

    def serve(self, scope: Scope, owner: str, expr: Expr | None, depth: int = 0) -> None:
        """The entries of `route_handlers`: handlers, routers (named or inline) and controllers."""
        found = self.settings.construction(scope, expr) if expr is not None and depth < 6 else None
        if found is None or not isinstance(found[1], Seq):
            return
        scope, items = found
        for item in items.items:  # type: ignore[union-attr]
            self._entry(scope, owner, item, depth)

    def _entry(self, scope: Scope, owner: str, item: Expr, depth: int) -> None:
        spread = splat(item)
        if spread is not None:  # `[*api_handlers, health]`
            self.serve(scope, owner, spread, depth + 1)
            return
        if isinstance(item, CallExpr):
            self._inline(scope, owner, item, depth)
            return
        target = self.ev.resolve_expr(scope, item)
        if target in self.handlers:
            self.pending.append((owner, self.handlers[target]))
        elif target in self.out.routers and target in self.layers:
            self._include(owner, target, self.out.routers[target].location)
        elif target in self.index.classes and self.subclass_of(target, frozenset({CONTROLLER})):
            self._controller(owner, target)
        elif isinstance(item, (Name, Attr)) and target is not None and target not in self.index.classes:
            self.serve(scope, owner, item, depth + 1)  # a list of handlers kept in a variable

    def _inline(self, scope: Scope, owner: str, call: CallExpr, depth: int) -> None:
        """`Router(path="/v1", route_handlers=[...])` written inside the list, or `get("/x")(fn)`."""
        if self.ev.callee(scope, call) == ROUTER:
            ident = f"{owner}/router@{call.span.line}:{call.span.column}"
            self.router(scope, ident, call)
            self._include(owner, ident, self.at(scope, call.span))
            self.serve(scope, ident, call.kwarg("route_handlers"), depth + 1)
        elif isinstance(call.func, CallExpr) and call.args:
            verb = HANDLER_DECORATORS.get(self.ev.callee(scope, call.func) or "")
            fn = self.ev.resolve_expr(scope, call.args[0])
            if verb is not None and fn in self.index.functions:
                self.pending.append((owner, self._handler(scope, fn, verb, call.func, self.at(scope, call.span))))

    def _include(self, owner: str, child: str, location: Location) -> None:
        self.parents.setdefault(child, owner)
        self.out.includes.append(Include(owner, child, self.app_paths.get(owner, ""), [], location))

    def _controller(self, owner: str, cls: str) -> None:
        located = self.index.classes[cls]
        location = Location(located.module.path, located.definition.header)
        fields = self.class_fields(cls)
        field_scope = {name: scope for name, (scope, _) in fields.items()}
        value = {name: expr for name, (_, expr) in fields.items()}
        scope = field_scope.get("path", Scope(located.module))
        ident = f"{cls}@{owner}"
        hooks = self.layer_hooks(field_scope.get("guards", scope), value.get("guards"), value.get("before_request"), "router", location)
        self.out.routers[ident] = RouterDecl(ident, location, self.text(scope, value.get("path")), hooks)
        self.out.owners[ident] = self
        self.layers[ident] = self._layer(field_scope.get("opt", scope), value.get("opt"), None, location)
        self.layers[ident].providers = self._providers(field_scope.get("dependencies", scope), value.get("dependencies"), location)
        self.settings.layer(scope, ident, value.get)
        self._include(owner, ident, location)
        for method in self._controller_methods(cls):
            self.pending.append((ident, self.handlers[method]))

    def class_fields(self, cls: str, depth: int = 0) -> dict[str, tuple[Scope, Expr]]:
        """A class's own fields over those of its project bases (`path`, `guards`, `opt`...)."""
        located = self.index.classes.get(cls)
        if located is None or depth > 5:
            return {}
        out: dict[str, tuple[Scope, Expr]] = {}
        for base in reversed(self.bases(cls)):
            out.update(self.class_fields(base, depth + 1))
        out.update({f.target: (Scope(located.module), f.value) for f in located.definition.fields if f.value is not None})
        return out

    def _controller_methods(self, cls: str) -> list[str]:
        """Handler methods of a controller and of its project bases (an override replaces the base's)."""
        by_name: dict[str, str] = {}
        for qual in reversed((cls, *(b for b in self.bases(cls) if b in self.index.classes))):
            for method in self.index.classes[qual].definition.methods:
                by_name[method.rsplit(".", 1)[-1]] = method
        return [q for q in by_name.values() if q in self.handlers]

    # --- routes, once every layer is known ----------------------------------------------------

    def _finish(self) -> None:
        served = {handler.qual for _, handler in self.pending}
        for qual, handler in self.handlers.items():  # decorated, but in no route_handlers the model could follow
            if qual not in served:
                what = f"handler {qual.rsplit('.', 1)[-1]}"
                self.out.unresolved.append(Unresolved(what, "not listed in an app, router or controller the auditor could follow", handler.location))
        for owner, handler in self.pending:
            merged = Layer()
            for layer in [self.layers.get(i, Layer()) for i in self.lineage(owner)] + [handler.layer]:
                merged.opts.update(layer.opts)
                merged.providers.update(layer.providers)
            uses = self._requested(handler.qual, merged.providers)
            self.uses[handler.qual] = uses
            deps = list(handler.hooks) + [DependencyUse(p.target, "param", p.location, param=p.key) for p in uses if p.target]
            opts = frozenset(k for k, on in merged.opts.items() if on)
            prefix = self.app_paths.get(owner, "")  # the app's own path; routers get it through their include
            for path in handler.paths:
                full = join_paths(prefix, path) if prefix else path
                self.out.routes.append(RouteDecl(owner, handler.methods, full, handler.qual, handler.location, deps, opts=opts))

    def lineage(self, owner: str) -> list[str]:
        """The layers above a route's owner and the owner, outermost (the app) first."""
        chain = [owner]
        while chain[0] not in self.out.apps and chain[0] in self.parents and self.parents[chain[0]] not in chain:
            chain.insert(0, self.parents[chain[0]])
        return chain

    def _requested(self, handler: str, providers: dict[str, Provider]) -> list[Provider]:
        """The providers a handler asks for by parameter name, and those they ask for in turn.
        A cached provider (`use_cache=True`) runs once, not on each request."""
        fn = self.index.function(handler)
        todo = [p.name for p in fn.params] if fn is not None else []
        found: dict[str, Provider] = {}
        while todo:
            name = todo.pop(0)
            provider = providers.get(name)
            if provider is None or name in found or provider.cached:
                continue
            found[name] = provider
            inner = self.index.function(provider.target) or self.index.function(f"{provider.target}.__init__")
            todo += [p.name for p in inner.params] if inner is not None else []
        return list(found.values())

    # --- what the handler receives -------------------------------------------------------

    def params(self, handler: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        convertors = dict(path_params(path))
        uses = self.uses.get(handler.qualname, [])
        keys = {p.key for p in uses}
        scope = self.ev.enclosing(handler, module)
        params = [r for p in handler.params if (r := self.reader.param(scope, p, convertors, keys, module.path)) is not None]
        for provider in uses:  # a provider's own parameters come from the request too
            if provider.page_size:
                params.append(RouteParam("pageSize", "query", "int", provider.location, bounded=False))
            located = self.index.functions.get(provider.target or "")
            if located is not None:
                inner = self.ev.enclosing(located.definition, located.module)
                params += [r for p in located.definition.params if (r := self.reader.param(inner, p, {}, keys, located.module.path)) is not None]
        declared = {p.name for p in params}
        at = Location(module.path, handler.header)
        params += [RouteParam(name, "path", convertor, at) for name, convertor in convertors.items() if name not in declared]
        params += self.read_params(handler, module, {p.name for p in params if p.source == "request"}, REQUEST_SHAPE)
        return params, []

    def raw_reads(self, handler: FunctionFacts, module: ModuleFacts, params: list[RouteParam]) -> tuple[RawRead, ...]:
        return self.unvalidated_reads(handler, module, params, REQUEST_SHAPE)
