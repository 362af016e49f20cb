"""The Litestar adapter: apps, routers, controllers, handlers, guards, auth middleware, configs.

Litestar handlers are module-level objects (`@get("/x")`) listed in the
`route_handlers` of an app, a `Router` or (as methods) a `Controller`; paths,
guards and opts add up through those layers. Authentication comes from guards
that reject (`NotAuthorizedException`), from an `AbstractAuthenticationMiddleware`
whose `authenticate_request` rejects, or from a security backend (`JWTAuth`...)
installed with `on_app_init`; both kinds of middleware skip the paths their
`exclude` patterns match and the handlers whose opts carry the exclusion key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ...parsing.facts import Assignment, Attr, CallExpr, ClassFacts, Const, DictExpr, Expr, FunctionFacts, ModuleFacts, Param, Seq, Subscript, dotted
from ..cors import cors_policy
from ..evaluate import Scope, annotation_text, status_code
from ..types import App, DependencyUse, Evidence, ExceptionHandler, Hook, Location, Middleware, RawRead, RouteParam, Value
from .base import AuthVocabulary, Collected, FrameworkAdapter, Include, RouteDecl, RouterDecl
from .requests import RequestShape, request_reads
from .starlette import path_params

HANDLER_DECORATORS = {f"litestar.{v}": v.upper() for v in ("get", "post", "put", "patch", "delete", "head")} | {
    "litestar.route": "ROUTE",
    "litestar.websocket": "WEBSOCKET",
}
APP = "litestar.Litestar"
ROUTER = "litestar.Router"
CONTROLLER = "litestar.Controller"
AUTH_MIDDLEWARE = "litestar.middleware.AbstractAuthenticationMiddleware"
DEFINE_MIDDLEWARE = "litestar.middleware.DefineMiddleware"
SECURITY_BACKENDS = frozenset(
    f"litestar.security.{m}" for m in ("jwt.JWTAuth", "jwt.JWTCookieAuth", "jwt.OAuth2PasswordBearerAuth", "session_auth.SessionAuth")
)
CORS_CONFIG = "litestar.config.cors.CORSConfig"
RATE_LIMIT_CONFIG = "litestar.middleware.rate_limit.RateLimitConfig"
REQUEST_SHAPE = RequestShape(
    body_calls=frozenset({"json", "form", "msgpack"}),
    body_attrs=frozenset(),
    containers={"query_params": "query", "path_params": "path", "headers": "header", "cookies": "cookie"},
    raw_containers=frozenset({"query_params", "path_params"}),
)
RESERVED = frozenset({"request", "socket", "state", "scope", "headers", "cookies", "query", "body"})


@dataclass
class Handler:
    qual: str
    methods: tuple[str, ...]
    paths: tuple[str, ...]
    guards: list[DependencyUse]
    opts: frozenset[str]
    location: Location


@dataclass
class Layer:
    """An app, router or controller: its path, guards and what it serves."""

    ident: str
    path: str = ""
    guards: list[DependencyUse] = field(default_factory=list)


class LitestarAdapter(FrameworkAdapter):
    name = "litestar"
    markers = ("litestar",)
    aliases: ClassVar[dict[str, str]] = {
        **{f"litestar.handlers.{v}": f"litestar.{v}" for v in ("get", "post", "put", "patch", "delete", "head", "route", "websocket")},
        **{f"litestar.handlers.http_handlers.decorators.{v}": f"litestar.{v}" for v in ("get", "post", "put", "patch", "delete", "head")},
        "litestar.app.Litestar": APP,
        "litestar.router.Router": ROUTER,
        "litestar.controller.Controller": CONTROLLER,
        "litestar.middleware.authentication.AbstractAuthenticationMiddleware": AUTH_MIDDLEWARE,
        "litestar.middleware.base.DefineMiddleware": DEFINE_MIDDLEWARE,
        "litestar.security.jwt.auth.JWTAuth": "litestar.security.jwt.JWTAuth",
        "litestar.security.jwt.auth.JWTCookieAuth": "litestar.security.jwt.JWTCookieAuth",
        "litestar.security.jwt.auth.OAuth2PasswordBearerAuth": "litestar.security.jwt.OAuth2PasswordBearerAuth",
        "litestar.security.session_auth.auth.SessionAuth": "litestar.security.session_auth.SessionAuth",
        "litestar.config.cors.CORSConfig": CORS_CONFIG,
        "litestar.middleware.rate_limit.RateLimitConfig": RATE_LIMIT_CONFIG,
    }
    vocabulary = AuthVocabulary(library_prefixes=("litestar.",))
    capability_libraries: ClassVar[dict[str, tuple[str, ...]]] = {
        "metrics": ("litestar.contrib.prometheus", "litestar.plugins.prometheus"),
        "correlation-id": ("litestar_asyncpg",),
    }

    def collect(self, out: Collected) -> None:
        self.out = out
        self.handlers = self._handlers()
        scopes = list(self.scopes())
        for scope, assignments in scopes:  # routers before apps: an app lists them
            for assignment in assignments:
                if isinstance(assignment.value, CallExpr) and self.ev.callee(scope, assignment.value) == ROUTER:
                    self._router(scope, assignment, assignment.value)
        for scope, assignments in scopes:
            for assignment in assignments:
                if isinstance(assignment.value, CallExpr) and self.ev.callee(scope, assignment.value) == APP:
                    self._app(scope, assignment, assignment.value)
        for scope, _ in scopes:  # `return Litestar(...)` in a factory, never assigned
            for site in scope.function.calls if scope.function else []:
                if self.ev.callee(scope, site.call) == APP and not any(a.value is site.call for a in scope.function.assignments):  # type: ignore[union-attr]
                    synthetic = Assignment("app", site.call, None, site.call.span, True)
                    if self.object_id(scope, synthetic) not in out.apps:
                        self._app(scope, synthetic, site.call)

    # --- handlers ---------------------------------------------------------------------

    def _handlers(self) -> dict[str, Handler]:
        found: dict[str, Handler] = {}
        for module in self.index.modules.values():
            for fn in module.functions.values():
                scope = self.ev.enclosing(fn, module)
                for decorator in fn.decorators:
                    if not isinstance(decorator, CallExpr):
                        continue
                    verb = HANDLER_DECORATORS.get(self.ev.callee(scope, decorator) or "")
                    if verb is None:
                        continue
                    location = self.at(scope, decorator.span)
                    if verb == "ROUTE":
                        methods = self._methods(scope, decorator.kwarg("http_method"))
                    else:
                        methods = (verb,)
                    paths = self._paths(scope, decorator.arg(0, "path"))
                    guards = self._guards(scope, decorator.kwarg("guards"), "route", location)
                    opts = self._opts(decorator)
                    found[fn.qualname] = Handler(fn.qualname, methods, paths, guards, opts, location)
        return found

    def _paths(self, scope: Scope, expr: Expr | None) -> tuple[str, ...]:
        if expr is None:
            return ("/",)
        if isinstance(expr, Seq):
            return tuple(self.text(scope, i) or "/" for i in expr.items)
        return (self.text(scope, expr) or "/",)

    def _methods(self, scope: Scope, expr: Expr | None) -> tuple[str, ...]:
        items = expr.items if isinstance(expr, Seq) else ((expr,) if expr is not None else ())
        out = []
        for item in items:
            text = self.text(scope, item) or (dotted(item) or "").rsplit(".", 1)[-1]
            if text:
                out.append(text.upper())
        return tuple(out) or ("GET",)

    @staticmethod
    def _opts(call: CallExpr) -> frozenset[str]:
        """Truthy opt keys: `exclude_from_auth=True`, `opt={"public": True}`, any other keyword flag."""
        keys = {key for key, value in call.kwargs if isinstance(value, Const) and value.value is True}
        opt = call.kwarg("opt")
        if isinstance(opt, DictExpr):
            keys |= {k.value for k, v in zip(opt.keys, opt.values, strict=False) if isinstance(k, Const) and isinstance(v, Const) and v.value}  # type: ignore[misc]
        return frozenset(str(k) for k in keys)

    def _guards(self, scope: Scope, expr: Expr | None, level: str, location: Location) -> list[DependencyUse]:
        out: list[DependencyUse] = []
        for item in getattr(expr, "items", ()):
            target = self.ev.resolve_expr(scope, item.func if isinstance(item, CallExpr) else item)
            if target:
                out.append(DependencyUse(target, level, location, hook=True))
        return out

    # --- layers ------------------------------------------------------------------------

    def _router(self, scope: Scope, assignment: Assignment, call: CallExpr) -> None:
        ident = self.object_id(scope, assignment)
        if ident is None:
            return
        location = self.at(scope, call.span)
        self.out.routers[ident] = RouterDecl(
            ident, location, self.text(scope, call.arg(0, "path")), self._guards(scope, call.kwarg("guards"), "router", location)
        )
        self.out.owners[ident] = self
        self._serve(scope, ident, call.kwarg("route_handlers") or call.arg(1))

    def _app(self, scope: Scope, assignment: Assignment, call: CallExpr) -> None:
        ident = self.object_id(scope, assignment)
        if ident is None:
            return
        location = self.at(scope, call.span)
        self.out.apps[ident] = self._settings(scope, ident, call, location)
        self.out.app_dependencies[ident] = self._guards(scope, call.kwarg("guards"), "app", location)
        self.out.owners[ident] = self
        self._serve(scope, ident, call.kwarg("route_handlers") or call.arg(0))
        for item in getattr(call.kwarg("middleware"), "items", ()):
            self._middleware(scope, ident, item)
        for item in getattr(call.kwarg("on_app_init"), "items", ()):
            backend = item.value if isinstance(item, Attr) and item.attr == "on_app_init" else None
            if backend is not None:
                self._backend(scope, ident, backend, self.at(scope, call.span))
        for key, kind in (("lifespan", "lifespan"), ("on_shutdown", "shutdown"), ("on_startup", "startup")):
            for item in getattr(call.kwarg(key), "items", ()):
                self.out.hooks.append(Hook(ident, kind, self.ev.resolve_expr(scope, item), location))
        handlers = call.kwarg("exception_handlers")
        if isinstance(handlers, DictExpr):
            for caught, value in zip(handlers.keys, handlers.values, strict=False):
                fn = self.ev.resolve_expr(scope, value)
                info = self.index.function(fn)
                param = info.params[1].name if info is not None and len(info.params) >= 2 else None
                exc = self.ev.resolve_expr(scope, caught) or str(status_code(caught) or "?")
                self.out.exception_handlers.append(ExceptionHandler(ident, exc, fn, location, param))
        cors = call.kwarg("cors_config")
        if cors is not None:
            self._cors(scope, ident, cors, location)

    def _serve(self, scope: Scope, owner: str, expr: Expr | None, depth: int = 0) -> None:
        """The entries of `route_handlers`: handlers, controllers and routers (a list, or a list variable)."""
        if expr is None or depth > 5:
            return
        if not isinstance(expr, Seq):
            located = self.index.globals.get(self.ev.resolve_expr(scope, expr) or "")
            if located and located[-1].definition.value is not None:
                self._serve(Scope(located[-1].module), owner, located[-1].definition.value, depth + 1)
            return
        for item in expr.items:
            target = self.ev.resolve_expr(scope, item)
            if target in self.handlers:
                self._route(owner, self.handlers[target])
            elif target in self.out.routers:
                self.out.includes.append(Include(owner, target, "", [], self.at(scope, getattr(item, "span", None) or self.out.routers[target].location.span)))
            elif target in self.index.classes and self.subclass_of(target, frozenset({CONTROLLER})):
                self._controller(owner, target)

    def _controller(self, owner: str, cls: str) -> None:
        located = self.index.classes[cls]
        definition: ClassFacts = located.definition
        scope = Scope(located.module)
        location = Location(located.module.path, definition.header)
        fields = {f.target: f for f in definition.fields}
        path = self.text(scope, fields["path"].value) if "path" in fields else ""
        guards = self._guards(scope, fields["guards"].value, "router", location) if "guards" in fields else []
        ident = f"{cls}@{owner}"
        self.out.routers[ident] = RouterDecl(ident, location, path, guards)
        self.out.owners[ident] = self
        self.out.includes.append(Include(owner, ident, "", [], location))
        for method in definition.methods:
            if method in self.handlers:
                self._route(ident, self.handlers[method])

    def _route(self, owner: str, handler: Handler) -> None:
        for path in handler.paths:
            self.out.routes.append(RouteDecl(owner, handler.methods, path, handler.qual, handler.location, list(handler.guards), opts=handler.opts))

    # --- middleware and security backends ----------------------------------------------

    def _middleware(self, scope: Scope, app: str, item: Expr) -> None:
        location = self.at(scope, getattr(item, "span", None) or self.out.apps[app].location.span)
        if isinstance(item, Attr) and item.attr == "middleware":  # RateLimitConfig(...).middleware
            config = item.value
            if isinstance(config, CallExpr) and self.ev.callee(scope, config) == RATE_LIMIT_CONFIG:
                self.out.apps[app] = _with(self.out.apps[app], rate_limit=Evidence("Litestar RateLimitConfig middleware", location))
            return
        call = item if isinstance(item, CallExpr) and self.ev.callee(scope, item) == DEFINE_MIDDLEWARE else None
        cls = self.ev.resolve_expr(scope, call.args[0] if call is not None and call.args else item)
        if not cls:
            return
        exclude = self._patterns(scope, call.kwarg("exclude") if call is not None else None)
        opt_key = self.text(scope, call.kwarg("exclude_from_auth_key")) if call is not None else ""
        evidence = None
        gate = None
        if self.subclass_of(cls, frozenset({AUTH_MIDDLEWARE})):
            fn = self.index.function(f"{cls}.authenticate_request")
            evidence = self.auth.hook(fn) if fn is not None else None
            gate = fn.qualname if fn is not None else None
        else:
            evidence = self.auth.middleware_class(cls)
        self.out.middleware.append(Middleware(app, cls, location, "class", evidence, gate, exclude=exclude, exclude_opt_key=opt_key or "exclude_from_auth"))

    def _backend(self, scope: Scope, app: str, expr: Expr, location: Location) -> None:
        """`on_app_init=[jwt_auth.on_app_init]`: the backend's middleware authenticates every other route."""
        call = self._construction(scope, expr)
        kind = self.ev.callee(scope, call) if call is not None else None
        if call is None or kind not in SECURITY_BACKENDS:
            return
        short = (kind or "").rsplit(".", 1)[-1]
        evidence = Evidence(f"{short} authentication backend (installed with on_app_init)", self.at(scope, call.span))
        exclude = self._patterns(scope, call.kwarg("exclude"))
        opt_key = self.text(scope, call.kwarg("exclude_opt_key")) or "exclude_from_auth"
        self.out.middleware.append(Middleware(app, kind or "?", self.at(scope, call.span), "class", evidence, None, exclude=exclude, exclude_opt_key=opt_key))

    def _construction(self, scope: Scope, expr: Expr) -> CallExpr | None:
        if isinstance(expr, CallExpr):
            return expr
        located = self.index.globals.get(self.ev.resolve_expr(scope, expr) or "")
        value = located[-1].definition.value if located else None
        return value if isinstance(value, CallExpr) else None

    def _patterns(self, scope: Scope, expr: Expr | None) -> tuple[str, ...]:
        if expr is None:
            return ()
        value = self.ev.evaluate(scope, expr)
        if value.known:
            items = value.value if isinstance(value.value, list) else [value.value]
            return tuple(str(i) for i in items if isinstance(i, str))
        return ()

    # --- app settings -------------------------------------------------------------------

    def _settings(self, scope: Scope, ident: str, call: CallExpr, location: Location) -> App:
        debug = self.ev.evaluate(scope, call.kwarg("debug")) if call.kwarg("debug") is not None else None
        limit = call.kwarg("request_max_body_size")
        if limit is None:
            body_limit: Evidence | None = Evidence("Litestar's default request_max_body_size (10 MB)", location)
        elif isinstance(limit, Const) and limit.value is None:
            body_limit = None
        else:
            body_limit = Evidence("request_max_body_size set", location)
        openapi = call.kwarg("openapi_config")
        docs_off = isinstance(openapi, Const) and openapi.value is None
        docs = None if docs_off else Evidence("OpenAPI served by Litestar (openapi_config, /schema by default)", location)
        return App(ident, "litestar", location, scope.module.module, debug=debug, api_docs=docs, docs_disabled=docs_off, body_limit=body_limit)

    def _cors(self, scope: Scope, app: str, expr: Expr, location: Location) -> None:
        """`CORSConfig`: its `allow_origins` defaults to `["*"]`, `allow_credentials` to False."""
        call = self._construction(scope, expr)
        if call is None or self.ev.callee(scope, call) != CORS_CONFIG:
            return
        origins = (
            self.ev.evaluate(scope, call.kwarg("allow_origins"))
            if call.kwarg("allow_origins") is not None
            else Value(True, ["*"], text="['*'] (CORSConfig's default)")
        )
        regex = self.ev.evaluate(scope, call.kwarg("allow_origin_regex")) if call.kwarg("allow_origin_regex") is not None else Value(False)
        credentials = (
            self.ev.evaluate(scope, call.kwarg("allow_credentials"))
            if call.kwarg("allow_credentials") is not None
            else Value(True, False, text="False (CORSConfig's default)")
        )
        self.out.cors.append(cors_policy(app, self.at(scope, call.span), origins, regex, credentials))

    # --- what the handler receives -------------------------------------------------------

    def params(self, handler: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        scope = self.ev.enclosing(handler, module)
        path_names = {name for name, _ in path_params(path)}
        params: list[RouteParam] = []
        for p in handler.params:
            if p.name in ("self", "cls") or p.kind in ("var_positional", "var_keyword"):
                continue
            params.append(self._param(scope, p, path_names, module))
        requests = {p.name for p in params if p.source == "request"}
        if requests:
            reads = request_reads(handler, lambda name: name in requests, REQUEST_SHAPE)
            params += [RouteParam(r.key, r.source, None, Location(module.path, r.span), bounded=r.bounded) for r in reads if r.key and r.source != "path"]
        return params, []

    def _param(self, scope: Scope, p: Param, path_names: set[str], module: ModuleFacts) -> RouteParam:
        location = Location(module.path, p.span)
        annotation = annotation_text(p.annotation)
        type_expr = p.annotation.value if isinstance(p.annotation, Subscript) else p.annotation
        type_name = self.ev.resolve_expr(scope, type_expr) or ""
        if p.name == "request" or (type_name.startswith("litestar.") and type_name.endswith(("Request", "WebSocket"))):
            return RouteParam(p.name, "request", annotation, location)
        if p.name in path_names:
            return RouteParam(p.name, "path", annotation, location)
        if p.name == "data":  # the request body, validated into its annotated type
            model = type_name if type_name in self.index.classes else ""
            return RouteParam(p.name, "body", annotation, location, tuple(self.model_fields(model)) if model else ())
        if p.name in RESERVED:
            return RouteParam(p.name, "request", annotation, location)
        bounded = isinstance(p.default, CallExpr) and any(p.default.kwarg(b) is not None for b in ("le", "lt"))
        return RouteParam(p.name, "query", annotation, location, bounded=bounded)

    def raw_reads(self, handler: FunctionFacts, module: ModuleFacts, params: list[RouteParam]) -> tuple[RawRead, ...]:
        requests = {p.name for p in params if p.source == "request" and p.name == "request"}
        if not requests:
            return ()
        reads = request_reads(handler, lambda name: name in requests, REQUEST_SHAPE)
        return tuple(RawRead(r.text, Location(module.path, r.span)) for r in reads if r.raw and not r.validated)


def _with(app: App, **changes: object) -> App:
    from dataclasses import replace

    return replace(app, **changes)  # type: ignore[arg-type]
