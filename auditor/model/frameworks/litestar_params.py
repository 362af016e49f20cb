"""What a Litestar handler receives, and from where: path, query, headers, cookies, body, dependencies.

A parameter's source comes from its name (path placeholders, the reserved
`request`, `data`, `state`...), from the providers it names, and from its
declaration: `Annotated[int, QueryParameter(name="pageSize", le=100)]`,
`FromHeader[str]`, `JSONBody[Model]`, `= Parameter(header="x-signature")`. The
name the client sends (an alias such as `state` or `x-signature`) is the
parameter's name in the model; an `le`/`lt` anywhere in the declaration bounds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...parsing.facts import CallExpr, Expr, Param, Subscript, dotted
from ..evaluate import Scope, annotation_text
from ..types import Location, RouteParam

if TYPE_CHECKING:
    from .litestar import LitestarAdapter

ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
# `FromQuery[int]`, `JSONBody[Model]`: aliases of `Annotated[T, <marker>]`
MARKER_ALIASES = {
    **{f"litestar.params.From{w}": w.lower() for w in ("Query", "Header", "Cookie", "Path")},
    **{f"litestar.params.{b}": "body" for b in ("JSONBody", "MsgPackBody", "MultipartBody", "URLEncodedBody", "RequestBody")},
}
PARAMETER = "litestar.params.Parameter"
MARKERS = {
    "litestar.params.QueryParameter": "query",
    "litestar.params.HeaderParameter": "header",
    "litestar.params.CookieParameter": "cookie",
    "litestar.params.PathParameter": "path",
    "litestar.params.Body": "body",
    "litestar.params.BodyKwarg": "body",
    "litestar.params.Dependency": "dependency",
    "litestar.params.DependencyKwarg": "dependency",
}
REQUEST_TYPES = frozenset({"litestar.Request", "litestar.WebSocket", "litestar.connection.ASGIConnection"})
STATE = "litestar.datastructures.State"
# reserved handler kwargs Litestar fills itself: what each carries from the client
RESERVED = {"request": "request", "socket": "request", "headers": "header", "cookies": "cookie", "query": "query", "body": "body", "data": "body"}
NOT_CLIENT_INPUT = frozenset({"state", "scope"})


@dataclass(frozen=True)
class Declared:
    """How a handler parameter is declared: where its value comes from, its wire name, its bounds."""

    kind: str | None  # "query", "header", "cookie", "path", "body", "dependency", "request", "state"
    type_expr: Expr | None
    wire: str | None = None
    bounded: bool = False


class HandlerParams:
    """Reads a handler's (or a provider's) parameters into the model's `RouteParam`s."""

    def __init__(self, adapter: LitestarAdapter) -> None:
        self.adapter = adapter
        self.ev = adapter.ev
        self.index = adapter.index

    def param(self, scope: Scope, p: Param, convertors: dict[str, str | None], providers: set[str], path: str) -> RouteParam | None:
        if p.name in ("self", "cls") or p.kind in ("var_positional", "var_keyword"):
            return None
        declared = self.declared(scope, p)
        location = Location(path, p.span)
        annotation = annotation_text(p.annotation)
        if p.name in providers or declared.kind == "dependency":
            return RouteParam(p.name, "dependency", annotation, location)
        if declared.kind == "state" or p.name in NOT_CLIENT_INPUT:
            return None  # the application's State, the ASGI scope: nothing the client sends
        if declared.kind == "request" or p.name in ("request", "socket"):
            return RouteParam(p.name, "request", annotation, location)
        if p.name in convertors or declared.kind == "path":
            return RouteParam(p.name, "path", convertors.get(p.name) or annotation, location)
        if p.name == "data" or declared.kind == "body":  # the body, decoded into its annotated type
            model = self.model(scope, declared.type_expr)
            return RouteParam(p.name, "body", annotation, location, tuple(self.adapter.model_fields(model)) if model else ())
        source = declared.kind or RESERVED.get(p.name, "query")
        return RouteParam(declared.wire or p.name, source, annotation, location, bounded=declared.bounded if source == "query" else None)

    def declared(self, scope: Scope, p: Param) -> Declared:
        """Unwrap `Annotated[T, QueryParameter(name="state", le=10)]`, `FromHeader[T]`, `= Parameter(header="x")`."""
        kind: str | None = None
        type_expr = p.annotation
        markers = [p.default] if isinstance(p.default, CallExpr) else []
        while isinstance(type_expr, Subscript) and type_expr.index:
            head = self.ev.resolve_expr(scope, type_expr.value) or ""
            if head in ANNOTATED or head.rsplit(".", 1)[-1] == "Annotated":
                markers += [m for m in type_expr.index[1:] if isinstance(m, CallExpr)]
            elif head in MARKER_ALIASES:
                kind = MARKER_ALIASES[head]
            else:
                break
            type_expr = type_expr.index[0]
        wire = None
        for marker in markers:
            marked, alias = self._marker(scope, marker)
            kind, wire = marked or kind, alias or wire
        type_name = self.ev.resolve_expr(scope, type_expr.value if isinstance(type_expr, Subscript) else type_expr) or ""
        if type_name in REQUEST_TYPES:
            kind = "request"
        elif type_name == STATE:
            kind = "state"
        return Declared(kind, type_expr, wire or None, any(_upper_bound(m) for m in markers) or _upper_bound(p.annotation))

    def _marker(self, scope: Scope, marker: CallExpr) -> tuple[str | None, str | None]:
        """The source and wire name a marker declares: `Parameter(header="x-sig")`, `QueryParameter(name="state")`."""
        callee = self.ev.callee(scope, marker) or ""
        if callee == PARAMETER:
            for source in ("header", "cookie", "query"):
                alias = marker.kwarg(source)
                if alias is not None:
                    return source, self.adapter.text(scope, alias) or None
            return None, None
        return MARKERS.get(callee), self.adapter.text(scope, marker.kwarg("name")) or None

    def model(self, scope: Scope, type_expr: Expr | None) -> str | None:
        """The model class of a body: `Model`, `DTOData[Model]`."""
        if isinstance(type_expr, Subscript) and type_expr.index:
            type_expr = type_expr.index[0]
        model = self.ev.resolve_expr(scope, type_expr)
        return model if model in self.index.classes else None


def _upper_bound(expr: Expr | None) -> bool:
    """`le=`/`lt=` anywhere in a declaration: `Parameter(le=100)`, `Annotated[int, Meta(lt=51)]`, `conint(le=10)`."""
    if isinstance(expr, CallExpr):
        return any(expr.kwarg(b) is not None for b in ("le", "lt")) or (dotted(expr.func) or "").rsplit(".", 1)[-1] in ("Le", "Lt")
    if isinstance(expr, Subscript):
        return any(_upper_bound(i) for i in expr.index)
    return False
