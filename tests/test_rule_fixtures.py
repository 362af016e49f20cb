"""Every rule against its annotated fixtures: exactly the `# expect:` lines fire.

Each entry under fixtures/rules/<CODE>/ is one case: a single-file service or
a folder holding a multi-file one (with its configuration, if any, found the
way the CLI finds it). On each
line, `# expect: CODE` must fire, `# ok: CODE` marks a trap that must not,
`# todo-expect:` / `# todo-ok:` record a known miss / false alarm as today's
behaviour.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.config import Config, find_config, load_config
from auditor.engine.runner import audit

from .conftest import FIXTURES

ANNOTATION = re.compile(r"#\s*(expect|ok|todo-expect|todo-ok):\s*([A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")
RULE_DIRS = sorted(p for p in (FIXTURES / "rules").iterdir() if p.is_dir())
CASES = [(d.name, case) for d in RULE_DIRS for case in sorted(d.iterdir()) if case.suffix == ".py" or case.is_dir()]


def annotations(case: Path, code: str) -> dict[str, set[tuple[str, int]]]:
    out: dict[str, set[tuple[str, int]]] = {"expect": set(), "ok": set(), "todo-expect": set(), "todo-ok": set()}
    files = [case] if case.is_file() else sorted(case.rglob("*.py"))
    base = case.parent if case.is_file() else case
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for kind, codes in ANNOTATION.findall(line):
                if code in {c.strip() for c in codes.split(",")}:
                    out[kind].add((path.relative_to(base).as_posix(), number))
    return out


@pytest.mark.parametrize(("code", "case"), CASES, ids=[f"{c}/{p.name}" for c, p in CASES])
def test_fixture_annotations(code: str, case: Path, registry) -> None:
    config = Config()
    if case.is_dir():
        config, _ = load_config(find_config(case))
    config = config.model_copy(update={"select": [code], "ignore": []})
    result = audit(case, config, registry, jobs=1)
    assert not result.internal_errors
    assert not [e for e in result.errors if e.kind == "file"], result.errors
    fired = {(f.path, f.line) for f in result.findings if f.code == code}
    marks = annotations(case, code)
    assert marks["expect"] | marks["ok"] | marks["todo-expect"] | marks["todo-ok"], f"{case} has no annotation for {code}"
    assert fired - marks["todo-ok"] == marks["expect"], "findings differ from the # expect: annotations"
    assert not fired & marks["ok"], "a trap fired"
    assert not fired & marks["todo-expect"], "a known miss now fires: turn its todo-expect into expect"
    assert marks["todo-ok"] <= fired, "a known false alarm is gone: turn its todo-ok into ok"


# Rules whose meaning depends on how a framework declares apps, routes, auth and settings:
# each has fixtures in every framework an adapter models, named `<framework>_*`.
FRAMEWORK_DEPENDENT = (
    "ARC001", "DOC001", "DOC002", "OBS001", "OBS002", "OBS003", "OBS004", "OBS005", "REL001", "REL002", "REL006",
    "REL007", "SCL001", "SCL002", "SEC001", "SEC002", "SEC003", "SEC005", "SEC006", "SEC007", "SEC008", "SEC009",
    "SEC010", "SEC012", "SEC015", "SEC018",
)
FRAMEWORKS = ("flask", "starlette", "litestar", "aiohttp")


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("code", FRAMEWORK_DEPENDENT)
def test_framework_dependent_rule_has_fixtures_in_each_framework(code: str, framework: str) -> None:
    cases = [c for rule, c in CASES if rule == code and c.name.startswith(f"{framework}_")]
    expects = sum(len(annotations(c, code)["expect"]) for c in cases)
    traps = sum(len(annotations(c, code)["ok"]) for c in cases)
    assert expects >= 2 and traps >= 2, f"{code}/{framework}_*: {expects} violating and {traps} clean cases; want 2 of each"


FRAMEWORK_CASES = [(code, c) for code, c in CASES if c.name.split("_")[0] in FRAMEWORKS]


@pytest.mark.parametrize(("code", "case"), FRAMEWORK_CASES, ids=[f"{c}/{p.name}" for c, p in FRAMEWORK_CASES])
def test_framework_fixture_is_modelled_by_its_adapter(code: str, case: Path, registry) -> None:
    """A `flask_*` case is read by the Flask adapter (and finds an app), so it tests what its name says."""
    config = Config(select=[code])
    if case.is_dir():
        config, _ = load_config(find_config(case))
    result = audit(case, config.model_copy(update={"select": [code]}), registry, jobs=1)
    framework = case.name.split("_")[0]
    assert framework in result.model.frameworks
    assert any(app.framework == framework for app in result.model.apps)


def test_every_rule_has_fixtures(registry) -> None:
    with_fixtures = {d.name for d in RULE_DIRS}
    for rule in registry.builtin():
        assert rule.code in with_fixtures, f"{rule.code} has no fixtures/rules/{rule.code}/"
        cases = [c for code, c in CASES if code == rule.code]
        expects = sum(len(annotations(c, rule.code)["expect"]) for c in cases)
        traps = sum(len(annotations(c, rule.code)["ok"]) for c in cases)
        assert expects >= 4 and traps >= 4, f"{rule.code}: {expects} violating and {traps} clean cases; want 4 of each"
