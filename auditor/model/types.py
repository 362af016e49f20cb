"""The framework-neutral application model the rules read.

Adapters (one per framework) build it from the per-file facts; it holds no
libcst node, only facts with locations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..parsing.facts import FunctionFacts, ModuleFacts, Span


@dataclass(frozen=True)
class Location:
    path: str
    span: Span

    @property
    def line(self) -> int:
        return self.span.line

    def __str__(self) -> str:
        return f"{self.path}:{self.span.line}"


@dataclass(frozen=True)
class Value:
    """What an expression evaluates to, as far as the source tells.

    `known` is False when the value comes from somewhere we cannot read
    (the environment, a call result). `origin` says where it came from, for
    messages: "settings default Settings.cors_origins (app/config.py:9)".
    """

    known: bool
    value: Any = None
    origin: str | None = None
    location: Location | None = None
    settings_field: str | None = None  # "Settings.cors_origins" when read from settings
    text: str | None = None  # the source expression, for messages


UNKNOWN = Value(False)


@dataclass(frozen=True)
class Evidence:
    """Why the model believes something: text and where it was seen."""

    text: str
    location: Location | None = None

    def __str__(self) -> str:
        return f"{self.text}, {self.location}" if self.location else self.text


@dataclass(frozen=True)
class DependencyUse:
    """Something the framework runs before the handler: a dependency, or a before-request hook."""

    target: str  # qualified name of the callable (function, class, instance)
    level: str  # "app", "router", "include", "route", "param"
    location: Location
    scopes: tuple[str, ...] = ()
    param: str | None = None  # the handler parameter it fills, for level "param"
    instance: bool = False  # `Depends(JWTBearer())`: `target` is the class of an instance made in place
    hook: bool = False  # a before-request hook: authenticates only by rejecting, and may exempt routes

    @property
    def label(self) -> str:
        return f"{self.target}()" if self.instance else self.target


@dataclass(frozen=True)
class RouteParam:
    name: str
    source: str  # "path", "query", "body", "header", "cookie", "form", "file", "dependency", "request", "other"
    annotation: str | None
    location: Location
    model_fields: tuple[str, ...] = ()  # fields of a pydantic body model
    bounded: bool | None = None  # an upper bound the code applies (None: judged from the declaration)


@dataclass(frozen=True)
class RawRead:
    """Client input a handler reads without a schema validating it: `request.json()`, `request.args["x"]`."""

    text: str
    location: Location


@dataclass(frozen=True)
class AuthVerdict:
    authenticated: bool
    evidence: Evidence | None = None
    level: str | None = None  # where the auth comes from: "app", "router", "include", "route", "param", "middleware"


@dataclass(frozen=True)
class Route:
    app: str
    methods: tuple[str, ...]
    path: str
    handler: str  # qualname
    handler_location: Location
    location: Location  # the route declaration (decorator or add_api_route call)
    dependencies: tuple[DependencyUse, ...]
    params: tuple[RouteParam, ...]
    auth: AuthVerdict
    is_webhook: bool
    public_reason: str | None  # why the route is public on purpose, if it is
    routers: tuple[str, ...] = ()  # the routers it passes through, innermost first
    tenant_inputs: tuple[str, ...] = ()  # tenant ids the client supplies: "org_id", "payload.org_id"
    authorization: Evidence | None = None  # what checks those ids against the caller
    webhook: Any = None  # a WebhookVerification for webhook receivers
    only_when: str | None = None  # served only in development: `settings.ENV == 'local'`
    raw_reads: tuple[RawRead, ...] = ()
    wrappers: tuple[str, ...] = ()  # project functions its decorators wrap it in (they run on every request)
    endpoint: str | None = None  # the framework's name for the route (Flask endpoints)

    @property
    def label(self) -> str:
        return f"{'/'.join(self.methods)} {self.path}"


@dataclass(frozen=True)
class Middleware:
    app: str
    cls: str  # qualified class name, or the function for `@app.middleware("http")`
    location: Location
    kind: str = "class"  # "class" or "function"
    authenticates: Evidence | None = None
    gate: str | None = None  # the function whose early returns let some routes through (exemptions)
    http_only: bool = False  # never sees websocket connections (`@app.middleware("http")`, BaseHTTPMiddleware)
    exclude: tuple[str, ...] = ()  # path patterns it lets through (`re.search`): Litestar's `exclude=[...]`
    exclude_opt_key: str | None = None  # a handler opt that lets the handler through (`exclude_from_auth`)
    exclude_methods: tuple[str, ...] = ()  # HTTP methods it lets through (Litestar's backends skip OPTIONS and HEAD)


@dataclass(frozen=True)
class CorsPolicy:
    app: str
    location: Location
    origins: Value
    origin_regex: Value
    credentials: Value
    any_origin: bool
    any_origin_reason: str | None
    credentials_enabled: bool


@dataclass(frozen=True)
class Hook:
    app: str
    kind: str  # "lifespan", "startup", "shutdown", "signal"
    function: str | None
    location: Location


@dataclass(frozen=True)
class ExceptionHandler:
    app: str
    exception: str  # qualified exception class, or a status code
    function: str | None
    location: Location
    error_param: str | None = None  # the handler parameter that receives the exception


@dataclass(frozen=True)
class EnvRead:
    """An ad-hoc environment read: `os.getenv("X")`, `os.environ["X"]`."""

    name: str
    default: str | None
    required: bool  # `os.environ["X"]` raises when unset
    location: Location


@dataclass(frozen=True)
class Integration:
    """Something the service talks to, known from the libraries it imports."""

    name: str  # "Redis", "Supabase", "Sentry"
    kind: str  # "database", "cache", "queue", "http", "monitoring", "payments", "auth", "cloud"
    library: str
    location: Location  # the first import of it
    modules: int  # how many modules import it


@dataclass(frozen=True)
class Resource:
    name: str  # what holds it: a qualified variable, `app.state.redis`, a getter function
    kind: str  # "redis", "database", "http-client", "queue", "executor", "task", "supabase"
    constructor: str
    location: Location
    managed: bool = False  # opened in a `with` block that closes it
    released_by: Location | None = None


@dataclass(frozen=True)
class SettingsField:
    cls: str
    name: str
    annotation: str | None
    default: Value
    required: bool
    optional: bool  # `X | None` / Optional[X]
    location: Location
    env_name: str


@dataclass(frozen=True)
class PrivilegedClient:
    location: Location
    credential: str  # what makes it privileged: "settings field SUPABASE_SERVICE_ROLE_KEY"
    owner: str  # the variable or getter that holds it
    used_by_routes: tuple[str, ...] = ()  # "GET /agents" ...


@dataclass(frozen=True)
class FunctionInfo:
    module: ModuleFacts
    facts: FunctionFacts

    @property
    def path(self) -> str:
        return self.module.path

    def at(self, span: Span) -> Location:
        return Location(self.module.path, span)


@dataclass(frozen=True)
class App:
    id: str  # qualified name of the variable holding it
    framework: str
    location: Location
    module: str
    title: str | None = None
    mounted_in: str | None = None  # the app it is mounted under; its lifespan does not run then
    debug: Value | None = None  # what the debug switch evaluates to, when set
    debug_location: Location | None = None  # where it is set (None: at the app's construction)
    debug_context: str | None = None  # "only under `if __name__ == '__main__'`", the config class used...
    api_docs: Evidence | None = None  # the API description the framework serves for it
    docs_disabled: bool = False  # the framework serves one by default and the app turns it off
    body_limit: Evidence | None = None  # a request body limit of the framework's own
    rate_limit: Evidence | None = None  # a rate limiter the framework's extension applies
    security_headers: Evidence | None = None  # headers the framework is configured to add to every response

    @property
    def served(self) -> bool:
        """A top-level app: what the server runs, where app-wide absences are judged."""
        return self.mounted_in is None


@dataclass(frozen=True)
class Unresolved:
    """A route registration the model saw but could not turn into a route of a served app."""

    what: str  # "@router.get('/items')", "handler list_items"
    why: str
    location: Location


@dataclass(frozen=True)
class Unmodelled:
    """A web framework the tree uses that no adapter models: its routes are not seen."""

    framework: str
    location: Location


@dataclass
class AppModel:
    root: str
    frameworks: tuple[str, ...] = ()  # the adapters that modelled this tree
    unmodelled: list[Unmodelled] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)  # route registrations not traced to a served app
    apps: list[App] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    middleware: list[Middleware] = field(default_factory=list)
    cors: list[CorsPolicy] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    signal_handlers: list[Location] = field(default_factory=list)  # SIGTERM/SIGINT handlers anywhere
    exception_handlers: list[ExceptionHandler] = field(default_factory=list)
    env_reads: list[EnvRead] = field(default_factory=list)
    integrations: list[Integration] = field(default_factory=list)
    imports: dict[str, Location] = field(default_factory=dict)  # imported module/name -> first import
    assumptions: frozenset[str] = frozenset()  # what the config says the deployment supplies
    pins: dict[str, str] = field(default_factory=dict)  # distribution -> declared specifier
    outbound: list[Any] = field(default_factory=list)  # OutboundCall: HTTP requests, clients, Redis clients
    cached_getters: frozenset[str] = frozenset()  # functions memoised with lru_cache/cache
    schema_generators: tuple[str, ...] = ()  # calls that build an API description, from the adapters
    error_calls: frozenset[str] = frozenset()  # calls that answer the request with an HTTP error (`flask.abort`)
    capability_libraries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "rate-limit" -> libraries
    loop_functions: frozenset[str] = frozenset()  # plain `def` handlers the framework runs on the event loop
    # Set by the builder: resolving call targets lazily keeps small audits fast.
    _build_call_index: Any = field(default=None, repr=False)
    _callee: Any = field(default=None, repr=False)
    _call_index: Any = field(default=None, repr=False)

    def calls_to(self, *targets: str):
        """(call site, location, target) for every call resolving to one of `targets`, in file order."""
        for site, location, target, _function in self.scoped_calls_to(*targets):
            yield site, location, target

    def scoped_calls_to(self, *targets: str):
        """Like `calls_to`, with the qualified name of the function making the call (None at module level)."""
        index = self.call_index()
        found = [entry for target in targets for entry in index.get(target, ())]
        found.sort(key=lambda e: (e[1].path, e[1].span))
        for site, location, function in found:
            yield site, location, self.evaluate_callee(site, function, location.path), function

    def assigned_once(self, name: str, function: str | None, path: str) -> Any:
        """The value of a plain name assigned exactly once where it is read (the function, else its module)."""
        info = self.functions.get(function) if function else None
        if info is not None and info.facts.param(name) is not None:
            return None  # the caller decides
        scopes = [info.facts.assignments] if info else []
        module = self.modules.get(path)
        if module is not None:
            scopes.append(tuple(a for a in module.assignments if not a.in_function))
        for assignments in scopes:
            values = [a.value for a in assignments if a.target == name]
            if values:
                return values[0] if len(values) == 1 else None
        return None

    def call_index(self) -> dict[str, list[tuple[Any, Location, str | None]]]:
        """Every call in the project by the qualified name it calls (built once, on first use)."""
        if self._call_index is None:
            self._call_index = self._build_call_index()
        return self._call_index

    def evaluate_callee(self, site, function: str | None, path: str) -> str | None:
        return self._callee(site, function, path)

    def imported(self, *prefixes: str) -> Location | None:
        """Where the first of these modules (or anything under them) is imported."""
        for name, location in sorted(self.imports.items(), key=lambda kv: (str(kv[1]), kv[0])):
            if any(name == p or name.startswith(p + ".") for p in prefixes):
                return location
        return None

    settings: list[SettingsField] = field(default_factory=list)
    privileged_clients: list[PrivilegedClient] = field(default_factory=list)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    modules: dict[str, ModuleFacts] = field(default_factory=dict)  # by path
    files: int = 0
    lines: int = 0
    # Facts derived by the model that rules share
    request_path_functions: frozenset[str] = frozenset()  # reachable from a route handler
    tenant_names: frozenset[str] = frozenset()

    @property
    def served_apps(self) -> list[App]:
        return [a for a in self.apps if a.served]

    def routes_of(self, app: App) -> list[Route]:
        return [r for r in self.routes if r.app == app.id]

    def function(self, qual: str) -> FunctionInfo | None:
        return self.functions.get(qual)

    def hooks_of(self, app: App) -> list[Hook]:
        return [h for h in self.hooks if h.app == app.id]

    def source_line(self, path: str, line: int) -> str:
        module = self.modules.get(path)
        if module is None or not (1 <= line <= len(module.source_lines)):
            return ""
        return module.source_lines[line - 1]
