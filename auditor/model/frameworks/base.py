"""The seam between the framework-neutral model and one adapter per framework.

An adapter says which imports mark its framework, which library names are one
thing (`aliases`), what authenticates and what rejects in its world
(`AuthVocabulary`), and collects the framework's objects into the neutral
records of `Collected`. Everything outside `frameworks/` reads only those
records and the model built from them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from ...parsing.facts import Assignment, Attr, CallExpr, CallSite, Compare, Const, Expr, FunctionFacts, Guard, ModuleFacts, Param, dotted
from ..evaluate import Evaluator, Scope, param_name, split_param
from ..types import (
    App,
    CorsPolicy,
    DependencyUse,
    Evidence,
    ExceptionHandler,
    Hook,
    Location,
    Middleware,
    RawRead,
    RouteParam,
    Unresolved,
)
from .requests import RequestRead, RequestShape, request_reads

if TYPE_CHECKING:
    from ...deployment import ServerCommand
    from ..auth import AuthAnalyzer


@dataclass(frozen=True)
class DependencyRef:
    """What a `Depends(...)`-like marker points at."""

    target: str  # qualified name of the callable, or of the class for an inline instance
    scopes: tuple[str, ...] = ()
    instance: bool = False  # `Depends(JWTBearer())`: an instance made where it is declared


@dataclass(frozen=True)
class Decorator:
    """A decorator that wraps a route's handler, with the scope its names resolve in."""

    expr: Expr
    scope: Scope
    location: Location


@dataclass
class RouterDecl:
    """Something routes hang off that is not an app: an `APIRouter`, a blueprint, a namespace."""

    id: str
    location: Location
    prefix: str = ""
    dependencies: list[DependencyUse] = field(default_factory=list)
    hooks: list[tuple[str, str | None, Location]] = field(default_factory=list)
    name: str | None = None  # a blueprint's name: it prefixes its routes' endpoint names
    decorators: tuple[Decorator, ...] = ()  # wrap every view it serves (Flask-RESTX `Api(decorators=[...])`)


@dataclass
class Include:
    """`parent` serves `child`'s routes under `prefix` (include_router, register_blueprint, Mount)."""

    parent: str
    child: str
    prefix: str
    dependencies: list[DependencyUse]
    location: Location
    only_when: str | None = None  # `if settings.ENV == "development":` around the include
    replaces: bool = False  # the include's prefix replaces the child's own (Flask's register_blueprint)
    mount: bool = False  # a mounted sub-app: the parent's dependencies do not reach it (its middleware does)


@dataclass
class RouteDecl:
    owner: str  # app or router id
    methods: tuple[str, ...]
    path: str
    handler: str
    location: Location
    dependencies: list[DependencyUse]
    decorators: tuple[Decorator, ...] = ()  # wrappers the handler's own decorators do not show (class-level)
    endpoint: str | None = None  # the framework's name for the route (Flask endpoints)
    own_decorators: bool = True  # the handler's decorators wrap what is served (False: `decorators` says which)
    opts: frozenset[str] = frozenset()  # flags the handler carries for middleware and guards (Litestar's `opt`)


@dataclass
class Collected:
    """What the adapters found, in neutral records, before routes are composed."""

    apps: dict[str, App] = field(default_factory=dict)
    app_dependencies: dict[str, list[DependencyUse]] = field(default_factory=dict)
    routers: dict[str, RouterDecl] = field(default_factory=dict)
    includes: list[Include] = field(default_factory=list)
    routes: list[RouteDecl] = field(default_factory=list)
    middleware: list[Middleware] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    cors: list[CorsPolicy] = field(default_factory=list)
    mounts: list[Include] = field(default_factory=list)  # sub-apps served under a path
    exception_handlers: list[ExceptionHandler] = field(default_factory=list)
    owners: dict[str, FrameworkAdapter] = field(default_factory=dict)  # app/router id -> the adapter that found it
    bound_params: dict[str, str] = field(default_factory=dict)  # `init_app.<param>.app` -> the app passed to it
    loop_functions: set[str] = field(default_factory=set)  # plain `def` handlers the framework calls on the event loop
    unresolved: list[Unresolved] = field(default_factory=list)  # registrations no app or router could be found for


@dataclass(frozen=True)
class AuthVocabulary:
    """What authenticates and what rejects, in one framework's words."""

    schemes: frozenset[str] = frozenset()  # library classes whose instances authenticate (security schemes)
    optional_flag: Mapping[str, str] = field(default_factory=dict)  # scheme or decorator -> the kwarg that admits anonymous callers
    decorators: frozenset[str] = frozenset()  # library decorators that authenticate the view they wrap
    decorator_methods: Mapping[str, frozenset[str]] = field(default_factory=dict)  # class -> methods used as auth decorators
    rejecting_calls: Mapping[str, int] = field(default_factory=dict)  # `abort(401)`: callee -> index of the status
    library_prefixes: tuple[str, ...] = ()  # names from these libraries are never judged by their name

    def merged(self, other: AuthVocabulary) -> AuthVocabulary:
        return AuthVocabulary(
            self.schemes | other.schemes,
            {**self.optional_flag, **other.optional_flag},
            self.decorators | other.decorators,
            {**self.decorator_methods, **other.decorator_methods},
            {**self.rejecting_calls, **other.rejecting_calls},
            tuple(dict.fromkeys(self.library_prefixes + other.library_prefixes)),
        )


class FrameworkAdapter:
    """One framework: detection, names, auth vocabulary and collection.

    Subclasses set the class attributes and implement `collect`. An adapter
    may build on another (`extends`): FastAPI is Starlette plus routers,
    dependencies and security schemes.
    """

    name: ClassVar[str]
    markers: ClassVar[tuple[str, ...]]  # imported modules (or their submodules) that mark the framework
    aliases: ClassVar[Mapping[str, str]] = {}  # library re-exports that name one thing
    alias_prefixes: ClassVar[Mapping[str, str]] = {}
    vocabulary: ClassVar[AuthVocabulary] = AuthVocabulary()
    extends: ClassVar[tuple[type[FrameworkAdapter], ...]] = ()
    capability_libraries: ClassVar[Mapping[str, tuple[str, ...]]] = {}  # "rate-limit" -> import prefixes
    schema_generators: ClassVar[tuple[str, ...]] = ()  # calls that build an API description

    def __init__(self, evaluator: Evaluator, auth: AuthAnalyzer, servers: tuple[ServerCommand, ...] = (), pins: Mapping[str, str] | None = None) -> None:
        self.ev = evaluator
        self.auth = auth
        self.index = evaluator.index
        self.servers = servers  # the production server commands the deployment files name
        self.pins = dict(pins or {})  # the project's declared library versions (defaults change between them)
        self._bases: dict[str, tuple[str, ...]] = {}

    def collect(self, out: Collected) -> None:
        raise NotImplementedError

    # --- what a route's handler receives ------------------------------------

    def dependency(self, scope: Scope, expr: Expr | None) -> DependencyRef | None:
        """A parameter default (or annotation) that makes the framework call something first."""
        return None

    def param_dependency(self, scope: Scope, param: Param) -> DependencyRef | None:
        return self.dependency(scope, param.default)

    def params(self, handler: FunctionFacts, module: ModuleFacts, path: str) -> tuple[list[RouteParam], list[DependencyUse]]:
        """Where each value the client sends comes from, and the dependencies among the parameters."""
        return [], []

    def raw_reads(self, handler: FunctionFacts, module: ModuleFacts, params: list[RouteParam]) -> tuple[RawRead, ...]:
        """Client input the handler reads without a schema validating it."""
        return ()

    # --- helpers for subclasses ------------------------------------------------

    def read_params(self, handler: FunctionFacts, module: ModuleFacts, requests: set[str], shape: RequestShape) -> list[RouteParam]:
        """What a handler reads off the request object(s) it receives: keyed values and validated models."""
        if not requests:
            return []
        reads = request_reads(handler, lambda name: name in requests, shape)
        params = [RouteParam(r.key, r.source, None, Location(module.path, r.span), bounded=r.bounded) for r in reads if r.key and r.source != "path"]
        return params + self.validated_params(Scope(module, handler), reads, module)

    def unvalidated_reads(self, handler: FunctionFacts, module: ModuleFacts, params: list[RouteParam], shape: RequestShape) -> tuple[RawRead, ...]:
        """Raw reads of the request objects among `params`; a path value the router converts (`{id:int}`) is validated."""
        requests = {p.name for p in params if p.source == "request"}
        if not requests:
            return ()
        typed = {p.name for p in params if p.source == "path" and p.annotation}
        reads = request_reads(handler, lambda name: name in requests, shape)
        return tuple(RawRead(r.text, Location(module.path, r.span)) for r in reads if r.raw and not r.validated and not (r.source == "path" and r.key in typed))

    def model_fields(self, cls_qual: str, _depth: int = 0) -> list[str]:
        """The annotated fields of a (pydantic, dataclass, msgspec) model class, its bases' included."""
        located = self.index.classes.get(cls_qual)
        if located is None or _depth > 5:
            return []
        cls = located.definition
        names = [a.target for a in cls.fields if a.annotation is not None]
        scope = Scope(located.module)
        for base in cls.bases:
            base_qual = self.ev.resolve_expr(scope, base)
            if base_qual in self.index.classes:
                names.extend(self.model_fields(base_qual, _depth + 1))
        return names

    def validated_params(self, scope: Scope, reads: list[RequestRead], module: ModuleFacts) -> list[RouteParam]:
        """`InviteIn.model_validate(await request.json())`: the model's fields are what the client sends."""
        out: list[RouteParam] = []
        for read in reads:
            if read.validator is None:
                continue
            func = read.validator.func
            model = self.ev.resolve_expr(scope, func.value if isinstance(func, Attr) and func.attr not in ("load", "validate") else func)
            if model in self.index.classes:
                fields = tuple(self.model_fields(model))
                out.append(RouteParam(model.rsplit(".", 1)[-1], read.source, model.rsplit(".", 1)[-1], Location(module.path, read.span), fields))
        return out

    def object_id(self, scope: Scope, assignment: Assignment) -> str | None:
        """The identity of an object an assignment creates; `global app` in a factory makes it the module's."""
        if assignment.is_global and "." not in assignment.target:
            return f"{scope.module.module}.{assignment.target}" if scope.module.module else assignment.target
        return self.target_id(scope, assignment.target)

    def alias_factory_results(self, out: Collected) -> None:
        """`app = create_app()`: the module global is the app the factory builds and returns."""
        factories = {
            located.definition.name
            for located in self.index.functions.values()
            if any(self.owner_of(out, Scope(located.module, located.definition), r.value) for r in located.definition.return_sites if dotted(r.value))
        }
        if not factories:
            return
        for scope, assignments in self.scopes():
            for assignment in assignments:
                value = assignment.value
                if not isinstance(value, CallExpr) or "." in assignment.target or (dotted(value.func) or "").rsplit(".", 1)[-1] not in factories:
                    continue
                factory = self.index.functions.get(self.ev.callee(scope, value) or "")
                if factory is None:
                    continue
                inner = Scope(factory.module, factory.definition)
                built = next((o for r in factory.definition.return_sites if (o := self.owner_of(out, inner, r.value))), None)
                ident = self.object_id(scope, assignment)
                if built is not None and ident is not None and ident not in out.apps and ident not in out.routers:
                    out.bound_params.setdefault(ident, built)

    def declare_objects(self, out: Collected) -> list[tuple[Scope, CallSite]]:
        """Objects first (apps, routers: the calls refer to them), then factory results and bound
        parameters; returns every call site of the project, scope by scope, for the adapter's next pass."""
        scopes = list(self.scopes())
        for scope, assignments in scopes:
            for assignment in assignments:
                if isinstance(assignment.value, CallExpr):
                    self.declare_object(scope, assignment, assignment.value)
        self.alias_factory_results(out)
        self.bind_parameters(out)
        return [(scope, site) for scope, _ in scopes for site in scope.calls]

    def declare_object(self, scope: Scope, assignment: Assignment, call: CallExpr) -> None:
        """`x = Something(...)`: the adapter records x if it is an app, a router or another object it models."""

    def scopes(self) -> Iterator[tuple[Scope, tuple]]:
        for module in self.index.modules.values():
            yield Scope(module), module.assignments
            for fn in module.functions.values():
                yield Scope(module, fn), fn.assignments

    def target_id(self, scope: Scope, target: str) -> str | None:
        """The identity of an object assigned to `target` in `scope`."""
        if "." in target:
            return None
        if scope.function is None:
            return f"{scope.module.module}.{target}" if scope.module.module else target
        return f"{scope.function.qualname}.<locals>.{target}"

    @staticmethod
    def at(scope: Scope, span) -> Location:
        return Location(scope.module.path, span)

    def text(self, scope: Scope, expr: Expr | None) -> str:
        """A prefix or path: a literal, a constant, or a settings default (`settings.API_V1_STR`)."""
        if expr is None:
            return ""
        value = self.ev.evaluate(scope, expr)
        return value.value if value.known and isinstance(value.value, str) else ""

    def subclass_of(self, qual: str | None, classes: frozenset[str], depth: int = 0) -> bool:
        """`class Redash(Flask)`: a project class built on one of the framework's classes."""
        if not qual or depth > 6:
            return False
        if qual in classes:
            return True
        located = self.index.classes.get(qual)
        if located is None:
            return False
        return any(b in classes or self.subclass_of(b, classes, depth + 1) for b in self.bases(qual))

    def bases(self, qual: str) -> tuple[str, ...]:
        """A project class's resolved bases (memoised: many objects are instances of a few classes)."""
        cached = self._bases.get(qual)
        if cached is None:
            located = self.index.classes[qual]
            scope = Scope(located.module)
            cached = self._bases[qual] = tuple(b for b in (self.ev.resolve_expr(scope, e) for e in located.definition.bases) if b)
        return cached

    def unresolvable(self, target: str | None) -> bool:
        """A handler the model cannot read: no name, a parameter, or a project name that is no function or class.
        (A library's own endpoint is not unresolvable: its code is simply not in the tree.)"""
        if not target or split_param(target) is not None:
            return True
        if target in self.index.functions or target in self.index.classes:
            return False
        return self.index.find_module(target.split(".")[0], fuzzy=False) is not None or ".<locals>." in target

    def unresolved_decorator(self, out: Collected, scope: Scope, decorator: Expr, verbs: frozenset[str]) -> None:
        """`@router.get("/items")` on an object no app or router could be found for: a route the model cannot place."""
        if not isinstance(decorator, CallExpr) or not isinstance(decorator.func, Attr) or decorator.func.attr not in verbs:
            return
        path = decorator.args[0] if decorator.args else None
        if not (isinstance(path, Const) and isinstance(path.value, str) and path.value.startswith("/")):
            return
        receiver = dotted(decorator.func.value) or "?"
        what = f"@{receiver}.{decorator.func.attr}({path.value!r})"
        out.unresolved.append(Unresolved(what, f"`{receiver}` is not an app or router the auditor could resolve", self.at(scope, decorator.span)))

    def owner_of(self, out: Collected, scope: Scope, expr: Expr | None) -> str | None:
        name = self.ev.resolve_expr(scope, expr)
        if name in out.apps or name in out.routers:
            return name
        return out.bound_params.get(name or "")

    def bind_parameters(self, out: Collected) -> None:
        """`handlers.init_app(app)`: inside `def init_app(app)`, the parameter is that app (helpers of helpers too)."""
        for _ in range(3):
            before = len(out.bound_params)
            # only calls that pass something named like an app or router are worth resolving
            names = {ident.rsplit(".", 1)[-1] for ident in (*out.apps, *out.routers, *out.bound_params)}
            names |= {ident.rsplit(".", 1)[-1] for ident in out.bound_params.values()}
            for scope, _assignments in self.scopes():
                for site in scope.calls:
                    passed_names = [dotted(a) for a in (*site.call.args, *(v for _, v in site.call.kwargs))]
                    if not any(n and n.rsplit(".", 1)[-1] in names for n in passed_names):
                        continue
                    target = self.index.function(self.ev.callee(scope, site.call))
                    if target is None:
                        continue
                    positional = [p.name for p in target.params if p.kind == "positional" and p.name not in ("self", "cls")]
                    passed = list(zip(positional, site.call.args, strict=False)) + list(site.call.kwargs)
                    for param, value in passed:
                        owner = self.owner_of(out, scope, value)
                        if owner is not None:
                            out.bound_params.setdefault(param_name(target.qualname, param), owner)
            if len(out.bound_params) == before:
                return


_DEV_VALUES = {"local", "dev", "development", "test", "testing", "debug"}


def development_guard(guards: tuple[Guard, ...]) -> str | None:
    """The condition text when a statement runs only in a development environment."""
    for guard in guards:
        test = guard.test
        if guard.negated or not isinstance(test, Compare) or len(test.ops) != 1 or test.ops[0] not in ("==", "in"):
            continue
        values = [c for c in test.comparators if isinstance(c, Const)] + [i for c in test.comparators for i in getattr(c, "items", ()) if isinstance(i, Const)]
        if values and all(isinstance(v.value, str) and v.value.lower() in _DEV_VALUES for v in values):
            return f"{dotted(test.left) or 'setting'} {test.ops[0]} {', '.join(repr(v.value) for v in values)}"
    return None


def join_paths(*parts: str) -> str:
    path = ""
    for part in parts:
        if not part:
            continue
        path = path.rstrip("/") + ("/" + part.lstrip("/") if part != "/" else "/")
    return path or "/"


def call_kwarg_is_none(call: CallExpr, name: str) -> bool:
    value = call.kwarg(name)
    return isinstance(value, Const) and value.value is None


def evidence_at(text: str, scope: Scope, span) -> Evidence:
    return Evidence(text, Location(scope.module.path, span))
