from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.paths import is_test_path
from auditor.model.secrets import is_secret_name
from auditor.model.types import AppModel, Location
from auditor.parsing.facts import Const


class HardcodedSecret(Rule):
    """
    ## What it does
    Finds secrets written into the code: a non-empty string literal assigned
    to a module-level name like `JWT_SECRET` or `API_KEY`, used as the
    default of a secret settings field, or given as the fallback of an
    environment read (`os.getenv("JWT_SECRET", "changeme")`). Test files are
    skipped, and so are switches named after credentials
    (`ALLOW_CREDENTIALS = "false"`).

    ## Why is this bad?
    A secret in the repository is shared with everyone who can read it, its
    history and its forks, and it is the value the service silently runs with
    whenever the environment forgets to set one — tokens signed with
    "changeme" are forgeable by anyone.

    ## Example
    ```python
    class Settings(BaseSettings):
        jwt_secret: str = "changeme"
    ```

    ## Use instead
    ```python
    class Settings(BaseSettings):
        jwt_secret: SecretStr  # required: the service refuses to start without it
    ```

    ## References
    - CWE-798: Use of Hard-coded Credentials
    - OWASP API8:2023 Security Misconfiguration
    """

    code = "SEC013"
    name = "hardcoded-secret"
    title = "Secret hard-coded in the source"
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    effort = "30m"
    fix = "Remove the literal, rotate the secret, and read it from the environment as a required setting."
    impact = "Anyone with the code can forge tokens or call APIs"
    references = ("CWE-798", "OWASP-API8:2023")
    messages = {
        "literal": "`{name}` is set to a string literal in the code.",
        "default": "Settings field `{name}` has a literal default: the service runs with it whenever {env} is not set.",
        "fallback": "`os.getenv({env!r}, ...)` falls back to a literal secret.",
    }
    translations = {
        "ru": {
            "impact": "Любой с доступом к коду подделает токены или вызовет API",
            "title": "Секрет зашит в код",
            "fix": "Уберите литерал, смените секрет и читайте его из окружения как обязательную настройку.",
            "why": "Секрет в репозитории известен всем, кто читает его, его историю и форки, и именно с ним "
            'сервис молча работает, когда окружение забыли настроить: токены, подписанные "changeme", может '
            "подделать кто угодно.",
            "message.literal": "`{name}` задан строковым литералом в коде.",
            "message.default": "У поля настроек `{name}` литеральное значение по умолчанию: сервис работает с ним, когда {env} не задана.",
            "message.fallback": "`os.getenv({env!r}, ...)` подставляет литеральный секрет по умолчанию.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        settings_locations = {(f.location.path, f.location.line) for f in model.settings}
        for field in model.settings:
            value = field.default
            if is_test_path(field.location.path) or not is_secret_name(field.name):
                continue
            if value.known and isinstance(value.value, str) and value.value and not _flag(value.value):
                yield self.finding(field.location, "default", anchor=f"secret:{field.cls}.{field.name}", name=field.name, env=field.env_name)
        for path, module in model.modules.items():
            if is_test_path(path):
                continue
            for assignment in module.assignments:
                literal = assignment.value.value if isinstance(assignment.value, Const) else None
                if (path, assignment.span.line) in settings_locations or not is_secret_name(assignment.target):
                    continue
                if isinstance(literal, str) and len(literal) >= 6 and literal != assignment.target and not _flag(literal):
                    yield self.finding(Location(path, assignment.span), "literal", anchor=f"secret:{module.module}.{assignment.target}", name=assignment.target)
        for read in model.env_reads:
            if not read.default or read.default in ("''", '""', "None") or _flag(read.default.strip("'\"")):
                continue
            if is_secret_name(read.name) and not is_test_path(read.location.path):
                yield self.finding(read.location, "fallback", anchor=f"secret-env:{read.name}:{read.location.path}", env=read.name)


def _flag(text: str) -> bool:
    """`"false"`: the setting named like a credential is a switch (`ALLOW_CREDENTIALS`), not a secret.
    Digits are not exempt: `"123456"` is a real, if weak, password."""
    return text.strip().lower() in _FLAG_WORDS


_FLAG_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null"})
