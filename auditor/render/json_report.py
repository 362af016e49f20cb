"""The JSON report: the schema documented in the README."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..engine.rule import Finding
from ..engine.runner import AuditResult

SCHEMA_VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
    span = f.location.span
    return {
        "code": f.code,
        "slug": f.slug,
        "severity": f.severity.value,
        "category": f.category.value,
        "confidence": f.confidence.value,
        "path": f.path,
        "line": span.line,
        "end_line": span.end_line,
        "column": span.column + 1,
        "end_column": span.end_column + 1,
        "message": f.message,
        "snippet": f.snippet,
        "fix": f.fix,
        "references": list(f.references),
        "related": [{"path": r.path, "line": r.line} for r in f.related],
        "fingerprint": f.fingerprint,
        "suppressed": f.suppressed,
        "suppression": {"kind": f.suppression, "reason": f.suppression_reason} if f.suppressed else None,
    }


def report_dict(result: AuditResult) -> dict[str, Any]:
    scores = result.scores
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "root": str(result.root),
        "files": result.model.files,
        "lines": result.model.lines,
        "score": {
            "total": round(scores.total, 2) if scores.judged else None,
            "categories": {
                c.value: {
                    "score": round(cs.score, 2),
                    "deductions": [{"code": d.finding.code, "fingerprint": d.finding.fingerprint, "points": round(d.points, 2)} for d in cs.deductions],
                }
                for c, cs in scores.categories.items()
            },
        },
        "verdict": scores.verdict,
        "verdict_reasons": scores.reasons,
        "blind_spots": scores.blind_spots,
        "frameworks": list(result.model.frameworks),
        "left_out": {"tests": result.left_out_tests},
        "unresolved": [{"what": u.what, "why": u.why, "path": u.location.path, "line": u.location.line} for u in result.model.unresolved],
        "rules": [r.code for r in result.rules],
        "findings": [finding_dict(f) for f in result.findings],
        "passes": [
            {
                "code": p.code,
                "slug": p.slug,
                "category": p.category.value,
                "evidence": p.evidence,
                "path": p.location.path if p.location else None,
                "line": p.location.line if p.location else None,
            }
            for p in result.passes
        ],
        "errors": [{"kind": e.kind, "path": e.path, "line": e.line, "message": e.message} for e in result.errors],
    }


def render_json(result: AuditResult) -> str:
    return json.dumps(report_dict(result), indent=2, ensure_ascii=False) + "\n"
