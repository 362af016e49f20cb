"""The Flask adapter: apps, blueprints, views, Flask-RESTX/RESTful resources, hooks, extensions.

Routes hang off the app or off blueprints registered on it (nested, with the
registration's `url_prefix` replacing the blueprint's own). A view is
authenticated by a decorator below its route decorator, by a `before_request`
hook that rejects (with its exemptions), or by a check in the view; a hook
that only loads the user authenticates nothing. App-wide settings come from
`app.config` and the config class production selects (see `flask_config.py`).
"""

from __future__ import annotations

from typing import ClassVar

from ...parsing.facts import Assignment, Attr, CallExpr, CallSite, ClassFacts, Const, DictExpr, Expr, FunctionFacts, ModuleFacts, Seq, dotted
from ..evaluate import Scope, status_code
from ..types import App, DependencyUse, ExceptionHandler, Location, RawRead, RouteParam, Unresolved
from .base import AuthVocabulary, Collected, Decorator, FrameworkAdapter, Include, RouteDecl, RouterDecl, development_guard
from .flask_config import FlaskSettings
from .requests import RequestShape, request_reads

FLASK_APPS = frozenset({"flask.Flask", "flask.app.Flask", "flask_openapi3.OpenAPI", "apiflask.APIFlask"})
BLUEPRINTS = frozenset({"flask.Blueprint", "flask.blueprints.Blueprint", "flask_smorest.Blueprint", "flask_openapi3.APIBlueprint", "apiflask.APIBlueprint"})
REST_APIS = frozenset({"flask_restx.Api", "flask_restplus.Api", "flask_restful.Api"})
NAMESPACES = frozenset({"flask_restx.Namespace", "flask_restplus.Namespace"})
SMOREST_API = "flask_smorest.Api"
VIEW_CLASSES = frozenset({"flask.views.MethodView", "flask.views.View", "flask_restx.Resource", "flask_restful.Resource", "flask_restplus.Resource"})
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
REQUEST = "flask.request"
REQUEST_SHAPE = RequestShape(
    body_calls=frozenset({"get_json"}),
    body_attrs=frozenset({"json", "form", "values"}),
    containers={"args": "query", "form": "form", "values": "query", "view_args": "path", "headers": "header", "cookies": "cookie"},
    raw_containers=frozenset({"args", "form", "values"}),
)


class FlaskAdapter(FrameworkAdapter):
    name = "flask"
    markers = ("flask",)
    aliases: ClassVar[dict[str, str]] = {
        "flask.app.Flask": "flask.Flask",
        "flask.globals.request": REQUEST,
        "flask.blueprints.Blueprint": "flask.Blueprint",
        "werkzeug.exceptions.abort": "flask.abort",
        "flask_login.utils.login_required": "flask_login.login_required",
        "flask_jwt_extended.view_decorators.jwt_required": "flask_jwt_extended.jwt_required",
        "flask_cors.extension.CORS": "flask_cors.CORS",
        "flask_cors.decorator.cross_origin": "flask_cors.cross_origin",
        "flask_limiter.extension.Limiter": "flask_limiter.Limiter",
    }
    vocabulary = AuthVocabulary(
        decorators=frozenset(
            {
                "flask_login.login_required",
                "flask_login.fresh_login_required",
                "flask_jwt_extended.jwt_required",
                "flask_jwt_extended.fresh_jwt_required",
                "flask_security.auth_required",
                "flask_security.login_required",
                "flask_security.roles_required",
                "flask_security.roles_accepted",
                "flask_security.permissions_required",
                "flask_security.auth_token_required",
                "flask_praetorian.auth_required",
                "flask_praetorian.roles_required",
                "flask_praetorian.roles_accepted",
            }
        ),
        optional_flag={
            "flask_jwt_extended.jwt_required": "optional=True",
            **{f"flask_httpauth.{c}.login_required": "optional=True" for c in ("HTTPBasicAuth", "HTTPTokenAuth", "HTTPDigestAuth", "MultiAuth")},
        },
        decorator_methods={f"flask_httpauth.{c}": frozenset({"login_required"}) for c in ("HTTPBasicAuth", "HTTPTokenAuth", "HTTPDigestAuth", "MultiAuth")},
        rejecting_calls={
            "flask.abort": 0,
            "flask_restx.abort": 0,
            "flask_restful.abort": 0,
            "flask_smorest.abort": 0,
            "flask_login.LoginManager.unauthorized": -1,
            "flask_httpauth.HTTPBasicAuth.auth_error_callback": -1,
        },
        library_prefixes=("flask.", "werkzeug.", "flask_restx.", "flask_restful.", "flask_smorest."),
    )
    capability_libraries: ClassVar[dict[str, tuple[str, ...]]] = {
        "security-headers": ("flask_talisman", "flask_seasurf"),
        "metrics": ("prometheus_flask_exporter",),
        "correlation-id": ("flask_request_id", "flask_log_request_id", "flask_request_id_header"),
    }
    schema_generators = ("apispec.APISpec", "flasgger.Swagger", "spectree.SpecTree")

    # --- collection ------------------------------------------------------------

    def collect(self, out: Collected) -> None:
        self.out = out
        self.apis: dict[str, str | None] = {}  # Flask-RESTX/RESTful Api -> the app or blueprint it is bound to
        self.smorest: dict[str, str | None] = {}  # flask-smorest Api -> the app it is bound to
        self.no_specs: set[str] = set()  # RESTX Apis built with add_specs=False: no swagger.json
        self.api_classes: dict[str, str] = {}  # Api objects of a project subclass -> that class
        self.app_hooks: list[tuple[str, DependencyUse]] = []  # before_app_request on blueprints
        calls = self.declare_objects(out)
        for scope, site in calls:  # registrations first: routes of an Api attach to what it is bound to
            self._registration(scope, site)
        for scope, site in calls:
            self._call(scope, site)
        for module in self.index.modules.values():
            for fn in module.functions.values():
                self._function_decorators(module, fn)
            for cls in module.classes.values():
                self._class_decorators(module, cls)
        self._apply_app_hooks()
        FlaskSettings(self, out).apply()

    def declare_object(self, scope: Scope, assignment: Assignment, call: CallExpr) -> None:
        kind = self.ev.callee(scope, call) or ""
        ident = self.object_id(scope, assignment)
        if ident is None:
            return
        location = self.at(scope, call.span)
        if kind in FLASK_APPS or (kind in self.index.classes and self.subclass_of(kind, FLASK_APPS)):
            self.out.apps[ident] = App(ident, "flask", location, scope.module.module)
            self.out.app_dependencies[ident] = []
            self.out.owners[ident] = self
        elif kind in BLUEPRINTS or (kind in self.index.classes and self.subclass_of(kind, BLUEPRINTS)):
            name = call.arg(0, "name")
            router = RouterDecl(
                ident,
                location,
                self.text(scope, call.kwarg("url_prefix")),
                name=name.value if isinstance(name, Const) and isinstance(name.value, str) else None,
            )
            self.out.routers[ident] = router
            self.out.owners[ident] = self
        elif kind in REST_APIS or kind == SMOREST_API or (kind in self.index.classes and self.subclass_of(kind, REST_APIS)):
            if kind not in REST_APIS and kind != SMOREST_API:
                self.api_classes[ident] = kind
            self.out.routers[ident] = RouterDecl(ident, location, self.text(scope, call.kwarg("prefix")))
            self.out.owners[ident] = self
            bound = self.ev.resolve_expr(scope, call.arg(0, "app"))
            apis = self.apis if kind in REST_APIS else self.smorest
            apis[ident] = bound
            if kind == "flask_restful.Api" or (kind in REST_APIS and _off(call.kwarg("add_specs"))):
                self.no_specs.add(ident)
            if bound in self.out.apps or bound in self.out.routers:
                self.out.includes.append(Include(bound, ident, "", [], location))
        elif kind in NAMESPACES:
            name = call.arg(0, "name")
            path = call.kwarg("path")
            prefix = self.text(scope, path) if path is not None else (f"/{name.value}" if isinstance(name, Const) and isinstance(name.value, str) else "")
            self.out.routers[ident] = RouterDecl(ident, location, prefix)
            self.out.owners[ident] = self
        if ident in self.out.routers and call.kwarg("decorators") is not None:  # Api/Namespace(decorators=[...])
            self.out.routers[ident].decorators = tuple(Decorator(d, scope, location) for d in getattr(call.kwarg("decorators"), "items", ()))

    def _registration(self, scope: Scope, site: CallSite) -> None:
        """`api.init_app(app)`: an Api bound after it was built."""
        call = site.call
        if not isinstance(call.func, Attr) or call.func.attr != "init_app" or not call.args:
            return
        owner = self.ev.resolve_expr(scope, call.func.value)
        target = self.owner_of(self.out, scope, call.args[0])
        apis = self.apis if owner in self.apis else self.smorest
        if owner in apis and apis[owner] is None and (target in self.out.apps or target in self.out.routers):
            apis[owner] = target
            self.out.includes.append(Include(target, owner, "", [], self.at(scope, call.span)))

    def _call(self, scope: Scope, site: CallSite) -> None:
        call = site.call
        if not isinstance(call.func, Attr):
            return
        method = call.func.attr
        owner = self.owner_of(self.out, scope, call.func.value)
        if owner is None:
            return
        location = self.at(scope, call.span)
        if method == "register_blueprint" and call.args:
            child = self.ev.resolve_expr(scope, call.args[0])
            if child in self.out.routers:
                prefix = call.kwarg("url_prefix")
                self.out.includes.append(
                    Include(owner, child, self.text(scope, prefix), [], location, development_guard(site.guards), replaces=prefix is not None)
                )
        elif method == "add_namespace" and call.args:
            child = self.ev.resolve_expr(scope, call.args[0])
            if child in self.out.routers:
                path = call.arg(1, "path")
                self.out.includes.append(Include(owner, child, self.text(scope, path), [], location, replaces=path is not None))
        elif method == "add_url_rule":
            self._url_rule(scope, owner, call, location)
        elif method == "add_resource" or self._adds_resources(owner, method):
            cls = self.ev.resolve_expr(scope, call.args[0])
            endpoint = call.kwarg("endpoint")
            for path in call.args[1:]:
                if isinstance(path, Const) and isinstance(path.value, str) and cls:
                    self._view_class(owner, path.value, cls, location, _text(endpoint))
                elif not isinstance(path, Const):  # `api.add_resource(resource, *paths)` in a helper
                    self.out.unresolved.append(Unresolved(f"{dotted(call.func) or method}(...)", "its path is computed at run time", location))
        elif method in ("before_request", "before_app_request") and call.args:
            fn = self.ev.resolve_expr(scope, call.args[0])
            if fn:
                self._before(owner, method, fn, location)
        elif method == "register_error_handler" and len(call.args) >= 2:
            self._error_handler(scope, owner, call.args[0], self.ev.resolve_expr(scope, call.args[1]), location)

    def _adds_resources(self, owner: str, method: str) -> bool:
        """`api.add_org_resource(...)` on an Api subclass whose method calls `self.add_resource(...)`."""
        cls = self.api_classes.get(owner)
        fn = self.index.function(f"{cls}.{method}") if cls else None
        return fn is not None and any(isinstance(s.call.func, Attr) and s.call.func.attr == "add_resource" for s in fn.calls)

    def _url_rule(self, scope: Scope, owner: str, call: CallExpr, location: Location) -> None:
        path = call.arg(0, "rule")
        view = call.arg(2, "view_func")
        endpoint = call.arg(1, "endpoint")
        if view is None:
            return
        if not (isinstance(path, Const) and isinstance(path.value, str)):
            self.out.unresolved.append(Unresolved(f"{dotted(call.func) or 'add_url_rule'}(...)", "its path is computed at run time", location))
            return
        wrappers: tuple[Decorator, ...] = ()
        while isinstance(view, CallExpr) and view.args and not _as_view(view):  # login_required(dashboard), jwt_required()(View.as_view(...))
            wrappers += (Decorator(view.func, scope, location),)
            view = view.args[0]
        if isinstance(view, CallExpr) and isinstance(view.func, Attr) and _as_view(view):  # MethodView.as_view("items")
            cls = self.ev.resolve_expr(scope, view.func.value)
            if cls:
                self._view_class(owner, path.value, cls, location, _text(view.arg(0, "name")), self.methods(call.kwarg("methods")), wrappers)
            return
        handler = self.ev.resolve_expr(scope, view)
        fn = self.index.function(handler)
        if fn is None and self.unresolvable(handler):
            self.out.unresolved.append(Unresolved(f"add_url_rule({path.value!r})", "its view function could not be resolved", location))
        if handler and fn is not None:
            methods = self.methods(call.kwarg("methods")) or ("GET",)
            self.out.routes.append(RouteDecl(owner, methods, path.value, handler, location, [], wrappers, _text(endpoint) or fn.name))

    def _view_class(
        self, owner: str, path: str, cls: str, location: Location, endpoint: str | None, methods: tuple[str, ...] = (), outer: tuple[Decorator, ...] = ()
    ) -> None:
        """A MethodView / Resource: one route per HTTP method it implements, wrapped by its class decorators."""
        handlers = [(m.upper(), f"{c}.{m}") for m in HTTP_METHODS for c in [self._defining_class(cls, m)] if c]
        dispatcher = self._defining_class(cls, "dispatch_request")
        if not handlers and dispatcher:  # a plain View: its `methods` attribute says which
            declared = methods or self._class_methods(cls) or ("GET",)
            handlers = [(m, f"{dispatcher}.dispatch_request") for m in declared]
        for method, handler in handlers:
            if methods and method not in methods:
                continue
            wrappers = outer + self._class_wrappers(cls, method.lower())
            self.out.routes.append(RouteDecl(owner, (method,), path, handler, location, [], wrappers, endpoint or cls.rsplit(".", 1)[-1].lower()))

    def _class_methods(self, cls: str) -> tuple[str, ...]:
        located = self.index.classes.get(cls)
        field = next((f for f in located.definition.fields if f.target == "methods"), None) if located else None
        return self.methods(field.value) if field is not None else ()

    def _defining_class(self, cls: str, method: str, depth: int = 0) -> str | None:
        if f"{cls}.{method}" in self.index.functions:
            return cls
        located = self.index.classes.get(cls)
        if located is None or depth > 5:
            return None
        scope = Scope(located.module)
        for base in located.definition.bases:
            found = self._defining_class(self.ev.resolve_expr(scope, base) or "", method, depth + 1)
            if found:
                return found
        return None

    def _class_wrappers(self, cls: str, method: str, depth: int = 0) -> tuple[Decorator, ...]:
        """`decorators = [...]` / `method_decorators = [...]` (or `{"post": [...]}`, per method) on the class or its bases."""
        located = self.index.classes.get(cls)
        if located is None or depth > 5:
            return ()
        definition: ClassFacts = located.definition
        scope = Scope(located.module)
        out: list[Decorator] = []
        for field in definition.fields:
            if field.target in ("decorators", "method_decorators"):
                items = field.value.items if isinstance(field.value, Seq) else ()
                if isinstance(field.value, DictExpr):
                    chosen = [v for k, v in zip(field.value.keys, field.value.values, strict=False) if isinstance(k, Const) and k.value == method]
                    items = tuple(i for v in chosen if isinstance(v, Seq) for i in v.items)
                out += [Decorator(item, scope, Location(located.module.path, field.span)) for item in items]
        for base in definition.bases:
            out += self._class_wrappers(self.ev.resolve_expr(scope, base) or "", method, depth + 1)
        return tuple(out)

    def _before(self, owner: str, kind: str, fn: str, location: Location) -> None:
        dep = DependencyUse(fn, "app" if owner in self.out.apps else "router", location, hook=True)
        if kind == "before_app_request" and owner in self.out.routers:
            self.app_hooks.append((owner, DependencyUse(fn, "app", location, hook=True)))
        elif owner in self.out.apps:
            self.out.app_dependencies[owner].append(dep)
        elif owner in self.out.routers:
            self.out.routers[owner].dependencies.append(dep)

    def _apply_app_hooks(self) -> None:
        """A blueprint's `before_app_request` runs for every route of the apps that register it."""
        for router, dep in self.app_hooks:
            for app in self._apps_of(router, set()):
                self.out.app_dependencies[app].append(dep)

    def _apps_of(self, owner: str, seen: set[str]) -> set[str]:
        if owner in self.out.apps:
            return {owner}
        seen.add(owner)
        return {a for inc in self.out.includes if inc.child == owner and inc.parent not in seen for a in self._apps_of(inc.parent, seen)}

    def _error_handler(self, scope: Scope, app: str, exc_expr: Expr, fn: str | None, location: Location) -> None:
        exc = self.ev.resolve_expr(scope, exc_expr) or str(status_code(exc_expr) or "?")
        info = self.index.function(fn) if fn else None
        param = info.params[0].name if info is not None and info.params else None
        if app in self.out.apps:
            self.out.exception_handlers.append(ExceptionHandler(app, exc, fn, location, param))

    # --- decorators ------------------------------------------------------------------

    def _function_decorators(self, module: ModuleFacts, fn: FunctionFacts) -> None:
        scope = self.ev.enclosing(fn, module)
        for position, decorator in enumerate(fn.decorators):
            func = decorator.func if isinstance(decorator, CallExpr) else decorator
            if not isinstance(func, Attr):
                continue
            method = func.attr
            owner = self.owner_of(self.out, scope, func.value)
            if owner is None:
                self.unresolved_decorator(self.out, scope, decorator, frozenset({"route", *HTTP_METHODS}))
                continue
            location = self.at(scope, getattr(decorator, "span", fn.header))
            if isinstance(decorator, CallExpr) and (method == "route" or method in HTTP_METHODS) and owner not in self.apis:
                path = decorator.arg(0, "rule")
                if not (isinstance(path, Const) and isinstance(path.value, str)):
                    what = f"@{dotted(func) or method}(...)"  # `@routes.route(org_scoped_rule("/queries"))`
                    self.out.unresolved.append(Unresolved(what, "its path is computed at run time", location))
                    continue
                methods = (method.upper(),) if method != "route" else (self.methods(decorator.kwarg("methods")) or ("GET",))
                endpoint = decorator.kwarg("endpoint")
                # only the decorators below the route decorator wrap what Flask registers
                below = tuple(Decorator(d, scope, Location(module.path, fn.header)) for d in fn.decorators[position + 1 :])
                name = endpoint.value if isinstance(endpoint, Const) and isinstance(endpoint.value, str) else fn.name
                self.out.routes.append(RouteDecl(owner, methods, path.value, fn.qualname, location, [], below, name, own_decorators=False))
            elif method in ("before_request", "before_app_request"):
                self._before(owner, method, fn.qualname, location)
            elif method in ("errorhandler", "app_errorhandler") and isinstance(decorator, CallExpr) and decorator.args:
                target = owner if owner in self.out.apps else next(iter(self._apps_of(owner, set())), owner)
                self._error_handler(scope, target, decorator.args[0], fn.qualname, location)

    def _class_decorators(self, module: ModuleFacts, cls: ClassFacts) -> None:
        """`@ns.route("/items")` / `@api.route(...)` on a Resource class."""
        scope = Scope(module)
        for decorator in cls.decorators:
            if not isinstance(decorator, CallExpr) or not isinstance(decorator.func, Attr) or decorator.func.attr != "route":
                continue
            owner = self.owner_of(self.out, scope, decorator.func.value)
            if owner is None:
                continue
            endpoint = decorator.kwarg("endpoint")
            for path in decorator.args:
                if isinstance(path, Const) and isinstance(path.value, str):
                    self._view_class(owner, path.value, cls.qualname, self.at(scope, decorator.span), _text(endpoint))

    @staticmethod
    def methods(expr: Expr | None) -> tuple[str, ...]:
        if isinstance(expr, (Seq,)):
            return tuple(str(i.value).upper() for i in expr.items if isinstance(i, Const))
        return ()

    # --- what the view receives ---------------------------------------------------------

    def _is_request(self, scope: Scope):
        return lambda name: self.ev.resolve(scope, name) == REQUEST

    def params(self, handler: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        params: list[RouteParam] = []
        converters = dict(_converters(path))
        for p in handler.params:
            if p.name in ("self", "cls") or p.kind in ("var_positional", "var_keyword"):
                continue
            params.append(RouteParam(p.name, "path" if p.name in converters else "other", converters.get(p.name), Location(module.path, p.span)))
        scope = Scope(module, handler)
        reads = request_reads(handler, self._is_request(scope), REQUEST_SHAPE)
        params += [RouteParam(r.key, r.source, None, Location(module.path, r.span), bounded=r.bounded) for r in reads if r.key]
        params += self.validated_params(scope, reads, module)
        return params, []

    def raw_reads(self, handler: FunctionFacts, module: ModuleFacts, params: list[RouteParam]) -> tuple[RawRead, ...]:
        scope = Scope(module, handler)
        reads = request_reads(handler, self._is_request(scope), REQUEST_SHAPE)
        return tuple(RawRead(r.text, Location(module.path, r.span)) for r in reads if r.raw and not r.validated)


def _as_view(call: CallExpr) -> bool:
    return isinstance(call.func, Attr) and call.func.attr == "as_view"


def _text(expr: Expr | None) -> str | None:
    return expr.value if isinstance(expr, Const) and isinstance(expr.value, str) else None


def _off(expr: Expr | None) -> bool:
    return isinstance(expr, Const) and expr.value is False


def _converters(path: str) -> list[tuple[str, str | None]]:
    """`/orgs/<int:org_id>/items/<name>` -> [("org_id", "int"), ("name", None)]."""
    out: list[tuple[str, str | None]] = []
    for part in path.split("<")[1:]:
        inner = part.split(">", 1)[0]
        converter, _, name = inner.rpartition(":")
        out.append((name, converter.split("(")[0] or None))
    return out
