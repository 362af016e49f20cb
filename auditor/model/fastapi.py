"""The FastAPI adapter: apps, routers, routes, includes, middleware, hooks.

It finds `FastAPI(...)` and `APIRouter(...)` objects wherever they are
assigned (module level or inside an app factory), the routes declared on
them, and the `include_router` chains between them across files, then
composes for each route its full path and every dependency that applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..parsing.facts import CallExpr, CallSite, Const, Expr, FunctionFacts, ModuleFacts, Seq, dotted
from .auth import AuthAnalyzer, annotated_dependency, dependency_target
from .cors import CORS_MIDDLEWARE, cors_policy
from .evaluate import Evaluator, Scope, annotation_text, status_code
from .types import App, CorsPolicy, DependencyUse, ExceptionHandler, Hook, Location, Middleware, RouteParam

HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
PARAM_SOURCES = {
    "fastapi.Path": "path",
    "fastapi.Query": "query",
    "fastapi.Body": "body",
    "fastapi.Header": "header",
    "fastapi.Cookie": "cookie",
    "fastapi.Form": "form",
    "fastapi.File": "file",
    "fastapi.UploadFile": "file",
}
REQUEST_TYPES = {"fastapi.Request", "fastapi.WebSocket", "fastapi.BackgroundTasks", "fastapi.Response", "starlette.requests.Request"}


@dataclass
class RouterObj:
    id: str
    location: Location
    prefix: str = ""
    dependencies: list[DependencyUse] = field(default_factory=list)
    hooks: list[tuple[str, str | None, Location]] = field(default_factory=list)


@dataclass
class Include:
    parent: str
    child: str
    prefix: str
    dependencies: list[DependencyUse]
    location: Location
    only_when: str | None = None  # `if settings.ENV == "development":` around the include


_DEV_VALUES = {"local", "dev", "development", "test", "testing", "debug"}


def development_guard(guards) -> str | None:
    """The condition text when a statement runs only in a development environment."""
    for guard in guards:
        test = guard.test
        if guard.negated or not hasattr(test, "ops") or len(test.ops) != 1 or test.ops[0] not in ("==", "in"):
            continue
        values = [c for c in test.comparators if isinstance(c, Const)] + [
            i for c in test.comparators for i in getattr(c, "items", ()) if isinstance(i, Const)
        ]
        if values and all(isinstance(v.value, str) and v.value.lower() in _DEV_VALUES for v in values):
            return f"{dotted(test.left) or 'setting'} {test.ops[0]} {', '.join(repr(v.value) for v in values)}"
    return None


@dataclass
class RawRoute:
    owner: str  # app or router id
    methods: tuple[str, ...]
    path: str
    handler: str
    location: Location
    dependencies: list[DependencyUse]


@dataclass
class FastAPIFacts:
    apps: dict[str, App] = field(default_factory=dict)
    app_dependencies: dict[str, list[DependencyUse]] = field(default_factory=dict)
    routers: dict[str, RouterObj] = field(default_factory=dict)
    includes: list[Include] = field(default_factory=list)
    routes: list[RawRoute] = field(default_factory=list)
    middleware: list[Middleware] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    cors: list[CorsPolicy] = field(default_factory=list)
    mounts: list[Include] = field(default_factory=list)  # app.mount("/api", sub_app)
    exception_handlers: list[ExceptionHandler] = field(default_factory=list)


class FastAPIAdapter:
    def __init__(self, evaluator: Evaluator, auth: AuthAnalyzer) -> None:
        self.ev = evaluator
        self.auth = auth
        self.index = evaluator.index
        self.out = FastAPIFacts()

    # --- collection ------------------------------------------------------

    def collect(self) -> FastAPIFacts:
        scopes = list(self._scopes())
        for scope, assignments in scopes:  # objects first: routes and includes refer to them
            for assignment in assignments:
                if isinstance(assignment.value, CallExpr):
                    self._object(scope, assignment.target, assignment.value, assignment.span)
        for scope, _ in scopes:
            calls = scope.function.calls if scope.function else scope.module.calls
            for site in calls:
                self._call(scope, site)
        for module in self.index.modules.values():
            for fn in module.functions.values():
                self._decorators(module, fn)
        return self.out

    def _scopes(self):
        for module in self.index.modules.values():
            yield Scope(module), module.assignments
            for fn in module.functions.values():
                yield Scope(module, fn), fn.assignments

    def _target_id(self, scope: Scope, target: str) -> str | None:
        if "." in target:
            return None
        if scope.function is None:
            return f"{scope.module.module}.{target}" if scope.module.module else target
        return f"{scope.function.qualname}.<locals>.{target}"

    def _at(self, scope: Scope, span) -> Location:
        return Location(scope.module.path, span)

    def _object(self, scope: Scope, target: str, call: CallExpr, span) -> None:
        kind = self.ev.callee(scope, call)
        if kind not in ("fastapi.FastAPI", "fastapi.APIRouter"):
            return
        ident = self._target_id(scope, target)
        if ident is None:
            return
        location = self._at(scope, call.span)
        deps = self._dependency_list(scope, call.kwarg("dependencies"), "app" if kind == "fastapi.FastAPI" else "router")
        if kind == "fastapi.FastAPI":
            title = call.kwarg("title")
            debug = self.ev.evaluate(scope, call.kwarg("debug")) if call.kwarg("debug") is not None else None
            self.out.apps[ident] = App(
                ident, "fastapi", location, call, scope.module.module, title.value if isinstance(title, Const) else None, debug=debug
            )
            self.out.app_dependencies[ident] = deps
            self._constructor_hooks(scope, ident, call)
            for item in getattr(call.kwarg("middleware"), "items", ()):
                if isinstance(item, CallExpr) and (self.ev.callee(scope, item) or "").endswith("Middleware") and item.args:
                    cls = self.ev.resolve_expr(scope, item.args[0]) or "?"
                    self._add_middleware(scope, ident, cls, item, self._at(scope, item.span))
        else:
            router = RouterObj(ident, location, self._text(scope, call.kwarg("prefix")), deps)
            self.out.routers[ident] = router
            for hook_kind, hook_fn in self._hook_functions(scope, call):
                router.hooks.append((hook_kind, hook_fn, location))

    def _constructor_hooks(self, scope: Scope, app: str, call: CallExpr) -> None:
        for kind, fn in self._hook_functions(scope, call):
            self.out.hooks.append(Hook(app, kind, fn, self._at(scope, call.span)))

    def _hook_functions(self, scope: Scope, call: CallExpr):
        lifespan = call.kwarg("lifespan")
        if lifespan is not None and not (isinstance(lifespan, Const) and lifespan.value is None):
            yield "lifespan", self.ev.resolve_expr(scope, lifespan)
        for key, kind in (("on_startup", "startup"), ("on_shutdown", "shutdown")):
            for item in getattr(call.kwarg(key), "items", ()):
                yield kind, self.ev.resolve_expr(scope, item)

    def _owner(self, scope: Scope, expr: Expr | None) -> str | None:
        name = self.ev.resolve_expr(scope, expr)
        if name in self.out.apps or name in self.out.routers:
            return name
        return None

    def _call(self, scope: Scope, site: CallSite) -> None:
        call = site.call
        func = call.func
        method = getattr(func, "attr", None)
        if method is None:
            return
        owner = self._owner(scope, func.value)  # type: ignore[union-attr]
        if owner is None:
            return
        location = self._at(scope, call.span)
        if method == "include_router" and call.args:
            child = self.ev.resolve_expr(scope, call.args[0])
            if child in self.out.routers:
                self.out.includes.append(
                    Include(
                        owner,
                        child,
                        self._text(scope, call.kwarg("prefix")),
                        self._dependency_list(scope, call.kwarg("dependencies"), "include"),
                        location,
                        development_guard(site.guards),
                    )
                )
        elif method == "mount" and owner in self.out.apps:
            child = self.ev.resolve_expr(scope, call.arg(1, "app"))
            if child in self.out.apps:
                self.out.mounts.append(Include(owner, child, self._text(scope, call.arg(0, "path")), [], location))
        elif method == "add_middleware" and call.args and owner in self.out.apps:
            cls = self.ev.resolve_expr(scope, call.args[0]) or "?"
            self._add_middleware(scope, owner, cls, call, location)
        elif method == "add_exception_handler" and len(call.args) >= 2 and owner in self.out.apps:
            exc = self.ev.resolve_expr(scope, call.args[0]) or str(status_code(call.args[0]) or "?")
            self.out.exception_handlers.append(ExceptionHandler(owner, exc, self.ev.resolve_expr(scope, call.args[1]), location))
        elif method == "add_event_handler" and len(call.args) >= 2:
            kind = call.args[0].value if isinstance(call.args[0], Const) else None
            if kind in ("startup", "shutdown"):
                self._hook(owner, kind, self.ev.resolve_expr(scope, call.args[1]), location)
        elif method == "add_api_route":
            path = call.arg(0, "path")
            endpoint = call.arg(1, "endpoint")
            handler = self.ev.resolve_expr(scope, endpoint)
            if isinstance(path, Const) and handler:
                methods = self._methods(call.kwarg("methods")) or ("GET",)
                deps = self._dependency_list(scope, call.kwarg("dependencies"), "route")
                self.out.routes.append(RawRoute(owner, methods, str(path.value), handler, location, deps))

    def _hook(self, owner: str, kind: str, fn: str | None, location: Location) -> None:
        if owner in self.out.apps:
            self.out.hooks.append(Hook(owner, kind, fn, location))
        elif owner in self.out.routers:
            self.out.routers[owner].hooks.append((kind, fn, location))

    def _add_middleware(self, scope: Scope, app: str, cls: str, call: CallExpr, location: Location) -> None:
        evidence = self.auth.middleware_class(cls)
        self.out.middleware.append(Middleware(app, cls, call, location, "class", evidence))
        if cls == CORS_MIDDLEWARE:
            self.out.cors.append(cors_policy(self.ev, scope, app, call, location))

    def _decorators(self, module: ModuleFacts, fn: FunctionFacts) -> None:
        scope = self.ev.enclosing(fn, module)
        for decorator in fn.decorators:
            if not isinstance(decorator, CallExpr):
                continue
            method = getattr(decorator.func, "attr", None)
            if method is None:
                continue
            owner = self._owner(scope, decorator.func.value)  # type: ignore[union-attr]
            if owner is None:
                continue
            location = self._at(scope, decorator.span)
            if method in HTTP_METHODS or method in ("api_route", "websocket"):
                path = decorator.arg(0, "path")
                if not (isinstance(path, Const) and isinstance(path.value, str)):
                    continue
                if method == "api_route":
                    methods = self._methods(decorator.kwarg("methods")) or ("GET",)
                elif method == "websocket":
                    methods = ("WEBSOCKET",)
                else:
                    methods = (method.upper(),)
                deps = self._dependency_list(scope, decorator.kwarg("dependencies"), "route")
                self.out.routes.append(RawRoute(owner, methods, path.value, fn.qualname, location, deps))
            elif method == "middleware" and owner in self.out.apps:
                evidence = self.auth.function(fn)
                self.out.middleware.append(Middleware(owner, fn.qualname, decorator, location, "function", evidence))
            elif method == "exception_handler" and owner in self.out.apps and decorator.args:
                exc = self.ev.resolve_expr(scope, decorator.args[0]) or str(status_code(decorator.args[0]) or "?")
                self.out.exception_handlers.append(ExceptionHandler(owner, exc, fn.qualname, location))
            elif method == "on_event":
                kind = decorator.arg(0)
                if isinstance(kind, Const) and kind.value in ("startup", "shutdown"):
                    self._hook(owner, kind.value, fn.qualname, location)

    # --- helpers ---------------------------------------------------------

    def _text(self, scope: Scope, expr: Expr | None) -> str:
        """A prefix or path: a literal, a constant, or a settings default (`settings.API_V1_STR`)."""
        if expr is None:
            return ""
        value = self.ev.evaluate(scope, expr)
        return value.value if value.known and isinstance(value.value, str) else ""

    @staticmethod
    def _methods(expr: Expr | None) -> tuple[str, ...]:
        if isinstance(expr, Seq):
            return tuple(str(i.value).upper() for i in expr.items if isinstance(i, Const))
        return ()

    def _dependency_list(self, scope: Scope, expr: Expr | None, level: str) -> list[DependencyUse]:
        out: list[DependencyUse] = []
        for item in getattr(expr, "items", ()):
            found = dependency_target(self.ev, scope, item)
            if found:
                out.append(DependencyUse(found[0], level, self._at(scope, item.span), found[1]))  # type: ignore[union-attr]
        return out

    def params(self, fn: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        """Where each handler parameter comes from, and the dependencies among them."""
        scope = self.ev.enclosing(fn, module)
        path_names = set(_path_params(path))
        params: list[RouteParam] = []
        deps: list[DependencyUse] = []
        for p in fn.params:
            if p.name in ("self", "cls") or p.kind in ("var_positional", "var_keyword"):
                continue
            location = Location(module.path, p.span)
            dep = dependency_target(self.ev, scope, p.default) or annotated_dependency(self.ev, scope, p.annotation)
            if dep:
                deps.append(DependencyUse(dep[0], "param", location, dep[1], p.name))
                params.append(RouteParam(p.name, "dependency", annotation_text(p.annotation), location))
                continue
            source, annotation, fields = self._param_source(scope, p, path_names)
            params.append(RouteParam(p.name, source, annotation, location, fields))
        return params, deps

    def _param_source(self, scope: Scope, p, path_names: set[str]) -> tuple[str, str | None, tuple[str, ...]]:
        annotation = annotation_text(p.annotation)
        marker = p.default
        if marker is None and p.annotation is not None and getattr(p.annotation, "index", None):
            metas = p.annotation.index[1:]  # Annotated[str, Query()]
            marker = next((m for m in metas if isinstance(m, CallExpr)), None)
        if isinstance(marker, CallExpr):
            source = PARAM_SOURCES.get(self.ev.callee(scope, marker) or "")
            if source:
                return source, annotation, ()
        type_expr = p.annotation.index[0] if getattr(p.annotation, "index", None) and dotted(getattr(p.annotation, "value", None)) and dotted(p.annotation.value).endswith("Annotated") else p.annotation
        type_name = self.ev.resolve_expr(scope, type_expr)
        if type_name in REQUEST_TYPES or (type_name or "").endswith((".Request", ".WebSocket", ".BackgroundTasks")):
            return "request", annotation, ()
        if p.name in path_names:
            return "path", annotation, ()
        if type_name in self.index.classes:
            return "body", annotation, tuple(self.model_fields(type_name))
        return "query", annotation, ()

    def model_fields(self, cls_qual: str, _depth: int = 0) -> list[str]:
        located = self.index.classes.get(cls_qual)
        if located is None or _depth > 5:
            return []
        cls = located.definition
        names = [a.target for a in cls.fields if a.annotation is not None]  # type: ignore[union-attr]
        scope = Scope(located.module)
        for base in cls.bases:  # type: ignore[union-attr]
            base_qual = self.ev.resolve_expr(scope, base)
            if base_qual in self.index.classes:
                names.extend(self.model_fields(base_qual, _depth + 1))
        return names


def _path_params(path: str) -> list[str]:
    out = []
    for part in path.split("{")[1:]:
        name = part.split("}", 1)[0].split(":", 1)[0]
        if name:
            out.append(name)
    return out


def join_paths(*parts: str) -> str:
    path = ""
    for part in parts:
        if not part:
            continue
        path = path.rstrip("/") + ("/" + part.lstrip("/") if part != "/" else "/")
    return path or "/"
