"""The aiohttp adapter: applications, sub-apps, route tables, views, middlewares, signals.

aiohttp puts security in middlewares (`@web.middleware async def m(request,
handler)`) that raise `web.HTTPUnauthorized` or let exempt paths through, and
lifecycle in application signals (`on_cleanup`, `cleanup_ctx`). Routes come
from `app.router.add_*`, `web.RouteTableDef` decorators and `web.get(...)`
lists passed to `app.add_routes`. A sub-app (`add_subapp`, also of an app a
helper builds) is served by its parent: the parent's middlewares and signals
run for it, its own `client_max_size` is never used. aiohttp-cors opens only
the resources passed to `cors.add(...)`; `on_response_prepare` handlers run
on every response, aiohttp's own error pages included.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import ClassVar

from ...parsing.facts import Assignment, Attr, Await, CallExpr, CallSite, Const, DictExpr, Expr, FunctionFacts, ModuleFacts, Name, Other, Seq, Span, dotted
from ..cors import cors_policy
from ..evaluate import Scope
from ..types import UNKNOWN, App, DependencyUse, Evidence, Hook, Location, Middleware, RawRead, RouteParam, Unresolved, Value
from .base import AuthVocabulary, Collected, FrameworkAdapter, Include, RouteDecl, RouterDecl
from .requests import RequestRead, RequestShape, request_reads

APPLICATION = "aiohttp.web.Application"
ROUTE_TABLE = "aiohttp.web.RouteTableDef"
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
NO_CREDENTIALS = Value(True, False, text="False (aiohttp-cors's default)")
WITH_CREDENTIALS = Value(True, True, text="allow_credentials=True")


def _source(module: ModuleFacts, span: Span) -> str:
    """The source text of a span (1-based lines, 0-based columns)."""
    lines = module.source_lines[span.line - 1 : span.end_line]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0][span.column : span.end_column]
    return "\n".join([lines[0][span.column :], *lines[1:-1], lines[-1][: span.end_column]])


def _argument(text: str, index: int | None, name: str) -> ast.expr | None:
    """An argument of the call written in `text`: positional `index`, or keyword `name`."""
    try:
        call = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(call, ast.Call):
        return None
    if index is not None and index < len(call.args):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _dotted_expr(node: ast.expr) -> Expr | None:
    """`settings.cors_origins` as the model's expression, to evaluate it."""
    if isinstance(node, ast.Name):
        return Name(node.id)
    if isinstance(node, ast.Attribute):
        inner = _dotted_expr(node.value)
        return Attr(inner, node.attr) if inner is not None else None
    return None


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
    # aiohttp.web re-exports its submodules' names: `aiohttp.web_exceptions.HTTPForbidden` is `web.HTTPForbidden`
    alias_prefixes: ClassVar[dict[str, str]] = {
        f"aiohttp.{m}": "aiohttp.web"
        for m in ("web_app", "web_exceptions", "web_middlewares", "web_request", "web_response", "web_routedef", "web_urldispatcher", "web_runner")
    }
    vocabulary = AuthVocabulary(
        # aiohttp-security: both raise HTTPUnauthorized for an anonymous caller (check_permission then 403);
        # `authorized_userid` / `is_anonymous` only tell who the caller is and reject nobody
        rejecting_calls={"aiohttp_security.check_authorized": -1, "aiohttp_security.check_permission": -1},
        library_prefixes=("aiohttp.",),
    )
    capability_libraries: ClassVar[dict[str, tuple[str, ...]]] = {
        "rate-limit": ("aiohttp_ratelimiter", "aiohttp_limiter", "aiolimiter"),
        "metrics": ("aiohttp_prometheus_exporter", "prometheus_async"),
        "correlation-id": ("aiohttp_requestid",),
    }
    # apispec builds the document a handler of the app serves (aiohttp has no schema of its own)
    schema_generators = ("aiohttp_apispec.setup_aiohttp_apispec", "aiohttp_swagger.setup_swagger", "aiohttp_pydantic.oas.setup", "apispec.APISpec")

    def collect(self, out: Collected) -> None:
        self.out = out
        calls = self.declare_objects(out)
        for scope, site in calls:
            self._call(scope, site)
        for module in self.index.modules.values():
            for fn in module.functions.values():
                self._table_decorators(module, fn.decorators, fn.qualname, self.ev.enclosing(fn, module))
            for cls in module.classes.values():
                self._table_decorators(module, cls.decorators, cls.qualname, Scope(module))
        for ident, app in list(out.apps.items()):
            if out.owners.get(ident) is self:
                out.apps[ident] = self._docs(ident, app)
        for scope, site in calls:
            if self.ev.callee(scope, site.call) == CORS_SETUP:
                owner = self._app(scope, site.call.arg(0, "app"))
                if owner is not None:
                    self._cors(scope, owner, site.call, calls)
        for route in out.routes:  # aiohttp wraps a plain `def` handler in a coroutine and calls it on the loop
            handler = self.index.function(route.handler)
            if out.owners.get(route.owner) is self and handler is not None and not handler.is_async:
                out.loop_functions.add(route.handler)

    def declare_object(self, scope: Scope, assignment: Assignment, call: CallExpr) -> None:
        kind = self.ev.callee(scope, call)
        ident = self.object_id(scope, assignment)
        if ident is None:
            return
        location = self.at(scope, call.span)
        if kind == APPLICATION or (kind in self.index.classes and self.subclass_of(kind, frozenset({APPLICATION}))):
            debug = self._debug(scope, call)
            self.out.apps[ident] = App(ident, "aiohttp", location, scope.module.module, debug=debug, body_limit=self._max_size(scope, call, location))
            self.out.app_dependencies[ident] = []
            self.out.owners[ident] = self
            for item in self._items(scope, call.kwarg("middlewares")):
                self._middleware(scope, ident, item, location)
        elif kind == ROUTE_TABLE:
            self.out.routers[ident] = RouterDecl(ident, location)
            self.out.owners[ident] = self

    def _items(self, scope: Scope, expr: Expr | None, depth: int = 0) -> tuple[Expr, ...]:
        """The entries of a literal list, or of a module-level list it names (`middlewares=MIDDLEWARES`)."""
        if isinstance(expr, Seq):
            return expr.items
        local = self.ev.local_assignments(scope, dotted(expr) or "") if expr is not None and depth < 3 else []
        if local and local[-1].value is not None:  # `middlewares = [require_token]` inside the factory
            return self._items(scope, local[-1].value, depth + 1)
        located = self.index.globals.get(self.ev.resolve_expr(scope, expr) or "") if expr is not None and depth < 3 else None
        if not located or located[-1].definition.value is None:
            return ()
        return self._items(Scope(located[-1].module), located[-1].definition.value, depth + 1)

    def _app(self, scope: Scope, expr: Expr | None) -> str | None:
        """The application an expression is: a variable holding one, or a call of a helper that builds and returns it."""
        if isinstance(expr, Await):  # `app.add_subapp("/v1/", await create_api())`
            expr = expr.value
        owner = self.owner_of(self.out, scope, expr)
        if owner in self.out.apps:
            return owner
        if isinstance(expr, CallExpr):  # `app.add_subapp("/v1/", agents_app())`
            located = self.index.functions.get(self.ev.callee(scope, expr) or "")
            if located is not None:
                inner = Scope(located.module, located.definition)
                return next((o for r in located.definition.return_sites if (o := self._app(inner, r.value)) is not None), None)
        return None

    # --- settings of the application ----------------------------------------------------

    def _debug(self, scope: Scope, call: CallExpr) -> Value | None:
        """`Application(debug=True)` (deprecated, still honoured) or `handler_args={"debug": True}`, which wins:
        the request handler then answers a 500 with the traceback."""
        handler_args = call.kwarg("handler_args")
        if isinstance(handler_args, DictExpr):
            for key, value in zip(handler_args.keys, handler_args.values, strict=False):
                if isinstance(key, Const) and key.value == "debug":
                    return self.ev.evaluate(scope, value)
        debug = call.kwarg("debug")
        return self.ev.evaluate(scope, debug) if debug is not None else None

    def _max_size(self, scope: Scope, call: CallExpr, location: Location) -> Evidence | None:
        """The body limit the app's requests get (only a served app's own value is ever used)."""
        expr = call.kwarg("client_max_size")
        if expr is None:
            return Evidence(f"aiohttp's default client_max_size ({DEFAULT_MAX_SIZE // 1024} KiB): larger bodies get 413", location)
        value = self.ev.evaluate(scope, expr)
        if value.known and value.value is None:
            return None  # falsy: aiohttp only compares when the limit is truthy
        number = self._number(scope, expr)
        if number is None:
            return Evidence("client_max_size from configuration", location)
        if not number or number >= UNBOUNDED:
            return None  # 0 switches the check off; a GiB or more bounds nothing a process can hold
        return Evidence(f"client_max_size {number} bytes", location)

    def _number(self, scope: Scope, expr: Expr | None, depth: int = 0) -> int | float | None:
        """A size written as a literal, a constant or arithmetic on them (`20 * 1024**2`)."""
        if expr is None or depth > 6:
            return None
        value = self.ev.evaluate(scope, expr)
        if value.known:
            return value.value if isinstance(value.value, (int, float)) and not isinstance(value.value, bool) else None
        if isinstance(expr, Other):
            try:
                tree = ast.parse(expr.text.strip(), mode="eval").body
            except SyntaxError:
                return None
            return self._arithmetic(scope, tree, depth)
        name = self.ev.resolve_expr(scope, expr) if isinstance(expr, (Name, Attr)) else None
        if scope.function is not None and isinstance(expr, Name):
            local = self.ev.local_assignments(scope, expr.id)
            if local:
                return self._number(scope, local[-1].value, depth + 1)
        located = self.index.globals.get(name or "")
        return self._number(Scope(located[-1].module), located[-1].definition.value, depth + 1) if located else None

    def _arithmetic(self, scope: Scope, node: ast.expr, depth: int) -> int | float | None:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, (int, float)) and not isinstance(node.value, bool) else None
        if isinstance(node, ast.Name):
            return self._number(scope, Name(node.id), depth + 1)
        if isinstance(node, ast.BinOp):
            left, right = self._arithmetic(scope, node.left, depth), self._arithmetic(scope, node.right, depth)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Pow):
                return left**right if abs(right) <= 64 else None  # `1024**3`; nothing else is a size
            operations = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}
            if isinstance(node.op, ast.LShift) and isinstance(left, int) and isinstance(right, int) and 0 <= right <= 64:
                return left << right
            return operations.get(type(node.op))
        return None

    # --- calls --------------------------------------------------------------------------

    def _call(self, scope: Scope, site: CallSite) -> None:
        call = site.call
        if not isinstance(call.func, Attr):
            return
        method = call.func.attr
        receiver = call.func.value
        location = self.at(scope, call.span)
        receiver = self._router_alias(scope, receiver)
        if isinstance(receiver, Attr) and receiver.attr == "router":  # app.router.add_get(...)
            owner = self.owner_of(self.out, scope, receiver.value)
            if owner is not None:
                self._router_call(scope, owner, method, call, location)
            return
        if isinstance(receiver, Attr) and receiver.attr in (*SIGNALS, "middlewares", "on_response_prepare"):
            owner = self.owner_of(self.out, scope, receiver.value)
            if owner in self.out.apps and method in ("append", "insert", "extend") and call.args:
                for item in self._items(scope, call.args[-1]) if method == "extend" else (call.args[-1],):
                    self._signal(scope, owner, receiver.attr, item, location)
            return
        owner = self.owner_of(self.out, scope, receiver)
        if owner is None:
            return
        if method == "add_routes" and call.args:
            self._route_defs(scope, owner, call.args[0], location)
        elif method in ("add_subapp", "add_domain") and len(call.args) >= 2:
            child = self._app(scope, call.args[1])
            prefix = self.text(scope, call.args[0]).rstrip("/") if method == "add_subapp" else ""  # aiohttp strips the slash
            if child is not None:
                self.out.mounts.append(Include(owner, child, prefix, [], location))

    def _router_call(self, scope: Scope, owner: str, method: str, call: CallExpr, location: Location) -> None:
        if method == "add_routes" and call.args:  # app.router.add_routes(routes) is app.add_routes(routes)
            self._route_defs(scope, owner, call.args[0], location)
        elif method.startswith("add_") and method[4:] in HTTP_VERBS:
            self._route(scope, owner, (method[4:].upper(),), call.arg(0, "path"), self.ev.resolve_expr(scope, call.arg(1, "handler")), location)
        elif method == "add_route" and len(call.args) >= 3:
            verb = self.text(scope, call.args[0]).upper() or "*"
            methods = ("GET", "POST", "PUT", "PATCH", "DELETE") if verb == "*" else (verb,)
            self._route(scope, owner, methods, call.args[1], self.ev.resolve_expr(scope, call.args[2]), location)
        elif method == "add_view":
            self._route(scope, owner, ("VIEW",), call.arg(0, "path"), self.ev.resolve_expr(scope, call.arg(1, "handler")), location)

    def _router_alias(self, scope: Scope, receiver: Expr) -> Expr:
        """`router = app.router; router.add_get(...)`: the name stands for the app's router."""
        name = dotted(receiver)
        if name is None or "." in name:
            return receiver
        local = self.ev.local_assignments(scope, name)
        value = local[-1].value if local else None
        return value if isinstance(value, Attr) and value.attr == "router" else receiver

    def _route(self, scope: Scope, owner: str, methods: tuple[str, ...], path_expr: Expr | None, handler: str | None, location: Location) -> None:
        path = self.text(scope, path_expr)
        if path and self.unresolvable(handler):  # `h.timeline` on an instance the model cannot follow
            what = f"{'/'.join(methods)} {path}"
            self.out.unresolved.append(Unresolved(what, "its handler could not be resolved to a function or view", location))
            return
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
        if signal == "on_response_prepare":  # runs on every response, aiohttp's own error pages included
            if fn:
                self.out.middleware.append(Middleware(app, fn, location, "function", None, fn))
            return
        self.out.hooks.append(Hook(app, SIGNALS[signal], fn, location))
        if signal == "cleanup_ctx" and fn:  # resources opened before its `yield` are closed after it
            self.out.hooks.append(Hook(app, "startup", fn, location))

    def _docs(self, ident: str, app: App) -> App:
        for scope, _ in self.scopes():
            for site in scope.calls:
                kind = self.ev.callee(scope, site.call)
                if kind in self.schema_generators and kind != "apispec.APISpec" and self.owner_of(self.out, scope, site.call.arg(0, "app")) == ident:
                    return replace(app, api_docs=Evidence(f"OpenAPI served by {kind.split('.')[0]}", self.at(scope, site.call.span)))
        return app

    # --- aiohttp-cors -----------------------------------------------------------------------

    def _cors(self, scope: Scope, app: str, call: CallExpr, sites: list[tuple[Scope, CallSite]]) -> None:
        """aiohttp-cors applies to the resources passed to `cors.add(...)` only: `defaults=` alone opens no route.
        A route's own options (`cors.add(route, {"*": ResourceOptions(...)})`) add to the defaults."""
        adds = list(self._cors_adds(scope, call, sites))
        if adds and call.kwarg("defaults") is not None:
            self._cors_options(scope, app, call, None, "defaults")
        for add_scope, add in adds:
            if add.arg(1, "config") is not None:
                self._cors_options(add_scope, app, add, 1, "config")

    def _cors_adds(self, scope: Scope, setup: CallExpr, sites: list[tuple[Scope, CallSite]]) -> Iterator[tuple[Scope, CallExpr]]:
        """The `cors.add(...)` calls on the object `setup` returned."""
        assignments = scope.function.assignments if scope.function else scope.module.assignments
        target = next((a.target for a in assignments if isinstance(a.value, CallExpr) and a.value.span == setup.span), None)
        ident = self.target_id(scope, target) if target else None
        if ident is None:
            return
        for site_scope, site in sites:
            func = site.call.func
            if isinstance(func, Attr) and func.attr == "add" and self.ev.resolve_expr(site_scope, func.value) == ident:
                yield site_scope, site.call

    def _cors_options(self, scope: Scope, app: str, call: CallExpr, index: int | None, name: str) -> None:
        """`{"*": ResourceOptions(allow_credentials=True)}`: the keys are the origins ("*" echoes any Origin)."""
        options = call.arg(index, name) if index is not None else call.kwarg(name)
        location = self.at(scope, call.span)
        label = "defaults" if name == "defaults" else "cors.add options"
        if isinstance(options, Other):  # `{origin: ResourceOptions(...) for origin in settings.cors_origins}`
            found = self._comprehension_options(scope, call, index, name)
            if found is not None:
                self.out.cors.append(cors_policy(app, location, found[0], UNKNOWN, found[1], origins_label=label))
            return
        if not isinstance(options, DictExpr):
            located = self.index.globals.get(self.ev.resolve_expr(scope, options) or "")
            options = located[-1].definition.value if located else None
        if not isinstance(options, DictExpr):
            return
        origins = [k.value for k in options.keys if isinstance(k, Const)]
        credentials = NO_CREDENTIALS
        for value in options.values:
            allowed = self.ev.evaluate(scope, value.kwarg("allow_credentials")) if isinstance(value, CallExpr) else UNKNOWN
            if allowed.known and allowed.value is True:
                credentials = WITH_CREDENTIALS
        self.out.cors.append(cors_policy(app, location, Value(True, origins, text=repr(origins)), UNKNOWN, credentials, origins_label=label))

    def _comprehension_options(self, scope: Scope, call: CallExpr, index: int | None, name: str) -> tuple[Value, Value] | None:
        """The origins a dict comprehension iterates over, and whether its options allow credentials.
        (The facts keep a comprehension as text, shortened: the call's source is read again.)"""
        tree = _argument(_source(scope.module, call.span), index, name)
        if not isinstance(tree, ast.DictComp) or len(tree.generators) != 1:
            return None
        loop = tree.generators[0]
        if not (isinstance(tree.key, ast.Name) and isinstance(loop.target, ast.Name) and tree.key.id == loop.target.id):
            return None
        iterable = _dotted_expr(loop.iter)
        origins = self.ev.evaluate(scope, iterable) if iterable is not None else UNKNOWN
        value = tree.value
        credentials = isinstance(value, ast.Call) and any(
            k.arg == "allow_credentials" and isinstance(k.value, ast.Constant) and k.value.value is True for k in value.keywords
        )
        return origins, WITH_CREDENTIALS if credentials else NO_CREDENTIALS

    # --- what the handler receives ---------------------------------------------------------

    def params(self, handler: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        params: list[RouteParam] = []
        request = self._request_name(handler)
        at = Location(module.path, handler.header)
        if request:
            params.append(RouteParam(request, "request", None, at))
        params += [RouteParam(name, "path", pattern, at) for name, pattern in path_params(path)]
        if request:
            reads = self._reads(handler, request)
            params += [RouteParam(r.key, r.source, None, Location(module.path, r.span), bounded=r.bounded) for r in reads if r.key and r.source != "path"]
            params += self.validated_params(Scope(module, handler), reads, module)
        return params, []

    def raw_reads(self, handler: FunctionFacts, module: ModuleFacts, params: list[RouteParam]) -> tuple[RawRead, ...]:
        request = next((p.name for p in params if p.source == "request"), None)
        if request is None:
            return ()
        # `{invoice_id:\d+}`: the router answers 404 to anything its pattern rejects
        constrained = {p.name for p in params if p.source == "path" and constrains(p.annotation)}
        reads = self._reads(handler, request)
        return tuple(
            RawRead(r.text, Location(module.path, r.span)) for r in reads if r.raw and not r.validated and not (r.source == "path" and r.key in constrained)
        )

    @staticmethod
    def _request_name(handler: FunctionFacts) -> str | None:
        """A handler takes the request (after `self` for a bound method); a web.View method takes nothing
        and reads `self.request`."""
        positional = [p.name for p in handler.params if p.kind == "positional" and p.name != "cls"]
        if positional[:1] == ["self"]:
            return positional[1] if len(positional) > 1 else VIEW_REQUEST
        return positional[0] if positional else None

    @staticmethod
    def _reads(handler: FunctionFacts, request: str) -> list[RequestRead]:
        if request != VIEW_REQUEST:
            return request_reads(handler, lambda name: name == request, REQUEST_SHAPE)
        reads = request_reads(handler, lambda name: name in ("self", VIEW_REQUEST), VIEW_SHAPE)
        return [r for r in reads if not r.text.startswith(_VIEW_OWN_CALLS)]
