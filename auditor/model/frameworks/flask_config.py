"""What a Flask app is configured with: `app.config`, the config class production selects, extensions.

Config comes from `app.config["K"] = v`, `app.config.update(K=v)`,
`from_mapping`, and `from_object(Class or "pkg.Class")`, where the class may be
picked from a mapping by an environment variable (`CONFIGS[os.environ["APP_ENV"]]`):
then the production entry is judged and the evidence says it was chosen by the
environment. Extensions (Flask-CORS, Flask-Limiter, Flask-RESTX, flask-smorest,
flasgger) are read off their constructors and `init_app` calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ...parsing.facts import Attr, CallExpr, Const, DictExpr, Expr, Guard, Name, Subscript, dotted
from ..cors import cors_policy
from ..evaluate import Scope, split_param
from ..types import UNKNOWN, App, Evidence, Location, Value
from .base import Collected

if TYPE_CHECKING:
    from .flask import FlaskAdapter

CORS = "flask_cors.CORS"
CROSS_ORIGIN = "flask_cors.cross_origin"
LIMITER = "flask_limiter.Limiter"
DOC_EXTENSIONS = {"flasgger.Swagger": "Swagger UI and spec served by flasgger", "flask_openapi3.OpenAPI": "OpenAPI served by flask-openapi3"}
_PRODUCTION = ("prod", "production", "live")
_DOC_NAMES = frozenset(kind.rsplit(".", 1)[-1] for kind in DOC_EXTENSIONS)


@dataclass(frozen=True)
class Setting:
    value: Value
    location: Location
    context: str | None = None  # "ProductionConfig, chosen by the environment (APP_ENV)"


class FlaskSettings:
    def __init__(self, adapter: FlaskAdapter, out: Collected) -> None:
        self.adapter = adapter
        self.ev = adapter.ev
        self.index = adapter.index
        self.out = out
        self.apps = {ident: app for ident, app in out.apps.items() if out.owners.get(ident) is adapter}

    def apply(self) -> None:
        for ident, app in self.apps.items():
            config = self.config(ident)
            app = self._debug(ident, app, config)
            app = self._limits(ident, app, config)
            self.out.apps[ident] = self._docs(ident, app, config)
        self._cors()

    # --- where the app is used ---------------------------------------------------------

    def _calls_on(self, ident: str, attribute: str | None = None) -> Iterator[tuple[Scope, CallExpr, tuple[Guard, ...]]]:
        """Calls `app.<method>(...)` (or `app.config.<method>(...)` with `attribute="config"`)."""
        for scope, _ in self.adapter.scopes():
            calls = scope.calls
            for site in calls:
                func = site.call.func
                if not isinstance(func, Attr):
                    continue
                receiver = func.value
                if attribute is not None:
                    if not (isinstance(receiver, Attr) and receiver.attr == attribute):
                        continue
                    receiver = receiver.value
                if self._is(scope, receiver, ident):
                    yield scope, site.call, site.guards

    def _is(self, scope: Scope, expr: Expr | None, ident: str) -> bool:
        """The expression is the app: by name, or as the parameter of a helper it was passed to."""
        name = self.ev.resolve_expr(scope, expr) or ""
        return name == ident or self.out.bound_params.get(name) == ident

    # --- config -------------------------------------------------------------------------

    def config(self, ident: str) -> dict[str, Setting]:
        settings: dict[str, Setting] = {}
        for scope, call, _ in self._calls_on(ident, "config"):
            method = call.func.attr  # type: ignore[union-attr]
            at = Location(scope.module.path, call.span)
            if method in ("update", "from_mapping"):
                for key, value in call.kwargs:
                    settings[key] = Setting(self.ev.evaluate(scope, value), at)
                mapping = call.arg(0)
                if isinstance(mapping, DictExpr):
                    for k, v in zip(mapping.keys, mapping.values, strict=False):
                        if isinstance(k, Const) and isinstance(k.value, str):
                            settings[k.value] = Setting(self.ev.evaluate(scope, v), at)
            elif method == "from_object" and call.args:
                settings.update(self._from_object(scope, call.args[0]))
        for scope, _ in self.adapter.scopes():  # app.config["DEBUG"] = True
            writes = scope.function.keyed_writes if scope.function else scope.module.keyed_writes
            for write in writes:
                container = write.container.rpartition(".")
                if container[2] == "config" and self._is(scope, Name(container[0]) if "." not in container[0] else None, ident):
                    settings[write.key] = Setting(self.ev.evaluate(scope, write.value), Location(scope.module.path, write.span))
            assignments = scope.function.assignments if scope.function else scope.module.assignments
            for assignment in assignments:  # app.debug = True
                head, _, attribute = assignment.target.rpartition(".")
                if attribute == "debug" and head and "." not in head and self._is(scope, Name(head), ident):
                    settings["DEBUG"] = Setting(self.ev.evaluate(scope, assignment.value), Location(scope.module.path, assignment.span))
        return settings

    def _from_object(self, scope: Scope, expr: Expr) -> dict[str, Setting]:
        cls, context = self._config_class(scope, expr)
        if cls is None:
            return {}
        out: dict[str, Setting] = {}
        for name in self._class_keys(cls):
            found = self.ev.settings_field(cls, name)
            if found is None:
                continue
            module, assignment = found
            value = self.ev.evaluate(Scope(module), assignment.value)
            out[name] = Setting(value, Location(module.path, assignment.span), context or cls.rsplit(".", 1)[-1])
        return out

    def _class_keys(self, cls: str, depth: int = 0) -> set[str]:
        located = self.index.classes.get(cls)
        if located is None or depth > 8:
            return set()
        keys = {a.target for a in located.definition.fields if a.target.isupper()}
        scope = Scope(located.module)
        for base in located.definition.bases:
            keys |= self._class_keys(self.ev.resolve_expr(scope, base) or "", depth + 1)
        return keys

    def _config_class(self, scope: Scope, expr: Expr) -> tuple[str | None, str | None]:
        """The class `from_object` loads, and how it was chosen when the environment decides."""
        if isinstance(expr, Const) and isinstance(expr.value, str):  # "config.ProductionConfig"
            qual = self.index.canonical(expr.value)
            return (qual if qual in self.index.classes else None), None
        name = dotted(expr)
        if name is not None:
            qual = self.ev.resolve(scope, name)
            if qual in self.index.classes:
                return qual, None
            as_param = split_param(qual)
            located_fn = self.index.functions.get(as_param[0]) if as_param else None
            declared = located_fn.definition.param(as_param[1]) if located_fn and as_param else None
            if located_fn is not None and declared is not None and declared.default is not None:  # create_app(config=ProdConfig)
                return self._config_class(self.ev.enclosing(located_fn.definition, located_fn.module), declared.default)
            located = self.index.globals.get(qual)
            if located and located[-1].definition.value is not None:
                return self._config_class(Scope(located[-1].module), located[-1].definition.value)
            return None, None
        if isinstance(expr, Subscript) and expr.index:  # CONFIGS[os.environ.get("APP_ENV", "production")]
            return self._choose(scope, expr.value, expr.index[0])
        if isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr == "get" and expr.args:
            return self._choose(scope, expr.func.value, expr.args[0])
        return None, None

    def _choose(self, scope: Scope, mapping_expr: Expr, key_expr: Expr) -> tuple[str | None, str | None]:
        mapping = self._mapping(scope, mapping_expr)
        if not mapping:
            return None, None
        key = self.ev.evaluate(scope, key_expr)
        if key.known and key.value in mapping:
            return mapping[key.value], None
        chosen = next((k for k in mapping if any(p in k.lower() for p in _PRODUCTION)), None)
        if chosen is None:
            return None, None
        origin = key.origin or key.text or "the environment"
        return mapping[chosen], f"{mapping[chosen].rsplit('.', 1)[-1]}, chosen at run time by {origin}; production's entry judged"

    def _mapping(self, scope: Scope, expr: Expr | None) -> dict[str, str]:
        if not isinstance(expr, DictExpr):
            name = dotted(expr)
            located = self.index.globals.get(self.ev.resolve(scope, name)) if name else None
            if not located:
                return {}
            return self._mapping(Scope(located[-1].module), located[-1].definition.value) if isinstance(located[-1].definition.value, DictExpr) else {}
        out: dict[str, str] = {}
        for k, v in zip(expr.keys, expr.values, strict=False):
            cls = self.ev.resolve_expr(scope, v)
            if isinstance(k, Const) and isinstance(k.value, str) and cls in self.index.classes:
                out[k.value] = cls
        return out

    # --- debug -------------------------------------------------------------------------

    def _debug(self, ident: str, app: App, config: dict[str, Setting]) -> App:
        for scope, call, guards in self._calls_on(ident):
            if call.func.attr != "run" or call.kwarg("debug") is None:  # type: ignore[union-attr]
                continue
            value = self.ev.evaluate(scope, call.kwarg("debug"))
            if not (value.known and value.value is True):
                continue
            at = Location(scope.module.path, call.span)
            dev_runner = any("__name__" in (dotted(getattr(g.test, "left", None)) or "") for g in guards)
            servers = self.adapter.servers
            if dev_runner and servers:
                continue  # `python app.py` on a laptop; production starts the WSGI server named below
            context = (
                "under `if __name__ == '__main__'`, and no WSGI server is configured (Procfile, Dockerfile, gunicorn config), so this is how it runs"
                if dev_runner
                else None
            )
            return replace(app, debug=Value(True, True, text="app.run(debug=True)"), debug_location=at, debug_context=context)
        setting = config.get("DEBUG")
        if setting is not None and setting.value.known and setting.value.value is True:
            return replace(
                app, debug=replace(setting.value, text=setting.value.text or "True"), debug_location=setting.location, debug_context=_context(setting)
            )
        return app

    # --- limits --------------------------------------------------------------------------

    def _limits(self, ident: str, app: App, config: dict[str, Setting]) -> App:
        limit = config.get("MAX_CONTENT_LENGTH")
        if limit is not None and not (limit.value.known and limit.value.value in (None, 0)):
            shown = repr(limit.value.value) if limit.value.known else "from the environment"
            app = replace(app, body_limit=Evidence(f"MAX_CONTENT_LENGTH = {shown}", limit.location))
        limiter = self._limiter(ident, config)
        return replace(app, rate_limit=limiter) if limiter else app

    def _limiter(self, ident: str, config: dict[str, Setting]) -> Evidence | None:
        enabled = config.get("RATELIMIT_ENABLED")
        if enabled is not None and enabled.value.known and enabled.value.value is False:
            return None
        for key in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"):
            if key in config and not (config[key].value.known and not config[key].value.value):
                return Evidence(f"Flask-Limiter limits from {key}", config[key].location)
        for limiter, scope, call in self._limiters():
            if self._bound_app(limiter, scope, call) not in (ident, None) and len(self.apps) > 1:
                continue
            for key in ("default_limits", "application_limits"):
                value = call.kwarg(key)
                if value is not None and getattr(value, "items", True):
                    return Evidence(f"Flask-Limiter with {key}", Location(scope.module.path, call.span))
            decorated = self._limited_view(limiter)
            if decorated is not None:
                return decorated
        return None

    def _limiters(self) -> Iterator[tuple[str, Scope, CallExpr]]:
        for scope, assignments in self.adapter.scopes():
            for assignment in assignments:
                if isinstance(assignment.value, CallExpr) and self.ev.callee(scope, assignment.value) == LIMITER:
                    ident = self.adapter.target_id(scope, assignment.target)
                    if ident:
                        yield ident, scope, assignment.value

    def _bound_app(self, limiter: str, scope: Scope, call: CallExpr) -> str | None:
        bound = call.kwarg("app") or next((a for a in call.args if self.ev.resolve_expr(scope, a) in self.apps), None)
        if bound is not None:
            return self.ev.resolve_expr(scope, bound)
        for app in self.apps:
            for inner_scope, init in self._calls_on_object(limiter, "init_app"):
                if init.args and self._is(inner_scope, init.args[0], app):
                    return app
        return None

    def _calls_on_object(self, ident: str, method: str) -> Iterator[tuple[Scope, CallExpr]]:
        for scope, _ in self.adapter.scopes():
            for site in scope.calls:
                func = site.call.func
                if isinstance(func, Attr) and func.attr == method and self.ev.resolve_expr(scope, func.value) == ident:
                    yield scope, site.call

    def _limited_view(self, limiter: str) -> Evidence | None:
        for located in self.index.functions.values():
            fn = located.definition
            scope = self.ev.enclosing(fn, located.module)
            for decorator in fn.decorators:
                func = decorator.func if isinstance(decorator, CallExpr) else None
                if isinstance(func, Attr) and func.attr in ("limit", "shared_limit") and self.ev.resolve_expr(scope, func.value) == limiter:
                    return Evidence(f"Flask-Limiter @{dotted(func)} on {fn.name}", Location(located.module.path, decorator.span))  # type: ignore[union-attr]
        return None

    # --- API docs ---------------------------------------------------------------------------

    def _docs(self, ident: str, app: App, config: dict[str, Setting]) -> App:
        for api, bound in self.adapter.apis.items():
            if bound is None or api in self.adapter.no_specs or not self._serves(ident, bound):
                continue
            located = self.out.routers[api].location
            return replace(app, api_docs=Evidence("Swagger document served by the REST API extension (/swagger.json)", located))
        for bound in self.adapter.smorest.values():
            prefix = config.get("OPENAPI_URL_PREFIX")  # flask-smorest serves nothing without it
            if bound is not None and self._serves(ident, bound) and prefix is not None and not (prefix.value.known and prefix.value.value is None):
                return replace(app, api_docs=Evidence("OpenAPI served by flask-smorest (OPENAPI_URL_PREFIX set)", prefix.location))
        for scope, assignments in self.adapter.scopes():
            for assignment in assignments:
                value = assignment.value
                if not isinstance(value, CallExpr) or (dotted(value.func) or "").rsplit(".", 1)[-1] not in _DOC_NAMES:
                    continue
                kind = self.ev.callee(scope, value)
                at = Location(scope.module.path, value.span)
                bound = self.ev.resolve_expr(scope, value.arg(0, "app"))
                if kind in DOC_EXTENSIONS and self._bound_to(ident, assignment.target, scope, bound):
                    return replace(app, api_docs=Evidence(DOC_EXTENSIONS[kind], at))
        for scope, _ in self.adapter.scopes():  # Swagger(app) without keeping the object
            for site in scope.calls:
                if (dotted(site.call.func) or "").rsplit(".", 1)[-1] not in _DOC_NAMES:
                    continue
                kind = self.ev.callee(scope, site.call)
                if kind in DOC_EXTENSIONS and self._is(scope, site.call.arg(0, "app"), ident):
                    return replace(app, api_docs=Evidence(DOC_EXTENSIONS[kind], Location(scope.module.path, site.call.span)))
        return app

    def _bound_to(self, ident: str, target: str, scope: Scope, bound: str | None) -> bool:
        if bound == ident:
            return True
        obj = self.adapter.target_id(scope, target)
        return any(init.args and self._is(s, init.args[0], ident) for s, init in self._calls_on_object(obj or "", "init_app"))

    def _serves(self, app: str, owner: str) -> bool:
        return app in self.adapter._apps_of(owner, set())

    # --- CORS ----------------------------------------------------------------------------------

    def _cors(self) -> None:
        for scope, _ in self.adapter.scopes():
            for site in scope.calls:
                call = site.call
                if (dotted(call.func) or "").rsplit(".", 1)[-1] not in ("CORS", "init_app"):
                    continue  # resolve only what can be Flask-CORS
                kind = self.ev.callee(scope, call)
                if kind == CORS and (call.args or call.kwarg("app") is not None):
                    self._policy(scope, call, call.arg(0, "app"))
                elif isinstance(call.func, Attr) and call.func.attr == "init_app" and call.args:
                    receiver = self.ev.instance_class(scope, call.func.value)
                    if receiver == CORS:
                        self._policy(scope, call, call.args[0])
        for located in self.index.functions.values():
            fn = located.definition
            scope = self.ev.enclosing(fn, located.module)
            for decorator in fn.decorators:
                target = decorator.func if isinstance(decorator, CallExpr) else decorator
                if self.ev.resolve_expr(scope, target) == CROSS_ORIGIN:
                    call = decorator if isinstance(decorator, CallExpr) else CallExpr(decorator, (), (), fn.header)
                    self._policy(scope, call, None, owner=next(iter(self.apps), "?"))

    def _policy(self, scope: Scope, call: CallExpr, target: Expr | None, owner: str | None = None) -> None:
        where = self.ev.resolve_expr(scope, target) if target is not None else owner
        apps = [where] if where in self.apps else sorted(self.adapter._apps_of(where, set())) if where else []
        app = apps[0] if apps else (where or "?")
        config = self.config(app) if app in self.apps else {}
        origins = self._option(scope, call, "origins", config.get("CORS_ORIGINS"), Value(True, "*", text="'*' (Flask-CORS's default)"))
        resources = call.kwarg("resources")
        if call.kwarg("origins") is None and isinstance(resources, DictExpr):  # {r"/api/*": {"origins": [...]}}
            per_path = [self._option(scope, v, "origins", None, origins) for v in resources.values if isinstance(v, DictExpr)]
            loosest = next((o for o in per_path if o.known and (o.value == "*" or (isinstance(o.value, list) and "*" in o.value))), None)
            origins = loosest or (per_path[0] if per_path else origins)
        credentials = self._option(
            scope, call, "supports_credentials", config.get("CORS_SUPPORTS_CREDENTIALS"), Value(True, False, text="False (Flask-CORS's default)")
        )
        self.out.cors.append(
            cors_policy(app, Location(scope.module.path, call.span), origins, UNKNOWN, credentials, origins_label="origins", origins_are_patterns=True)
        )

    def _option(self, scope: Scope, source: CallExpr | DictExpr, key: str, configured: Setting | None, default: Value) -> Value:
        if isinstance(source, CallExpr):
            expr = source.kwarg(key)
        else:
            expr = next((v for k, v in zip(source.keys, source.values, strict=False) if isinstance(k, Const) and k.value == key), None)
        if expr is not None:
            return self.ev.evaluate(scope, expr)
        return configured.value if configured is not None else default


def _context(setting: Setting) -> str | None:
    return f"in {setting.context}" if setting.context else None
