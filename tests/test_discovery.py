"""Bad files are reported and the audit goes on; newer syntax parses."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.config import Config
from auditor.discovery import discover
from auditor.engine.runner import audit
from auditor.parsing import FileError, ModuleFacts, ParseOptions, parse_file

from .helpers import write_tree

ROUTE = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/agents")
def agents():
    return []
"""


def test_broken_files_are_listed_and_the_audit_goes_on(tmp_path, registry):
    root = write_tree(
        tmp_path,
        {
            "main.py": ROUTE,
            "broken.py": "def f(:\n    pass\n",
            "latin.py": "name = 'caf\xe9'\n".encode("latin-1"),
            "declared.py": "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1"),
            "empty.py": "",
            "blob.py": b"\x00\x01\x02binary",
        },
    )
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    (tmp_path / "pkg").mkdir()
    os.symlink(tmp_path, tmp_path / "pkg" / "up")
    result = audit(root, Config(), registry, jobs=1)
    errors = {e.path: e.message for e in result.errors if e.kind == "file"}
    assert "syntax error" in errors["broken.py"]
    assert "not valid utf-8" in errors["latin.py"] and "PEP 263" in errors["latin.py"]
    assert "binary" in errors["blob.py"]
    assert "loop" in errors["loop"]
    assert "symlink loop" in errors["pkg/up"]
    assert "declared.py" not in errors and "empty.py" not in errors  # valid Python both
    assert "declared.py" in result.model.modules and "empty.py" in result.model.modules
    assert any(f.code == "SEC001" and f.path == "main.py" for f in result.findings)


def test_file_errors_do_not_change_the_exit_code(tmp_path):
    root = write_tree(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n", "broken.py": "def f(:\n"})
    result = CliRunner().invoke(app, ["audit", str(root), "--format", "json", "--isolated", "--fail-on", "critical"])
    assert result.exit_code == 0
    assert [e["path"] for e in json.loads(result.stdout)["errors"]] == ["broken.py"]


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",  # PEP 758 (3.14)
        "name = 'x'\ngreeting = t'hello {name}'\n",  # PEP 750 t-strings (3.14)
        "def first[T](items: list[T]) -> T:\n    return items[0]\n",  # PEP 695 (3.12)
        "type Pair[T] = tuple[T, T]\n",  # PEP 695 type alias
        "match command:\n    case {'kind': kind}:\n        pass\n",
    ],
)
def test_newer_syntax_parses_on_any_supported_python(source):
    assert isinstance(parse_file("m.py", "m", False, source.encode(), ParseOptions()), ModuleFacts)


def test_large_files_are_refused_with_a_reason():
    result = parse_file("big.py", "big", False, b"x = 1\n" * 100, ParseOptions(max_file_bytes=100))
    assert isinstance(result, FileError) and "larger than 100 bytes" in result.reason


def test_skipped_folders_gitignore_and_excludes(tmp_path):
    root = write_tree(
        tmp_path,
        {
            ".gitignore": "generated/\n*_pb2.py\n",
            "app/main.py": "x = 1\n",
            "app/api_pb2.py": "x = 1\n",
            "generated/client.py": "x = 1\n",
            ".venv/lib/site.py": "x = 1\n",
            "myenv/pyvenv.cfg": "home = /usr\n",
            "myenv/lib/mod.py": "x = 1\n",
            "node_modules/pkg/x.py": "x = 1\n",
            "build/lib/app.py": "x = 1\n",
            "tests/test_app.py": "x = 1\n",
        },
    )
    found = {f.relpath for f in discover(root, exclude=["tests/"]).files}
    assert found == {"app/main.py"}
    assert "generated/client.py" in {f.relpath for f in discover(root, exclude=[], respect_gitignore=False).files}


def test_module_names_follow_packages_above_the_audited_folder(tmp_path):
    root = write_tree(tmp_path, {"svc/__init__.py": "", "svc/api/__init__.py": "", "svc/api/routes.py": "x = 1\n"})
    names = {f.relpath: f.module for f in discover(root / "svc").files}
    assert names == {"__init__.py": "svc", "api/__init__.py": "svc.api", "api/routes.py": "svc.api.routes"}


def test_test_code_is_left_out_and_listed_unless_asked(tmp_path):
    write_tree(
        tmp_path,
        {
            "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/test_utils.py": "x = 1\n",
            "app/helpers_test.py": "x = 1\n",
            "conftest.py": "x = 1\n",
            "tests/test_api.py": "from fastapi import FastAPI\n\napp = FastAPI(debug=True)\n",
            "qa/checks.py": "x = 1\n",
        },
    )
    found = discover(tmp_path)
    assert [f.relpath for f in found.files] == ["app/main.py", "qa/checks.py"]
    assert sorted(found.left_out_tests) == ["app/helpers_test.py", "app/test_utils.py", "conftest.py", "tests/"]
    configured = discover(tmp_path, test_paths=["qa/"])
    assert [f.relpath for f in configured.files] == ["app/main.py"] and "qa/" in configured.left_out_tests
    everything = discover(tmp_path, include_tests=True)
    assert len(everything.files) == 6 and not everything.left_out_tests


def test_an_app_built_in_tests_is_not_judged_as_production(tmp_path, registry):
    from auditor.config import Config
    from auditor.engine.runner import audit

    write_tree(
        tmp_path,
        {
            "service/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "tests/test_app.py": "from fastapi import FastAPI\n\napp = FastAPI(debug=True)\n\n@app.get('/x')\ndef x():\n    return 1\n",
        },
    )
    result = audit(tmp_path, Config(select=["SEC012", "SEC001"]), registry, jobs=1)
    assert [a.location.path for a in result.model.apps] == ["service/main.py"]
    assert not result.findings and result.left_out_tests == ["tests/"]
    included = audit(tmp_path, Config(select=["SEC012"], include_tests=True), registry, jobs=1)
    assert [f.path for f in included.findings] == ["tests/test_app.py"]
