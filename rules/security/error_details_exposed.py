from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel, FunctionInfo, Location
from auditor.parsing.facts import CallExpr, DictExpr, Expr, Other, Seq, dotted

BROAD = {"", "Exception", "BaseException"}
# Exceptions whose message is written for the caller: validation and HTTP errors.
CALLER_FACING = re.compile(r"(ValidationError|HTTPException|ValueError|KeyError|PermissionError|NotFound|Invalid\w*)$")
TRACEBACK_CALLS = ("traceback.format_exc", "traceback.format_exception")
# Error responses by their HTTP name, as web frameworks name their exceptions: `HTTPBadGateway`,
# `NotFoundException`, `ServiceUnavailable`, `InternalServerError`.
HTTP_ERROR_NAMES = frozenset(name.replace("_", "").lower() for name, status in HTTPStatus.__members__.items() if status >= 400)


def _echoes(expr: Expr | None, name: str) -> bool:
    """Does the expression put the exception's text into the response?"""
    if expr is None:
        return False
    if isinstance(expr, CallExpr):
        func = dotted(expr.func) or ""
        if func in ("str", "repr") and expr.args and dotted(expr.args[0]) == name:
            return True
        if func.endswith(("format_exc", "format_exception")):
            return True
        return any(_echoes(a, name) for a in (*expr.args, *(v for _, v in expr.kwargs)))
    if isinstance(expr, Other):
        return bool(re.search(r"\{\s*" + re.escape(name) + r"\s*(!r|!s)?\s*\}", expr.text))
    if isinstance(expr, DictExpr):
        return any(_echoes(v, name) for v in expr.values)
    if isinstance(expr, Seq):
        return any(_echoes(i, name) for i in expr.items)
    return dotted(expr) in (f"{name}.args", f"{name}.message")


def _http_error(expr: Expr | None, info: FunctionInfo, project_modules: set[str]) -> bool:
    """An exception the framework answers with: an `HTTPException`, or a library class named for an error status."""
    name = dotted(expr.func) if isinstance(expr, CallExpr) else None
    if not name:
        return False
    short = name.rsplit(".", 1)[-1]
    if short.endswith("HTTPException") or short == "HTTPError":
        return True
    if _own_class(info, name, project_modules):
        return False  # the project's own exception: a 500 unless a handler the rule reads renders it
    bare = short.lower().removeprefix("http")  # `HTTPRequestURITooLong`, `HTTPVersionNotSupported` too
    return any(candidate in HTTP_ERROR_NAMES for candidate in (bare, f"http{bare}", bare.removesuffix("exception"), bare.removesuffix("error")))


def _own_class(info: FunctionInfo, name: str, project_modules: set[str]) -> bool:
    head = name.split(".")[0]
    if any(c.endswith(f".{name}") for c in info.module.classes):
        return True
    ref = info.module.imports.get(head)
    if ref is None:
        return False
    source = ref.module
    return source in project_modules or any(m.endswith("." + source) for m in project_modules)


def _middleware_functions(model: AppModel) -> set[str]:
    """Middleware code that answers requests: function middleware, and `dispatch` of middleware classes."""
    out: set[str] = set()
    for mw in model.middleware:
        if mw.kind == "function":
            out.add(mw.gate or mw.cls)
        else:
            out.add(f"{mw.cls}.dispatch")
    return out


class ErrorDetailsExposed(Rule):
    """
    ## What it does
    Finds handlers that send an unexpected exception's text or traceback to
    the client: `raise HTTPException(500, detail=str(exc))` inside
    `except Exception as exc:`, a catch-all exception handler answering with
    `str(exc)`, `traceback.format_exc()` in a response. Exceptions written
    for the caller — validation errors (422 with field errors), `ValueError`
    messages, `HTTPException` details — are not reported.

    ## Why is this bad?
    Driver and library messages carry SQL fragments, table and column names,
    internal hostnames, file paths and sometimes data; they tell an attacker
    exactly which input broke what, and they leak to every client.

    ## Example
    ```python
    try:
        await sync_contacts(org_id)
    except Exception as exc:
        raise HTTPException(status_code=500, detail=str(exc))
    ```

    ## Use instead
    ```python
    try:
        await sync_contacts(org_id)
    except Exception:
        log.exception("contact sync failed", org_id=org_id)
        raise HTTPException(status_code=502, detail="CRM sync failed; try again later")
    ```

    ## References
    - CWE-209: Generation of Error Message Containing Sensitive Information
    - OWASP API8:2023 Security Misconfiguration
    """

    code = "SEC018"
    name = "error-details-exposed"
    title = "Exception details returned to the client"
    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    effort = "30m"
    fix = "Log the exception with its traceback and answer with a generic message and an error id."
    impact = "Internals leak to every client"
    references = ("CWE-209", "OWASP-API8:2023")
    messages = {"echoed": "The text of an unexpected exception (`{name}`) is sent to the client."}
    translations = {
        "ru": {
            "impact": "Детали внутреннего устройства утекают клиентам",
            "title": "Детали исключения возвращаются клиенту",
            "fix": "Логируйте исключение с трейсбеком, а клиенту отвечайте общим сообщением и id ошибки.",
            "why": "Сообщения драйверов и библиотек содержат фрагменты SQL, имена таблиц и колонок, внутренние "
            "хосты, пути к файлам, а иногда и данные; они подсказывают атакующему, какой ввод что сломал, и "
            "уходят каждому клиенту.",
            "message.echoed": "Текст неожиданного исключения (`{name}`) отправляется клиенту.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        # what reaches the client: route handlers' returns, and those of middleware wrapping them
        handlers = {r.handler for r in model.routes} | _middleware_functions(model)
        project_modules = {m.module for m in model.modules.values()}
        for qual, info in model.functions.items():
            for clause in info.facts.excepts:
                if self._unexpected(clause.types, info, project_modules):
                    # a bare `except:` has no name to echo, but can still send the traceback
                    yield from self._in_clause(model, info, clause.name or "\0", clause.lines, qual in handlers, project_modules)
        for handler in model.exception_handlers:
            if CALLER_FACING.search(handler.exception) or handler.function is None:
                continue
            handler_info = model.function(handler.function)
            if handler_info is None or handler.error_param is None:
                continue
            exc = handler.error_param
            for ret in handler_info.facts.return_sites:
                if _echoes(ret.value, exc):
                    yield self.finding(handler_info.at(ret.span), "echoed", anchor=f"error:{handler_info.facts.qualname}", name=exc)

    @staticmethod
    def _unexpected(types: tuple[str, ...], info: FunctionInfo, project_modules: set[str]) -> bool:
        """Broad or library exceptions; the project's own exception classes carry messages meant for callers."""
        if not types:
            return True
        for t in types:
            short = t.rsplit(".", 1)[-1]
            if short in BROAD:
                return True
            if CALLER_FACING.search(t) or _own_class(info, t, project_modules):
                continue
            return True
        return False

    def _in_clause(self, model: AppModel, info: FunctionInfo, name: str, lines: tuple[int, int], returns: bool, project_modules: set[str]) -> Iterator[Result]:
        first, last = lines
        # What reaches the client: an HTTP error raised, or what a route handler or middleware returns.
        sites = [(r.exc, r.span) for r in info.facts.raises if _http_error(r.exc, info, project_modules)]
        if model.error_calls:  # Flask's abort(500, description=str(exc)) raises for the caller
            sites += [(s.call, s.call.span) for s in info.facts.calls if model.evaluate_callee(s, info.facts.qualname, info.path) in model.error_calls]
        if returns:
            sites += [(r.value, r.span) for r in info.facts.return_sites]
        for expr, span in sites:
            if first <= span.line <= last and _echoes(expr, name):
                yield self.finding(Location(info.path, span), "echoed", anchor=f"error:{info.facts.qualname}:{span.line - first}", name=name)
