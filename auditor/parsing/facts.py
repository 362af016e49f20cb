"""What one source file says, as plain picklable data.

The extractor turns a libcst tree into these records once per file; everything
after it (the application model, the rules) reads only these. No CST node is
kept: every fact carries a `Span` so a finding can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Span(NamedTuple):
    """A source range: 1-based lines, 0-based columns (libcst's convention).

    A tuple, not a dataclass: there is one per fact and tuples cross process
    boundaries (pickle) several times faster.
    """

    line: int
    column: int
    end_line: int
    end_column: int


NO_SPAN = Span(0, 0, 0, 0)


# --- expressions ---------------------------------------------------------
# A deliberately small expression language: enough to evaluate framework
# calls (`FastAPI(debug=True)`, `Depends(get_user)`), read literals and follow
# dotted names. Anything else is `Other`, carrying its source text.


@dataclass(frozen=True, slots=True)
class Name:
    id: str


@dataclass(frozen=True, slots=True)
class Attr:
    value: Expr
    attr: str


@dataclass(frozen=True, slots=True)
class Const:
    value: object  # str, bytes, int, float, bool, None or Ellipsis


@dataclass(frozen=True, slots=True)
class Seq:
    kind: str  # "list", "tuple" or "set"
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class DictExpr:
    keys: tuple[Expr | None, ...]  # None for `**spread`
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Subscript:
    value: Expr
    index: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class CallExpr:
    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    span: Span
    has_star: bool = False  # *args or **kwargs we cannot see through

    def kwarg(self, name: str) -> Expr | None:
        for key, value in self.kwargs:
            if key == name:
                return value
        return None

    def arg(self, index: int, name: str | None = None) -> Expr | None:
        """The argument at `index`, or passed by keyword `name`."""
        if index < len(self.args):
            return self.args[index]
        return self.kwarg(name) if name else None


@dataclass(frozen=True, slots=True)
class Await:
    value: Expr


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" / "or"
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Not:
    value: Expr


@dataclass(frozen=True, slots=True)
class Compare:
    left: Expr
    ops: tuple[str, ...]  # "==", "!=", "is", "is not", "in", "<", ...
    comparators: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Other:
    text: str


Expr = Name | Attr | Const | Seq | DictExpr | Subscript | CallExpr | Await | BoolOp | Not | Compare | Other


def dotted(expr: Expr | None) -> str | None:
    """`a.b.c` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(expr, Attr):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None


def callee(expr: Expr | None) -> str | None:
    """The dotted name a call calls; for `a.b().c()` the chain through calls."""
    if isinstance(expr, CallExpr):
        return dotted(expr.func)
    return None


# --- statements and definitions ------------------------------------------


@dataclass(frozen=True, slots=True)
class Guard:
    """An enclosing `if`/`while` test; `negated` for the else branch."""

    test: Expr
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True)
class CallSite:
    call: CallExpr
    awaited: bool
    guards: tuple[Guard, ...]
    in_with: bool = False  # the call is a `with`/`async with` item (closed on exit)
    in_loop: bool = False


@dataclass(frozen=True, slots=True)
class CompareSite:
    compare: Compare
    guards: tuple[Guard, ...]


@dataclass(frozen=True, slots=True)
class RaiseSite:
    exc: Expr | None
    span: Span
    guards: tuple[Guard, ...]


@dataclass(frozen=True, slots=True)
class ReturnSite:
    value: Expr | None
    span: Span
    guards: tuple[Guard, ...]


@dataclass(frozen=True, slots=True)
class KeyedRead:
    """`container["key"]` with a literal key: `os.environ["X"]`, `request.headers["x-signature"]`."""

    container: str  # dotted
    key: str
    span: Span


@dataclass(frozen=True, slots=True)
class KeyedWrite:
    """`container["key"] = value` with a literal key: `app.config["DEBUG"] = True`."""

    container: str  # dotted
    key: str
    value: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Assignment:
    """`target = value` (or annotated). `target` is dotted: `x`, `app.state.redis`."""

    target: str
    value: Expr | None
    annotation: Expr | None
    span: Span
    in_function: bool = False
    is_global: bool = False  # assigned in a function through `global target`


@dataclass(frozen=True, slots=True)
class ExceptSite:
    """An `except T as name:` clause; `lines` is the span of its body."""

    types: tuple[str, ...]  # dotted names of the caught types; () for a bare except
    name: str | None
    span: Span  # the clause header
    lines: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    annotation: Expr | None
    default: Expr | None
    kind: str  # "positional", "keyword", "var_positional", "var_keyword"
    span: Span


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    name: str
    qualname: str  # module-qualified: `app.routes.agents.list_agents`
    is_async: bool
    params: tuple[Param, ...]
    decorators: tuple[Expr, ...]
    returns: Expr | None
    span: Span  # from `def` to the end of the body
    header: Span  # decorators through the `def ...:` line(s)
    calls: tuple[CallSite, ...] = ()
    compares: tuple[CompareSite, ...] = ()
    raises: tuple[RaiseSite, ...] = ()
    return_sites: tuple[ReturnSite, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    names: frozenset[str] = frozenset()  # every dotted name read in the body
    strings: frozenset[str] = frozenset()  # the short string literals in the body
    keyed_reads: tuple[KeyedRead, ...] = ()
    keyed_writes: tuple[KeyedWrite, ...] = ()
    excepts: tuple[ExceptSite, ...] = ()
    yields: tuple[Span, ...] = ()
    has_loop_forever: bool = False  # a `while True:` loop
    class_name: str | None = None

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None


@dataclass(frozen=True, slots=True)
class ClassFacts:
    name: str
    qualname: str
    bases: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...]
    decorators: tuple[Expr, ...]
    span: Span
    header: Span
    fields: tuple[Assignment, ...]  # class-level (annotated) assignments
    methods: tuple[str, ...]  # qualnames of the methods


@dataclass(frozen=True, slots=True)
class ImportRef:
    """A local name bound by an import: `module` is absolute; `name` None for `import m`."""

    module: str
    name: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Suppression:
    line: int
    codes: tuple[str, ...]
    reason: str | None
    file_level: bool = False
    error: str | None = None  # set when the comment is malformed


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    path: str  # posix path relative to the audited root
    module: str  # dotted module name derived from the path
    is_package: bool
    lines: int
    imports: dict[str, ImportRef]
    star_imports: tuple[str, ...]
    assignments: tuple[Assignment, ...]
    functions: dict[str, FunctionFacts]  # by qualname, methods and nested ones included
    classes: dict[str, ClassFacts]
    calls: tuple[CallSite, ...]  # calls made by module-level statements
    keyed_reads: tuple[KeyedRead, ...]  # module-level `x["key"]` reads
    keyed_writes: tuple[KeyedWrite, ...]  # module-level `x["key"] = value` writes
    statements: tuple[tuple[int, int], ...]  # (first, last) line of each logical statement
    suppressions: tuple[Suppression, ...]
    source_lines: tuple[str, ...] = field(repr=False, default=())

    @property
    def package(self) -> str:
        return self.module if self.is_package else self.module.rpartition(".")[0]


@dataclass(frozen=True, slots=True)
class FileError:
    path: str
    reason: str
    line: int | None = None
