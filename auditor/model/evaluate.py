"""Scopes and values: what a name means where it is used, and what it holds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..parsing.facts import (
    Assignment,
    Attr,
    Await,
    CallExpr,
    CallSite,
    ClassFacts,
    Const,
    Expr,
    FunctionFacts,
    ModuleFacts,
    Name,
    Seq,
    Subscript,
    dotted,
)
from .index import ProjectIndex
from .types import UNKNOWN, Location, Value

# Objects called to read one environment variable with a default: `config("DEBUG", cast=bool, default=False)`.
ENV_CONFIG_CLASSES = frozenset({"starlette.config.Config", "decouple.AutoConfig", "environs.Env"})
SETTINGS_BASES = frozenset({"pydantic_settings.BaseSettings", "pydantic.BaseSettings"})
_STATUS_NAME = re.compile(r"HTTP_(\d{3})_")
_HTTP_STATUS = {"UNAUTHORIZED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "SERVICE_UNAVAILABLE": 503}


_PARAM = ".<param>."


def param_name(function: str, param: str) -> str:
    """The name a function's parameter resolves to: never a global of the same name."""
    return f"{function}{_PARAM}{param}"


def split_param(name: str) -> tuple[str, str] | None:
    """(function, parameter) for a name `param_name` made, else None."""
    function, marker, param = name.partition(_PARAM)
    return (function, param) if marker else None


@dataclass(frozen=True)
class Scope:
    module: ModuleFacts
    function: FunctionFacts | None = None

    @property
    def calls(self) -> tuple[CallSite, ...]:
        """The calls made directly in this scope: the function's body, or the module's top level."""
        return self.function.calls if self.function else self.module.calls


class Evaluator:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._settings_classes: dict[str, bool] = {}
        self._in_callee: set[tuple[str, str]] = set()

    # --- names -----------------------------------------------------------

    def enclosing(self, fn: FunctionFacts, module: ModuleFacts) -> Scope:
        """The scope a function's decorators and defaults are evaluated in."""
        if ".<locals>." in fn.qualname:
            parent = self.index.function(fn.qualname.rsplit(".<locals>.", 1)[0])
            if parent is not None:
                return Scope(module, parent)
        return Scope(module, None)

    def resolve(self, scope: Scope, name: str) -> str:
        head, _, rest = name.partition(".")
        fn = scope.function
        while fn is not None:
            local = self._local(fn, head)
            if local is not None:
                return f"{local}.{rest}" if rest else local
            if ".<locals>." not in fn.qualname:
                break
            fn = self.index.function(fn.qualname.rsplit(".<locals>.", 1)[0])
        return self.index.resolve(scope.module, name)

    def _local(self, fn: FunctionFacts, head: str) -> str | None:
        if fn.param(head) is not None:
            return param_name(fn.qualname, head)
        nested = f"{fn.qualname}.<locals>.{head}"
        if nested in self.index.functions or nested in self.index.classes:
            return nested
        for assignment in fn.assignments:
            if assignment.target == head and not assignment.is_global:
                return nested
        return None

    def resolve_expr(self, scope: Scope, expr: Expr | None) -> str | None:
        name = dotted(expr)
        return self.resolve(scope, name) if name else None

    def callee(self, scope: Scope, call: CallExpr) -> str | None:
        """Qualified name of what a call calls: `client.send()` on a project class's instance,
        and `self.helper()` inside a method, resolve to the method."""
        func = call.func
        if isinstance(func, Attr) and isinstance(func.value, Name):
            receiver = func.value.id
            fn = scope.function
            if receiver == "self" and fn is not None and fn.class_name:
                return f"{fn.class_name}.{func.attr}"
            key = (fn.qualname if fn else "", receiver)
            if fn is not None and key not in self._in_callee and fn.param(receiver) is None and self.local_assignments(scope, receiver):
                self._in_callee.add(key)  # `x = x.next()` must not recurse forever
                try:
                    cls = self.instance_class(scope, func.value)
                finally:
                    self._in_callee.discard(key)
                if cls and cls in self.index.classes:
                    return f"{cls}.{func.attr}"
        return self.resolve_expr(scope, func)

    def local_assignments(self, scope: Scope, head: str) -> list[Assignment]:
        if scope.function is None:
            return []
        return [a for a in scope.function.assignments if a.target == head and not a.is_global]

    # --- settings --------------------------------------------------------

    def is_settings_class(self, qual: str, _depth: int = 0) -> bool:
        if qual in SETTINGS_BASES:
            return True
        cached = self._settings_classes.get(qual)
        if cached is not None:
            return cached
        located = self.index.classes.get(qual)
        result = False
        if located is not None and _depth < 10:
            cls: ClassFacts = located.definition
            scope = Scope(located.module)
            result = any(self.is_settings_class(self.resolve_expr(scope, b) or "", _depth + 1) for b in cls.bases)
        self._settings_classes[qual] = result
        return result

    def instance_class(self, scope: Scope, expr: Expr | None, _depth: int = 0) -> str | None:
        """The class an expression is an instance of, when the source says so."""
        if _depth > 6 or expr is None:
            return None
        if isinstance(expr, Await):
            expr = expr.value
        if isinstance(expr, CallExpr):
            target = self.callee(scope, expr)
            if target is None:
                return None
            if target in self.index.classes or target in SETTINGS_BASES:
                return target
            fn = self.index.functions.get(target)
            if fn is not None:  # a factory such as `get_settings()`
                inner = Scope(fn.module, fn.definition)
                for ret in fn.definition.return_sites:
                    found = self.instance_class(inner, ret.value, _depth + 1)
                    if found:
                        return found
            return target
        name = dotted(expr)
        if name is None:
            return None
        assignment = self._assignment(scope, name)
        if assignment is not None:
            located_scope, value = assignment
            return self.instance_class(located_scope, value, _depth + 1)
        return None

    def _assignment(self, scope: Scope, name: str) -> tuple[Scope, Expr | None] | None:
        if scope.function is not None and "." not in name:
            local = self.local_assignments(scope, name)
            if local:
                return scope, local[-1].value
        qual = self.resolve(scope, name)
        found = self.index.globals.get(qual)
        if found:
            located = found[-1]
            value = located.definition.value
            if value is None:  # `_client: Redis | None = None` then set in a getter
                for other in reversed(found):
                    if other.definition.value is not None:
                        value = other.definition.value
                        break
            return Scope(located.module), value
        return None

    def settings_field(self, cls_qual: str, field: str) -> tuple[ModuleFacts, Assignment] | None:
        seen = 0
        queue = [cls_qual]
        while queue and seen < 12:
            seen += 1
            qual = queue.pop(0)
            located = self.index.classes.get(qual)
            if located is None:
                continue
            cls: ClassFacts = located.definition
            for assignment in cls.fields:
                if assignment.target == field:
                    return located.module, assignment
            scope = Scope(located.module)
            queue.extend(b for b in (self.resolve_expr(scope, base) for base in cls.bases) if b)
        return None

    # --- values ----------------------------------------------------------

    def evaluate(self, scope: Scope, expr: Expr | None, _depth: int = 0) -> Value:
        if expr is None or _depth > 8:
            return UNKNOWN
        if isinstance(expr, Const):
            return Value(True, expr.value, text=repr(expr.value))
        if isinstance(expr, Seq):
            items = [self.evaluate(scope, item, _depth + 1) for item in expr.items]
            text = "[" + ", ".join(i.text or "?" for i in items) + "]"
            if all(i.known for i in items):
                return Value(True, [i.value for i in items], text=text)
            return Value(False, text=text)
        if isinstance(expr, CallExpr):
            return self._evaluate_call(scope, expr, _depth)
        if isinstance(expr, Subscript) and self.resolve_expr(scope, expr.value) == "os.environ" and expr.index:
            key = expr.index[0]
            var = key.value if isinstance(key, Const) else "?"
            return Value(False, origin=f"environment variable {var}", text=f"os.environ[{var!r}]")
        name = dotted(expr)
        if name is None:
            return Value(False, text=getattr(expr, "text", None))
        if isinstance(expr, Attr):
            owner = self.instance_class(scope, expr.value)
            if owner and self.is_settings_class(owner):
                return self.settings_value(owner, expr.attr, name)
        assignment = self._assignment(scope, name)
        if assignment is not None and assignment[1] is not None:
            inner_scope, value = assignment
            result = self.evaluate(inner_scope, value, _depth + 1)
            return Value(result.known, result.value, result.origin or f"{name}", result.location, result.settings_field, name)
        return Value(False, text=name)

    def _evaluate_call(self, scope: Scope, call: CallExpr, depth: int) -> Value:
        if (isinstance(call.func, Attr) and call.func.attr in ("get", "getenv")) or dotted(call.func) in ("getenv",):
            target = self.callee(scope, call) or ""
            if target in ("os.getenv", "os.environ.get"):
                var = call.arg(0, "key")
                var_name = var.value if isinstance(var, Const) else "?"
                default = self.evaluate(scope, call.arg(1, "default"), depth + 1)
                return Value(False, default.value if default.known else None, origin=f"environment variable {var_name}", text=f"os.getenv({var_name!r})")
        if isinstance(call.func, Name) and self.instance_class(scope, call.func) in ENV_CONFIG_CLASSES:  # config("DEBUG", default=True)
            var = call.arg(0, "key")
            var_name = var.value if isinstance(var, Const) else "?"
            default = self.evaluate(scope, call.kwarg("default"), depth + 1)
            return Value(False, default.value if default.known else None, origin=f"environment variable {var_name}", text=f"config({var_name!r})")
        if dotted(call.func) in ("frozenset", "set", "tuple", "list", "sorted") and len(call.args) == 1:  # frozenset({"/a"})
            inner = self.evaluate(scope, call.args[0], depth + 1)
            if inner.known and isinstance(inner.value, (list, tuple, set, frozenset)):
                return Value(True, list(inner.value), inner.origin, inner.location, inner.settings_field, inner.text)
        if isinstance(call.func, Attr) and call.func.attr == "split":  # "a,b".split(",")
            base = self.evaluate(scope, call.func.value, depth + 1)
            if base.known and isinstance(base.value, str):
                sep = call.arg(0)
                parts = base.value.split(sep.value if isinstance(sep, Const) and isinstance(sep.value, str) else None)
                return Value(True, parts, base.origin, base.location, base.settings_field, base.text)
            return Value(False, text=base.text, origin=base.origin, settings_field=base.settings_field)
        name = dotted(call.func)
        return Value(False, text=f"{name}(...)" if name else None)

    def settings_value(self, cls_qual: str, field: str, text: str) -> Value:
        found = self.settings_field(cls_qual, field)
        cls_name = cls_qual.rsplit(".", 1)[-1]
        label = f"{cls_name}.{field}"
        if found is None:
            return Value(False, text=text, settings_field=label)
        module, assignment = found
        location = Location(module.path, assignment.span)
        default_expr = field_default(assignment.value)
        if default_expr is None:
            return Value(False, origin=f"required setting {label}", location=location, settings_field=label, text=text)
        default = self.evaluate(Scope(module), default_expr)
        return Value(default.known, default.value, f"settings default {label}", location, label, text)


def field_default(value: Expr | None) -> Expr | None:
    """The default of a settings/pydantic field: `x = 1`, `Field(1)`, `Field(default=1)`."""
    if isinstance(value, CallExpr) and dotted(value.func) in ("Field", "pydantic.Field"):
        default = value.arg(0, "default")
        if default is None:
            factory = value.kwarg("default_factory")
            return Seq("list", ()) if dotted(factory) == "list" else None
        if isinstance(default, Const) and default.value is Ellipsis:
            return None
        return default
    return value


def status_code(expr: Expr | None) -> int | None:
    """An HTTP status written as `401`, `status.HTTP_401_UNAUTHORIZED` or `HTTPStatus.UNAUTHORIZED`."""
    if isinstance(expr, Const) and isinstance(expr.value, int):
        return expr.value
    name = dotted(expr)
    if name:
        last = name.rsplit(".", 1)[-1]
        match = _STATUS_NAME.match(last + "_")
        if match:
            return int(match.group(1))
        return _HTTP_STATUS.get(last)
    return None


def annotation_text(expr: Expr | None) -> str | None:
    if expr is None:
        return None
    if isinstance(expr, Subscript):
        inner = ", ".join(annotation_text(i) or "?" for i in expr.index)
        return f"{dotted(expr.value)}[{inner}]"
    if isinstance(expr, Const):
        return repr(expr.value)
    return dotted(expr) or getattr(expr, "text", None)


def is_optional_annotation(expr: Expr | None) -> bool:
    text = annotation_text(expr) or ""
    return "None" in text or text.startswith(("Optional[", "typing.Optional["))


def names_in(expr: Expr | None) -> list[str]:
    """Dotted names inside a condition, including call receivers: `not user.is_owner(org)`."""
    out: list[str] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        name = dotted(node)
        if name:
            out.append(name)
            continue
        if isinstance(node, Subscript) and len(node.index) == 1 and isinstance(node.index[0], Const) and dotted(node.value):
            out.append(f"{dotted(node.value)}.{node.index[0].value}")  # request["user"] reads like request.user
            continue
        if isinstance(node, CallExpr):
            stack.append(node.func)
            stack.extend(node.args)
        for attr in ("value", "left", "right", "comparators"):
            child = getattr(node, attr, None)
            if isinstance(child, tuple):
                stack.extend(child)
            elif child is not None and not isinstance(child, (str, int, float, bool)):
                stack.append(child)
    return out
