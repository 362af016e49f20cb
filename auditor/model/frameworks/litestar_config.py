"""What a Litestar app is configured with: middleware, security backends, hooks, CORS, limits, docs.

Configuration objects are often built apart from the app (`jwt_auth = JWTAuth[User](...)` in
another module, `rate_limit = RateLimitConfig(...)` inside the factory, a helper returning a
`PrometheusConfig`), so every option is followed to its construction. Auth middleware
authenticates when the code it runs per request rejects a caller without credentials; the
security backends (`JWTAuth`, `SessionAuth`...) always do, except on the paths their `exclude`
patterns match (`re.search`) and for handlers whose opt carries their exclusion key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from packaging.version import Version

from ...parsing.facts import Attr, CallExpr, Const, DictExpr, Expr, Name, Other, Seq, dotted
from ...pins import lowest_version
from ..capabilities import SECURITY_HEADERS
from ..cors import cors_policy
from ..evaluate import Scope, status_code
from ..types import App, Evidence, ExceptionHandler, Hook, Location, Middleware, Value
from .base import Collected

if TYPE_CHECKING:
    from collections.abc import Callable

    from .litestar import LitestarAdapter

APP = "litestar.Litestar"
APP_CLASSES = frozenset({APP, f"{APP}.from_config"})
APP_CONFIG = "litestar.config.app.AppConfig"
AUTH_MIDDLEWARE = "litestar.middleware.AbstractAuthenticationMiddleware"
ASGI_MIDDLEWARE = "litestar.middleware.ASGIMiddleware"
DEFINE_MIDDLEWARE = "litestar.middleware.DefineMiddleware"
SECURITY_BACKENDS = frozenset(
    f"litestar.security.{m}" for m in ("jwt.JWTAuth", "jwt.JWTCookieAuth", "jwt.OAuth2PasswordBearerAuth", "session_auth.SessionAuth")
)
CORS_CONFIG = "litestar.config.cors.CORSConfig"
RATE_LIMIT_CONFIG = "litestar.middleware.rate_limit.RateLimitConfig"
# request_max_body_size (default 10 MB) exists from this release on; older ones read bodies of any size
BODY_LIMIT_SINCE = Version("2.13.0")
HOOK_KINDS = (("lifespan", "lifespan"), ("on_startup", "startup"), ("on_shutdown", "shutdown"))
# what an `on_app_init` function may add to the app's config: `app_config.guards.append(...)`
APP_CONFIG_LISTS = frozenset({"middleware", "guards", "route_handlers", "on_startup", "on_shutdown", "lifespan"})


class LitestarSettings:
    aliases: ClassVar[dict[str, str]] = {
        "litestar.middleware.authentication.AbstractAuthenticationMiddleware": AUTH_MIDDLEWARE,
        "litestar.middleware.base.ASGIMiddleware": ASGI_MIDDLEWARE,
        "litestar.middleware.base.DefineMiddleware": DEFINE_MIDDLEWARE,
        "litestar.middleware.base.AbstractMiddleware": "litestar.middleware.AbstractMiddleware",
        "litestar.exceptions.http_exceptions.NotAuthorizedException": "litestar.exceptions.NotAuthorizedException",
        "litestar.exceptions.http_exceptions.PermissionDeniedException": "litestar.exceptions.PermissionDeniedException",
        "litestar.exceptions.http_exceptions.HTTPException": "litestar.exceptions.HTTPException",
        **{f"litestar.security.jwt.auth.{c}": f"litestar.security.jwt.{c}" for c in ("JWTAuth", "JWTCookieAuth", "OAuth2PasswordBearerAuth")},
        "litestar.security.session_auth.auth.SessionAuth": "litestar.security.session_auth.SessionAuth",
        "litestar.config.cors.CORSConfig": CORS_CONFIG,
        "litestar.middleware.rate_limit.RateLimitConfig": RATE_LIMIT_CONFIG,
        "litestar.config.app.AppConfig": APP_CONFIG,
        "litestar.app.Litestar.from_config": f"{APP}.from_config",
    }

    def __init__(self, adapter: LitestarAdapter, out: Collected) -> None:
        self.adapter = adapter
        self.ev = adapter.ev
        self.index = adapter.index
        self.auth = adapter.auth
        self.out = out

    # --- following an option to where it is built ------------------------------------------

    def construction(self, scope: Scope, expr: Expr | None, depth: int = 0) -> tuple[Scope, Expr] | None:
        """The expression a name holds (a local, a global, another module's), or what a project factory returns."""
        if expr is None or depth > 6:
            return None
        if isinstance(expr, (Name, Attr)):
            name = dotted(expr)
            if name is None:
                return None
            qual = self.ev.resolve(scope, name)
            owner, _, local = qual.rpartition(".<locals>.")
            located_fn = self.index.functions.get(owner) if owner and "." not in local else None
            if located_fn is not None:  # a local of this factory (or of the one around it)
                values = [a.value for a in located_fn.definition.assignments if a.target == local and not a.is_global and a.value is not None]
                return self.construction(Scope(located_fn.module, located_fn.definition), values[-1], depth + 1) if values else None
            found = [g for g in self.index.globals.get(qual, ()) if g.definition.value is not None]
            return self.construction(Scope(found[-1].module), found[-1].definition.value, depth + 1) if found else None
        if isinstance(expr, CallExpr):
            factory = self.index.functions.get(self.ev.callee(scope, expr) or "")
            if factory is not None:  # `request_metrics()` returning a PrometheusConfig
                inner = Scope(factory.module, factory.definition)
                return next((f for r in factory.definition.return_sites if (f := self.construction(inner, r.value, depth + 1))), None)
        return scope, expr

    def class_of(self, scope: Scope, call: CallExpr) -> str | None:
        """The class a call builds, generic ones included: `JWTAuth[User](...)`."""
        func = call.func
        if not isinstance(func, (Name, Attr)):
            func = getattr(func, "value", func)  # a Subscript: `Cls[T]`
        return self.ev.resolve_expr(scope, func)

    def items(self, scope: Scope, expr: Expr | None) -> list[tuple[Scope, Expr]]:
        """The entries of a list option (`middleware=[...]`, `lifespan=[...]`, a list variable or a factory
        returning one); any other value is one entry, judged where it is written."""
        found = self.construction(scope, expr) if expr is not None else None
        if found is None or not isinstance(found[1], Seq):
            return [(scope, expr)] if expr is not None else []
        out: list[tuple[Scope, Expr]] = []
        for item in found[1].items:
            spread = splat(item)
            out += self.items(found[0], spread) if spread is not None else [(found[0], item)]
        return out

    # --- apps and layers -------------------------------------------------------------------

    def app_call(self, scope: Scope, call: CallExpr) -> tuple[Scope, CallExpr] | None:
        """The call that holds the app's options: `Litestar(...)`, or the `AppConfig` of `Litestar.from_config(...)`."""
        if self.ev.callee(scope, call) != f"{APP}.from_config":
            return scope, call
        found = self.construction(scope, call.arg(0, "config"))
        if found is None or not isinstance(found[1], CallExpr) or self.class_of(found[0], found[1]) != APP_CONFIG:
            return None
        return found[0], found[1]

    def declare_app(self, scope: Scope, ident: str, call: CallExpr, location: Location) -> None:
        debug = call.kwarg("debug")
        if isinstance(debug, Const) and debug.value is None:
            debug = None  # `debug=None` (the default): the LITESTAR_DEBUG environment variable decides
        openapi = call.kwarg("openapi_config")
        docs_off = isinstance(openapi, Const) and openapi.value is None
        docs = None if docs_off else Evidence("OpenAPI served by Litestar (openapi_config, /schema by default)", location)
        self.out.apps[ident] = App(
            ident,
            "litestar",
            location,
            scope.module.module,
            debug=self.ev.evaluate(scope, debug) if debug is not None else None,
            api_docs=docs,
            docs_disabled=docs_off,
            security_headers=self._response_headers(scope, call.kwarg("response_headers"), location),
        )
        self.out.app_dependencies[ident] = self.adapter.layer_hooks(scope, call.kwarg("guards"), call.kwarg("before_request"), "app", location)
        self.out.owners[ident] = self.adapter
        self.layer(scope, ident, call.kwarg, middleware=False)  # the app's middleware waits for every router (apply)

    def _response_headers(self, scope: Scope, expr: Expr | None, location: Location) -> Evidence | None:
        """`response_headers=[ResponseHeader(name="Strict-Transport-Security", ...)]`: Litestar adds them to every response."""
        names = set()
        for item in getattr(expr, "items", ()):
            if isinstance(item, CallExpr):
                name = item.arg(0, "name")
                if isinstance(name, Const) and isinstance(name.value, str):
                    names.add(name.value.lower())
        found = sorted(names & set(SECURITY_HEADERS))
        return Evidence(f"response_headers set {', '.join(found)}", location) if len(found) >= 2 else None

    def layer(self, scope: Scope, ident: str, option: Callable[[str], Expr | None], middleware: bool = True) -> None:
        """What any layer sets beside paths, guards and dependencies: body limit, middleware, after-hooks."""
        limit = option("request_max_body_size")
        if limit is not None:
            self.adapter.body_limits[ident] = (scope, limit)
        if middleware:
            for item_scope, item in self.items(scope, option("middleware")):
                self.middleware(item_scope, ident, item)
        location = self.out.apps[ident].location if ident in self.out.apps else self.out.routers[ident].location
        for key in ("after_request", "after_response"):  # they run on every request: audit logs live there
            fn = self.ev.resolve_expr(scope, option(key))
            if fn in self.index.functions:
                self.out.middleware.append(Middleware(ident, fn, location, "function"))

    def apply(self, declared: list[tuple[Scope, str, CallExpr]]) -> None:
        for scope, ident, call in declared:
            if ident not in self.out.apps:
                continue
            location = self.out.apps[ident].location
            for item_scope, item in self.items(scope, call.kwarg("middleware")):
                self.middleware(item_scope, ident, item)
            for item_scope, item in self.items(scope, call.kwarg("on_app_init")):
                self._app_init(item_scope, ident, item)
            for item_scope, item in self.items(scope, call.kwarg("plugins")):  # a project plugin's on_app_init
                found = self.construction(item_scope, item)
                plugin = found[1] if found is not None and isinstance(found[1], CallExpr) else None
                cls = self.class_of(found[0], plugin) if found is not None and plugin is not None else None
                self._app_init_function(self._method(cls, "on_app_init") if cls else None, ident)
            for key, kind in HOOK_KINDS:
                for item_scope, item in self.items(scope, call.kwarg(key)):
                    self.out.hooks.append(Hook(ident, kind, self.ev.resolve_expr(item_scope, item), location))
            self._exception_handlers(scope, ident, call.kwarg("exception_handlers"), location)
            self._cors(scope, ident, call.kwarg("cors_config"))
        for scope, ident, call in declared:  # once every backend has served its handlers
            if ident in self.out.apps:
                self.out.apps[ident] = replace(self.out.apps[ident], body_limit=self._body_limit(scope, ident, call))

    # --- middleware and security backends ------------------------------------------------------

    def middleware(self, scope: Scope, owner: str, item: Expr, depth: int = 0) -> None:
        location = self.adapter.at(scope, item.span) if isinstance(item, CallExpr) else self._location(owner)
        if isinstance(item, Attr) and item.attr == "middleware":  # RateLimitConfig(...).middleware, jwt_auth.middleware
            found = self.construction(scope, item.value)
            if found is not None and isinstance(found[1], CallExpr):
                self._config_middleware(found[0], owner, found[1])
            return
        if isinstance(item, CallExpr):
            cls = self.class_of(scope, item)
            if cls == DEFINE_MIDDLEWARE and item.args:  # DefineMiddleware(Cls, *args, **kwargs)
                self._class_middleware(scope, owner, self.ev.resolve_expr(scope, item.args[0]) or "?", item, location, skip=1)
            elif cls is not None:  # an ASGIMiddleware instance: SecurityHeadersMiddleware()
                self._class_middleware(scope, owner, cls, item, location)
            return
        found = self.construction(scope, item) if depth < 3 else None
        if found is not None:  # a middleware kept in a variable
            self.middleware(found[0], owner, found[1], depth + 1)
            return
        target = self.ev.resolve_expr(scope, item)
        if target in self.index.functions:  # a middleware factory: `def mw(app): async def inner(scope, receive, send)`
            inner = next((q for q in self.index.functions if q.startswith(f"{target}.<locals>.")), target)
            fn = self.index.functions[inner].definition
            self.out.middleware.append(Middleware(owner, inner, location, "function", self.auth.hook(fn), inner))
        elif target is not None:  # a middleware class, the project's or a library's
            self._class_middleware(scope, owner, target, None, location)

    def _config_middleware(self, scope: Scope, owner: str, config: CallExpr) -> None:
        """The middleware a config object defines: a security backend's, a rate limiter's, a session's..."""
        cls = self.class_of(scope, config)
        location = self.adapter.at(scope, config.span)
        if cls in SECURITY_BACKENDS:
            self._backend(scope, owner, config)
        elif cls is not None:
            self.out.middleware.append(Middleware(owner, cls, location))
            if cls == RATE_LIMIT_CONFIG and owner in self.out.apps:
                self.out.apps[owner] = replace(self.out.apps[owner], rate_limit=Evidence("Litestar RateLimitConfig middleware", location))

    def _class_middleware(self, scope: Scope, owner: str, cls: str, call: CallExpr | None, location: Location, skip: int = 0) -> None:
        """Auth middleware rejects in `authenticate_request`; ASGIMiddleware in `handle`; others in `__call__`."""
        is_auth = self.adapter.subclass_of(cls, frozenset({AUTH_MIDDLEWARE}))
        gate = self._method(cls, "authenticate_request" if is_auth else "handle" if self.adapter.subclass_of(cls, frozenset({ASGI_MIDDLEWARE})) else "__call__")
        fn = self.index.function(gate)
        fields = self.adapter.class_fields(cls)

        def option(name: str, position: int | None = None) -> tuple[Scope, Expr] | None:
            value = call.arg(skip + position, name) if call is not None and position is not None else (call.kwarg(name) if call is not None else None)
            return (scope, value) if value is not None else fields.get(name)

        exclude = option("exclude", 0 if is_auth else None) or option("exclude_path_pattern")
        key = option("exclude_from_auth_key", 1) if is_auth else option("exclude_opt_key")
        opt_key = self.adapter.text(*key) if key else ("exclude_from_auth" if is_auth else "")
        evidence = self.auth.hook(fn) if fn is not None else None
        patterns = self._patterns(*exclude) if exclude else ()
        scopes = option("scopes", 3 if is_auth else None)
        http_only = scopes is not None and _http_only(scopes[1])  # `scopes = (ScopeType.HTTP,)`: websockets bypass it
        self.out.middleware.append(Middleware(owner, cls, location, "class", evidence, gate if fn else None, http_only, patterns, opt_key or None))

    def _method(self, cls: str, name: str) -> str | None:
        """`Cls.name`, defined on the class or inherited from a project base."""
        for qual in (cls, *(self.adapter.bases(cls) if cls in self.index.classes else ())):
            if f"{qual}.{name}" in self.index.functions:
                return f"{qual}.{name}"
        return None

    def _backend(self, scope: Scope, owner: str, call: CallExpr) -> None:
        """`JWTAuth(...)` installed with `on_app_init` (or its `.middleware`): every route needs credentials, but
        paths its `exclude` patterns match and handlers whose opt carries `exclude_opt_key`."""
        cls = self.class_of(scope, call) or "?"
        location = self.adapter.at(scope, call.span)
        evidence = Evidence(f"{cls.rsplit('.', 1)[-1]} authentication backend", location)
        exclude = self._patterns(scope, call.kwarg("exclude"))
        opt_key = self.adapter.text(scope, call.kwarg("exclude_opt_key")) or "exclude_from_auth"
        methods = self._patterns(scope, call.kwarg("exclude_http_methods")) if call.kwarg("exclude_http_methods") is not None else ("OPTIONS", "HEAD")
        self.out.middleware.append(
            Middleware(
                owner, cls, location, "class", evidence, None, exclude=exclude, exclude_opt_key=opt_key, exclude_methods=tuple(m.upper() for m in methods)
            )
        )
        if owner in self.out.apps:
            self.out.app_dependencies[owner] += self.adapter.layer_hooks(scope, call.kwarg("guards"), None, "app", location)
            self.adapter.serve(scope, owner, call.kwarg("route_handlers"))

    def _app_init(self, scope: Scope, app: str, item: Expr) -> None:
        """`on_app_init=[jwt_auth.on_app_init, configure]`: a backend, or a function that adds to the config."""
        if isinstance(item, Attr) and item.attr == "on_app_init":
            found = self.construction(scope, item.value)
            owner = found[1] if found is not None and isinstance(found[1], CallExpr) else None
            if found is not None and owner is not None:
                cls = self.class_of(found[0], owner)
                if cls in SECURITY_BACKENDS:
                    self._backend(found[0], app, owner)
                else:
                    self._app_init_function(self._method(cls, "on_app_init") if cls else None, app)
            return
        self._app_init_function(self.ev.resolve_expr(scope, item), app)

    def _app_init_function(
        self, qual: str | None, app: str, config: str | None = None, passed: dict[str, tuple[Scope, Expr]] | None = None, depth: int = 0
    ) -> None:
        """`app_config.guards.append(require_user)`, `jwt_auth.on_app_init(app_config)` inside an init hook or plugin,
        and in the helpers it hands the config to (`self._configure_routes(app_config, controllers=[...])`)."""
        located = self.index.functions.get(qual or "")
        if located is None or depth > 3:
            return
        fn = located.definition
        scope = Scope(located.module, fn)
        config = config or next((p.name for p in fn.params if p.name not in ("self", "cls")), None)
        passed = passed or {}
        for site in fn.calls:
            func = site.call.func
            if not isinstance(func, Attr):
                continue
            if func.attr == "on_app_init" and site.call.args and dotted(site.call.args[0]) == config:
                backend_scope, backend = passed.get(dotted(func.value) or "", (scope, func.value))  # `auth.on_app_init(...)`, auth passed in
                self._app_init(backend_scope, app, Attr(backend, "on_app_init"))
                continue
            target = dotted(func.value) or ""
            head, _, key = target.partition(".")
            if head == config and key in APP_CONFIG_LISTS and func.attr in ("append", "extend", "insert") and site.call.args:
                added = site.call.args[-1]
                entries = Seq("list", (added,)) if func.attr != "extend" else added
                entry_scope, entries = passed.get(dotted(entries) or "", (scope, entries))  # a parameter: what the caller passed
                self._add_to_config(entry_scope, app, key, entries)
                continue
            self._follow_config(scope, site.call, app, config, depth)

    def _follow_config(self, scope: Scope, call: CallExpr, app: str, config: str | None, depth: int) -> None:
        """A helper the config is handed to: follow it with its parameters bound to the arguments."""
        callee = self.index.function(self.ev.callee(scope, call))
        if callee is None or config is None or not any(dotted(a) == config for a in (*call.args, *(v for _, v in call.kwargs))):
            return
        names = [p.name for p in callee.params if p.name not in ("self", "cls")]
        bound = dict(zip(names, call.args, strict=False)) | dict(call.kwargs)
        inner_config = next((name for name, value in bound.items() if dotted(value) == config), None)
        passed = {name: (scope, value) for name, value in bound.items() if name != inner_config}
        self._app_init_function(callee.qualname, app, inner_config, passed, depth + 1)

    def _add_to_config(self, scope: Scope, app: str, key: str, entries: Expr) -> None:
        location = self.out.apps[app].location
        if key == "route_handlers":
            self.adapter.serve(scope, app, entries)
        elif key == "guards":
            self.out.app_dependencies[app] += self.adapter.layer_hooks(scope, entries, None, "app", location)
        elif key == "middleware":
            for item_scope, item in self.items(scope, entries):
                self.middleware(item_scope, app, item)
        else:
            kind = dict(HOOK_KINDS)[key]
            for item_scope, item in self.items(scope, entries):
                self.out.hooks.append(Hook(app, kind, self.ev.resolve_expr(item_scope, item), location))

    def _patterns(self, scope: Scope, expr: Expr | None) -> tuple[str, ...]:
        if expr is None:
            return ()
        value = self.ev.evaluate(scope, expr)
        if value.known:
            items = value.value if isinstance(value.value, (list, tuple)) else [value.value]
            return tuple(str(i) for i in items if isinstance(i, str))
        return ()

    def _location(self, owner: str) -> Location:
        return self.out.apps[owner].location if owner in self.out.apps else self.out.routers[owner].location

    # --- limits, CORS, errors -----------------------------------------------------------------

    def _body_limit(self, scope: Scope, app: str, call: CallExpr) -> Evidence | None:
        """Litestar answers 413 above `request_max_body_size` (10 MB unless set); `None` on any layer removes it
        for the handlers under that layer. Releases before 2.13 have no limit at all."""
        location = self.out.apps[app].location
        pinned = lowest_version(self.adapter.pins.get("litestar"))  # the project's pin
        if pinned is not None and pinned < BODY_LIMIT_SINCE:
            return None
        under = [i for i, (s, e) in self.adapter.body_limits.items() if i != app and self._serves(app, i) and self._unlimited(s, e)]
        if under:
            return None
        limit = call.kwarg("request_max_body_size")
        if limit is None:
            return Evidence("Litestar's default request_max_body_size (10 MB)", location)
        if self._unlimited(scope, limit):
            return None
        return Evidence(f"request_max_body_size={self.ev.evaluate(scope, limit).text or 'set'}", location)

    def _unlimited(self, scope: Scope, expr: Expr) -> bool:
        value = self.ev.evaluate(scope, expr)
        return value.known and value.value is None  # `None`, or a setting whose default is None

    def _serves(self, app: str, ident: str) -> bool:
        """Whether a layer (or a handler, by its qualname) is under the app."""
        if ident in self.adapter.layers:
            return self.adapter.lineage(ident)[0] == app
        return any(h.qual == ident and self.adapter.lineage(owner)[0] == app for owner, h in self.adapter.pending)

    def _exception_handlers(self, scope: Scope, app: str, expr: Expr | None, location: Location) -> None:
        found = self.construction(scope, expr)
        if found is None or not isinstance(found[1], DictExpr):
            return
        scope, handlers = found
        for caught, value in zip(handlers.keys, handlers.values, strict=False):  # type: ignore[union-attr]
            if caught is None:
                continue
            fn = self.ev.resolve_expr(scope, value)
            info = self.index.function(fn)
            param = info.params[1].name if info is not None and len(info.params) >= 2 else None
            exc = self.ev.resolve_expr(scope, caught) or str(status_code(caught) or "?")
            self.out.exception_handlers.append(ExceptionHandler(app, exc, fn, location, param))

    def _cors(self, scope: Scope, app: str, expr: Expr | None) -> None:
        """`CORSConfig`: `allow_origins` defaults to `["*"]` (a regex only adds origins to it), credentials to False."""
        found = self.construction(scope, expr)
        call = found[1] if found is not None and isinstance(found[1], CallExpr) else None
        if found is None or call is None or self.class_of(found[0], call) != CORS_CONFIG:
            return
        scope = found[0]
        origins = call.kwarg("allow_origins")
        regex = call.kwarg("allow_origin_regex")
        credentials = call.kwarg("allow_credentials")
        self.out.cors.append(
            cors_policy(
                app,
                self.adapter.at(scope, call.span),
                self.ev.evaluate(scope, origins) if origins is not None else Value(True, ["*"], text="['*'] (CORSConfig's default)"),
                self.ev.evaluate(scope, regex) if regex is not None else Value(False),
                self.ev.evaluate(scope, credentials) if credentials is not None else Value(True, False, text="False (CORSConfig's default)"),
            )
        )


def splat(item: Expr) -> Expr | None:
    """`*handlers` inside a list literal (the parser keeps it as text): the name it unpacks."""
    text = item.text.strip().rstrip(",").strip() if isinstance(item, Other) else ""
    if not text.startswith("*") or text.startswith("**"):
        return None
    parts = text[1:].strip().split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    expr: Expr = Name(parts[0])
    for part in parts[1:]:
        expr = Attr(expr, part)
    return expr


def _http_only(expr: Expr) -> bool:
    items = expr.items if isinstance(expr, Seq) else (expr,)
    names = [(dotted(i) or str(getattr(i, "value", ""))).rsplit(".", 1)[-1].lower() for i in items]
    return bool(names) and all(n == "http" for n in names)
