# The walk dispatches on `type(node) is cst.X` (far cheaper than isinstance chains on this hot path),
# which mypy cannot narrow; the node attributes it reads are those of the type just tested.
# mypy: disable-error-code="union-attr, attr-defined, arg-type, assignment, operator"
"""One walk over a module's statements, collecting the facts of `facts.py`.

The walk visits statements and the expressions inside them directly instead
of through `CSTVisitor`, whose per-node dispatch costs as much as the parse.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from .expressions import ExpressionConverter
from .facts import (
    Assignment,
    Attr,
    CallExpr,
    CallSite,
    ClassFacts,
    CompareSite,
    Const,
    ExceptSite,
    FunctionFacts,
    Guard,
    ImportRef,
    KeyedRead,
    KeyedWrite,
    Param,
    RaiseSite,
    ReturnSite,
    Span,
    Subscript,
    dotted,
)

# Fields that hold only whitespace, punctuation or comments: never walked.
_SKIPPED_FIELDS = frozenset(
    {
        "whitespace_before",
        "whitespace_after",
        "lpar",
        "rpar",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "comma",
        "semicolon",
        "trailing_whitespace",
        "whitespace_after_func",
        "whitespace_before_args",
        "whitespace_after_arg",
        "whitespace_before_colon",
        "whitespace_after_colon",
        "whitespace_after_star",
        "whitespace_after_param",
        "operator",
        "equal",
        "star",
    }
)
_FIELDS: dict[type, tuple[str, ...]] = {}
_STRING_LIMIT = 100


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.name not in _SKIPPED_FIELDS)
    return fields


class _Body:
    """What one function body (or the module's top level) accumulates."""

    def __init__(self) -> None:
        self.calls: list[CallSite] = []
        self.compares: list[CompareSite] = []
        self.raises: list[RaiseSite] = []
        self.returns: list[ReturnSite] = []
        self.assignments: list[Assignment] = []
        self.names: set[str] = set()
        self.strings: set[str] = set()
        self.keyed_reads: list[KeyedRead] = []
        self.keyed_writes: list[KeyedWrite] = []
        self.excepts: list[ExceptSite] = []
        self.yields: list[Span] = []
        self.globals: set[str] = set()
        self.loop_forever = False


class ModuleExtractor:
    def __init__(self, module: cst.Module, module_name: str, spans: dict[cst.CSTNode, Span], block_starts: dict) -> None:
        self.module = module
        self.block_starts = block_starts
        self.module_name = module_name
        self.spans = spans
        self.expr = ExpressionConverter(module, spans)
        self.imports: dict[str, ImportRef] = {}
        self.star_imports: list[str] = []
        self.functions: dict[str, FunctionFacts] = {}
        self.classes: dict[str, ClassFacts] = {}
        self.statements: list[tuple[int, int]] = []
        self.top = _Body()
        self.package = ""

    def span(self, node: cst.CSTNode) -> Span:
        return self.expr.span(node)

    # --- statements ------------------------------------------------------

    def run(self, package: str) -> None:
        self.package = package
        self.walk_block(self.module.body, self.top, (), False, None, in_function=False)

    def walk_block(self, stmts, body: _Body, guards: tuple[Guard, ...], in_loop: bool, owner: str | None, in_function: bool) -> None:
        for stmt in stmts:
            self.walk_statement(stmt, body, guards, in_loop, owner, in_function)

    def _header(self, node: cst.CSTNode, block: cst.CSTNode) -> Span:
        """From the statement's start to the colon that opens its block."""
        start = self.span(node)
        line, column = self.block_starts.get(block) or (self.span(block).line, self.span(block).column)
        return Span(start.line, start.column, max(start.line, line), column)

    def walk_statement(self, stmt, body: _Body, guards, in_loop: bool, owner: str | None, in_function: bool) -> None:
        kind = type(stmt)
        if kind is cst.SimpleStatementLine:
            span = self.span(stmt)
            self.statements.append((span.line, span.end_line))
            for small in stmt.body:
                self.walk_small(small, span, body, guards, in_loop, owner, in_function)
        elif kind is cst.SimpleStatementSuite:
            for small in stmt.body:
                self.walk_small(small, self.span(stmt), body, guards, in_loop, owner, in_function)
        elif kind is cst.FunctionDef:
            self.function(stmt, owner, class_name=None)
        elif kind is cst.ClassDef:
            self.klass(stmt, owner)
        elif kind is cst.If:
            self.walk_if(stmt, body, guards, in_loop, owner, in_function)
        elif kind is cst.While:
            test = self.expr.convert(stmt.test)
            self.statements.append(_lines(self._header(stmt, stmt.body)))
            self.scan(stmt.test, body, guards, in_loop)
            if isinstance(stmt.test, cst.Name) and stmt.test.value == "True":
                body.loop_forever = True
            inner = (*guards, Guard(test, False, self.span(stmt)))
            self.walk_block(stmt.body.body, body, inner, True, owner, in_function)
            if stmt.orelse:
                self.walk_block(stmt.orelse.body.body, body, guards, in_loop, owner, in_function)
        elif kind is cst.For:
            self.statements.append(_lines(self._header(stmt, stmt.body)))
            self.scan(stmt.iter, body, guards, in_loop)
            self.walk_block(stmt.body.body, body, guards, True, owner, in_function)
            if stmt.orelse:
                self.walk_block(stmt.orelse.body.body, body, guards, in_loop, owner, in_function)
        elif kind is cst.With:
            self.statements.append(_lines(self._header(stmt, stmt.body)))
            for item in stmt.items:
                self.scan(item.item, body, guards, in_loop, in_with=True)
                if item.asname is not None:
                    target = dotted(self.expr.convert(item.asname.name))
                    if target:
                        body.assignments.append(Assignment(target, self.expr.convert(item.item), None, self.span(stmt), in_function))
            self.walk_block(stmt.body.body, body, guards, in_loop, owner, in_function)
        elif kind is cst.Try or kind is getattr(cst, "TryStar", None):
            self.walk_block(stmt.body.body, body, guards, in_loop, owner, in_function)
            for handler in stmt.handlers:
                if handler.type is not None:
                    self.scan(handler.type, body, guards, in_loop)
                self._except(handler, body)
                self.walk_block(handler.body.body, body, guards, in_loop, owner, in_function)
            if stmt.orelse:
                self.walk_block(stmt.orelse.body.body, body, guards, in_loop, owner, in_function)
            if stmt.finalbody:
                self.walk_block(stmt.finalbody.body.body, body, guards, in_loop, owner, in_function)
        elif kind is cst.Match:
            self.scan(stmt.subject, body, guards, in_loop)
            for case in stmt.cases:
                self.walk_block(case.body.body, body, guards, in_loop, owner, in_function)

    def _except(self, handler, body: _Body) -> None:
        caught = self.expr.convert(handler.type) if handler.type is not None else None
        items = caught.items if hasattr(caught, "items") and not isinstance(caught, Const) else ((caught,) if caught is not None else ())
        types = tuple(dotted(t) or "?" for t in items)
        name = handler.name.name.value if handler.name is not None and isinstance(handler.name.name, cst.Name) else None
        block = self.span(handler.body)
        body.excepts.append(ExceptSite(types, name, self.span(handler), (block.line, block.end_line)))

    def walk_if(self, stmt: cst.If, body: _Body, guards, in_loop, owner, in_function) -> None:
        test = self.expr.convert(stmt.test)
        header = self._header(stmt, stmt.body)
        self.statements.append(_lines(header))
        self.scan(stmt.test, body, guards, in_loop)
        self.walk_block(stmt.body.body, body, (*guards, Guard(test, False, header)), in_loop, owner, in_function)
        orelse = stmt.orelse
        negated = (*guards, Guard(test, True, header))
        if isinstance(orelse, cst.If):
            self.walk_if(orelse, body, negated, in_loop, owner, in_function)
        elif isinstance(orelse, cst.Else):
            self.walk_block(orelse.body.body, body, negated, in_loop, owner, in_function)

    def walk_small(self, small, span: Span, body: _Body, guards, in_loop, owner, in_function) -> None:
        kind = type(small)
        if kind is cst.Expr:
            self.scan(small.value, body, guards, in_loop)
        elif kind is cst.Assign:
            value = self.expr.convert(small.value)
            for target in small.targets:
                self.assign(target.target, value, None, span, body, in_function)
                if isinstance(target.target, cst.Subscript):  # headers["X-Frame-Options"] = ...
                    self.scan(target.target, body, guards, in_loop)
            self.scan(small.value, body, guards, in_loop)
        elif kind is cst.AnnAssign:
            value = self.expr.convert(small.value) if small.value is not None else None
            self.assign(small.target, value, self.expr.convert(small.annotation.annotation), span, body, in_function)
            if small.value is not None:
                self.scan(small.value, body, guards, in_loop)
        elif kind is cst.AugAssign:
            self.scan(small.value, body, guards, in_loop)
            if isinstance(small.operator, cst.AddAssign) and isinstance(small.value, (cst.List, cst.Tuple)):
                # `routes += [...]` extends a list in place: recorded as the `.extend(...)` it is
                target = self.expr.convert(small.target)
                if dotted(target):
                    body.calls.append(CallSite(CallExpr(Attr(target, "extend"), (self.expr.convert(small.value),), (), span), False, guards, False, in_loop))
        elif kind is cst.Return:
            value = self.expr.convert(small.value) if small.value is not None else None
            body.returns.append(ReturnSite(value, self.span(small), guards))
            if small.value is not None:
                self.scan(small.value, body, guards, in_loop)
        elif kind is cst.Raise:
            exc = self.expr.convert(small.exc) if small.exc is not None else None
            body.raises.append(RaiseSite(exc, self.span(small), guards))
            if small.exc is not None:
                self.scan(small.exc, body, guards, in_loop)
        elif kind is cst.Import:
            for alias in small.names:
                full = _attr_name(alias.name)
                if alias.asname is not None:
                    self.imports[alias.asname.name.value] = ImportRef(full, None, span)
                else:
                    head = full.split(".")[0]
                    self.imports[head] = ImportRef(head, None, span)
        elif kind is cst.ImportFrom:
            self.import_from(small, span)
        elif kind is cst.Global:
            body.globals.update(n.name.value for n in small.names)

    def import_from(self, node: cst.ImportFrom, span: Span) -> None:
        level = len(node.relative)
        name = _attr_name(node.module) if node.module is not None else ""
        if level:
            base = self.package.split(".") if self.package else []
            if level > 1:
                base = base[: len(base) - (level - 1)]
            module = ".".join(p for p in base + ([name] if name else []) if p)
        else:
            module = name
        if isinstance(node.names, cst.ImportStar):
            self.star_imports.append(module)
            return
        for alias in node.names:
            imported = _attr_name(alias.name)
            local = alias.asname.name.value if alias.asname is not None else imported
            self.imports[local] = ImportRef(module, imported, span)

    def assign(self, target, value, annotation, span: Span, body: _Body, in_function: bool) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.assign(element.value, None, None, span, body, in_function)
            return
        converted = self.expr.convert(target)
        if isinstance(converted, Subscript) and len(converted.index) == 1:  # app.config["DEBUG"] = True
            container, key = dotted(converted.value), converted.index[0]
            if container and isinstance(key, Const) and isinstance(key.value, str):
                body.keyed_writes.append(KeyedWrite(container, key.value, value, span))
            return
        name = dotted(converted)
        if name is None:
            return
        is_global = in_function and name in body.globals
        body.assignments.append(Assignment(name, value, annotation, span, in_function, is_global))

    # --- definitions -----------------------------------------------------

    def _params(self, params: cst.Parameters) -> tuple[Param, ...]:
        out: list[Param] = []

        def add(p: cst.Param, kind: str) -> None:
            out.append(
                Param(
                    p.name.value,
                    self.expr.convert(p.annotation.annotation) if p.annotation is not None else None,
                    self.expr.convert(p.default) if p.default is not None else None,
                    kind,
                    self.span(p),
                )
            )

        for p in (*params.posonly_params, *params.params):
            add(p, "positional")
        if isinstance(params.star_arg, cst.Param):
            add(params.star_arg, "var_positional")
        for p in params.kwonly_params:
            add(p, "keyword")
        if params.star_kwarg is not None:
            add(params.star_kwarg, "var_keyword")
        return tuple(out)

    def function(self, node: cst.FunctionDef, owner: str | None, class_name: str | None) -> str:
        prefix = owner if owner is not None else self.module_name
        if owner is not None and class_name is None:
            prefix = f"{owner}.<locals>"
        qualname = f"{prefix}.{node.name.value}" if prefix else node.name.value
        body = _Body()
        params = self._params(node.params)
        for p in node.params.params + node.params.kwonly_params + node.params.posonly_params:
            if p.default is not None:
                self.scan(p.default, body, (), False)
        span = self.span(node)
        first = self.span(node.decorators[0]) if node.decorators else span
        header = self._header(node, node.body)
        header = Span(first.line, first.column, header.end_line, header.end_column)
        self.statements.append(_lines(header))
        if isinstance(node.body, cst.SimpleStatementSuite):  # def f(): return 1
            for small in node.body.body:
                self.walk_small(small, self.span(node.body), body, (), False, qualname, True)
        else:
            self.walk_block(node.body.body, body, (), False, qualname, True)
        # globals are known only after the walk: mark assignments to them
        assignments = tuple(dataclasses.replace(a, is_global=True) if a.target in body.globals else a for a in body.assignments)
        self.functions[qualname] = FunctionFacts(
            name=node.name.value,
            qualname=qualname,
            is_async=node.asynchronous is not None,
            params=params,
            decorators=tuple(self.expr.convert(d.decorator) for d in node.decorators),
            returns=self.expr.convert(node.returns.annotation) if node.returns is not None else None,
            span=span,
            header=header,
            calls=tuple(body.calls),
            compares=tuple(body.compares),
            raises=tuple(body.raises),
            return_sites=tuple(body.returns),
            assignments=assignments,
            names=frozenset(body.names),
            strings=frozenset(body.strings),
            keyed_reads=tuple(body.keyed_reads),
            keyed_writes=tuple(body.keyed_writes),
            excepts=tuple(body.excepts),
            yields=tuple(body.yields),
            has_loop_forever=body.loop_forever,
            class_name=class_name,
        )
        return qualname

    def klass(self, node: cst.ClassDef, owner: str | None) -> None:
        prefix = owner if owner is not None else self.module_name
        qualname = f"{prefix}.{node.name.value}" if prefix else node.name.value
        fields: list[Assignment] = []
        methods: list[str] = []
        scratch = _Body()
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef):
                methods.append(self.function(stmt, qualname, class_name=qualname))
            elif isinstance(stmt, cst.ClassDef):
                self.klass(stmt, qualname)
            elif isinstance(stmt, cst.SimpleStatementLine):
                span = self.span(stmt)
                self.statements.append((span.line, span.end_line))
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        self.walk_small(small, span, scratch, (), False, qualname, False)
        fields.extend(a for a in scratch.assignments if "." not in a.target)
        first = self.span(node.decorators[0]) if node.decorators else self.span(node)
        header = self._header(node, node.body)
        self.statements.append((first.line, header.end_line))
        self.classes[qualname] = ClassFacts(
            name=node.name.value,
            qualname=qualname,
            bases=tuple(self.expr.convert(a.value) for a in node.bases),
            keywords=tuple((a.keyword.value, self.expr.convert(a.value)) for a in node.keywords if a.keyword is not None),
            decorators=tuple(self.expr.convert(d.decorator) for d in node.decorators),
            span=self.span(node),
            header=Span(first.line, first.column, header.end_line, header.end_column),
            fields=tuple(fields),
            methods=tuple(methods),
        )

    # --- expressions -----------------------------------------------------

    def scan(self, root: cst.CSTNode, body: _Body, guards, in_loop: bool, in_with: bool = False) -> None:
        """Record the calls, comparisons, names and yields inside one expression."""
        stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
        convert = self.expr.convert
        while stack:
            node, awaited = stack.pop()
            kind = type(node)
            if kind is cst.Name:
                body.names.add(node.value)
                continue
            if kind is cst.Attribute:
                name = dotted(convert(node))
                if name is not None:
                    body.names.add(name)
                    continue
            elif kind is cst.Call:
                call = convert(node)
                body.calls.append(CallSite(call, awaited, guards, in_with and node is root, in_loop))
            elif kind is cst.Await:
                stack.append((node.expression, True))
                continue
            elif kind is cst.Comparison:
                body.compares.append(CompareSite(convert(node), guards))
            elif kind is cst.Yield:
                body.yields.append(self.span(node))
            elif kind is cst.Subscript:
                value = convert(node)
                container = dotted(value.value)
                if container is None and isinstance(value.value, CallExpr) and dotted(value.value.func):
                    container = f"{dotted(value.value.func)}()"  # request.get_json()["org_id"]
                key = value.index[0] if len(value.index) == 1 else None
                if container and isinstance(key, Const) and isinstance(key.value, str):
                    body.keyed_reads.append(KeyedRead(container, key.value, self.span(node)))
            elif kind is cst.SimpleString:
                if len(node.value) <= _STRING_LIMIT:
                    value = convert(node)
                    if isinstance(value, Const) and isinstance(value.value, (str, bytes)):  # b"content-length" too
                        body.strings.add(value.value if isinstance(value.value, str) else value.value.decode("latin-1"))
                continue
            elif kind in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
                if kind is cst.Lambda:
                    stack.append((node.body, False))
                continue
            for field in _child_fields(kind):
                value = getattr(node, field)
                if isinstance(value, cst.CSTNode):
                    stack.append((value, False))
                elif isinstance(value, (list, tuple)):
                    stack.extend((v, False) for v in value if isinstance(v, cst.CSTNode))


def _attr_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_attr_name(node.value)}.{node.attr.value}"
    return ""


def _lines(span: Span) -> tuple[int, int]:
    return (span.line, span.end_line)
