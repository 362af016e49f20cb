from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel
from auditor.parsing.facts import Const, DictExpr, Seq, Subscript

DECODERS = ("jwt.decode", "jwt.api_jwt.decode", "jwt.PyJWT.decode", "jose.jwt.decode", "authlib.jose.jwt.decode")
UNVERIFIED = ("jwt.get_unverified_header", "jose.jwt.get_unverified_claims", "jose.jwt.get_unverified_header")


class JwtUnverified(Rule):
    """
    ## What it does
    Finds JWTs decoded without checking their signature, or with the
    algorithm chosen by the token: `options={"verify_signature": False}`,
    `verify=False` (PyJWT 1), `algorithms=["none"]`, python-jose's
    `jwt.decode` without `algorithms=`, or an `algorithms` list taken from
    the token's own header. A route behind such a decode is authenticated in
    name only (it is not SEC001's finding, it is this one).

    ## Why is this bad?
    Anyone can write a token that says `{"sub": "admin", "org": "victim"}`.
    Without signature verification — or when the token may pick `none` or
    switch RS256 to HS256 with the public key as secret — the service
    believes it.

    ## Example
    ```python
    claims = jwt.decode(token, options={"verify_signature": False})
    ```

    ## Use instead
    ```python
    claims = jwt.decode(token, settings.jwt_public_key, algorithms=["RS256"], audience="api")
    ```

    ## References
    - CWE-347: Improper Verification of Cryptographic Signature
    - OWASP API2:2023 Broken Authentication
    - https://pyjwt.readthedocs.io/en/stable/api.html
    """

    code = "SEC016"
    name = "jwt-unverified"
    title = "JWT accepted without signature verification"
    category = Category.SECURITY
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    effort = "1h"
    fix = "Decode with the key and a fixed list of expected algorithms, and check audience and expiry."
    impact = "Anyone can mint a token the service trusts"
    references = ("CWE-347", "OWASP-API2:2023")
    messages = {
        "no_signature": "`{call}` decodes the token without verifying its signature ({how}).",
        "alg_from_token": "`{call}` lets the token choose its algorithm ({how}).",
    }
    translations = {
        "ru": {
            "impact": "Любой может выпустить токен, которому поверит сервис",
            "title": "JWT принимается без проверки подписи",
            "fix": "Декодируйте с ключом и фиксированным списком ожидаемых алгоритмов, проверяйте audience и срок действия.",
            "why": 'Кто угодно может написать токен `{"sub": "admin", "org": "victim"}`. Без проверки '
            "подписи — или когда токен сам выбирает `none` либо переключает RS256 на HS256 с открытым ключом в "
            "роли секрета — сервис ему верит.",
            "message.no_signature": "`{call}` декодирует токен без проверки подписи ({how}).",
            "message.alg_from_token": "`{call}` позволяет токену выбрать алгоритм ({how}).",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for site, location, target in model.calls_to(*DECODERS):
            call = site.call
            short = ".".join(target.split(".")[-2:])
            anchor = f"jwt:{location.path}:{target}"
            options = call.kwarg("options")
            if isinstance(options, DictExpr) and any(
                isinstance(k, Const) and k.value == "verify_signature" and isinstance(v, Const) and v.value is False
                for k, v in zip(options.keys, options.values, strict=False)
            ):
                yield self.finding(location, "no_signature", anchor=anchor, call=short, how='options={"verify_signature": False}')
                continue
            verify = call.kwarg("verify")
            if isinstance(verify, Const) and verify.value is False:
                yield self.finding(location, "no_signature", anchor=anchor, call=short, how="verify=False")
                continue
            algorithms = call.kwarg("algorithms")
            if isinstance(algorithms, Seq):
                if any(isinstance(i, Const) and str(i.value).lower() == "none" for i in algorithms.items):
                    yield self.finding(location, "no_signature", anchor=anchor, call=short, how='algorithms include "none"')
                elif any(isinstance(i, Subscript) for i in algorithms.items):
                    yield self.finding(
                        location, "alg_from_token", anchor=anchor, call=short, how="algorithms read from the token's header", severity=Severity.HIGH
                    )
            elif algorithms is None and target.startswith("jose."):
                yield self.finding(location, "alg_from_token", anchor=anchor, call=short, how="python-jose without algorithms=", severity=Severity.HIGH)
