"""Process-wide shutdown code: signal handlers, `atexit`, and the WSGI/ASGI server's own hooks.

These run whatever framework serves the app, so they apply to every app of
the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..parsing.facts import Attr, CallExpr, dotted
from .evaluate import Evaluator, Scope
from .types import Hook, Location

# gunicorn server hooks that run when a worker or the arbiter stops.
GUNICORN_EXIT_HOOKS = frozenset({"worker_exit", "on_exit", "worker_int", "child_exit"})
ATEXIT = "atexit.register"


@dataclass
class Lifecycle:
    hooks: list[Hook] = field(default_factory=list)
    signal_handlers: list[Location] = field(default_factory=list)
    released: dict[str, Location] = field(default_factory=dict)  # `atexit.register(engine.dispose)`: what it releases


def process_lifecycle(evaluator: Evaluator, apps: list[str]) -> Lifecycle:
    out = Lifecycle()
    index = evaluator.index
    for module in index.modules.values():
        for scope_fn, calls in [(None, module.calls)] + [(fn, fn.calls) for fn in module.functions.values()]:
            scope = Scope(module, scope_fn)
            for site in calls:
                if (dotted(site.call.func) or "").rsplit(".", 1)[-1] not in ("signal", "add_signal_handler", "register"):
                    continue  # cheap: resolve only the calls that can install a handler
                target = evaluator.callee(scope, site.call) or ""
                location = Location(module.path, site.call.span)
                if target == "signal.signal" or target.endswith(".add_signal_handler"):
                    sig = dotted(site.call.arg(0)) or ""
                    if sig.endswith(("SIGTERM", "SIGINT")) and len(site.call.args) > 1:
                        handler = evaluator.resolve_expr(scope, site.call.args[1])
                        out.signal_handlers.append(location)
                        out.hooks.extend(Hook(app, "signal", handler, location) for app in apps)
                elif target == ATEXIT and site.call.args:
                    _atexit(evaluator, scope, site.call, location, apps, out)
        for fn in module.functions.values():
            scope = evaluator.enclosing(fn, module)
            decorated = any(evaluator.resolve_expr(scope, d.func if isinstance(d, CallExpr) else d) == ATEXIT for d in fn.decorators)
            server_hook = module.path.rsplit("/", 1)[-1].startswith("gunicorn") and fn.name in GUNICORN_EXIT_HOOKS and ".<locals>." not in fn.qualname
            if decorated or server_hook:
                location = Location(module.path, fn.header)
                out.hooks.extend(Hook(app, "shutdown", fn.qualname, location) for app in apps)
    return out


def _atexit(evaluator: Evaluator, scope: Scope, call: CallExpr, location: Location, apps: list[str], out: Lifecycle) -> None:
    registered = call.args[0]
    if isinstance(registered, Attr) and dotted(registered.value):  # atexit.register(engine.dispose)
        name = dotted(registered.value) or ""
        out.released[name] = location
        out.released[evaluator.resolve(scope, name)] = location
        return
    fn = evaluator.resolve_expr(scope, registered)
    if fn:
        out.hooks.extend(Hook(app, "shutdown", fn, location) for app in apps)
