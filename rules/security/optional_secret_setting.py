from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.secrets import is_secret_name
from auditor.model.types import AppModel


class OptionalSecretSetting(Rule):
    """
    ## What it does
    Finds secrets the service relies on declared as optional settings: a
    field named like a secret (`webhook_secret`, `client_secret`,
    `jwt_secret`...) whose default is `None` or an empty string, so the
    service starts without it. A literal default is SEC013's finding.

    ## Why is this bad?
    The deploy that forgets the variable succeeds, and the code that needs
    the secret quietly takes another path: webhooks accepted unsigned, tokens
    signed with an empty key, an integration that fails hours later. A
    missing secret should stop the service at startup.

    ## Example
    ```python
    class Settings(BaseSettings):
        kommo_webhook_secret: str | None = None
    ```

    ## Use instead
    ```python
    class Settings(BaseSettings):
        kommo_webhook_secret: SecretStr = Field(min_length=32)
    ```

    ## References
    - CWE-1188: Initialization of a Resource with an Insecure Default
    - OWASP API8:2023 Security Misconfiguration
    """

    code = "SEC014"
    name = "optional-secret-setting"
    title = "Secret setting is optional"
    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    effort = "30m"
    fix = "Declare the secret as a required setting (no default, SecretStr, a minimum length) so startup fails without it."
    impact = "The service runs without a secret it needs"
    references = ("CWE-1188", "OWASP-API8:2023")
    messages = {"optional": "Secret setting `{name}` ({env}) defaults to {default}: the service starts without it."}
    translations = {
        "ru": {
            "impact": "Сервис работает без нужного ему секрета",
            "title": "Секрет объявлен необязательной настройкой",
            "fix": "Объявите секрет обязательной настройкой (без значения по умолчанию, SecretStr, минимальная длина), чтобы без него сервис не стартовал.",
            "why": "Деплой, в котором забыли переменную, проходит успешно, а код, которому нужен секрет, тихо "
            "идёт другим путём: вебхуки принимаются без подписи, токены подписываются пустым ключом, "
            "интеграция падает через несколько часов. Отсутствующий секрет должен останавливать сервис при старте.",
            "message.optional": "Секретная настройка `{name}` ({env}) по умолчанию {default}: сервис стартует без неё.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        required = []
        for field in model.settings:
            if not is_secret_name(field.name):
                continue
            value = field.default
            empty = value.known and (value.value is None or value.value == "")
            if field.required:
                required.append(field)
            elif empty:
                shown = "None" if value.value is None else "an empty string"
                yield self.finding(
                    field.location, "optional", anchor=f"optional-secret:{field.cls}.{field.name}", name=field.name, env=field.env_name, default=shown
                )
        if required:
            names = ", ".join(f.env_name for f in required[:5])
            yield self.passed(f"required secret settings: {names}", required[0].location)
