"""The aiohttp adapter: applications, sub-apps, route tables, views, middlewares, signals.

aiohttp puts security in middlewares (`@web.middleware async def m(request,
handler)`) that raise `web.HTTPUnauthorized` or let exempt paths through, and
lifecycle in application signals (`on_cleanup`, `cleanup_ctx`). Routes come
from `app.router.add_*`, `web.RouteTableDef` decorators and `web.get(...)`
lists passed to `app.add_routes`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import ClassVar

from ...parsing.facts import Assignment, Attr, CallExpr, CallSite, Const, DictExpr, Expr, FunctionFacts, ModuleFacts, Name, Other, Seq
from ..cors import cors_policy
from ..evaluate import Scope
from ..types import UNKNOWN, App, DependencyUse, Evidence, Hook, Location, Middleware, RawRead, RouteParam, Value
from .base import AuthVocabulary, Collected, FrameworkAdapter, Include, RouteDecl, RouterDecl
from .requests import RequestRead, RequestShape, request_reads

APPLICATION = "aiohttp.web.Application"
ROUTE_TABLE = "aiohttp.web.RouteTableDef"
VIEW = "aiohttp.web.View"
CORS_SETUP = "aiohttp_cors.setup"
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
ROUTE_DEFS = {f"aiohttp.web.{v}": v.upper() for v in HTTP_VERBS} | {"aiohttp.web.view": "VIEW", "aiohttp.web.route": "ROUTE"}
DEFAULT_MAX_SIZE = 1024**2  # aiohttp's client_max_size default: bodies above it get 413
UNBOUNDED = 1024**3  # a limit of a GiB or more bounds nothing a process can hold
SIGNALS = {"on_startup": "startup", "on_cleanup": "shutdown", "on_shutdown": "shutdown", "cleanup_ctx": "lifespan"}
# aiohttp's own split of a path into static parts and `{name}` / `{name:regex}` variables
ROUTE_RE = re.compile(r"(\{[_a-zA-Z][^{}]*(?:\{[^{}]*\}[^{}]*)*\})")
DYNAMIC = re.compile(r"\{(?P<var>[_a-zA-Z][_a-zA-Z0-9]*)(?::(?P<re>.+))?\}")
# A value no validation should let through: a pattern that matches it constrains nothing.
HOSTILE_SEGMENT = "x' OR 1=1;<script>"
CONTAINERS = {"query": "query", "match_info": "path", "headers": "header", "cookies": "cookie", "rel_url.query": "query"}
RAW_CONTAINERS = frozenset({"query", "match_info", "rel_url.query"})
BODY_CALLS = frozenset({"json", "post"})  # `read()`/`text()` are bytes and text, not values a schema would take
REQUEST_SHAPE = RequestShape(body_calls=BODY_CALLS, body_attrs=frozenset(), containers=CONTAINERS, raw_containers=RAW_CONTAINERS)
# A web.View method reads `self.request`: the same containers, one attribute deeper.
VIEW_REQUEST = "self.request"
VIEW_SHAPE = RequestShape(
    body_calls=BODY_CALLS,
    body_attrs=frozenset(),
    containers={f"request.{k}": v for k, v in CONTAINERS.items()},
    raw_containers=frozenset(f"request.{k}" for k in RAW_CONTAINERS),
)
_VIEW_OWN_CALLS = tuple(f"self.{c}(" for c in BODY_CALLS)  # `await self.post()`: the view calling its own handler


def path_params(path: str) -> list[tuple[str, str | None]]:
    """`/orgs/{org_id}/invoices/{id:\\d{4}}` -> [("org_id", None), ("id", "\\d{4}")], split as aiohttp splits it."""
    out: list[tuple[str, str | None]] = []
    for part in ROUTE_RE.split(path):
        match = DYNAMIC.fullmatch(part)
        if match:
            out.append((match.group("var"), match.group("re")))
    return out


def constrains(pattern: str | None) -> bool:
    """A `{name:regex}` pattern the router enforces (404 otherwise) that rejects arbitrary text."""
    if not pattern:
        return False
    try:
        return re.fullmatch(pattern, HOSTILE_SEGMENT) is None
    except re.error:
        return False


class AiohttpAdapter(FrameworkAdapter):
    name = "aiohttp"
    markers = ("aiohttp.web", "aiohttp_cors", "aiohttp_security")
    aliases: ClassVar[dict[str, str]] = {
        "aiohttp.web_app.Application": APPLICATION,
        "aiohttp.web_routedef.RouteTableDef": ROUTE_TABLE,
        "aiohttp.web_urldispatcher.View": VIEW,
        "aiohttp.web_middlewares.middleware": "aiohttp.web.middleware",
        "aiohttp.web_exceptions.HTTPUnauthorized": "aiohttp.web.HTTPUnauthorized",
        "aiohttp.web_exceptions.HTTPForbidden": "aiohttp.web.HTTPForbidden",
    }
    vocabulary = AuthVocabulary(
        rejecting_calls={"aiohttp_security.check_authorized": -1, "aiohttp_security.check_permission": -1},
        library_prefixes=("aiohttp.",),
    )
    capability_libraries: ClassVar[dict[str, tuple[str, ...]]] = {
        "rate-limit": ("aiohttp_ratelimiter", "aiohttp_limiter", "aiolimiter"),
        "metrics": ("aiohttp_prometheus_exporter", "prometheus_async"),
        "correlation-id": ("aiohttp_requestid",),
    }
    schema_generators = ("aiohttp_apispec.setup_aiohttp_apispec", "aiohttp_swagger.setup_swagger", "aiohttp_pydantic.oas.setup")

    def collect(self, out: Collected) -> None:
        self.out = out
        scopes = list(self.scopes())
        for scope, assignments in scopes:
            for assignment in assignments:
                if isinstance(assignment.value, CallExpr):
                    self._object(scope, assignment, assignment.value)
        self.alias_factory_results(out)
        self.bind_parameters(out)
        for scope, _ in scopes:
            for site in scope.function.calls if scope.function else scope.module.calls:
                self._call(scope, site)
        for module in self.index.modules.values():
            for fn in module.functions.values():
                self._table_decorators(module, fn.decorators, fn.qualname, self.ev.enclosing(fn, module))
            for cls in module.classes.values():
                self._table_decorators(module, cls.decorators, cls.qualname, Scope(module))
        for ident, app in list(out.apps.items()):
            if out.owners.get(ident) is self:
                out.apps[ident] = self._docs(ident, app)
        for scope, _ in scopes:  # aiohttp_cors.setup(app, defaults={...})
            for site in scope.function.calls if scope.function else scope.module.calls:
                if self.ev.callee(scope, site.call) == "aiohttp_cors.setup":
                    owner = self.owner_of(out, scope, site.call.arg(0, "app"))
                    if owner in out.apps:
                        self._cors(scope, owner, site.call)

    def _object(self, scope: Scope, assignment: Assignment, call: CallExpr) -> None:
        kind = self.ev.callee(scope, call)
        ident = self.object_id(scope, assignment)
        if ident is None:
            return
        location = self.at(scope, call.span)
        if kind == APPLICATION or (kind in self.index.classes and self.subclass_of(kind, frozenset({APPLICATION}))):
            self.out.apps[ident] = App(ident, "aiohttp", location, scope.module.module, body_limit=self._max_size(scope, call, location))
            self.out.app_dependencies[ident] = []
            self.out.owners[ident] = self
            for item in getattr(call.kwarg("middlewares"), "items", ()):
                self._middleware(scope, ident, item, location)
        elif kind == ROUTE_TABLE:
            self.out.routers[ident] = RouterDecl(ident, location)
            self.out.owners[ident] = self

    def _max_size(self, scope: Scope, call: CallExpr, location: Location) -> Evidence | None:
        expr = call.kwarg("client_max_size")
        if expr is None:
            return Evidence(f"aiohttp's default client_max_size ({DEFAULT_MAX_SIZE // 1024} KiB): larger bodies get 413", location)
        value = self.ev.evaluate(scope, expr)
        if value.known and (not isinstance(value.value, int) or value.value <= 0 or value.value >= UNBOUNDED):
            return None  # raised to a size no process can hold: no limit in effect
        shown = f"{value.value} bytes" if value.known else "from configuration"
        return Evidence(f"client_max_size {shown}", location)

    # --- calls --------------------------------------------------------------------------

    def _call(self, scope: Scope, site: CallSite) -> None:
        call = site.call
        if not isinstance(call.func, Attr):
            return
        method = call.func.attr
        receiver = call.func.value
        location = self.at(scope, call.span)
        if isinstance(receiver, Attr) and receiver.attr == "router":  # app.router.add_get(...)
            owner = self.owner_of(self.out, scope, receiver.value)
            if owner is not None:
                self._router_call(scope, owner, method, call, location)
            return
        if isinstance(receiver, Attr) and receiver.attr in ("on_startup", "on_cleanup", "on_shutdown", "cleanup_ctx", "middlewares"):
            owner = self.owner_of(self.out, scope, receiver.value)
            if owner in self.out.apps and method in ("append", "insert", "extend") and call.args:
                self._signal(scope, owner, receiver.attr, call.args[-1], location)
            return
        owner = self.owner_of(self.out, scope, receiver)
        if owner is None:
            return
        if method == "add_routes" and call.args:
            self._route_defs(scope, owner, call.args[0], location)
        elif method == "add_subapp" and len(call.args) >= 2:
            child = self.ev.resolve_expr(scope, call.args[1])
            if child in self.out.apps:
                self.out.mounts.append(Include(owner, child, self.text(scope, call.args[0]), [], location))
        elif method == "add_domain" and len(call.args) >= 2:
            child = self.ev.resolve_expr(scope, call.args[1])
            if child in self.out.apps:
                self.out.mounts.append(Include(owner, child, "", [], location))

    def _router_call(self, scope: Scope, owner: str, method: str, call: CallExpr, location: Location) -> None:
        if method.startswith("add_") and method[4:] in HTTP_VERBS:
            self._route(scope, owner, (method[4:].upper(),), call.arg(0, "path"), self.ev.resolve_expr(scope, call.arg(1, "handler")), location)
        elif method == "add_route" and len(call.args) >= 3:
            verb = self.text(scope, call.args[0]).upper() or "*"
            methods = ("GET", "POST", "PUT", "PATCH", "DELETE") if verb == "*" else (verb,)
            self._route(scope, owner, methods, call.args[1], self.ev.resolve_expr(scope, call.args[2]), location)
        elif method == "add_view":
            self._route(scope, owner, ("VIEW",), call.arg(0, "path"), self.ev.resolve_expr(scope, call.arg(1, "handler")), location)

    def _route(self, scope: Scope, owner: str, methods: tuple[str, ...], path_expr: Expr | None, handler: str | None, location: Location) -> None:
        path = self.text(scope, path_expr)
        if not path or not handler:
            return
        if handler in self.index.classes:  # a web.View: one route per method it defines
            for verb in HTTP_VERBS:
                if f"{handler}.{verb}" in self.index.functions:
                    self.out.routes.append(RouteDecl(owner, (verb.upper(),), path, f"{handler}.{verb}", location, []))
        elif handler in self.index.functions and methods != ("VIEW",):
            self.out.routes.append(RouteDecl(owner, methods, path, handler, location, []))

    def _route_defs(self, scope: Scope, owner: str, expr: Expr, location: Location, depth: int = 0) -> None:
        """`app.add_routes(routes)` with a RouteTableDef, or a list of `web.get(...)` definitions."""
        table = self.ev.resolve_expr(scope, expr)
        if table in self.out.routers:
            self.out.includes.append(Include(owner, table, "", [], location))
            return
        if isinstance(expr, Seq):
            for item in expr.items:
                if isinstance(item, CallExpr):
                    verb = ROUTE_DEFS.get(self.ev.callee(scope, item) or "")
                    at = self.at(scope, item.span)
                    if verb == "ROUTE":
                        self._route(scope, owner, (self.text(scope, item.arg(0)).upper(),), item.arg(1), self.ev.resolve_expr(scope, item.arg(2)), at)
                    elif verb:
                        self._route(scope, owner, (verb,), item.arg(0, "path"), self.ev.resolve_expr(scope, item.arg(1, "handler")), at)
        elif table and depth < 4:
            for located in self.index.globals.get(table, ()):
                if located.definition.value is not None:
                    self._route_defs(Scope(located.module), owner, located.definition.value, location, depth + 1)

    def _table_decorators(self, module: ModuleFacts, decorators: tuple[Expr, ...], qual: str, scope: Scope) -> None:
        """`@routes.get("/x")` on a handler, `@routes.view("/x")` on a web.View class."""
        for decorator in decorators:
            if not isinstance(decorator, CallExpr) or not isinstance(decorator.func, Attr):
                continue
            owner = self.owner_of(self.out, scope, decorator.func.value)
            verb = decorator.func.attr
            if owner is None or (verb not in HTTP_VERBS and verb not in ("view", "route")):
                continue
            location = self.at(scope, decorator.span)
            if verb == "route":
                self._route(scope, owner, (self.text(scope, decorator.arg(0)).upper(),), decorator.arg(1, "path"), qual, location)
            else:
                self._route(scope, owner, (verb.upper(),), decorator.arg(0, "path"), qual, location)

    # --- middlewares, signals, extensions -------------------------------------------------

    def _middleware(self, scope: Scope, app: str, expr: Expr, location: Location) -> None:
        fn = self.ev.resolve_expr(scope, expr.func if isinstance(expr, CallExpr) else expr)
        if not fn:
            return
        target = self.index.function(fn)
        if target is not None and isinstance(expr, CallExpr):  # a middleware factory: the middleware is what it returns
            inner = next((q for q in self.index.functions if q.startswith(f"{fn}.<locals>.")), None)
            target = self.index.function(inner) if inner else target
        evidence = self.auth.function(target) if target is not None else self.auth.middleware_class(fn)
        self.out.middleware.append(Middleware(app, fn, location, "function", evidence, target.qualname if target else None))

    def _signal(self, scope: Scope, app: str, signal: str, expr: Expr, location: Location) -> None:
        if signal == "middlewares":
            self._middleware(scope, app, expr, location)
            return
        fn = self.ev.resolve_expr(scope, expr)
        kind = {"on_startup": "startup", "on_cleanup": "shutdown", "on_shutdown": "shutdown", "cleanup_ctx": "lifespan"}[signal]
        self.out.hooks.append(Hook(app, kind, fn, location))
        if signal == "cleanup_ctx" and fn:  # resources opened before its `yield` are closed after it
            self.out.hooks.append(Hook(app, "startup", fn, location))

    def _docs(self, ident: str, app: App) -> App:
        for scope, _ in self.scopes():
            for site in scope.function.calls if scope.function else scope.module.calls:
                kind = self.ev.callee(scope, site.call)
                if kind in self.schema_generators and self.owner_of(self.out, scope, site.call.arg(0, "app")) == ident:
                    return replace(app, api_docs=Evidence(f"OpenAPI served by {kind.split('.')[0]}", self.at(scope, site.call.span)))
        return app

    def _cors(self, scope: Scope, app: str, call: CallExpr) -> None:
        """aiohttp-cors: `defaults={"*": ResourceOptions(allow_credentials=True, ...)}` — origins are the keys."""
        defaults = call.kwarg("defaults")
        if isinstance(defaults, Expr) and not isinstance(defaults, DictExpr):
            located = self.index.globals.get(self.ev.resolve_expr(scope, defaults) or "")
            defaults = located[-1].definition.value if located else None
        if not isinstance(defaults, DictExpr):
            return
        origins = [k.value for k in defaults.keys if isinstance(k, Const)]
        credentials = Value(True, False, text="False (aiohttp-cors's default)")
        for options in defaults.values:
            value = self.ev.evaluate(scope, options.kwarg("allow_credentials")) if isinstance(options, CallExpr) else UNKNOWN
            if value.known and value.value is True:
                credentials = Value(True, True, text="allow_credentials=True")
        self.out.cors.append(
            cors_policy(app, self.at(scope, call.span), Value(True, origins, text=repr(origins)), UNKNOWN, credentials, origins_label="defaults")
        )

    # --- what the handler receives ---------------------------------------------------------

    def params(self, handler: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        params: list[RouteParam] = []
        positional = [p for p in handler.params if p.name not in ("cls",) and p.kind == "positional"]
        request = "self.request" if positional and positional[0].name == "self" else (positional[0].name if positional else None)
        if request:
            params.append(RouteParam(request, "request", None, Location(module.path, handler.header)))
        params += [RouteParam(name, "path", convertor, Location(module.path, handler.header)) for name, convertor in path_params(path)]
        if request:
            reads = request_reads(handler, lambda name: name == request, REQUEST_SHAPE)
            params += [RouteParam(r.key, r.source, None, Location(module.path, r.span), bounded=r.bounded) for r in reads if r.key and r.source != "path"]
            params += self.validated_params(Scope(module, handler), reads, module)
        return params, []

    def raw_reads(self, handler: FunctionFacts, module: ModuleFacts, params: list[RouteParam]) -> tuple[RawRead, ...]:
        request = next((p.name for p in params if p.source == "request"), None)
        if request is None:
            return ()
        reads = request_reads(handler, lambda name: name == request, REQUEST_SHAPE)
        return tuple(RawRead(r.text, Location(module.path, r.span)) for r in reads if r.raw and not r.validated)
