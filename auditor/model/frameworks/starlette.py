"""The Starlette adapter: apps, routers, route lists, mounts, middleware, hooks, CORS.

Starlette apps declare their routes as lists (`routes=[Route(...), Mount(...)]`)
and their middleware as `Middleware(...)` entries; an `AuthenticationMiddleware`
only attaches a user, so a route is authenticated by `@requires(...)`, by a
middleware that rejects, or by a check in the endpoint. FastAPI builds on this
adapter (see `fastapi.py`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from ...parsing.facts import Assignment, Attr, CallExpr, CallSite, Const, Expr, FunctionFacts, ModuleFacts, Seq, dotted
from ..cors import cors_policy
from ..evaluate import Scope, names_in, status_code
from ..types import UNKNOWN, App, DependencyUse, Evidence, ExceptionHandler, Hook, Location, Middleware, RawRead, RouteParam, Unresolved, Value
from .base import AuthVocabulary, Collected, FrameworkAdapter, Include, RouteDecl, RouterDecl, development_guard
from .requests import RequestShape

_PATH_TEST = re.compile(r"(^|\.)(path|url\.path|endpoint)$")
BASE_HTTP_MIDDLEWARE = "starlette.middleware.base.BaseHTTPMiddleware"
ROUTE_VERBS = frozenset({"get", "post", "put", "patch", "delete", "api_route", "route", "websocket"})
CORS_MIDDLEWARE = "starlette.middleware.cors.CORSMiddleware"
AUTHENTICATION_MIDDLEWARE = "starlette.middleware.authentication.AuthenticationMiddleware"
REQUIRES = "starlette.authentication.requires"
ROUTE_CLASSES = {
    "starlette.routing.Route": "route",
    "starlette.routing.WebSocketRoute": "websocket",
    "starlette.routing.Mount": "mount",
    "starlette.routing.Host": "host",
}
ENDPOINT_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
REQUEST_SHAPE = RequestShape(
    body_calls=frozenset({"json", "form"}),
    body_attrs=frozenset(),
    containers={"query_params": "query", "path_params": "path", "form": "form", "headers": "header", "cookies": "cookie"},
    raw_containers=frozenset({"query_params", "path_params", "form"}),
)


def path_params(path: str) -> list[tuple[str, str | None]]:
    """`/orgs/{org_id:uuid}/items/{name}` -> [("org_id", "uuid"), ("name", None)]."""
    out: list[tuple[str, str | None]] = []
    for part in path.split("{")[1:]:
        name, _, convertor = part.split("}", 1)[0].partition(":")
        if name:
            out.append((name, convertor or None))
    return out


class StarletteAdapter(FrameworkAdapter):
    name = "starlette"
    markers = ("starlette",)
    aliases: ClassVar[dict[str, str]] = {
        "starlette.applications.Starlette": "starlette.applications.Starlette",
        "starlette.Starlette": "starlette.applications.Starlette",
        "starlette.exceptions.HTTPException": "starlette.exceptions.HTTPException",
        "starlette.middleware.Middleware": "starlette.middleware.Middleware",
        "starlette.requests.Request": "starlette.requests.Request",
        "fastapi.middleware.base.BaseHTTPMiddleware": BASE_HTTP_MIDDLEWARE,
        "starlette.routing.Router": "starlette.routing.Router",
    }
    vocabulary = AuthVocabulary(
        decorators=frozenset({REQUIRES}),
        library_prefixes=("starlette.",),
    )
    schema_generators = ("starlette.schemas.SchemaGenerator",)
    app_classes: ClassVar[frozenset[str]] = frozenset({"starlette.applications.Starlette"})
    router_classes: ClassVar[frozenset[str]] = frozenset({"starlette.routing.Router"})
    request_types: ClassVar[frozenset[str]] = frozenset({"starlette.requests.Request", "starlette.websockets.WebSocket", "starlette.requests.HTTPConnection"})

    # --- collection ------------------------------------------------------------

    def collect(self, out: Collected) -> None:
        self.out = out
        calls = self.declare_objects(out)
        for scope, site in calls:
            self._call(scope, site)
        for module in self.index.modules.values():
            for fn in module.functions.values():
                self._decorators(module, fn)

    def declare_object(self, scope: Scope, assignment: Assignment, call: CallExpr) -> None:
        kind = self.ev.callee(scope, call)
        if kind in self.index.classes:  # a project subclass of the framework's app or router class
            kind = next((c for c in (*self.app_classes, *self.router_classes) if self.subclass_of(kind, frozenset({c}))), kind)
        if kind not in self.app_classes and kind not in self.router_classes:
            return
        ident = self.object_id(scope, assignment)
        if ident is None:
            return
        location = self.at(scope, call.span)
        if kind in self.app_classes:
            self.out.apps[ident] = self.make_app(scope, ident, kind, call, location)
            self.out.app_dependencies[ident] = self.declared_dependencies(scope, call, "app")
            self.out.owners[ident] = self
            for kind_, fn in self.hook_functions(scope, call):
                self.out.hooks.append(Hook(ident, kind_, fn, location))
            for item in getattr(call.kwarg("middleware"), "items", ()):
                if isinstance(item, CallExpr) and (self.ev.callee(scope, item) or "").endswith("Middleware") and item.args:
                    cls = self.ev.resolve_expr(scope, item.args[0]) or "?"
                    self.add_middleware(scope, ident, cls, item, self.at(scope, item.span))
            self._exception_handler_map(scope, ident, call.kwarg("exception_handlers"), location)
        else:
            router = RouterDecl(ident, location, self.text(scope, call.kwarg("prefix")), self.declared_dependencies(scope, call, "router"))
            self.out.routers[ident] = router
            self.out.owners[ident] = self
            for hook_kind, hook_fn in self.hook_functions(scope, call):
                router.hooks.append((hook_kind, hook_fn, location))
        self.route_list(scope, ident, call.kwarg("routes"))

    def make_app(self, scope: Scope, ident: str, kind: str, call: CallExpr, location: Location) -> App:
        debug = self.ev.evaluate(scope, call.kwarg("debug")) if call.kwarg("debug") is not None else None
        limit = call.kwarg("max_body_size")  # Starlette 1.6+: RequestBodyLimitMiddleware, 413 above it
        body_limit = (
            Evidence("Starlette(max_body_size=...)", location) if limit is not None and not (isinstance(limit, Const) and limit.value is None) else None
        )
        return App(ident, "starlette", location, scope.module.module, debug=debug, body_limit=body_limit)

    def declared_dependencies(self, scope: Scope, call: CallExpr, level: str) -> list[DependencyUse]:
        return []

    def hook_functions(self, scope: Scope, call: CallExpr):
        lifespan = call.kwarg("lifespan")
        if lifespan is not None and not (isinstance(lifespan, Const) and lifespan.value is None):
            yield "lifespan", self.ev.resolve_expr(scope, lifespan)
        for key, kind in (("on_startup", "startup"), ("on_shutdown", "shutdown")):
            for item in getattr(call.kwarg(key), "items", ()):
                yield kind, self.ev.resolve_expr(scope, item)

    def _exception_handler_map(self, scope: Scope, app: str, expr: Expr | None, location: Location) -> None:
        keys = getattr(expr, "keys", ())
        values = getattr(expr, "values", ())
        for key, value in zip(keys, values, strict=False):
            if key is None:
                continue
            exc = self.ev.resolve_expr(scope, key) or str(status_code(key) or "?")
            self.add_exception_handler(app, exc, self.ev.resolve_expr(scope, value), location)

    # --- route lists (Route, Mount, WebSocketRoute, Host) ------------------------------

    def route_list(self, scope: Scope, owner: str, expr: Expr | None, depth: int = 0) -> None:
        """The entries of a `routes=[...]` list: literal, or a list variable (also from another module)."""
        if expr is None or depth > 6:
            return
        if isinstance(expr, Seq):
            for item in expr.items:
                if isinstance(item, CallExpr):
                    self._route_entry(scope, owner, item, depth)
            return
        name = dotted(expr)
        if name is None:
            return
        qual = self.ev.resolve(scope, name)
        for located in self.index.globals.get(qual, ()):
            value = located.definition.value
            self.route_list(Scope(located.module), owner, value, depth + 1)
        for call_scope, call in self._list_growth(qual):  # routes.append(Route(...)), routes.extend([...]), routes += [...]
            added = call.args[-1] if call.args else None
            self.route_list(call_scope, owner, Seq("list", (added,)) if call.func.attr != "extend" and added is not None else added, depth + 1)

    def _list_growth(self, qual: str):
        for module in self.index.modules.values():
            for fn in (None, *module.functions.values()):
                scope = Scope(module, fn)
                for site in fn.calls if fn else module.calls:
                    func = site.call.func
                    if isinstance(func, Attr) and func.attr in ("append", "extend", "insert") and self.ev.resolve_expr(scope, func.value) == qual:
                        yield scope, site.call

    def _route_entry(self, scope: Scope, owner: str, call: CallExpr, depth: int) -> None:
        kind = ROUTE_CLASSES.get(self.ev.callee(scope, call) or "")
        location = self.at(scope, call.span)
        path_expr = call.arg(0, "path")
        path = self.text(scope, path_expr)
        if kind in ("route", "websocket"):
            endpoint = call.arg(1, "endpoint")
            target = self.ev.resolve_expr(scope, endpoint)
            if self.unresolvable(target) or not target:
                why = "its endpoint could not be resolved to a function or endpoint class"
                self.out.unresolved.append(Unresolved(f"Route({path!r})", why, location))
                return
            if target not in self.index.functions and target not in self.index.classes:
                return  # a library's endpoint: nothing of it to judge
            if kind == "websocket":
                methods: tuple[str, ...] = ("WEBSOCKET",)
                self.add_route(owner, methods, path, target, location)
            elif target in self.index.classes:
                self.endpoint_class(owner, path, target, location)
            else:
                if call.kwarg("middleware") is not None:  # Route(..., middleware=[...]) wraps this route alone
                    owner = self._scoped_router(scope, owner, call, location, "", f"{owner}/route:{location}")
                methods = self.methods(call.kwarg("methods")) or ("GET",)
                self.add_route(owner, methods, path, target, location)
        elif kind == "mount":
            child_app = call.arg(1, "app")
            child = self.ev.resolve_expr(scope, child_app)
            if child in self.out.apps:
                self.out.mounts.append(Include(owner, child, path, [], location))
            elif child in self.out.routers:
                self.out.includes.append(Include(owner, child, path, [], location))
            elif call.kwarg("routes") is not None:  # Mount("/api", routes=[...]): an anonymous router
                ident = self._scoped_router(scope, owner, call, location, path, f"{owner}/mount:{location}")
                self.route_list(scope, ident, call.kwarg("routes"), depth + 1)
        elif kind == "host":
            child = self.ev.resolve_expr(scope, call.arg(1, "app"))
            if child in self.out.apps:
                self.out.mounts.append(Include(owner, child, "", [], location))
            elif child in self.out.routers:
                self.out.includes.append(Include(owner, child, "", [], location))

    def _scoped_router(self, scope: Scope, owner: str, call: CallExpr, location: Location, prefix: str, ident: str) -> str:
        """An anonymous router for a `Mount(routes=...)` or a `Route(middleware=...)`, with the middleware it declares."""
        self.out.routers[ident] = RouterDecl(ident, location)
        self.out.owners[ident] = self
        self.out.includes.append(Include(owner, ident, prefix, [], location))
        for item in getattr(call.kwarg("middleware"), "items", ()):
            if isinstance(item, CallExpr) and item.args:
                self.add_middleware(scope, ident, self.ev.resolve_expr(scope, item.args[0]) or "?", item, self.at(scope, item.span))
        return ident

    def endpoint_class(self, owner: str, path: str, cls: str, location: Location) -> None:
        """An `HTTPEndpoint` subclass: one route per method it defines."""
        for method in ENDPOINT_METHODS:
            qual = f"{cls}.{method}"
            if qual in self.index.functions:
                self.add_route(owner, (method.upper(),), path, qual, location)

    def add_route(self, owner: str, methods: tuple[str, ...], path: str, handler: str, location: Location, deps: list[DependencyUse] | None = None) -> None:
        self.out.routes.append(RouteDecl(owner, methods, path, handler, location, deps or []))

    # --- calls on apps and routers ----------------------------------------------------

    def _call(self, scope: Scope, site: CallSite) -> None:
        call = site.call
        func = call.func
        if not isinstance(func, Attr):
            return
        method = func.attr
        owner = self.owner_of(self.out, scope, func.value)
        if owner is None:
            return
        self.owner_call(scope, site, owner, method, self.at(scope, call.span))

    def owner_call(self, scope: Scope, site: CallSite, owner: str, method: str, location: Location) -> None:
        call = site.call
        if method == "mount":
            child = self.ev.resolve_expr(scope, call.arg(1, "app"))
            if child in self.out.apps and owner in self.out.apps:
                self.out.mounts.append(Include(owner, child, self.text(scope, call.arg(0, "path")), [], location))
            elif child in self.out.routers:
                self.out.includes.append(Include(owner, child, self.text(scope, call.arg(0, "path")), [], location, development_guard(site.guards)))
        elif method == "add_middleware" and call.args and owner in self.out.apps:
            cls = self.ev.resolve_expr(scope, call.args[0]) or "?"
            self.add_middleware(scope, owner, cls, call, location)
        elif method == "add_exception_handler" and len(call.args) >= 2 and owner in self.out.apps:
            exc = self.ev.resolve_expr(scope, call.args[0]) or str(status_code(call.args[0]) or "?")
            self.add_exception_handler(owner, exc, self.ev.resolve_expr(scope, call.args[1]), location)
        elif method == "add_event_handler" and len(call.args) >= 2:
            kind = call.args[0].value if isinstance(call.args[0], Const) else None
            if kind in ("startup", "shutdown"):
                self.hook(owner, kind, self.ev.resolve_expr(scope, call.args[1]), location)
        elif method in ("add_route", "add_websocket_route"):
            path = call.arg(0, "path")
            handler = self.ev.resolve_expr(scope, call.arg(1, "route"))
            if isinstance(path, Const) and isinstance(path.value, str) and handler:
                if method == "add_websocket_route":
                    self.add_route(owner, ("WEBSOCKET",), path.value, handler, location)
                elif handler in self.index.classes:
                    self.endpoint_class(owner, path.value, handler, location)
                else:
                    self.add_route(owner, self.methods(call.kwarg("methods")) or ("GET",), path.value, handler, location)

    def hook(self, owner: str, kind: str, fn: str | None, location: Location) -> None:
        if owner in self.out.apps:
            self.out.hooks.append(Hook(owner, kind, fn, location))
        elif owner in self.out.routers:
            self.out.routers[owner].hooks.append((kind, fn, location))

    def add_middleware(self, scope: Scope, app: str, cls: str, call: CallExpr, location: Location) -> None:
        evidence, gate = self.middleware_auth(scope, cls, call)
        http_only = self.subclass_of(cls, frozenset({BASE_HTTP_MIDDLEWARE}))
        self.out.middleware.append(Middleware(app, cls, location, "class", evidence, gate, http_only))
        if cls == CORS_MIDDLEWARE:
            self.out.cors.append(self.cors(scope, app, call, location))

    def add_exception_handler(self, app: str, exc: str, fn: str | None, location: Location) -> None:
        info = self.index.function(fn) if fn else None
        param = info.params[1].name if info is not None and len(info.params) >= 2 else None
        self.out.exception_handlers.append(ExceptionHandler(app, exc, fn, location, param))

    def middleware_auth(self, scope: Scope, cls: str, call: CallExpr) -> tuple[Evidence | None, str | None]:
        """Whether the middleware rejects unauthenticated requests, and the function that may exempt some."""
        if cls == AUTHENTICATION_MIDDLEWARE:
            return self._backend_rejects(scope, call.kwarg("backend") or (call.args[1] if len(call.args) > 1 else None))
        gate = next((f"{cls}.{m}" for m in ("dispatch", "__call__") if f"{cls}.{m}" in self.index.functions), None)
        return self.auth.middleware_class(cls), gate

    def _backend_rejects(self, scope: Scope, backend: Expr | None) -> tuple[Evidence | None, str | None]:
        """AuthenticationMiddleware only rejects when its backend raises for a request without credentials;
        a backend that returns None lets anonymous requests through (only `@requires` rejects them then)."""
        cls = self.ev.instance_class(scope, backend)
        fn = self.index.function(f"{cls}.authenticate") if cls else None
        if fn is None:
            return None, None
        anonymous = [r for r in fn.return_sites if r.value is None or (isinstance(r.value, Const) and r.value.value is None)]
        raises = [r for r in fn.raises if (dotted(r.exc) or dotted(getattr(r.exc, "func", None)) or "").endswith("AuthenticationError")]
        if not raises or any(not any(_PATH_TEST.search(n) for g in r.guards for n in names_in(g.test)) for r in anonymous):
            return None, None
        located = self.index.functions[fn.qualname]
        evidence = Evidence(f"{cls.rsplit('.', 1)[-1]}.authenticate rejects requests without credentials", Location(located.module.path, raises[0].span))  # type: ignore[union-attr]
        return evidence, fn.qualname

    def cors(self, scope: Scope, app: str, call: CallExpr, location: Location):
        """Starlette's `CORSMiddleware` options, with its defaults: no origin, no credentials."""
        origins = (
            self.ev.evaluate(scope, call.kwarg("allow_origins"))
            if call.kwarg("allow_origins") is not None
            else Value(True, [], text="[] (Starlette's default)")
        )
        regex = self.ev.evaluate(scope, call.kwarg("allow_origin_regex")) if call.kwarg("allow_origin_regex") is not None else UNKNOWN
        credentials = (
            self.ev.evaluate(scope, call.kwarg("allow_credentials"))
            if call.kwarg("allow_credentials") is not None
            else Value(True, False, text="False (Starlette's default)")
        )
        return cors_policy(app, location, origins, regex, credentials)

    def _decorators(self, module: ModuleFacts, fn: FunctionFacts) -> None:
        scope = self.ev.enclosing(fn, module)
        for decorator in fn.decorators:
            if not isinstance(decorator, CallExpr) or not isinstance(decorator.func, Attr):
                continue
            method = decorator.func.attr
            owner = self.owner_of(self.out, scope, decorator.func.value)
            if owner is None:
                self.unresolved_decorator(self.out, scope, decorator, ROUTE_VERBS)
                continue
            self.owner_decorator(scope, fn, decorator, owner, method, self.at(scope, decorator.span))

    def owner_decorator(self, scope: Scope, fn: FunctionFacts, decorator: CallExpr, owner: str, method: str, location: Location) -> None:
        if method in ("route", "websocket_route"):
            path = decorator.arg(0, "path")
            if isinstance(path, Const) and isinstance(path.value, str):
                methods = ("WEBSOCKET",) if method == "websocket_route" else (self.methods(decorator.kwarg("methods")) or ("GET",))
                self.add_route(owner, methods, path.value, fn.qualname, location)
            else:
                self.out.unresolved.append(Unresolved(f"@{dotted(decorator.func)}(...)", "its path is computed at run time", location))
        elif method in ROUTE_VERBS:  # Starlette's Router has no `.get(...)`: a project subclass registers these its own way
            what = f"@{dotted(decorator.func)}(...)"
            self.out.unresolved.append(Unresolved(what, f"`.{method}(...)` is the project's own router method; the auditor does not follow it", location))
        elif method == "middleware" and owner in self.out.apps:
            evidence = self.auth.function(fn)
            self.out.middleware.append(Middleware(owner, fn.qualname, location, "function", evidence, fn.qualname, http_only=True))
        elif method == "exception_handler" and owner in self.out.apps and decorator.args:
            exc = self.ev.resolve_expr(scope, decorator.args[0]) or str(status_code(decorator.args[0]) or "?")
            self.add_exception_handler(owner, exc, fn.qualname, location)
        elif method == "on_event":
            kind = decorator.arg(0)
            if isinstance(kind, Const) and kind.value in ("startup", "shutdown"):
                self.hook(owner, kind.value, fn.qualname, location)

    @staticmethod
    def methods(expr: Expr | None) -> tuple[str, ...]:
        if isinstance(expr, Seq):
            return tuple(str(i.value).upper() for i in expr.items if isinstance(i, Const))
        return ()

    # --- what the endpoint receives -------------------------------------------------------

    def is_request_type(self, type_name: str | None) -> bool:
        return type_name in self.request_types or (type_name or "").endswith((".Request", ".WebSocket", ".BackgroundTasks"))

    def params(self, handler: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        """A Starlette endpoint takes the request; values come from its path and from reading it."""
        params: list[RouteParam] = []
        positional = [p for p in handler.params if p.name not in ("self", "cls") and p.kind == "positional"]
        if positional:
            first = positional[0]
            params.append(RouteParam(first.name, "request", None, Location(module.path, first.span)))
        at = Location(module.path, handler.header)
        params += [RouteParam(name, "path", convertor, at) for name, convertor in path_params(path)]
        params += self.read_params(handler, module, {p.name for p in params if p.source == "request"}, REQUEST_SHAPE)
        return params, []

    def raw_reads(self, handler: FunctionFacts, module: ModuleFacts, params: list[RouteParam]) -> tuple[RawRead, ...]:
        return self.unvalidated_reads(handler, module, params, REQUEST_SHAPE)
