"""How a handler reads the client's request object, for frameworks that pass one.

Starlette endpoints receive `request`; Flask views read the `flask.request`
global. Both read bodies (`await request.json()`, `request.get_json()`),
query strings (`request.query_params["q"]`, `request.args.get("q")`) and path
values the same way, so one reader serves both, shaped by a `RequestShape`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ...parsing.facts import Attr, Await, BoolOp, CallExpr, Compare, Expr, FunctionFacts, Name, Not, Seq, Span, Subscript, dotted

# Calls that validate what they are given against a schema.
VALIDATORS = frozenset(
    {
        "model_validate",
        "model_validate_json",
        "parse_obj",
        "parse_raw",
        "validate_python",
        "validate_json",
        "load",
        "validate",
        "convert",
        "from_dict",
        "structure",
        "deserialize",
        "decode",
    }
)
BOUNDING_CALLS = frozenset({"min", "clamp", "max_page_size"})


@dataclass(frozen=True)
class RequestShape:
    body_calls: frozenset[str]  # methods that return the parsed body: json, form, get_json
    body_attrs: frozenset[str]  # attributes that hold the parsed body: Flask's request.json, request.form
    containers: dict[str, str] = field(default_factory=dict)  # attribute -> where its values come from
    raw_containers: frozenset[str] = frozenset()  # containers whose values reach the handler unvalidated


@dataclass(frozen=True)
class RequestRead:
    text: str  # `request.json()`, `request.args['q']`
    source: str  # "body", "query", "path", "header", "cookie", "form"
    key: str | None  # the value's name, when one value is read
    span: Span
    raw: bool  # input a schema should have validated
    validated: bool = False
    bounded: bool = False  # clamped with `min(...)` or checked against a limit
    validator: CallExpr | None = None  # the schema call that validates it: `Model.model_validate(...)`


def request_reads(fn: FunctionFacts, is_request: Callable[[str], bool], shape: RequestShape) -> list[RequestRead]:
    """Every read of the request in `fn`: calls first, then `x["key"]` reads (file order within each)."""
    body_vars: set[str] = set()
    out: list[RequestRead] = []

    def head_is_request(name: str | None) -> str | None:
        """`request.args` -> "args" when `request` is the request object."""
        if not name or "." not in name:
            return None
        head, _, rest = name.partition(".")
        return rest if is_request(head) else None

    for assignment in fn.assignments:  # `data = await request.json()`, `data = request.json`
        value = assignment.value.value if isinstance(assignment.value, Await) else assignment.value
        if isinstance(value, CallExpr) and isinstance(value.func, Attr) and value.func.attr in shape.body_calls and is_request(dotted(value.func.value) or ""):
            body_vars.add(assignment.target)
        elif head_is_request(dotted(value)) in shape.body_attrs:
            body_vars.add(assignment.target)
            validator = _validator(fn, None, assignment.target)
            out.append(RequestRead(f"{dotted(value)}", "body", None, assignment.span, True, validator is not None, validator=validator))
    for site in fn.calls:
        call = site.call
        func = call.func
        if not isinstance(func, Attr):
            continue
        receiver = dotted(func.value)
        if func.attr in shape.body_calls and receiver and is_request(receiver):
            validator = _validator(fn, call.span, _assigned(fn, call.span))
            out.append(RequestRead(f"{receiver}.{func.attr}()", "body", None, call.span, True, validator is not None, validator=validator))
        elif func.attr in ("to_dict", "items", "copy") and head_is_request(receiver) in shape.containers:  # request.args.to_dict()
            source = shape.containers[head_is_request(receiver)]  # type: ignore[index]
            validator = _validator(fn, call.span, _assigned(fn, call.span))
            out.append(RequestRead(f"{receiver}.{func.attr}()", source, None, call.span, False, validator is not None, validator=validator))
        elif func.attr == "get" and call.args:
            key = _literal(call.args[0])
            container = head_is_request(receiver)
            if key is None:
                continue
            if container in shape.containers:
                source = shape.containers[container]
                bounded = _bounded(fn, call.span, _assigned(fn, call.span))
                out.append(RequestRead(f"{receiver}.get({key!r})", source, key, call.span, container in shape.raw_containers, False, bounded))
            elif container in shape.body_attrs or receiver in body_vars or _call_of_body(func.value, is_request, shape):
                out.append(RequestRead(f"{receiver or 'body'}.get({key!r})", "body", key, call.span, False))
    for read in fn.keyed_reads:
        container = head_is_request(read.container)
        text = f"{read.container}[{read.key!r}]"
        if container and container.endswith("()") and container[:-2] in shape.body_calls:  # request.get_json()["x"]
            out.append(RequestRead(text, "body", read.key, read.span, False))
        elif container in shape.containers:
            bounded = _bounded(fn, read.span, _assigned(fn, read.span))
            out.append(RequestRead(text, shape.containers[container], read.key, read.span, container in shape.raw_containers, False, bounded))
        elif container in shape.body_attrs:
            out.append(RequestRead(text, "body", read.key, read.span, True))
        elif read.container in body_vars:
            out.append(RequestRead(text, "body", read.key, read.span, False))
    return out


def _literal(expr: Expr | None) -> str | None:
    value = getattr(expr, "value", None)
    return value if isinstance(value, str) and not isinstance(expr, (Name, Attr)) else None


def _call_of_body(expr: Expr, is_request: Callable[[str], bool], shape: RequestShape) -> bool:
    """`request.get_json().get("x")`: the receiver is itself a body read."""
    if isinstance(expr, Await):
        expr = expr.value
    return isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr in shape.body_calls and is_request(dotted(expr.func.value) or "")


def _assigned(fn: FunctionFacts, span: Span) -> str | None:
    """The local a read is stored in: `limit = int(request.args.get("limit"))`."""
    for assignment in fn.assignments:
        if assignment.span.line <= span.line <= assignment.span.end_line and "." not in assignment.target:
            return assignment.target
    return None


def _contains(call: CallExpr, span: Span | None, name: str | None) -> bool:
    """Whether the call's arguments hold the read (by its span) or the local `name`, at any depth."""
    stack: list[Expr] = list(call.args) + [v for _, v in call.kwargs]
    while stack:
        expr = stack.pop()
        if isinstance(expr, (Await, Not)):
            stack.append(expr.value)
        elif isinstance(expr, BoolOp):
            stack += [expr.left, expr.right]
        elif isinstance(expr, (Seq, Subscript)):
            stack += list(expr.items if isinstance(expr, Seq) else (expr.value, *expr.index))
        elif isinstance(expr, CallExpr):
            if span is not None and expr.span == span:
                return True
            stack += [*expr.args, *(v for _, v in expr.kwargs)]
            if isinstance(expr.func, Attr):
                stack.append(expr.func.value)
        elif name is not None and dotted(expr) == name:
            return True
    return False


def _validator(fn: FunctionFacts, span: Span | None, name: str | None) -> CallExpr | None:
    """The schema call the read (or the local holding it) goes straight into: `Model.model_validate(data)`."""
    for site in fn.calls:
        func = site.call.func
        attr = func.attr if isinstance(func, Attr) else dotted(func)
        if attr in VALIDATORS and _contains(site.call, span, name):
            return site.call
    return None


def _bounded(fn: FunctionFacts, span: Span, name: str | None) -> bool:
    """Clamped (`min(..., 100)`) where it is read or later, or compared with a limit."""
    for site in fn.calls:
        if (dotted(site.call.func) or "") in BOUNDING_CALLS and _contains(site.call, span, name):
            return True
    if name is None:
        return False
    for compare in fn.compares:
        expr: Compare = compare.compare
        sides = [dotted(expr.left)] + [dotted(c) for c in expr.comparators]
        if name in sides and any(op in ("<", "<=", ">", ">=") for op in expr.ops):
            return True
    return False
