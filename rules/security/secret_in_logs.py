from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.secrets import is_credential_url_name, is_secret_name
from auditor.model.types import AppModel
from auditor.parsing.facts import Attr, CallExpr, Expr, Other, dotted

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "msg", "log"})
_LOGGER_NAME = re.compile(r"(^|_)(log|logger)$", re.I)
_NAME_IN_TEXT = re.compile(r"[A-Za-z_][\w.]*")
_MASKED = re.compile(r"(mask|redact|obfuscat|hide|sanitiz|scrub)", re.I)


def _sensitive_names(expr: Expr) -> list[str]:
    """Secret-like names an argument carries, through f-strings and `str()`/`repr()` too."""
    if isinstance(expr, CallExpr):
        if _MASKED.search(dotted(expr.func) or ""):
            return []
        return [n for arg in (*expr.args, *(v for _, v in expr.kwargs)) for n in _sensitive_names(arg)]
    if isinstance(expr, Other):  # f"... {settings.redis_url} ..."
        inside = re.findall(r"\{([^{}!:]+)", expr.text)
        return [n for part in inside for n in _NAME_IN_TEXT.findall(part) if _secret(n)]
    name = dotted(expr)
    return [name] if name and _secret(name) else []


def _secret(name: str) -> bool:
    return is_secret_name(name) or is_credential_url_name(name) or name.lower().endswith("authorization")


class SecretInLogs(Rule):
    """
    ## What it does
    Finds log calls (`logging`, structlog and loguru loggers, `print`) whose
    arguments carry a credential: a token, a password or secret setting, an
    `Authorization` header, or a connection URL that embeds a password
    (`REDIS_URL`, `DATABASE_URL`). F-strings are looked into; values passed
    through a masking function are not reported.

    ## Why is this bad?
    Logs are copied to log platforms, shared in tickets and kept for months
    by people and systems that must never hold production credentials. One
    "connecting to redis://:p4ss@..." line hands the password to all of them.

    ## Example
    ```python
    log.info("connecting to redis", url=settings.redis_url)
    ```

    ## Use instead
    ```python
    log.info("connecting to redis", host=urlsplit(settings.redis_url).hostname)
    ```

    ## References
    - CWE-532: Insertion of Sensitive Information into Log File
    - OWASP API8:2023 Security Misconfiguration
    """

    code = "SEC011"
    name = "secret-in-logs"
    title = "Credential written to logs"
    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    effort = "30m"
    fix = "Log identifiers (host, key id, last four characters), never the secret or a URL that contains one."
    impact = "Credentials leak to everyone who reads logs"
    references = ("CWE-532", "OWASP-API8:2023")
    messages = {"logged": "This log call writes `{name}`, a credential, to the logs."}
    translations = {
        "ru": {
            "impact": "Учётные данные утекают ко всем, кто читает логи",
            "title": "Учётные данные попадают в логи",
            "fix": "Логируйте идентификаторы (хост, id ключа, последние четыре символа), но не сам секрет и не URL, который его содержит.",
            "why": "Логи копируются в системы логирования, пересылаются в тикетах и хранятся месяцами у людей и "
            'систем, которым нельзя держать production-учётные данные. Одна строка "connecting to '
            'redis://:p4ss@..." отдаёт пароль им всем.',
            "message.logged": "Этот вызов логирования пишет в логи `{name}` — учётные данные.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for target, entries in model.call_index().items():
            method = target.rsplit(".", 1)[-1]
            receiver = target.rsplit(".", 2)[-2] if target.count(".") >= 1 else ""
            is_log = target == "print" or (
                method in LOG_METHODS and (target.startswith(("logging.", "structlog.", "loguru.")) or _LOGGER_NAME.search(receiver))
            )
            if not is_log:
                continue
            for site, location, _function in entries:
                call = site.call
                if not isinstance(call.func, Attr) and target != "print":
                    continue
                names = [n for arg in (*call.args, *(v for _, v in call.kwargs)) for n in _sensitive_names(arg)]
                if names:
                    yield self.finding(location, "logged", anchor=f"log:{location.path}:{names[0]}", name=names[0])
