# The walk dispatches on `type(node) is cst.X` (far cheaper than isinstance chains on this hot path),
# which mypy cannot narrow; the node attributes it reads are those of the type just tested.
# mypy: disable-error-code="union-attr, attr-defined, arg-type, assignment, operator"
"""libcst expressions to the small expression language of `facts`."""

from __future__ import annotations

import libcst as cst

from .facts import (
    NO_SPAN,
    Attr,
    Await,
    BoolOp,
    CallExpr,
    Compare,
    Const,
    DictExpr,
    Expr,
    Name,
    Not,
    Other,
    Seq,
    Span,
    Subscript,
)

_CONSTANT_NAMES = {"True": True, "False": False, "None": None}
_OTHER_TEXT_LIMIT = 120

_COMPARE_OPS: dict[type, str] = {
    cst.Equal: "==",
    cst.NotEqual: "!=",
    cst.Is: "is",
    cst.IsNot: "is not",
    cst.In: "in",
    cst.NotIn: "not in",
    cst.LessThan: "<",
    cst.LessThanEqual: "<=",
    cst.GreaterThan: ">",
    cst.GreaterThanEqual: ">=",
}


class ExpressionConverter:
    """Converts once per node; nested calls reuse the converted object."""

    def __init__(self, module: cst.Module, spans: dict[cst.CSTNode, Span]) -> None:
        self._module = module
        self._spans = spans
        self._cache: dict[int, Expr] = {}

    def span(self, node: cst.CSTNode) -> Span:
        return self._spans.get(node, NO_SPAN)

    def text(self, node: cst.CSTNode) -> str:
        code = self._module.code_for_node(node)
        return code if len(code) <= _OTHER_TEXT_LIMIT else code[: _OTHER_TEXT_LIMIT - 1] + "…"

    def convert(self, node: cst.BaseExpression) -> Expr:
        key = id(node)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._convert(node)
        return cached

    def _convert(self, node: cst.CSTNode) -> Expr:
        kind = type(node)
        if kind is cst.Name:
            value = node.value
            if value in _CONSTANT_NAMES:
                return Const(_CONSTANT_NAMES[value])
            return Name(value)
        if kind is cst.Attribute:
            return Attr(self.convert(node.value), node.attr.value)
        if kind is cst.Call:
            return self._call(node)
        if kind is cst.SimpleString or kind is cst.ConcatenatedString:
            try:
                value = node.evaluated_value
            except Exception:
                value = None
            return Const(value) if value is not None else Other(self.text(node))
        if kind is cst.Integer or kind is cst.Float:
            try:
                return Const(node.evaluated_value)
            except ValueError:
                return Other(node.value)
        if kind in (cst.List, cst.Tuple, cst.Set):
            items = tuple(self.convert(el.value) if isinstance(el, cst.Element) else Other(self.text(el)) for el in node.elements)
            return Seq({cst.List: "list", cst.Tuple: "tuple", cst.Set: "set"}[kind], items)
        if kind is cst.Dict:
            keys: list[Expr | None] = []
            values: list[Expr] = []
            for el in node.elements:
                if isinstance(el, cst.DictElement):
                    keys.append(self.convert(el.key))
                    values.append(self.convert(el.value))
                else:
                    keys.append(None)
                    values.append(self.convert(el.value))
            return DictExpr(tuple(keys), tuple(values))
        if kind is cst.Subscript:
            index: list[Expr] = []
            for element in node.slice:
                inner = element.slice
                index.append(self.convert(inner.value) if isinstance(inner, cst.Index) else Other(self.text(inner)))
            return Subscript(self.convert(node.value), tuple(index))
        if kind is cst.Await:
            return Await(self.convert(node.expression))
        if kind is cst.BooleanOperation:
            op = "and" if isinstance(node.operator, cst.And) else "or"
            return BoolOp(op, self.convert(node.left), self.convert(node.right))
        if kind is cst.UnaryOperation and isinstance(node.operator, cst.Not):
            return Not(self.convert(node.expression))
        if kind is cst.Comparison:
            return Compare(
                self.convert(node.left),
                tuple(_COMPARE_OPS.get(type(t.operator), "?") for t in node.comparisons),
                tuple(self.convert(t.comparator) for t in node.comparisons),
                self.span(node),
            )
        if kind is cst.Ellipsis:
            return Const(...)
        return Other(self.text(node))

    def _call(self, node: cst.Call) -> CallExpr:
        args: list[Expr] = []
        kwargs: list[tuple[str, Expr]] = []
        has_star = False
        for arg in node.args:
            if arg.star:
                has_star = True
            elif arg.keyword is not None:
                kwargs.append((arg.keyword.value, self.convert(arg.value)))
            else:
                args.append(self.convert(arg.value))
        return CallExpr(self.convert(node.func), tuple(args), tuple(kwargs), self.span(node), has_star)
