from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel
from auditor.parsing.facts import Const, Name

VERIFY_KWARGS = {"verify": False, "verify_ssl": False, "ssl": False}
CLIENTS = (
    "httpx.Client",
    "httpx.AsyncClient",
    "requests.Session",
    "aiohttp.ClientSession",
    "aiohttp.TCPConnector",
    *(f"{lib}.{verb}" for lib in ("httpx", "requests") for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")),
)
UNVERIFIED_CONTEXTS = ("ssl._create_unverified_context", "ssl._create_stdlib_context")


class TlsVerificationDisabled(Rule):
    """
    ## What it does
    Finds outbound connections with certificate verification turned off:
    `verify=False` on httpx or requests, `ssl=False` / `verify_ssl=False` on
    aiohttp, an unverified SSL context (`ssl._create_unverified_context()`).
    `verify="/path/to/ca.pem"` keeps verification on and is fine. The value is
    also followed through a name assigned once (`verify = False` then
    `verify=verify`); a parameter is the caller's choice and is not judged.

    ## Why is this bad?
    Without verification anyone on the network path — a compromised Wi-Fi, a
    cloud neighbour, a proxy — can impersonate the remote API, read the
    tokens sent to it and feed the service forged answers.

    ## Example
    ```python
    httpx.AsyncClient(verify=False)
    ```

    ## Use instead
    ```python
    httpx.AsyncClient(verify=settings.ca_bundle_path)  # or the default: True
    ```

    ## References
    - CWE-295: Improper Certificate Validation
    - OWASP API8:2023 Security Misconfiguration
    - https://bandit.readthedocs.io/en/latest/plugins/b501_request_with_no_cert_validation.html
    """

    code = "SEC017"
    name = "tls-verification-disabled"
    title = "TLS certificate verification disabled"
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    effort = "30m"
    fix = "Keep verification on; for a private CA pass its bundle with `verify=` instead of turning checks off."
    impact = "Traffic to the API can be intercepted and forged"
    references = ("CWE-295", "OWASP-API8:2023")
    messages = {"off": "`{call}` connects with certificate verification off ({how})."}
    translations = {
        "ru": {
            "impact": "Трафик к API можно перехватить и подделать",
            "title": "Проверка TLS-сертификатов отключена",
            "fix": "Не отключайте проверку; для частного УЦ передайте его сертификаты через `verify=`.",
            "why": "Без проверки любой на сетевом пути — скомпрометированный Wi-Fi, соседи в облаке, прокси — "
            "может выдать себя за удалённый API, прочитать отправленные ему токены и подсунуть сервису "
            "поддельные ответы.",
            "message.off": "`{call}` подключается без проверки сертификата ({how}).",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for site, location, target, function in model.scoped_calls_to(*CLIENTS):
            for key, bad in VERIFY_KWARGS.items():
                value = site.call.kwarg(key)
                if isinstance(value, Name):  # `verify = False` a few lines above, then `verify=verify`
                    value = model.assigned_once(value.id, function, location.path)
                if isinstance(value, Const) and value.value is bad:
                    yield self.finding(location, "off", anchor=f"tls:{location.path}:{target}", call=target, how=f"{key}=False")
                    break
        for _site, location, target in model.calls_to(*UNVERIFIED_CONTEXTS):
            yield self.finding(location, "off", anchor=f"tls:{location.path}:{target}", call=target, how="an unverified SSL context")
