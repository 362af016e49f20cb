"""What a request can run: reachability from route handlers, and the privileged clients on those paths."""

from __future__ import annotations

import re

from ..parsing.facts import CallExpr, FunctionFacts, ModuleFacts, dotted
from .auth import AuthAnalyzer
from .evaluate import Scope
from .types import AppModel, Location, PrivilegedClient, Route

_PRIVILEGED_CREDENTIAL = re.compile(r"service[_-]?role|service_key|SERVICE_KEY|admin[_-]?key|superuser", re.I)
PRIVILEGED_CLIENTS = {
    "supabase.create_client": 1,
    "supabase.acreate_client": 1,
    "supabase.Client": 1,
    "supabase.client.create_client": 1,
    "supabase._async.client.create_client": 1,
}


class Reachability:
    """Walks calls, dependencies and (optionally) module globals from given starts."""

    def __init__(self, auth: AuthAnalyzer) -> None:
        self.auth = auth
        self.ev = auth.evaluator
        self.index = auth.index
        self._route_cache: dict[tuple[str, str], set[str]] = {}

    def reach(self, starts: list[str], with_globals: bool = False) -> set[str]:
        """What running `starts` can run: functions called (classes through __init__/__call__),
        dependencies of their parameters, and, `with_globals`, the module globals they read."""
        index = self.index
        todo = list(starts)
        seen: set[str] = set()
        while todo:
            qual = todo.pop()
            if qual in seen:
                continue
            if qual in index.classes:
                seen.add(qual)
                todo.extend(f"{qual}.{m}" for m in ("__init__", "__call__"))
                continue
            located = index.functions.get(qual)
            if located is None:
                continue
            seen.add(qual)
            fn: FunctionFacts = located.definition
            scope = Scope(located.module, fn)
            for site in fn.calls:
                target = self.ev.callee(scope, site.call)
                if target and (target in index.functions or target in index.classes):
                    todo.append(target)
            outer = self.ev.enclosing(fn, located.module)
            for p in fn.params:
                dep = self.auth.dependency_of(outer, p)
                if dep:
                    todo.append(dep.target)
            if with_globals:
                for name in fn.names:
                    qual_name = self.ev.resolve(scope, name.split(".")[0])
                    if qual_name in index.globals:
                        seen.add(qual_name)
        return seen

    def request_paths(self, model: AppModel) -> frozenset[str]:
        """Functions a request can run: handlers, their dependencies, middleware, and what they call."""
        starts = [q for route in model.routes for q in route_starts(route)]
        starts += [m.cls for m in model.middleware if m.kind == "function"]
        return frozenset(q for q in self.reach(starts) if q in self.index.functions or q in self.index.classes)

    def route_reach(self, route: Route) -> set[str]:
        """Functions and module globals a route's request path touches (memoised per route)."""
        key = (route.handler, route.path)
        if key not in self._route_cache:
            self._route_cache[key] = self.reach(route_starts(route), with_globals=True)
        return self._route_cache[key]

    # --- privileged clients ---------------------------------------------------------

    def privileged_clients(self, model: AppModel) -> list[PrivilegedClient]:
        out: list[PrivilegedClient] = []
        for module in self.index.modules.values():
            scopes = [(Scope(module), module.calls, None)] + [(Scope(module, fn), fn.calls, fn) for fn in module.functions.values()]
            for scope, calls, fn in scopes:
                for site in calls:
                    target = self.ev.callee(scope, site.call)
                    key_index = PRIVILEGED_CLIENTS.get(target or "")
                    if key_index is None:
                        continue
                    key = site.call.arg(key_index, "supabase_key")
                    value = self.ev.evaluate(scope, key)
                    label = " ".join(filter(None, [value.settings_field, value.origin, value.text, dotted(key)]))
                    if not _PRIVILEGED_CREDENTIAL.search(label):
                        continue
                    owner = fn.qualname if fn is not None else _assigned_to(module, site.call)
                    users = self._routes_using(model, owner, module)
                    out.append(PrivilegedClient(Location(module.path, site.call.span), value.settings_field or value.text or dotted(key) or "?", owner, users))
        return out

    def _routes_using(self, model: AppModel, owner: str, module: ModuleFacts) -> tuple[str, ...]:
        """Routes whose request path reaches the function (or module) that builds the client."""
        holders = {owner}
        if owner in self.index.functions:
            # callers that keep the client in a module global make that global a holder too
            for assignment in module.assignments:
                if isinstance(assignment.value, CallExpr) and self.ev.callee(Scope(module), assignment.value) == owner:
                    holders.add(f"{module.module}.{assignment.target}")
        return tuple(route.label for route in model.routes if self.route_reach(route) & holders)


def route_starts(route: Route) -> list[str]:
    return [route.handler] + [d.target for d in route.dependencies] + list(route.wrappers)


def _assigned_to(module: ModuleFacts, call: CallExpr) -> str:
    """The module global a module-level call's result is stored in."""
    for assignment in module.assignments:
        value = assignment.value
        if isinstance(value, CallExpr) and value.span == call.span:
            return f"{module.module}.{assignment.target}"
    return module.module
