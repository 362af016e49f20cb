"""GitHub Actions workflow annotations, and a job summary when the runner offers one."""

from __future__ import annotations

import os
from pathlib import Path

from ..engine.runner import AuditResult
from ..taxonomy import Severity

COMMAND = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice", Severity.INFO: "notice"}
PER_LEVEL, PER_JOB = 10, 50  # GitHub drops annotations beyond these, silently


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: AuditResult) -> str:
    lines: list[str] = []
    shown = {"error": 0, "warning": 0, "notice": 0}
    active = [f for f in result.findings if not f.suppressed]
    for f in active:  # already sorted by severity
        command = COMMAND[f.severity]
        if shown[command] >= PER_LEVEL or sum(shown.values()) >= PER_JOB:
            continue
        shown[command] += 1
        span = f.location.span
        props = ",".join(
            f"{k}={_escape_property(str(v))}"
            for k, v in (
                ("file", f.path),
                ("line", span.line),
                ("endLine", span.end_line),
                ("col", span.column + 1),
                ("endColumn", span.end_column + 1),
                ("title", f"auditor {f.code} ({f.slug})"),
            )
        )
        lines.append(f"::{command} {props}::{_escape_data(f.message)}")
    hidden = len(active) - sum(shown.values())
    if hidden:
        lines.append(f"{hidden} more finding(s) not annotated (GitHub shows at most {PER_LEVEL} per level); see the SARIF or HTML report.")
    total = f"{result.scores.total:.1f}/10" if result.scores.judged else "n/a"
    lines.append(f"auditor: score {total}, {result.scores.verdict}, {len(active)} finding(s)")
    lines.extend(f"::warning title=auditor could not see part of the service::{spot}" for spot in result.scores.blind_spots)
    return "\n".join(lines) + "\n"


def append_job_summary(markdown: str) -> Path | None:
    """Append to $GITHUB_STEP_SUMMARY when running in GitHub Actions (1 MiB per step at most)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown[:900_000])
    return path
