"""Our cheap spans equal libcst's PositionProvider on every tracked node type."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor.parsing.positions import TRACKED, compute_spans

from .conftest import FIXTURES

FILES = sorted(p for p in (FIXTURES / "rules").rglob("*.py"))[:40]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_spans_match_position_provider(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    expected = wrapper.resolve(PositionProvider)
    ours, _ = compute_spans(module)
    compared = 0
    for node, span in ours.items():
        want = expected[node]
        assert (span.line, span.column, span.end_line, span.end_column) == (
            want.start.line, want.start.column, want.end.line, want.end.column,
        ), f"{type(node).__name__} at {want.start}"
        compared += 1
    assert compared > 0 or not module.body
    assert {type(n) for n in ours} <= TRACKED
