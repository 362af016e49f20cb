from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.paths import is_test_path
from auditor.model.types import AppModel


class UnvalidatedConfig(Rule):
    """
    ## What it does
    Finds configuration read ad hoc from the environment — `os.getenv("X")`,
    `os.environ["X"]`, `os.environ.get("X")` — in the service's code instead
    of through one validated settings object (pydantic-settings). One finding
    per read; test files are skipped.

    ## Why is this bad?
    Scattered reads fail late and differently: a missing variable surfaces as
    a `KeyError` on the first request that needs it, a typo'd name silently
    yields `None`, "false" is a truthy string, and nobody can list what the
    service needs to start.

    ## Example
    ```python
    SENTRY_DSN = os.getenv("SENTRY_DSN")
    TIMEOUT = int(os.environ.get("KOMMO_TIMEOUT", "30"))
    ```

    ## Use instead
    ```python
    class Settings(BaseSettings):
        sentry_dsn: str | None = None
        kommo_timeout: float = 30.0

    settings = Settings()  # validated once, at startup
    ```

    ## References
    - CWE-1188: Initialization of a Resource with an Insecure Default
    - https://docs.pydantic.dev/latest/concepts/pydantic_settings/
    """

    code = "ARC002"
    name = "unvalidated-config"
    title = "Configuration read ad hoc from the environment"
    category = Category.ARCHITECTURE
    severity = Severity.LOW
    confidence = Confidence.HIGH
    effort = "30m"
    fix = "Declare the variable on the settings class (typed, with a default or required) and read it from there."
    impact = "Missing or mistyped configuration fails late"
    references = ("CWE-1188",)
    messages = {"adhoc": "`{name}` is read from the environment ad hoc instead of through the validated settings."}
    translations = {
        "ru": {
            "impact": "Отсутствующая или неверная конфигурация обнаруживается поздно",
            "title": "Конфигурация читается из окружения напрямую",
            "fix": "Объявите переменную в классе настроек (с типом, значением по умолчанию или обязательной) и читайте оттуда.",
            "why": "Разрозненные чтения падают поздно и по-разному: отсутствующая переменная всплывает как "
            '`KeyError` на первом запросе, которому она нужна, опечатка в имени молча даёт `None`, "false" — '
            "истинная строка, и никто не может перечислить, что нужно сервису для запуска.",
            "message.adhoc": "`{name}` читается из окружения напрямую, а не через валидируемые настройки.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        reads = [r for r in model.env_reads if not is_test_path(r.location.path)]
        for read in reads:
            yield self.finding(read.location, "adhoc", anchor=f"env:{read.name}:{read.location.path}", name=read.name)
        if not reads and model.settings:
            yield self.passed(f"configuration comes from validated settings ({len(model.settings)} fields)", model.settings[0].location)
