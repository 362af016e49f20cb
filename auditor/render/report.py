"""Markdown and HTML reports from the templates in `auditor.report_templates`."""

from __future__ import annotations

import html
import re
from importlib import resources

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..engine.registry import Registry
from ..engine.runner import AuditResult
from ..report.content import Snippet, build_report

_BACKTICKS = re.compile(r"`+")


def _load(name: str) -> str | None:
    try:
        return resources.files("auditor.report_templates").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _fence(text: str, lang: str = "python") -> str:
    """A fenced block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def md(text: object) -> str:
    """Inline Markdown: HTML-escaped, `|` escaped for tables, on one line."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def md_code(text: object) -> str:
    """Text inside a code span: no backtick can close it early, `|` escaped for tables."""
    return str(text).replace("`", "'").replace("|", "\\|").replace("\n", " ")


def md_snippet(snippet: Snippet) -> str:
    width = len(str(snippet.lines[-1][0])) if snippet.lines else 1
    body = "\n".join(f"{'>' if hit else ' '} {number:>{width}}  {text}" for number, text, hit in snippet.lines)
    return _fence(body, "text")


def html_snippet(snippet: Snippet) -> Markup:
    rows = []
    for number, text, hit in snippet.lines:
        cls = ' class="hit"' if hit else ""
        rows.append(f'<span{cls}><span class="ln">{number}</span>{html.escape(text)}</span>')
    return Markup("".join(rows))  # each line is a block: a newline would double the spacing


def _environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(_load),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters.update(md=md, mdcode=md_code, code_block=md_snippet, fenced=_fence, html_snippet=html_snippet)
    return env


def render_report(result: AuditResult, registry: Registry, fmt: str, lang: str = "en", timestamp: str | None = None) -> str:
    report = build_report(result, registry, lang, timestamp)
    template = _environment().get_template("report.md.j2" if fmt == "markdown" else "report.html.j2")
    text = template.render(r=report)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
