from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel, FunctionInfo
from auditor.parsing.facts import Attr, Await, CallExpr, Compare, Const, Expr, Name, Subscript, dotted

_SECRET_VALUE = re.compile(r"(signature|sig|digest|hmac|mac|token|secret|api_?key|password|passwd|pwd_hash|expected)$", re.I)
# What a value computed or read as a secret shows in its expression.
_SECRETISH = re.compile(r"(hmac|digest|hash|sign|secret|token|password|key|compare|crypt|mac)", re.I)
_DIGEST_METHODS = frozenset({"hexdigest", "digest"})
_RESERIALIZERS = re.compile(r"(^|\.)(json\.dumps|dumps|model_dump_json|json|jsonable_encoder|str|orjson\.dumps|ujson\.dumps)$")
_PASS_THROUGH = frozenset({"encode", "decode", "strip", "replace"})
# ORM query methods: a comparison passed to them becomes SQL, evaluated by the database.
_QUERY_BUILDERS = frozenset({"filter", "where", "having", "join", "outerjoin", "exclude", "get_or_none"})
_SQL_OPERATORS = frozenset({"and_", "or_", "sa.and_", "sa.or_", "sqlalchemy.and_", "sqlalchemy.or_"})


def _sensitive(expr: Expr) -> str | None:
    """A name or call that holds a secret-like value: `signature`, `x.hexdigest()`."""
    if isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr in _DIGEST_METHODS:
        receiver = expr.func.value
        shown = dotted(receiver) or (f"{dotted(receiver.func)}(...)" if isinstance(receiver, CallExpr) else "...")
        return f"{shown}.{expr.func.attr}()"
    name = dotted(expr)
    if name and _SECRET_VALUE.search(name.rsplit(".", 1)[-1]):
        return name
    key = _literal_key(expr)  # app.config["PARTNER_API_KEY"], request.headers.get("X-API-Key")
    if key and _SECRET_VALUE.search(key.replace("-", "_")):
        owner = expr.value if isinstance(expr, Subscript) else expr.func.value if isinstance(expr, CallExpr) and isinstance(expr.func, Attr) else None
        return f"{dotted(owner) or '...'}[{key!r}]"
    return None


def _label(expr: Expr) -> bool:
    """`PathTokens.ASSET`, `signal.SIGKILL`: a constant naming a kind, not a secret value."""
    name = dotted(expr) or ""
    last = name.rsplit(".", 1)[-1]
    return "." in name and last.isupper() and not _SECRET_VALUE.search(last)


def _confirmation(left: Expr, right: Expr) -> bool:
    names = [(dotted(side) or _literal_key(side) or "").lower() for side in (left, right)]
    return any(word in n for n in names for word in ("confirm", "repeat", "again", "retype"))


def _plain_local(info: FunctionInfo, name: str) -> bool:
    """`expected = task_type.get("for_entity")`: a local named like a secret that holds nothing secret."""
    if "." in name or "[" in name:
        return False
    values = [a.value for a in info.facts.assignments if a.target == name and a.value is not None]
    if not values:
        return False  # a parameter or a global: what it holds is not visible here
    return not any(_SECRETISH.search(repr(v)) for v in values)  # names and literals: `headers.get("x-signature")`


def _container(expr: Expr) -> str:
    """What holds the value: `body` for `body.password` and `body["password"]`."""
    if isinstance(expr, Subscript):
        return dotted(expr.value) or ""
    name = dotted(expr) or ""
    return name.rpartition(".")[0] if "." in name else name


def _in_query(info: FunctionInfo, compare: Compare) -> bool:
    """`.filter(User.api_key == key)`: an ORM builds SQL from the comparison; nothing compares in Python."""
    inner = (compare.span.line, compare.span.column), (compare.span.end_line, compare.span.end_column)
    for site in info.facts.calls:
        call = site.call
        builds_query = (isinstance(call.func, Attr) and call.func.attr in _QUERY_BUILDERS) or dotted(call.func) in _SQL_OPERATORS
        outer = (call.span.line, call.span.column), (call.span.end_line, call.span.end_column)
        if builds_query and outer[0] <= inner[0] and inner[1] <= outer[1]:
            return True
    return False


def _source(info: FunctionInfo, expr: Expr) -> str | None:
    """Where a value was read from: `request.form` for `request.form.get("rpassword")`, also through
    a local assigned once from such a read."""
    if isinstance(expr, Name):
        values = [a.value for a in info.facts.assignments if a.target == expr.id]
        if len(values) != 1 or values[0] is None:
            return None
        expr = values[0]
    if isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr == "get":
        return dotted(expr.func.value)
    if isinstance(expr, Subscript):
        return dotted(expr.value)
    return None


def _literal_key(expr: Expr) -> str | None:
    if isinstance(expr, Subscript) and len(expr.index) == 1:
        key = expr.index[0]
    elif isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr == "get" and expr.args:
        key = expr.args[0]
    else:
        return None
    return key.value if isinstance(key, Const) and isinstance(key.value, str) else None


def _trivial(expr: Expr) -> bool:
    """Comparisons with literals, None or lengths leak nothing about a secret."""
    if isinstance(expr, Const):
        return True
    return isinstance(expr, CallExpr) and dotted(expr.func) in ("len", "type", "isinstance")


class InsecureSignatureCompare(Rule):
    """
    ## What it does
    Finds signatures, tokens and digests compared with `==`/`!=` instead of a
    constant-time comparison, and HMACs computed over re-serialized JSON
    (`json.dumps(await request.json())`, `payload.model_dump_json()`) instead
    of the raw request body. Comparisons that leak no secret stay quiet: two
    values of the same request (a password and its confirmation), constants
    naming a kind, and comparisons an ORM turns into SQL (`.filter(User.key == key)`).

    ## Why is this bad?
    `==` stops at the first differing byte, so response timing tells an
    attacker how much of a forged signature is right; byte by byte, the
    signature can be recovered. An HMAC over re-serialized JSON checks bytes
    the sender never signed: key order, spacing and number formatting differ,
    so genuine events fail, and teams "fix" that by loosening the check.

    ## Example
    ```python
    body = json.dumps(await request.json())
    expected = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    if signature != expected:
        raise HTTPException(401)
    ```

    ## Use instead
    ```python
    body = await request.body()
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature or ""):
        raise HTTPException(401)
    ```

    ## References
    - CWE-208: Observable Timing Discrepancy
    - CWE-347: Improper Verification of Cryptographic Signature
    - OWASP API2:2023 Broken Authentication
    - https://docs.python.org/3/library/hmac.html#hmac.compare_digest
    """

    code = "SEC007"
    name = "insecure-signature-compare"
    title = "Signature compared in variable time or over re-serialized JSON"
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    effort = "30m"
    fix = "Compare with `hmac.compare_digest`, and compute the HMAC over `await request.body()` exactly as received."
    references = ("CWE-208", "CWE-347", "OWASP-API2:2023")
    impact = "Signatures can be forged or genuine events rejected"
    messages = {
        "timing": "`{value}` is compared with `{op}`, which leaks by timing how much of a forged value is right; use hmac.compare_digest.",
        "reserialized": "The HMAC is computed over re-serialized JSON ({source}), not the raw body the sender signed.",
    }
    translations = {
        "ru": {
            "impact": "Подпись можно подобрать, настоящие события отклоняются",
            "title": "Подпись сравнивается за переменное время или по пересериализованному JSON",
            "fix": "Сравнивайте через `hmac.compare_digest` и считайте HMAC по `await request.body()` ровно в том виде, в каком тело пришло.",
            "why": "`==` останавливается на первом отличающемся байте, поэтому время ответа подсказывает "
            "атакующему, какая часть поддельной подписи верна, и подпись подбирается побайтно. HMAC по "
            "пересериализованному JSON проверяет байты, которые отправитель не подписывал: порядок ключей, "
            "пробелы и формат чисел отличаются, настоящие события не проходят, и проверку начинают ослаблять.",
            "message.timing": "`{value}` сравнивается через `{op}`: по времени ответа видно, какая часть "
            "поддельного значения верна; используйте hmac.compare_digest.",
            "message.reserialized": "HMAC считается по пересериализованному JSON ({source}), а не по исходному телу, которое подписал отправитель.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for info in model.functions.values():
            yield from self._compares(info)
            yield from self._hmac_inputs(info)

    def _compares(self, info: FunctionInfo) -> Iterator[Result]:
        if info.facts.name.startswith("__") and info.facts.name.endswith("__"):
            return  # __eq__ and friends compare objects, not a caller's credential
        for site in info.facts.compares:
            compare = site.compare
            if len(compare.ops) != 1 or compare.ops[0] not in ("==", "!="):
                continue
            left, right = compare.left, compare.comparators[0]
            if _trivial(left) or _trivial(right):
                continue
            if _label(left) or _label(right) or _confirmation(left, right):
                continue  # an enum member or a constant naming a kind; a password and its confirmation
            heads = {_container(side).split(".")[0] for side in (left, right)}
            if len(heads) == 1 and "" not in heads and _container(left) != (dotted(left) or ""):
                continue  # body.current_password == body["new_password"]: both from the caller, no secret
            if _in_query(info, compare):
                continue
            source = _source(info, left)
            if source is not None and source == _source(info, right):
                continue  # `password != rpassword`, both read from `request.form`: two values of one caller
            named = [n for n in (_sensitive(left), _sensitive(right)) if n]
            if not named or all(_plain_local(info, n) for n in named):
                continue
            secret = named[0]
            yield self.finding(info.at(compare.span), "timing", anchor=f"compare:{info.facts.qualname}:{secret}", value=secret, op=compare.ops[0])

    def _hmac_inputs(self, info: FunctionInfo) -> Iterator[Result]:
        for site in info.facts.calls:
            call = site.call
            func = dotted(call.func) or ""
            if func not in ("hmac.new", "hmac.HMAC", "hmac.digest") and not func.endswith(".update"):
                continue
            message = call.arg(1, "msg")
            if func.endswith(".update"):
                message = call.arg(0)
            source = self._reserialized(info, message, depth=0)
            if source:
                yield self.finding(info.at(call.span), "reserialized", anchor=f"hmac:{info.facts.qualname}", source=source)

    def _reserialized(self, info: FunctionInfo, expr: Expr | None, depth: int) -> str | None:
        if expr is None or depth > 4:
            return None
        if isinstance(expr, Await):
            expr = expr.value
        if isinstance(expr, CallExpr):
            func = dotted(expr.func) or ""
            if isinstance(expr.func, Attr) and expr.func.attr in _PASS_THROUGH:
                return self._reserialized(info, expr.func.value, depth + 1)
            if _RESERIALIZERS.search(func) and not func.endswith(("request.json", ".body")):
                return f"{func}(...)"
            return None
        if isinstance(expr, Name):
            for assignment in reversed(info.facts.assignments):
                if assignment.target == expr.id and assignment.value is not None:
                    return self._reserialized(info, assignment.value, depth + 1)
        return None
