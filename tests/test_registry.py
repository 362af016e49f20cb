from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from auditor.engine.registry import Registry, RegistryError
from auditor.engine.rule import Category, Rule, Severity

from .conftest import ROOT


def make_rule(code="XYZ001", name="example-rule", doc=None):
    body = doc if doc is not None else """
    ## What it does
    x
    ## Why is this bad?
    x
    ## Example
    x
    ## Use instead
    x
    ## References
    - CWE-1
    """
    return type(
        "Example",
        (Rule,),
        {"__doc__": body, "code": code, "name": name, "title": "t", "category": Category.SECURITY,
         "severity": Severity.LOW, "effort": "1h", "fix": "f", "impact": "i", "messages": {"m": "m"}, "check": lambda self, model: iter(())},
    )


def test_registry_rejects_duplicates_and_undocumented_rules():
    registry = Registry()
    registry.add(make_rule())
    with pytest.raises(RegistryError, match="duplicate rule code"):
        registry.add(make_rule(name="other-name"))
    with pytest.raises(RegistryError, match="duplicate rule slug"):
        registry.add(make_rule(code="XYZ002"))
    with pytest.raises(RegistryError, match="Why is this bad"):
        registry.add(make_rule(code="XYZ003", name="third", doc="## What it does\nx"))
    with pytest.raises(RegistryError, match="effort"):
        registry.add(type("Bad", (make_rule(code="XYZ004", name="fourth"),), {"effort": "soon"}))


def test_builtin_rules_are_complete(registry):
    rules = registry.builtin()
    assert rules, "no built-in rules found"
    for rule in rules:
        assert rule.problems() == []
        assert rule.__module__.startswith("auditor.rules.")
        assert any(r.startswith("CWE-") for r in rule.references), rule.code
        example = rule.section("Example")
        assert "```python" in example and rule.section("Use instead")


def test_every_rules_folder_ships_in_the_wheel():
    text = (ROOT / "pyproject.toml").read_text()
    listed = set(re.findall(r'"(auditor\.rules(?:\.\w+)*)"', text))
    folders = {"auditor.rules"} | {
        "auditor.rules." + ".".join(p.relative_to(ROOT / "rules").parts)
        for p in (ROOT / "rules").rglob("*")
        if p.is_dir() and (p / "__init__.py").exists()
    }
    assert folders <= listed


PLUGIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "auditor-acme"
        version = "1.0"

        [project.entry-points."auditor.rules"]
        acme = "auditor_acme"
    """,
    "auditor_acme/__init__.py": '''
        from auditor.engine.rule import Category, Rule, Severity


        class NoPing(Rule):
            """
            ## What it does
            Flags every route called /ping.
            ## Why is this bad?
            Our house style says /health.
            ## Example
            ```python
            @app.get("/ping")
            ```
            ## Use instead
            ```python
            @app.get("/health")
            ```
            ## References
            - CWE-1059
            """

            code = "ACME001"
            name = "no-ping"
            title = "Route named /ping"
            category = Category.DOCUMENTATION
            severity = Severity.LOW
            effort = "5m"
            fix = "Rename it."
            impact = "Inconsistent probes"
            messages = {"ping": "{path} is named /ping"}

            def check(self, model):
                for route in model.routes:
                    if route.path.endswith("/ping"):
                        yield self.finding(route.location, "ping", anchor=route.path, path=route.path)
    ''',
}


def test_entry_point_plugin_is_listed_and_runs_only_when_selected(tmp_path):
    source = tmp_path / "plugin"
    for rel, text in PLUGIN.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(textwrap.dedent(text).lstrip())
    env_dir = tmp_path / "env"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", str(env_dir), str(source)],
        check=True,
        capture_output=True,
    )
    service = tmp_path / "svc"
    service.mkdir()
    (service / "main.py").write_text('from fastapi import FastAPI\napp = FastAPI()\n\n@app.get("/ping")\ndef ping():\n    return "pong"\n')

    def run(*args):
        import os

        env = {**os.environ, "PYTHONPATH": str(env_dir), "NO_COLOR": "1", "COLUMNS": "200"}
        return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, env=env, cwd=tmp_path)

    listing = run("rules")
    assert "ACME001" in listing.stdout and "plugin auditor-acme" in listing.stdout
    default = run("audit", str(service), "--format", "json", "--isolated")
    assert "ACME001" not in default.stdout  # installed is not enabled
    selected = run("audit", str(service), "--format", "json", "--isolated", "--select", "ACME001")
    assert '"code": "ACME001"' in selected.stdout, selected.stderr
