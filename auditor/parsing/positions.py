"""Line/column spans for the few node types the extractor reports on.

libcst's `PositionProvider` records a range for every node of the tree and
costs about twice the parse itself; the extractor needs ranges for a handful
of node types only. This runs the same code generation with a state that
tracks the position cheaply and records ranges just for those types. The
recorded ranges equal `PositionProvider`'s (a test compares them). For an
indented block it also keeps where the block's text starts, right after the
colon, which is where a compound statement's header ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState  # stable since libcst 0.3; pinned <2

from .facts import Span

TRACKED: frozenset[type] = frozenset(
    {
        cst.FunctionDef,
        cst.ClassDef,
        cst.Call,
        cst.Comparison,
        cst.SimpleStatementLine,
        cst.If,
        cst.While,
        cst.For,
        cst.With,
        cst.Try,
        cst.IndentedBlock,
        cst.SimpleStatementSuite,
        cst.Decorator,
        cst.Param,
        cst.Raise,
        cst.Return,
        cst.Yield,
        cst.Subscript,
        cst.Import,
        cst.ImportFrom,
        # the ends of compound statements are taken from these
        cst.ExceptHandler,  # also reported: `except ... as exc:` clauses
        cst.Finally,
        cst.Else,
        cst.Match,
        cst.MatchCase,
        cst.TryStar,
        cst.ExceptStarHandler,
    }
)

_Pos = tuple[int, int]


class _TrackingState(CodegenState):
    def __init__(self, module: cst.Module, ranges: dict[cst.CSTNode, tuple[_Pos, _Pos]]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.ranges = ranges
        self.line = 1
        self.column = 0
        self.stack: list[_Pos] = []
        self.block_starts: dict[cst.CSTNode, _Pos] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        newlines = value.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - value.rfind("\n") - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in TRACKED:
            self.stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in TRACKED:
            start = self.stack.pop()
            if type(node) is cst.IndentedBlock:
                self.block_starts[node] = start
            if node not in self.ranges:  # a syntactic position was recorded already
                self.ranges[node] = (start, (self.line, self.column))

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        start = (self.line, self.column)
        try:
            yield
        finally:
            if type(node) in TRACKED:
                end = (self.line, self.column)
                if start_node is not None and start_node in self.ranges:
                    start = self.ranges[start_node][0]
                if end_node is not None and end_node in self.ranges:
                    end = self.ranges[end_node][1]
                self.ranges[node] = (start, end)


def compute_spans(module: cst.Module) -> tuple[dict[cst.CSTNode, Span], dict[cst.CSTNode, tuple[int, int]]]:
    """Spans of the tracked nodes, and (line, column) where each indented block's text starts."""
    ranges: dict[cst.CSTNode, tuple[_Pos, _Pos]] = {}
    state = _TrackingState(module, ranges)
    module._codegen(state)
    return {node: Span(s[0], s[1], e[0], e[1]) for node, (s, e) in ranges.items()}, state.block_starts
