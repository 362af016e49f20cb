"""The application model on its own, per framework: routes, full paths and auth verdicts.

Each app under `tests/frameworks/<framework>/` marks the line that declares a
route with what the adapter must produce for it:

    @bp.get("/members")  # route: GET /api/v1/orgs/<int:org_id>/members authenticated

One route per annotation (a declaration that serves several methods or paths
has one annotation per route, comma-separated: `# route: GET /a public, POST /a authenticated`).
The verdict is `authenticated`, `anonymous` (no authentication, and not
public by nature), or `public` (anonymous but public by nature: health, login...).
The test asserts the model's routes declared in that file are exactly the annotated ones.
A file named `gap_*` records a known gap with `# want:` annotations instead: it is
an expected failure until the model gets it right.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.config import Config
from auditor.engine.runner import audit

HERE = Path(__file__).parent
ANNOTATION = re.compile(r"#\s*route:\s*(.+)$")
WANT = re.compile(r"#\s*want:\s*(.+)$")  # in `gap_*` files: what a correct model says and this one does not yet
ENTRY = re.compile(r"^\s*([A-Z]+)\s+(\S+)\s+(authenticated|anonymous|public)\s*$")
CASES = sorted(p for p in HERE.glob("*/*") if p.suffix == ".py" or (p.is_dir() and p.name != "__pycache__"))


def expected(case: Path, pattern: re.Pattern[str] = ANNOTATION) -> set[tuple[str, int, str, str, str]]:
    out: set[tuple[str, int, str, str, str]] = set()
    files = [case] if case.is_file() else sorted(case.rglob("*.py"))
    base = case.parent if case.is_file() else case
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = pattern.search(line)
            if not match:
                continue
            for entry in match.group(1).split(","):
                parsed = ENTRY.match(entry)
                assert parsed, f"{path}:{number}: malformed route annotation {entry!r}"
                method, route_path, verdict = parsed.groups()
                out.add((path.relative_to(base).as_posix(), number, method, route_path, verdict))
    return out


def verdict(route) -> str:
    if route.auth.authenticated:
        return "authenticated"
    return "public" if route.public_reason else "anonymous"


def _param(case: Path):
    """A `gap_*` file records a known gap: it must fail until the model gets it right (then rename it)."""
    mark = pytest.mark.xfail(strict=True, reason="known gap of the model, see the file's comment")
    return pytest.param(case, id=f"{case.parent.name}/{case.name}", marks=mark if case.name.startswith("gap_") else ())


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_routes_match_annotations(case: Path) -> None:
    result = audit(case, Config(select=["SEC001"]), _registry(), jobs=1)
    assert not [e for e in result.errors if e.kind == "file"], result.errors
    framework = case.parent.name
    assert framework in result.model.frameworks, f"{case}: detected {result.model.frameworks}"
    seen = {
        (r.location.path, r.location.line, method, r.path, verdict(r))
        for r in result.model.routes
        for method in r.methods
    }
    assert seen == expected(case, WANT if case.name.startswith("gap_") else ANNOTATION)


def _registry():
    from auditor.engine.registry import load_registry

    return load_registry(plugins=False)
