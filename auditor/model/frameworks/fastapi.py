"""The FastAPI adapter: Starlette plus `APIRouter`, `Depends` and security schemes.

It finds `FastAPI(...)` and `APIRouter(...)` objects wherever they are
assigned (module level or inside an app factory), the routes declared on
them, and the `include_router` chains between them across files; a route's
dependencies come from the app, its routers, the include calls, the route
decorator and the handler's parameters.
"""

from __future__ import annotations

from typing import ClassVar

from ...parsing.facts import CallExpr, CallSite, Const, Expr, FunctionFacts, ModuleFacts, Param, Subscript, dotted
from ..evaluate import Scope, annotation_text
from ..types import App, DependencyUse, Evidence, Location, RouteParam, Unresolved
from .base import AuthVocabulary, DependencyRef, Include, development_guard
from .starlette import StarletteAdapter, path_params

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
DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security"})
SECURITY_SCHEMES = frozenset(
    f"fastapi.security.{n}"
    for n in (
        "OAuth2PasswordBearer",
        "OAuth2AuthorizationCodeBearer",
        "OAuth2",
        "HTTPBearer",
        "HTTPBasic",
        "HTTPDigest",
        "APIKeyHeader",
        "APIKeyQuery",
        "APIKeyCookie",
        "OpenIdConnect",
    )
)


class FastAPIAdapter(StarletteAdapter):
    name = "fastapi"
    markers = ("fastapi",)
    extends = (StarletteAdapter,)
    aliases: ClassVar[dict[str, str]] = {
        **StarletteAdapter.aliases,
        "fastapi.applications.FastAPI": "fastapi.FastAPI",
        "fastapi.routing.APIRouter": "fastapi.APIRouter",
        "fastapi.param_functions.Depends": "fastapi.Depends",
        "fastapi.params.Depends": "fastapi.Depends",
        "fastapi.param_functions.Security": "fastapi.Security",
        "fastapi.params.Security": "fastapi.Security",
        "fastapi.exceptions.HTTPException": "fastapi.HTTPException",
        "fastapi.middleware.cors.CORSMiddleware": "starlette.middleware.cors.CORSMiddleware",
        "fastapi.middleware.Middleware": "starlette.middleware.Middleware",
        "fastapi.Request": "starlette.requests.Request",
        "fastapi.requests.Request": "starlette.requests.Request",
        "fastapi.WebSocket": "starlette.websockets.WebSocket",
        "fastapi.responses.Response": "fastapi.Response",
        "fastapi.status": "starlette.status",
    }
    alias_prefixes: ClassVar[dict[str, str]] = {
        "fastapi.security.oauth2": "fastapi.security",
        "fastapi.security.http": "fastapi.security",
        "fastapi.security.api_key": "fastapi.security",
        "fastapi.security.open_id_connect_url": "fastapi.security",
    }
    vocabulary = AuthVocabulary(
        schemes=SECURITY_SCHEMES,
        optional_flag={s: "auto_error=False" for s in SECURITY_SCHEMES},
        library_prefixes=("fastapi.", "starlette."),
    )
    schema_generators = ("fastapi.openapi.utils.get_openapi",)
    # a FastAPI project may mount plain Starlette apps and routers: this adapter reads them too
    app_classes = frozenset({"fastapi.FastAPI", *StarletteAdapter.app_classes})
    router_classes = frozenset({"fastapi.APIRouter", *StarletteAdapter.router_classes})
    request_types = StarletteAdapter.request_types | {
        "fastapi.Request",
        "fastapi.WebSocket",
        "fastapi.BackgroundTasks",
        "fastapi.Response",
        "starlette.responses.Response",
    }

    def make_app(self, scope: Scope, ident: str, kind: str, call: CallExpr, location: Location) -> App:
        if kind != "fastapi.FastAPI":
            return super().make_app(scope, ident, kind, call, location)
        title = call.kwarg("title")
        debug = self.ev.evaluate(scope, call.kwarg("debug")) if call.kwarg("debug") is not None else None
        schema = call.kwarg("openapi_url")
        docs = None
        if not (isinstance(schema, Const) and schema.value in (None, "")):
            url = schema.value if isinstance(schema, Const) else "/openapi.json"
            docs = Evidence(f"OpenAPI schema served at {url}", location)
        limit = call.kwarg("max_body_size")  # recent FastAPI releases
        body_limit = None
        if limit is not None and not (isinstance(limit, Const) and limit.value is None):
            body_limit = Evidence("FastAPI(max_body_size=...)", location)
        return App(
            ident,
            "fastapi",
            location,
            scope.module.module,
            title.value if isinstance(title, Const) and isinstance(title.value, str) else None,
            debug=debug,
            api_docs=docs,
            docs_disabled=docs is None,
            body_limit=body_limit,
        )

    def declared_dependencies(self, scope: Scope, call: CallExpr, level: str) -> list[DependencyUse]:
        return self.dependency_list(scope, call.kwarg("dependencies"), level)

    def owner_call(self, scope: Scope, site: CallSite, owner: str, method: str, location: Location) -> None:
        call = site.call
        if method == "include_router" and call.args:
            child = self.ev.resolve_expr(scope, call.args[0])
            if child in self.out.routers:
                self.out.includes.append(
                    Include(
                        owner,
                        child,
                        self.text(scope, call.kwarg("prefix")),
                        self.dependency_list(scope, call.kwarg("dependencies"), "include"),
                        location,
                        development_guard(site.guards),
                    )
                )
        elif method == "add_api_route":
            path = call.arg(0, "path")
            handler = self.ev.resolve_expr(scope, call.arg(1, "endpoint"))
            if isinstance(path, Const) and handler:
                methods = self.methods(call.kwarg("methods")) or ("GET",)
                deps = self.dependency_list(scope, call.kwarg("dependencies"), "route")
                self.add_route(owner, methods, str(path.value), handler, location, deps)
        else:
            super().owner_call(scope, site, owner, method, location)

    def owner_decorator(self, scope: Scope, fn: FunctionFacts, decorator: CallExpr, owner: str, method: str, location: Location) -> None:
        if method in HTTP_METHODS or method in ("api_route", "websocket"):
            path = decorator.arg(0, "path")
            if not (isinstance(path, Const) and isinstance(path.value, str)):
                self.out.unresolved.append(Unresolved(f"@{dotted(decorator.func)}(...)", "its path is computed at run time", location))
                return
            if method == "api_route":
                methods = self.methods(decorator.kwarg("methods")) or ("GET",)
            elif method == "websocket":
                methods = ("WEBSOCKET",)
            else:
                methods = (method.upper(),)
            deps = self.dependency_list(scope, decorator.kwarg("dependencies"), "route") + self._class_dependencies(fn)
            self.add_route(owner, methods, path.value, fn.qualname, location, deps)
        else:
            super().owner_decorator(scope, fn, decorator, owner, method, location)

    def _class_dependencies(self, fn: FunctionFacts) -> list[DependencyUse]:
        """A class-based view (fastapi-utils' `@cbv(router)` and its kind): class attributes declared with
        `Depends(...)` are resolved for every method route, like parameters of each handler."""
        located = self.index.classes.get(fn.class_name or "")
        if located is None:
            return []
        scope = Scope(located.module)
        out: list[DependencyUse] = []
        for attribute in located.definition.fields:
            param = Param(attribute.target, attribute.annotation, attribute.value, "keyword", attribute.span)
            found = self.param_dependency(scope, param)
            if found is not None:
                out.append(DependencyUse(found.target, "router", self.at(scope, attribute.span), found.scopes, attribute.target, found.instance))
        return out

    # --- dependencies -----------------------------------------------------------------

    def dependency(self, scope: Scope, expr: Expr | None) -> DependencyRef | None:
        """For `Depends(x)` / `Security(x, scopes=[...])`: x's qualified name and the scopes."""
        if not isinstance(expr, CallExpr):
            return None
        if self.ev.callee(scope, expr) not in DEPENDS:
            return None
        target = expr.arg(0, "dependency")
        if target is None:
            return None
        scopes_expr = expr.kwarg("scopes")
        scopes = tuple(i.value for i in getattr(scopes_expr, "items", ()) if isinstance(i, Const) and isinstance(i.value, str))
        if isinstance(target, CallExpr):  # Depends(JWTBearer()) or Depends(require_role("admin"))
            name = self.ev.callee(scope, target)
            return DependencyRef(name or "?", scopes, instance=True)
        name = self.ev.resolve_expr(scope, target)
        return DependencyRef(name, scopes) if name else None

    def param_dependency(self, scope: Scope, param: Param) -> DependencyRef | None:
        return self.dependency(scope, param.default) or self.annotated_dependency(scope, param.annotation)

    def annotated_dependency(self, scope: Scope, annotation: Expr | None, _depth: int = 0) -> DependencyRef | None:
        """`Annotated[User, Depends(get_user)]`, directly or through an alias in another module."""
        if annotation is None or _depth > 5:
            return None
        if isinstance(annotation, Subscript):
            if (self.ev.resolve_expr(scope, annotation.value) or "").endswith("Annotated"):
                for meta in annotation.index[1:]:
                    found = self.dependency(scope, meta)
                    if found:
                        return found
            return None
        name = dotted(annotation)
        if name is None:
            return None
        located = self.index.globals.get(self.ev.resolve(scope, name))
        if located:
            alias = located[-1]
            return self.annotated_dependency(Scope(alias.module), alias.definition.value, _depth + 1)
        return None

    def dependency_list(self, scope: Scope, expr: Expr | None, level: str) -> list[DependencyUse]:
        out: list[DependencyUse] = []
        for item in getattr(expr, "items", ()):
            found = self.dependency(scope, item)
            if found:
                out.append(DependencyUse(found.target, level, self.at(scope, item.span), found.scopes, instance=found.instance))
        return out

    # --- parameters -------------------------------------------------------------------

    def params(self, handler: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        """Where each handler parameter comes from, and the dependencies among them."""
        scope = self.ev.enclosing(handler, module)
        path_names = {name for name, _ in path_params(path)}
        params: list[RouteParam] = []
        deps: list[DependencyUse] = []
        for p in handler.params:
            if p.name in ("self", "cls") or p.kind in ("var_positional", "var_keyword"):
                continue
            location = Location(module.path, p.span)
            dep = self.param_dependency(scope, p)
            if dep:
                deps.append(DependencyUse(dep.target, "param", location, dep.scopes, p.name, instance=dep.instance))
                params.append(RouteParam(p.name, "dependency", annotation_text(p.annotation), location))
                continue
            source, annotation, fields = self._param_source(scope, p, path_names)
            bounded = _bounded(p.default) or _bounded(p.annotation)  # Query(20, le=100), conint(le=100)
            params.append(RouteParam(p.name, source, annotation, location, fields, bounded))
        return params, deps

    def _param_source(self, scope: Scope, p: Param, path_names: set[str]) -> tuple[str, str | None, tuple[str, ...]]:
        annotation = annotation_text(p.annotation)
        marker = p.default
        if marker is None and isinstance(p.annotation, Subscript) and p.annotation.index:
            metas = p.annotation.index[1:]  # Annotated[str, Query()]
            marker = next((m for m in metas if isinstance(m, CallExpr)), None)
        if isinstance(marker, CallExpr):
            source = PARAM_SOURCES.get(self.ev.callee(scope, marker) or "")
            if source:
                return source, annotation, ()
        type_expr = p.annotation
        if isinstance(p.annotation, Subscript) and (dotted(p.annotation.value) or "").endswith("Annotated"):
            type_expr = p.annotation.index[0]
        type_name = self.ev.resolve_expr(scope, type_expr)
        if self.is_request_type(type_name):
            return "request", annotation, ()
        if p.name in path_names:
            return "path", annotation, ()
        if type_name in self.index.classes:
            return "body", annotation, tuple(self.model_fields(type_name))
        return "query", annotation, ()


def _bounded(expr: Expr | None) -> bool:
    if isinstance(expr, CallExpr):
        return any(expr.kwarg(b) is not None for b in ("le", "lt")) or any(_bounded(a) for a in expr.args)
    if isinstance(expr, Subscript):
        return any(_bounded(i) for i in expr.index)
    return False
