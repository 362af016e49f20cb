"""SARIF 2.1.0 for GitHub code scanning."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..engine.rule import Confidence, Finding, Rule, Severity
from ..engine.runner import AuditResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/auditor-dev/auditor"
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "2.0"}
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}


def _clip(text: str, limit: int = 1024) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    tags = [rule.category.value.lower(), *(r for r in rule.references if r.startswith("CWE-"))]
    properties: dict[str, Any] = {
        "tags": list(dict.fromkeys(tags)),
        "precision": PRECISION[rule.confidence],
        "category": rule.category.value,
        "effort": rule.effort,
    }
    if rule.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.title)},
        "fullDescription": {"text": _clip(rule.summary())},
        "help": {"text": rule.doc(), "markdown": rule.doc()},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": properties,
    }


def _result(f: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    span = f.location.span
    region: dict[str, Any] = {"startLine": span.line, "startColumn": span.column + 1, "endLine": span.end_line, "endColumn": span.end_column + 1}
    if f.snippet:
        region["snippet"] = {"text": f.snippet}
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index[f.code],
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"}, "region": region}}],
        "partialFingerprints": {"auditor/v1": f.fingerprint},
        "properties": {"severity": f.severity.value, "fix": f.fix},
    }
    if f.severity in SECURITY_SEVERITY:
        result["properties"]["security-severity"] = SECURITY_SEVERITY[f.severity]
    if f.related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": {"artifactLocation": {"uri": r.path, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": r.line}}}
            for i, r in enumerate(f.related)
        ]
    if f.suppressed:
        suppression: dict[str, Any] = {"kind": "inSource" if f.suppression == "inline" else "external"}
        if f.suppression_reason:
            suppression["justification"] = f.suppression_reason
        result["suppressions"] = [suppression]
    return result


def render_sarif(result: AuditResult) -> str:
    descriptors = [rule_descriptor(rule) for rule in sorted(result.rules, key=lambda r: r.code)]
    rule_index = {d["id"]: i for i, d in enumerate(descriptors)}
    notifications = [
        {
            "level": "error" if e.kind in ("rule", "plugin") else "warning",
            "message": {"text": e.message},
            **(
                {
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": e.path, "uriBaseId": "%SRCROOT%"},
                                **({"region": {"startLine": e.line}} if e.line else {}),
                            }
                        }
                    ]
                }
                if e.path
                else {}
            ),
        }
        for e in result.errors
    ]
    root_uri = result.root.as_uri().rstrip("/") + "/"
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "auditor",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "invocations": [{"executionSuccessful": not result.internal_errors, "toolExecutionNotifications": notifications}],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, rule_index) for f in result.findings if f.code in rule_index],
                "properties": {
                    "score": round(result.scores.total, 2) if result.scores.judged else None,
                    "verdict": result.scores.verdict,
                    "blindSpots": result.scores.blind_spots,
                },
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
