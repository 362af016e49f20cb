"""Properties of the scoring model, checked with hypothesis."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine.rule import Category, Finding, Severity
from auditor.engine.scoring import score
from auditor.model.types import Location
from auditor.parsing.facts import Span

CODES = ["SEC001", "SEC002", "SEC003", "REL001", "REL002", "SCL001", "OBS001", "DOC001", "ARC001"]
CATEGORY = {"SEC": Category.SECURITY, "REL": Category.RELIABILITY, "SCL": Category.SCALABILITY, "OBS": Category.MONITORING, "DOC": Category.DOCUMENTATION, "ARC": Category.ARCHITECTURE}

findings = st.builds(
    lambda code, severity, line, suppressed: Finding(
        code=code,
        slug=code.lower(),
        severity=severity,
        category=CATEGORY[code[:3]],
        message="m",
        location=Location("app.py", Span(line, 0, line, 1)),
        anchor=f"{code}:{line}",
        fingerprint=f"{code}-{line}",
        suppressed=suppressed,
    ),
    st.sampled_from(CODES),
    st.sampled_from(list(Severity)),
    st.integers(1, 500),
    st.booleans(),
)
finding_lists = st.lists(findings, max_size=40)


@given(finding_lists)
def test_scores_are_bounded(items):
    card = score(items)
    assert 0 <= card.total <= 10
    assert all(0 <= c.score <= 10 for c in card.categories.values())


@given(finding_lists, findings)
def test_a_new_finding_never_raises_a_score(items, extra):
    before, after = score(items), score(items + [extra])
    assert after.total <= before.total + 1e-9
    for category in Category:
        assert after.categories[category].score <= before.categories[category].score + 1e-9


@given(finding_lists, st.data())
def test_a_suppression_never_lowers_a_score(items, data):
    if not items:
        return
    index = data.draw(st.integers(0, len(items) - 1))
    suppressed = items[:index] + [replace(items[index], suppressed=True)] + items[index + 1 :]
    assert score(suppressed).total >= score(items).total - 1e-9


@given(finding_lists, st.randoms())
def test_order_does_not_matter(items, rng):
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert abs(score(items).total - score(shuffled).total) < 1e-9


@settings(max_examples=200)
@given(finding_lists)
def test_every_lost_point_is_traced_to_a_finding(items):
    card = score(items)
    for category in card.categories.values():
        traced = sum(d.points for d in category.deductions)
        assert abs((10 - category.score) - traced) < 1e-6
        assert all(not d.finding.suppressed and d.points > 0 for d in category.deductions)


@given(finding_lists)
def test_a_critical_finding_means_not_ready(items):
    card = score(items)
    if any(f.severity == Severity.CRITICAL and not f.suppressed for f in items):
        assert not card.ready
    if not [f for f in items if not f.suppressed]:
        assert card.ready and card.total == 10
