from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel, Location
from auditor.parsing.facts import CallExpr, dotted


class NoGracefulShutdown(Rule):
    """
    ## What it does
    Finds services that open long-lived resources — database engines and
    pools, Redis clients, HTTP client sessions, queue connections, executors,
    background tasks — and never release them on shutdown: no lifespan
    shutdown (code after `yield`), `shutdown` event handler or SIGTERM handler
    closes them. Also finds a worker loop (`while True`) started from
    `__main__` with no SIGTERM handler. uvicorn and gunicorn already turn
    SIGTERM into a lifespan shutdown and drain in-flight requests, so an app
    with nothing to release needs nothing more.

    ## Why is this bad?
    On every deploy the process is killed with connections open: in-flight
    Redis commands and queue acknowledgements are lost, database connections
    are left for the server to time out (exhausting its pool during rolling
    deploys), buffered metrics and traces are dropped, and jobs are processed
    twice.

    ## Example
    ```python
    redis = Redis.from_url(settings.redis_url)
    app = FastAPI()
    ```

    ## Use instead
    ```python
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.redis = Redis.from_url(settings.redis_url)
        yield
        await app.state.redis.aclose()

    app = FastAPI(lifespan=lifespan)
    ```

    ## References
    - CWE-404: Improper Resource Shutdown or Release
    - https://fastapi.tiangolo.com/advanced/events/
    - https://www.uvicorn.org/deployment/#running-behind-nginx (graceful shutdown on SIGTERM)
    """

    code = "REL001"
    name = "no-graceful-shutdown"
    title = "Long-lived resources are never released on shutdown"
    category = Category.RELIABILITY
    severity = Severity.CRITICAL
    confidence = Confidence.MEDIUM
    effort = "1h"
    fix = "Open long-lived clients in a lifespan handler and close them after its `yield` (or in a shutdown hook)."
    references = ("CWE-404",)
    impact = "Lost work and errors on every deploy"
    messages = {
        "no_hook": "The app opens long-lived resources and never releases them on shutdown: {resources}; no lifespan, "
        "shutdown hook or SIGTERM handler releases them.",
        "hook_misses": "The app opens long-lived resources and never releases them on shutdown: {resources}; the shutdown code ({hook}) does not close them.",
        "worker": "`{function}` runs a `while True` worker loop with no SIGTERM handler: a deploy kills it mid-job.",
    }
    translations = {
        "ru": {
            "impact": "Потерянная работа и ошибки при каждом деплое",
            "title": "Долгоживущие ресурсы не освобождаются при остановке",
            "fix": "Открывайте долгоживущие клиенты в lifespan-обработчике и закрывайте их после `yield` (или в shutdown-хуке).",
            "why": "При каждом деплое процесс убивается с открытыми соединениями: команды Redis и подтверждения "
            "очереди теряются, соединения с базой висят до таймаута на сервере (и исчерпывают его пул при "
            "rolling-деплое), буферизованные метрики и трейсы пропадают, задачи обрабатываются дважды.",
            "message.no_hook": "Приложение открывает долгоживущие ресурсы и не освобождает их при остановке: "
            "{resources}; их не закрывает ни lifespan, ни shutdown-хук, ни обработчик SIGTERM.",
            "message.hook_misses": "Приложение открывает долгоживущие ресурсы и не освобождает их при остановке: "
            "{resources}; код остановки ({hook}) их не закрывает.",
            "message.worker": "`{function}` крутит цикл `while True` без обработчика SIGTERM: деплой убивает его посреди задачи.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        open_resources = [r for r in model.resources if not r.managed]
        for app in model.served_apps:
            unreleased = [r for r in open_resources if r.released_by is None]
            if not open_resources:
                managed = [r for r in model.resources if r.managed]
                if managed:
                    yield self.passed(f"{len(managed)} resource(s) opened with `async with` in the lifespan are closed on exit", managed[0].location)
                else:
                    yield self.passed("no long-lived resources to release; the server drains requests on SIGTERM", app.location)
                continue
            if not unreleased:
                shown = ", ".join(f"{r.kind} {_short(r.name)} closed at {r.released_by}" for r in open_resources[:3])
                yield self.passed(f"shutdown releases every long-lived resource: {shown}", app.location)
                continue
            hooks = [h for h in model.hooks_of(app) if h.kind in ("lifespan", "shutdown", "signal")]
            listed = "; ".join(f"{r.kind} `{_short(r.name)}` ({r.location})" for r in unreleased[:4])
            more = f" and {len(unreleased) - 4} more" if len(unreleased) > 4 else ""
            yield self.finding(
                app.location,
                "hook_misses" if hooks else "no_hook",
                anchor=f"shutdown:{app.id}",
                related=tuple(r.location for r in unreleased[:10]),
                resources=listed + more,
                hook=hooks[0].location if hooks else "",
            )
        yield from self._worker_loops(model)

    def _worker_loops(self, model: AppModel) -> Iterator[Result]:
        if model.signal_handlers:
            return
        reported: set[str] = set()
        for module in model.modules.values():
            for site in module.calls:
                if not any("__name__" in (dotted(getattr(g.test, "left", None)) or "") for g in site.guards):
                    continue
                call = site.call
                if dotted(call.func) in ("asyncio.run", "run") and call.args and isinstance(call.args[0], CallExpr):
                    call = call.args[0]
                name = dotted(call.func)
                fn = model.function(f"{module.module}.{name}") if name else None
                if fn is not None and fn.facts.has_loop_forever and fn.facts.qualname not in reported:
                    reported.add(fn.facts.qualname)
                    yield self.finding(Location(module.path, site.call.span), "worker", anchor=f"worker:{module.module}.{name}", function=name)


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1] if not name.startswith("app.state") else name
