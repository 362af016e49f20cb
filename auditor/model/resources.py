"""Long-lived resources (pools, clients, executors) and what releases them."""

from __future__ import annotations

import re

from ..parsing.facts import Attr, Await, CallExpr, CallSite, Const, FunctionFacts, ModuleFacts, Subscript, dotted
from .evaluate import Evaluator, Scope
from .types import Hook, Location, Resource

RESOURCE_KINDS = {
    "redis.Redis": "redis",
    "redis.asyncio.Redis": "redis",
    "redis.from_url": "redis",
    "redis.asyncio.from_url": "redis",
    "redis.Redis.from_url": "redis",
    "redis.asyncio.Redis.from_url": "redis",
    "redis.ConnectionPool": "redis",
    "redis.asyncio.ConnectionPool": "redis",
    "redis.ConnectionPool.from_url": "redis",
    "redis.asyncio.ConnectionPool.from_url": "redis",
    "aioredis.from_url": "redis",
    "aioredis.Redis": "redis",
    "aioredis.create_redis_pool": "redis",
    "sqlalchemy.create_engine": "database",
    "sqlalchemy.ext.asyncio.create_async_engine": "database",
    "asyncpg.create_pool": "database",
    "databases.Database": "database",
    "motor.motor_asyncio.AsyncIOMotorClient": "database",
    "pymongo.MongoClient": "database",
    "psycopg_pool.ConnectionPool": "database",
    "psycopg_pool.AsyncConnectionPool": "database",
    "aiomysql.create_pool": "database",
    "httpx.Client": "http-client",
    "httpx.AsyncClient": "http-client",
    "aiohttp.ClientSession": "http-client",
    "requests.Session": "http-client",
    "arq.create_pool": "queue",
    "arq.connections.create_pool": "queue",
    "aio_pika.connect_robust": "queue",
    "aio_pika.connect": "queue",
    "pika.BlockingConnection": "queue",
    "kombu.Connection": "queue",
    "nats.connect": "queue",
    "aiokafka.AIOKafkaProducer": "queue",
    "concurrent.futures.ThreadPoolExecutor": "executor",
    "concurrent.futures.ProcessPoolExecutor": "executor",
    "asyncio.create_task": "task",
}
RELEASE_METHODS = frozenset({"close", "aclose", "dispose", "shutdown", "disconnect", "cancel", "wait_closed", "stop", "terminate", "join", "release"})
CACHE_DECORATORS = frozenset({"functools.lru_cache", "functools.cache", "lru_cache", "cache"})
# `app[HTTP] = ClientSession(...)` / `app["db"] = await create_pool(...)`: aiohttp keeps resources in the
# application's mapping. The facts keep no subscript target with a non-literal key, so the statement's
# text before the call says where the result goes.
_KEYED_TARGET = re.compile(r"^\s*[A-Za-z_][\w.]*\[\s*(?P<key>[A-Za-z_][\w.]*|\"[^\"]*\"|'[^']*')\s*\]\s*(?::[^=]+)?=\s*(?:await\s+)?$")


def resource_kind(evaluator: Evaluator, scope: Scope, call: CallExpr, depth: int = 0) -> tuple[str, str] | None:
    """The kind of long-lived resource a call builds, through project factory functions too."""
    target = evaluator.callee(scope, call)
    if target is None:
        return None
    kind = RESOURCE_KINDS.get(target)
    if kind:
        return kind, target
    located = evaluator.index.functions.get(target)
    if located is None or depth >= 2:
        return None
    factory_scope = Scope(located.module, located.definition)
    for ret in located.definition.return_sites:
        value = _awaited(ret.value)
        if isinstance(value, CallExpr):
            found = resource_kind(evaluator, factory_scope, _unwrap(value), depth + 1)
            if found:
                return found
    return None


class ResourceFinder:
    def __init__(self, evaluator: Evaluator, hook_functions: set[str]) -> None:
        self.ev = evaluator
        self.index = evaluator.index
        self.hook_functions = hook_functions

    def find(self) -> list[Resource]:
        out: list[Resource] = []
        for module in self.index.modules.values():
            scope = Scope(module)
            for assignment in module.assignments:
                self._assigned(out, scope, assignment.target, assignment.value, module.module)
            for fn in module.functions.values():
                fscope = Scope(module, fn)
                cached = any(self.ev.resolve_expr(self.ev.enclosing(fn, module), _decorator_name(d)) in CACHE_DECORATORS for d in fn.decorators)
                if cached:
                    for ret in fn.return_sites:
                        value = _awaited(ret.value)
                        if isinstance(value, CallExpr):
                            found = resource_kind(self.ev, fscope, _unwrap(value))
                            if found:
                                out.append(Resource(f"{fn.qualname}()", found[0], found[1], Location(module.path, value.span)))
                in_hook = fn.qualname in self.hook_functions
                for assignment in fn.assignments:
                    if assignment.is_global:
                        self._assigned(out, scope, assignment.target, assignment.value, module.module)
                    elif in_hook and isinstance(_awaited(assignment.value), CallExpr):
                        found = resource_kind(self.ev, fscope, _unwrap(_awaited(assignment.value)))
                        if found and "." in assignment.target:  # app.state.redis = Redis(...) in a lifespan/startup hook
                            out.append(Resource(assignment.target, found[0], found[1], Location(module.path, assignment.span)))
                        elif found and self._handed_over(fn, assignment.target):  # `yield {"redis": redis}`: lifespan state
                            out.append(Resource(f"{fn.qualname}.<locals>.{assignment.target}", found[0], found[1], Location(module.path, assignment.span)))
                if in_hook:
                    for site in fn.calls:
                        found = resource_kind(self.ev, fscope, site.call)
                        if found and site.in_with:
                            out.append(Resource(f"{fn.qualname}:with", found[0], found[1], Location(module.path, site.call.span), managed=True))
                        elif found and (slot := _stored_under_key(module, site.call)) is not None:
                            out.append(Resource(slot, found[0], found[1], Location(module.path, site.call.span)))
        return out

    @staticmethod
    def _handed_over(fn: FunctionFacts, local: str) -> bool:
        """A hook's local that outlives the startup half: yielded as lifespan state, not stored elsewhere."""
        stored = any(dotted(a.value) == local and "." in a.target for a in fn.assignments)
        return bool(fn.yields) and not stored

    def _assigned(self, out: list[Resource], scope: Scope, target: str, value, module_name: str) -> None:
        if isinstance(value, Await):
            value = value.value
        if not isinstance(value, CallExpr) or "." in target:
            return
        found = resource_kind(self.ev, scope, _unwrap(value))
        if found:
            qual = f"{module_name}.{target}" if module_name else target
            out.append(Resource(qual, found[0], found[1], Location(scope.module.path, value.span)))

    def releases(self, hooks: list[Hook]) -> dict[str, Location]:
        """Resource names released by the given shutdown code, with where."""
        released: dict[str, Location] = {}
        for hook in hooks:
            if hook.function is None:
                continue
            located = self.index.functions.get(hook.function)
            if located is None:
                continue
            fn: FunctionFacts = located.definition
            after = fn.yields[0].line if hook.kind == "lifespan" and fn.yields else (0 if hook.kind != "lifespan" else None)
            if after is None:
                continue
            self._released_in(located.module, fn, after, released, depth=0)
        return released

    def _released_in(self, module: ModuleFacts, fn: FunctionFacts, after_line: int, released: dict[str, Location], depth: int) -> None:
        scope = Scope(module, fn)
        for site in fn.calls:
            if site.call.span.line < after_line:
                continue
            self._release_call(scope, site, released)
            target = self.ev.callee(scope, site.call)
            inner = self.index.functions.get(target) if target else None
            if inner is not None and depth < 3:
                self._released_in(inner.module, inner.definition, 0, released, depth + 1)

    def _release_call(self, scope: Scope, site: CallSite, released: dict[str, Location]) -> None:
        func = site.call.func
        if not isinstance(func, Attr) or func.attr not in RELEASE_METHODS:
            return
        location = Location(scope.module.path, site.call.span)
        receiver = func.value
        if isinstance(receiver, Subscript):  # `await app[HTTP].close()`
            slot = _key_slot(receiver)
            if slot is not None:
                released[slot] = location
            return
        if isinstance(receiver, CallExpr):  # get_redis().close()
            getter = self.ev.callee(scope, receiver)
            if getter:
                released[f"{getter}()"] = location
            return
        name = dotted(receiver)
        if name is None:
            return
        released[name] = location  # app.state.redis
        released[self.ev.resolve(scope, name)] = location
        # `client = get_client(); await client.aclose()` and `pool = _pool` aliases
        for assignment in self.ev.local_assignments(scope, name):
            value = assignment.value
            if isinstance(value, CallExpr):
                getter = self.ev.callee(scope, value)
                if getter:
                    released[f"{getter}()"] = location
            elif dotted(value):
                released[self.ev.resolve(scope, dotted(value))] = location  # type: ignore[arg-type]


def _slot(key: str) -> str:
    """One name for an application key however it is reached: `app[HTTP]`, `request.app[keys.HTTP]`."""
    return f"app[{key.rsplit('.', 1)[-1]}]"


def _stored_under_key(module: ModuleFacts, call: CallExpr) -> str | None:
    """The key a statement stores the call's result under: `app[HTTP] = aiohttp.ClientSession(...)`."""
    line = module.source_lines[call.span.line - 1] if 0 < call.span.line <= len(module.source_lines) else ""
    match = _KEYED_TARGET.match(line[: call.span.column])
    return _slot(match.group("key").strip("'\"")) if match else None


def _key_slot(expr: Subscript) -> str | None:
    key = expr.index[0] if len(expr.index) == 1 else None
    if isinstance(key, Const) and isinstance(key.value, str):
        return _slot(key.value)
    name = dotted(key)
    return _slot(name) if name else None


def _unwrap(value: CallExpr) -> CallExpr:
    """`Redis.from_url(...)` stays; `create_engine(...).execution_options(...)` -> inner call."""
    func = value.func
    while isinstance(func, Attr) and isinstance(func.value, CallExpr) and func.attr not in ("from_url",):
        value = func.value
        func = value.func
    return value


def _awaited(expr):
    return expr.value if isinstance(expr, Await) else expr


def _decorator_name(expr):
    return expr.func if isinstance(expr, CallExpr) else expr
