from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel, FunctionInfo

BLOCKING = {
    "time.sleep": "time.sleep",
    "urllib.request.urlopen": "urllib.request.urlopen",
    "subprocess.run": "subprocess.run",
    "subprocess.call": "subprocess.call",
    "subprocess.check_output": "subprocess.check_output",
    "subprocess.check_call": "subprocess.check_call",
    "psycopg2.connect": "psycopg2.connect",
    "sqlite3.connect": "sqlite3.connect",
    "pymysql.connect": "pymysql.connect",
    **{f"requests.{v}": f"requests.{v}" for v in ("get", "post", "put", "patch", "delete", "head", "options", "request")},
}


class BlockingCallInAsync(Rule):
    """
    ## What it does
    Finds blocking calls made on the event loop: an `async def` on a request
    path (or a plain function it calls) uses `requests`, `time.sleep`,
    `urllib.request.urlopen`, `subprocess.run` or a synchronous database
    driver. One finding per call site.

    ## Why is this bad?
    An async server runs every request of a worker on one thread. A blocking
    call stops all of them: one slow CRM request makes every other request
    on that worker wait, and latency spikes across the whole API.

    ## Example
    ```python
    @router.post("/sync")
    async def sync():
        response = requests.get(KOMMO_URL, timeout=10)
    ```

    ## Use instead
    ```python
    @router.post("/sync")
    async def sync(http: httpx.AsyncClient = Depends(get_http)):
        response = await http.get(KOMMO_URL)
    # or make the handler a plain `def`, which FastAPI runs in a thread pool
    ```

    ## References
    - CWE-834: Excessive Iteration
    - https://fastapi.tiangolo.com/async/
    """

    code = "REL007"
    name = "blocking-call-in-async"
    title = "Blocking call inside async code"
    category = Category.RELIABILITY
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    effort = "1h"
    fix = "Use the async client (httpx.AsyncClient, asyncio.sleep, an async driver) or run the call in a thread (`await asyncio.to_thread(...)`)."
    impact = "One slow call stalls every request on the worker"
    references = ("CWE-834",)
    messages = {"blocking": "`{call}` blocks the event loop in async {function}: every request on this worker waits for it."}
    translations = {
        "ru": {
            "impact": "Один медленный вызов останавливает все запросы воркера",
            "title": "Блокирующий вызов в асинхронном коде",
            "fix": "Используйте асинхронный клиент (httpx.AsyncClient, asyncio.sleep, асинхронный драйвер) или "
            "выполняйте вызов в потоке (`await asyncio.to_thread(...)`).",
            "why": "Асинхронный сервер выполняет все запросы воркера в одном потоке. Блокирующий вызов "
            "останавливает их все: один медленный запрос к CRM заставляет ждать все остальные запросы этого "
            "воркера, и задержки растут по всему API.",
            "message.blocking": "`{call}` блокирует цикл событий в асинхронной {function}: все запросы этого воркера ждут его.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        index = model.call_index()
        on_loop = self._on_loop(model)
        for target, call in BLOCKING.items():
            for _site, location, function in index.get(target, ()):
                if function in on_loop:
                    yield self.finding(location, "blocking", anchor=f"blocking:{function}:{call}", call=call, function=on_loop[function])

    def _on_loop(self, model: AppModel) -> dict[str, str]:
        """Functions that run on the event loop: async ones on request paths, and plain ones they call directly."""
        out: dict[str, str] = {}
        index = model.call_index()
        callers: dict[str, set[str]] = {}
        for target, entries in index.items():
            if target in model.functions:
                for _site, _location, function in entries:
                    if function:
                        callers.setdefault(target, set()).add(function)
        for qual in model.request_path_functions:
            info: FunctionInfo | None = model.function(qual)
            if info is not None and info.facts.is_async:
                out[qual] = info.facts.name
        for qual in model.loop_functions & model.request_path_functions:  # sync handlers the framework runs on the loop
            out.setdefault(qual, model.functions[qual].facts.name)
        for qual, info in model.functions.items():
            if not info.facts.is_async and any(c in out for c in callers.get(qual, ())):
                out.setdefault(qual, next(out[c] for c in callers[qual] if c in out))
        return out
