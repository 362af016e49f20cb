"""Markdown and HTML reports: eight sections, every claim located, escaped, translated, deterministic."""

from __future__ import annotations

import os
import re
import shutil
import string
import subprocess

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.config import Config
from auditor.engine.runner import audit
from auditor.render.report import md, md_code, render_report
from auditor.report.strings import LANGUAGES, STRINGS

from .conftest import ROOT

SHOWCASE = ROOT / "tests" / "data" / "showcase"
runner = CliRunner()


@pytest.fixture(scope="module")
def result(registry):
    return audit(SHOWCASE, Config(), registry, jobs=1)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_eight_sections_and_every_finding_located(result, registry, fmt, lang):
    text = render_report(result, registry, fmt, lang)
    for key in ("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"):
        assert STRINGS[lang][key] in text
    codes = {f.code for f in result.findings}
    assert codes == {r.code for r in registry.builtin()}, "the showcase must trip every implemented rule"
    for f in result.findings:
        assert f"{f.path}:{f.line}" in text, f"{f.code} at {f.path}:{f.line} is not in the report"
    plain = text if fmt == "markdown" else re.sub(r"<[^>]+>", "", text).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    for p in result.passes:
        assert p.evidence.replace("|", "\\|") in plain or p.evidence in plain, p.evidence


def test_strings_from_the_audited_code_are_escaped_in_html(result, registry):
    page = render_report(result, registry, "html", "en")
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x onerror" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page.lower()  # the report itself runs no script
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "the page must not load anything from outside"


def test_markdown_escaping_keeps_tables_and_html_inert():
    assert md("a | b <img src=x>") == "a \\| b &lt;img src=x&gt;"
    assert md_code("x`y|z") == "x'y\\|z"


def test_reports_are_deterministic_without_timestamp(result, registry, tmp_path):
    for fmt in ("markdown", "html"):
        assert render_report(result, registry, fmt, "ru") == render_report(result, registry, fmt, "ru")
    out = tmp_path / "r.md"
    plain = runner.invoke(app, ["audit", str(SHOWCASE), "-f", "markdown", "-o", str(out), "--exit-zero"])
    assert plain.exit_code == 0
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", out.read_text())
    runner.invoke(app, ["audit", str(SHOWCASE), "-f", "markdown", "-o", str(out), "--exit-zero", "--timestamp"])
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", out.read_text())


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_string_exists_in_every_language(registry):
    english = STRINGS["en"]
    for lang in LANGUAGES:
        assert set(STRINGS[lang]) == set(english), f"{lang}: {set(english) ^ set(STRINGS[lang])}"
        for key, text in STRINGS[lang].items():
            assert _placeholders(text) == _placeholders(english[key]), f"{lang}:{key}"
    for rule in registry.builtin():
        for lang in LANGUAGES:
            if lang == "en":
                continue
            missing = rule.translation_keys() - set(rule.translations.get(lang, {}))
            assert not missing, f"{rule.code} lacks {lang} for {sorted(missing)}"
            for key in rule.translation_keys():
                if key.startswith("message."):
                    assert _placeholders(rule.text(key, lang)) == _placeholders(rule.text(key, "en")), f"{rule.code} {key}"


def test_russian_report_uses_russian_messages(result, registry):
    page = render_report(result, registry, "markdown", "ru")
    assert "доступен без аутентификации" in page and "is reachable without authentication" not in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_in_a_real_browser(result, registry, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed")
    page = tmp_path / "report.html"
    page.write_text(render_report(result, registry, "html", "en"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--window-size=1280,2000", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert shot.exists(), done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Refused to" in line]
    assert not console, console
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 60_000, "the screenshot is nearly empty"
