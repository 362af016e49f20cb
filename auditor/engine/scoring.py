"""Scores: 0-10 per category, a total and a verdict, each point traceable.

A finding weighs by severity. Findings of one rule weigh less and less
(the k-th heaviest counts 1/2^k), so a rule repeated on forty routes costs
under twice one finding: one missing auth dependency is one problem, not
forty. A category's penalty D is the sum of those weights, and its score is
10 * K / (K + D): 10 with no finding, falling fast with the first ones and
never below 0. K, the penalty that halves the score, is per category: a
category with few, decisive checks (documentation: is there an API
description, a version?) halves sooner than one with many small ones
(reliability). The K values are calibrated on the reference assessment
(tests/test_seed_service.py checks the fit). Each finding's share of the
lost points is proportional to its weight. The total is the mean of the
categories weighted by CATEGORY_WEIGHT. Suppressed findings weigh nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .rule import Category, Finding, Severity

SEVERITY_WEIGHT = {
    Severity.CRITICAL: 3.0,
    Severity.HIGH: 1.5,
    Severity.MEDIUM: 0.75,
    Severity.LOW: 0.25,
    Severity.INFO: 0.0,
}
# K: the penalty that halves a category's score (calibrated on the reference assessment)
HALF_SCORE_PENALTY = {
    Category.ARCHITECTURE: 2.0,
    Category.SECURITY: 6.0,
    Category.RELIABILITY: 8.0,
    Category.SCALABILITY: 2.0,
    Category.MONITORING: 2.5,
    Category.DOCUMENTATION: 0.75,
}
CATEGORY_WEIGHT = {
    Category.ARCHITECTURE: 1.0,
    Category.SECURITY: 3.0,
    Category.RELIABILITY: 2.0,
    Category.SCALABILITY: 1.0,
    Category.MONITORING: 1.0,
    Category.DOCUMENTATION: 1.0,
}
READY_THRESHOLD = 7.0


@dataclass(frozen=True)
class Deduction:
    finding: Finding
    points: float


@dataclass
class CategoryScore:
    category: Category
    score: float
    penalty: float
    deductions: list[Deduction] = field(default_factory=list)


@dataclass
class ScoreCard:
    categories: dict[Category, CategoryScore]
    total: float
    ready: bool
    reasons: list[str]
    blind_spots: list[str] = field(default_factory=list)  # what the audit could not see: no verdict of "ready" then
    judged: bool = True  # False when no app was seen: the scores describe nothing

    @property
    def verdict(self) -> str:
        if self.reasons:
            return "not-ready"
        return "incomplete" if self.blind_spots else "ready"


def _weights(findings: list[Finding]) -> list[tuple[Finding, float]]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_rule[f.code].append(f)
    out: list[tuple[Finding, float]] = []
    for code in sorted(by_rule):
        ordered = sorted(by_rule[code], key=lambda f: (-SEVERITY_WEIGHT[f.severity], f.path, f.line, f.fingerprint))
        for k, f in enumerate(ordered):
            out.append((f, SEVERITY_WEIGHT[f.severity] / (2**k)))
    return out


def score(findings: list[Finding], blind_spots: list[str] | None = None, judged: bool = True) -> ScoreCard:
    active = [f for f in findings if not f.suppressed]
    categories: dict[Category, CategoryScore] = {}
    for category in Category:
        weighted = _weights([f for f in active if f.category == category])
        penalty = sum(w for _, w in weighted)
        half = HALF_SCORE_PENALTY[category]
        value = 10.0 * half / (half + penalty)
        lost = 10.0 - value
        deductions = [Deduction(f, lost * w / penalty) for f, w in weighted if w > 0] if penalty else []
        deductions.sort(key=lambda d: (-d.points, d.finding.path, d.finding.line))
        categories[category] = CategoryScore(category, value, penalty, deductions)
    total = sum(categories[c].score * w for c, w in CATEGORY_WEIGHT.items()) / sum(CATEGORY_WEIGHT.values())
    reasons = []
    criticals = [f for f in active if f.severity == Severity.CRITICAL]
    if criticals:
        reasons.append(f"{len(criticals)} critical finding(s)")
    if total < READY_THRESHOLD:
        reasons.append(f"total {total:.1f} is under {READY_THRESHOLD:.0f}")
    blind = list(blind_spots or [])
    return ScoreCard(categories, total, not reasons and not blind, reasons, blind, judged)
