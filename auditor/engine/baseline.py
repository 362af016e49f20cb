"""Accepted findings: a baseline file of fingerprints that CI stops failing on.

`--write-baseline FILE` records today's findings; `--baseline FILE` then
marks those as suppressed ("baseline"), so only new findings fail the gate.
Fingerprints do not depend on line numbers, so a baseline survives edits
elsewhere in a file. A JSON report written by `--format json` works as a
baseline too.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from .. import __version__
from ..config import ConfigError
from .rule import Finding


def read_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc}") from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path} is not an auditor baseline (no findings list)")
    return {e["fingerprint"] for e in entries if isinstance(e, dict) and isinstance(e.get("fingerprint"), str)}


def apply_baseline(findings: list[Finding], accepted: set[str]) -> list[Finding]:
    return [
        replace(f, suppressed=True, suppression="baseline", suppression_reason="accepted in the baseline")
        if not f.suppressed and f.fingerprint in accepted
        else f
        for f in findings
    ]


def write_baseline(path: Path, findings: list[Finding]) -> int:
    entries = [{"fingerprint": f.fingerprint, "code": f.code, "path": f.path, "line": f.line, "message": f.message} for f in findings if not f.suppressed]
    path.write_text(json.dumps({"tool": {"name": "auditor", "version": __version__}, "findings": entries}, indent=2) + "\n", encoding="utf-8")
    return len(entries)
