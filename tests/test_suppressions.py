from __future__ import annotations

from auditor.config import Config
from auditor.engine.runner import audit

from .helpers import write_tree

SERVICE = '''
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],  # auditor: ignore[SEC003] -- public read-only API, no cookies
)


@app.get("/a")  # auditor: ignore[missing-authentication] -- served behind the gateway's auth
def a():
    return 1


# auditor: ignore[SEC001]
@app.get("/b")
def b():
    return 2


@app.get("/c")
def c():  # auditor: ignore[SEC001] -- decorator and def are one statement
    return 3


@app.get("/d")
def d():
    return 4  # auditor: ignore[SEC001] -- not on the finding's statement


@app.get("/e")  # auditor: ignore
def e():
    return 5
'''


def run(tmp_path, registry, **config):
    write_tree(tmp_path, {"main.py": SERVICE})
    return audit(tmp_path, Config(**config), registry, jobs=1)


def by_line(result):
    return {(f.code, f.line): f for f in result.findings}


def test_inline_suppressions_cover_the_statement_and_the_line_above(tmp_path, registry):
    found = by_line(run(tmp_path, registry))
    assert found[("SEC003", 5)].suppressed and found[("SEC003", 5)].suppression_reason == "public read-only API, no cookies"
    assert found[("SEC001", 11)].suppressed and found[("SEC001", 11)].suppression == "inline"
    assert found[("SEC001", 17)].suppressed and found[("SEC001", 17)].suppression_reason is None
    assert found[("SEC001", 22)].suppressed
    assert not found[("SEC001", 27)].suppressed  # the comment sits inside the body
    assert not found[("SEC001", 32)].suppressed  # an ignore without codes suppresses nothing


def test_bad_and_unused_suppressions_are_reported(tmp_path, registry):
    result = run(tmp_path, registry)
    problems = {(e.line, e.message.split(":")[0]) for e in result.errors if e.kind == "suppression"}
    assert (32, "an ignore must name the codes it suppresses, e.g. `# auditor") in problems
    assert (29, "unused suppression") in problems


def test_require_reason_rejects_a_reasonless_ignore(tmp_path, registry):
    result = run(tmp_path, registry, require_reason=True)
    found = by_line(result)
    assert not found[("SEC001", 17)].suppressed
    assert any(e.line == 16 and "no reason" in e.message for e in result.errors)


def test_suppressed_findings_never_lower_the_score(tmp_path, registry):
    suppressed = run(tmp_path, registry)
    write_tree(tmp_path, {"main.py": SERVICE.replace("auditor: ignore", "note")})
    plain = audit(tmp_path, Config(), registry, jobs=1)
    assert suppressed.scores.total > plain.scores.total
    assert len(suppressed.findings) == len(plain.findings)


def test_per_file_ignores(tmp_path, registry):
    result = run(tmp_path, registry, per_file_ignores={"main.py": ["SEC001"]})
    assert all(f.suppressed for f in result.findings if f.code == "SEC001")
    assert any(f.suppression == "config" for f in result.findings)


def test_fingerprints_survive_edits_above(tmp_path, registry):
    before = {f.fingerprint for f in run(tmp_path, registry).findings}
    write_tree(tmp_path, {"main.py": '"""Docs."""\nimport os\n\n' + SERVICE})
    after = {f.fingerprint for f in audit(tmp_path, Config(), registry, jobs=1).findings}
    assert before == after


def test_the_text_report_shows_suppressions_with_their_reasons(tmp_path):
    from typer.testing import CliRunner

    from auditor.cli import app

    write_tree(tmp_path, {"main.py": SERVICE})
    out = CliRunner().invoke(app, ["audit", str(tmp_path), "--isolated", "--exit-zero"], env={"NO_COLOR": "1", "COLUMNS": "200"}).stdout
    assert "suppressed" in out
    assert "main.py:11 SEC001 (inline) — served behind the gateway's auth" in out
