"""Calls that leave the process: HTTP requests, Redis, and the clients that make them.

For each call site the model records what it calls, whether a timeout is
set (and what the library's default is), whether it runs on a request path,
and whether a retry wraps it, so the reliability rules only read facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..parsing.facts import CallExpr, Const, FunctionFacts, ModuleFacts, dotted
from .evaluate import Evaluator, Scope
from .resources import CACHE_DECORATORS, RESOURCE_KINDS
from .types import Location

HTTP_CLIENTS = frozenset({"httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "requests.Session", "requests.sessions.Session"})
# Functions that send one request through a client they build for it (and close after it).
PER_CALL_CLIENTS = frozenset({"aiohttp.request"})
HTTP_FUNCTIONS = frozenset(
    f"{lib}.{verb}" for lib in ("httpx", "requests") for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
)
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send"})
REDIS_CONSTRUCTORS = frozenset(k for k, v in RESOURCE_KINDS.items() if v == "redis")
DATABASE_CONSTRUCTORS = frozenset(k for k, v in RESOURCE_KINDS.items() if v in ("database", "queue"))
RETRY_DECORATORS = (
    "tenacity.retry",
    "backoff.on_exception",
    "backoff.on_predicate",
    "stamina.retry",
    "retry",
    "retrying.retry",
    "pybreaker.CircuitBreaker",
    "aiobreaker.CircuitBreaker",
    "circuitbreaker.circuit",
    "purgatory",
)


@dataclass(frozen=True)
class OutboundCall:
    """One call that leaves the process."""

    kind: str  # "http", "http-client", "redis-client", "database-client"
    target: str  # what is called: `httpx.AsyncClient`, `requests.post`, `client.post`
    location: Location
    function: str | None  # the enclosing function's qualname
    timeout: str  # "set", "none" (explicitly disabled), "default", "missing", "unjudged"
    retried: bool  # a retry or circuit-breaker decorator wraps the enclosing function, or the transport retries

    @property
    def is_constructor(self) -> bool:
        """Builds a client or pool, rather than sending a request."""
        return self.kind != "http"


def outbound_calls(evaluator: Evaluator, modules: list[ModuleFacts]) -> list[OutboundCall]:
    out: list[OutboundCall] = []
    for module in modules:
        out.extend(_calls_in(evaluator, module, None, module.calls))
        for fn in module.functions.values():
            out.extend(_calls_in(evaluator, module, fn, fn.calls))
    return out


def _retried(evaluator: Evaluator, module: ModuleFacts, fn: FunctionFacts | None) -> bool:
    if fn is None:
        return False
    scope = evaluator.enclosing(fn, module)
    for decorator in fn.decorators:
        name = evaluator.resolve_expr(scope, decorator.func if isinstance(decorator, CallExpr) else decorator) or ""
        if any(name == d or name.startswith(d + ".") or name.endswith("." + d.rsplit(".", 1)[-1]) for d in RETRY_DECORATORS):
            return True
    return False


def _timeout_state(call: CallExpr, *keys: str) -> str:
    for key in keys:
        value = call.kwarg(key)
        if value is not None:
            return "none" if isinstance(value, Const) and value.value is None else "set"
    return "missing"


def _client_timeout(call: CallExpr) -> str:
    """A client's timeout; unset means the library's default (httpx 5 s; aiohttp 5 min total; requests.Session
    has none, but it is per request)."""
    state = _timeout_state(call, "timeout")
    return "default" if state == "missing" else state


def _calls_in(evaluator: Evaluator, module: ModuleFacts, fn: FunctionFacts | None, calls) -> list[OutboundCall]:
    scope = Scope(module, fn)
    retried = _retried(evaluator, module, fn)
    found: list[OutboundCall] = []
    for site in calls:
        call = site.call
        target = evaluator.callee(scope, call) or ""
        location = Location(module.path, call.span)
        qual = fn.qualname if fn else None
        if target in HTTP_CLIENTS:
            transport = call.kwarg("transport")
            retries = isinstance(transport, CallExpr) and transport.kwarg("retries") is not None
            state = _client_timeout(call)
            found.append(OutboundCall("http-client", target, location, qual, state, retried or retries))
        elif target in PER_CALL_CLIENTS:  # `aiohttp.request(...)`: a new session and connector for this one request
            state = _client_timeout(call)
            found.append(OutboundCall("http-client", target, location, qual, state, retried))
            found.append(OutboundCall("http", target, location, qual, state, retried))
        elif target in HTTP_FUNCTIONS:
            state = _timeout_state(call, "timeout")
            if state == "missing" and target.startswith("httpx."):
                state = "default"
            found.append(OutboundCall("http", target, location, qual, state, retried))
        elif target in REDIS_CONSTRUCTORS:
            found.append(OutboundCall("redis-client", target, location, qual, _timeout_state(call, "socket_timeout"), retried))
        elif target in DATABASE_CONSTRUCTORS:
            found.append(OutboundCall("database-client", target, location, qual, "unjudged", retried))
        elif getattr(call.func, "attr", None) in HTTP_METHODS and fn is not None:
            receiver = dotted(getattr(call.func, "value", None))
            client = _client_of(evaluator, scope, receiver) if receiver else None
            if client is not None:
                state = _timeout_state(call, "timeout")
                if state == "missing":
                    state = "default"  # the client's own timeout applies
                name, transport_retries = client
                found.append(OutboundCall("http", f"{name}.{call.func.attr}", location, qual, state, retried or transport_retries))
    return found


def _client_of(evaluator: Evaluator, scope: Scope, receiver: str) -> tuple[str, bool] | None:
    """The HTTP client class a local name holds (`async with httpx.AsyncClient() as client`),
    and whether its transport retries."""
    if "." in receiver:
        return None
    for assignment in evaluator.local_assignments(scope, receiver):
        if isinstance(assignment.value, CallExpr):
            target = evaluator.callee(scope, assignment.value)
            if target in HTTP_CLIENTS:
                transport = assignment.value.kwarg("transport")
                return target, isinstance(transport, CallExpr) and transport.kwarg("retries") is not None
    return None


def is_cached_getter(evaluator: Evaluator, module: ModuleFacts, fn: FunctionFacts) -> bool:
    scope = evaluator.enclosing(fn, module)
    return any(evaluator.resolve_expr(scope, d.func if isinstance(d, CallExpr) else d) in CACHE_DECORATORS for d in fn.decorators)
