"""The `auditor` command line."""

from __future__ import annotations

import sys
import traceback
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape

from . import __version__
from .config import Config, ConfigError, find_config, load_config
from .engine.baseline import apply_baseline, read_baseline, write_baseline
from .engine.registry import Registry, RegistryError, load_registry
from .engine.runner import AuditResult, audit
from .engine.scoring import score
from .taxonomy import Severity

EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    name="auditor",
    help="Audit a Python web API service's source for production readiness.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    html = "html"
    github = "github"


class Lang(str, Enum):
    en = "en"
    ru = "ru"


class UsageError(Exception):
    """A bad argument; the message is one line."""


def _fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _codes(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


def _registry() -> Registry:
    try:
        return load_registry()
    except RegistryError as exc:
        raise UsageError(f"rule registry: {exc}") from None


def _load(path: Path, config_file: Path | None, isolated: bool) -> Config:
    if isolated:
        return Config()
    found = config_file or find_config(path.resolve())
    config, _ = load_config(found)
    return config


def _guard(debug: bool):
    """Turn every failure into a one-line message and exit code 2 (a traceback only with --debug)."""

    class _Guard:
        def __enter__(self):
            return self

        def __exit__(self, kind, exc, tb):
            if exc is None or isinstance(exc, (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt)):
                return False
            if debug:
                traceback.print_exception(kind, exc, tb)
            if isinstance(exc, (ConfigError, UsageError)):
                raise _fail(str(exc))
            raise _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")

    return _Guard()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"auditor {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version.")) -> None:
    """auditor reads a service's code without running it."""


def _check_path(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"path does not exist: {path}")
    if path.is_file() and path.suffix != ".py":
        raise UsageError(f"not a Python file or a directory: {path}")


@app.command("audit")
def audit_command(
    path: Path = typer.Argument(Path("."), help="The service's directory (or one .py file)."),
    output_format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout."),
    fail_under: float | None = typer.Option(None, "--fail-under", min=0, max=10, help="Exit 1 when the total score is below this (0-10)."),
    fail_on: str | None = typer.Option(None, "--fail-on", help="Exit 1 on a finding at or above this severity (default: high)."),
    select: str | None = typer.Option(None, "--select", help="Comma-separated codes, slugs or prefixes to run (default: ALL)."),
    ignore: str | None = typer.Option(None, "--ignore", help="Comma-separated codes, slugs or prefixes to skip."),
    config_file: Path | None = typer.Option(None, "--config", help="Read [tool.auditor] from this file."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore configuration files."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Report, but exit 0 even when the gate fails."),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="Report even when no application is found (verdict: incomplete)."),
    baseline: Path | None = typer.Option(None, "--baseline", help="Treat the findings recorded in this file as accepted."),
    write_baseline_to: Path | None = typer.Option(None, "--write-baseline", help="Record today's findings as the accepted baseline and exit 0."),
    show_passes: bool = typer.Option(False, "--passes", help="Text format: also list what is good."),
    include_tests: bool = typer.Option(False, "--include-tests", help="Audit test code too (tests/, test_*.py, conftest.py)."),
    lang: Lang = typer.Option(Lang.en, "--lang", help="Language of Markdown and HTML reports."),
    timestamp: bool = typer.Option(False, "--timestamp", help="Put the date and time in Markdown and HTML reports."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes for parsing (default: CPU count)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for internal errors."),
) -> None:
    """Audit a service and report findings, scores and a verdict."""
    with _guard(debug):
        _check_path(path)
        config = _load(path, config_file, isolated)
        updates: dict = {}
        if select:
            updates["select"] = _codes(select)
        if ignore:
            updates["ignore"] = list(config.ignore) + _codes(ignore)
        if fail_under is not None:
            updates["fail_under"] = fail_under
        if include_tests:
            updates["include_tests"] = True
        if fail_on is not None:
            try:
                updates["fail_on"] = Severity.parse(fail_on)
            except ValueError as exc:
                raise UsageError(f"--fail-on: {exc}") from None
        config = config.model_copy(update=updates)
        registry = _registry()
        unknown = registry.unknown(list(config.select) + list(config.ignore))
        if unknown:
            raise UsageError(f"unknown rule code or slug: {', '.join(unknown)} (see `auditor rules`)")
        result = audit(path, config, registry, jobs=jobs)
        _require_app(result, path, allow_empty)
        if baseline is not None:
            result.findings = apply_baseline(result.findings, read_baseline(baseline))
            result.scores = score(result.findings, result.scores.blind_spots, result.scores.judged)
        if write_baseline_to is not None:
            count = write_baseline(write_baseline_to, result.findings)
            err.print(f"wrote {count} finding(s) to the baseline {write_baseline_to}", highlight=False)
            raise typer.Exit(EXIT_OK)
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if timestamp else None
        _emit(result, output_format, output, show_passes, registry, lang.value, stamp)
        code = _gate(result, config)
        if result.internal_errors:
            raise _fail(result.internal_errors[0])
    raise typer.Exit(EXIT_OK if exit_zero else code)


def _require_app(result: AuditResult, path: Path, allow_empty: bool) -> None:
    """Nothing recognised as an app: say so, and refuse to score what was not seen."""
    if result.model.served_apps or allow_empty:
        return
    unmodelled = ", ".join(f"{u.framework} ({u.location})" for u in result.model.unmodelled)
    seen = (
        f"it uses {unmodelled}, which auditor does not model yet"
        if unmodelled
        else (
            f"{', '.join(result.model.frameworks)} is imported but no app is constructed"
            if result.model.frameworks
            else "no FastAPI, Starlette or Flask app is constructed in its Python files"
        )
    )
    raise UsageError(f"no application found in {path}: {seen}; nothing was judged (pass --allow-empty to report anyway)")


def _emit(result: AuditResult, output_format: Format, output: Path | None, show_passes: bool, registry: Registry, lang: str, stamp: str | None) -> None:
    from .render.json_report import render_json
    from .render.report import render_report
    from .render.sarif import render_sarif
    from .render.text import render_text

    if output_format is Format.text:
        if output is None:
            render_text(result, Console(highlight=False), show_passes)
            return
        with output.open("w", encoding="utf-8") as handle:
            render_text(result, Console(file=handle, no_color=True, highlight=False, width=120), show_passes)
        return
    if output_format is Format.github:
        from .render.github import append_job_summary, render_github

        text = render_github(result)
        append_job_summary(render_report(result, registry, "markdown", lang, stamp))
    elif output_format in (Format.markdown, Format.html):
        text = render_report(result, registry, output_format.value, lang, stamp)
    else:
        text = render_json(result) if output_format is Format.json else render_sarif(result)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _gate(result: AuditResult, config: Config) -> int:
    reasons = []
    threshold = config.fail_on or Severity.HIGH
    over = [f for f in result.findings if not f.suppressed and f.severity.rank >= threshold.rank]
    if over:
        reasons.append(f"{len(over)} finding(s) at or above {threshold.value}")
    if config.fail_under is not None and not result.scores.judged:
        reasons.append("no score to compare with --fail-under: no application was seen")
    elif config.fail_under is not None and result.scores.total < config.fail_under:
        reasons.append(f"score {result.scores.total:.1f} is under {config.fail_under:g}")
    if reasons:
        err.print(f"[red]gate failed:[/] {'; '.join(reasons)}", highlight=False)
        return EXIT_GATE
    return EXIT_OK


@app.command("rules")
def rules_command(
    output_format: Format = typer.Option(Format.text, "--format", "-f", help="text or json."),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """List the rule catalog."""
    import json

    from rich.table import Table

    with _guard(debug):
        registry = _registry()
        rules = registry.all()
        if output_format is Format.json:
            data = [
                {
                    "code": r.code,
                    "slug": r.name,
                    "category": r.category.value,
                    "severity": r.severity.value,
                    "effort": r.effort,
                    "title": r.title,
                    "plugin": r.plugin,
                }
                for r in rules
            ]
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
            return
        table = Table(show_header=True, header_style="bold")
        for column in ("Code", "Slug", "Category", "Severity", "Title"):
            table.add_column(column)
        for r in rules:
            table.add_row(r.code, r.name, r.category.value, r.severity.value, r.title + (f" [dim](plugin {r.plugin})[/]" if r.plugin else ""))
        Console(highlight=False).print(table)


@app.command("explain")
def explain_command(rule: str = typer.Argument(..., help="A rule code or slug."), debug: bool = typer.Option(False, "--debug")) -> None:
    """Show a rule's documentation."""
    with _guard(debug):
        found = _registry().get(rule)
        if found is None:
            raise UsageError(f"no rule {rule!r} (see `auditor rules`)")
        console = Console(highlight=False)
        console.print(f"[bold]{found.code} {found.name}[/] — {found.title}")
        console.print(f"{found.category.value} · {found.severity.value} · confidence {found.confidence.value} · about {found.effort} to fix")
        console.print(Markdown(found.doc()))


@app.command("routes")
def routes_command(
    path: Path = typer.Argument(Path("."), help="The service's directory."),
    config_file: Path | None = typer.Option(None, "--config"),
    isolated: bool = typer.Option(False, "--isolated"),
    output_format: Format = typer.Option(Format.text, "--format", "-f", help="text or json."),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="List nothing, with exit 0, when no application is found."),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """List every route with its full path, handler and how it is authenticated."""
    import json

    from .render.text import render_routes

    with _guard(debug):
        _check_path(path)
        config = _load(path, config_file, isolated).model_copy(update={"select": ["SEC001"]})
        result = audit(path, config, _registry())
        _require_app(result, path, allow_empty)
        for spot in result.scores.blind_spots:
            err.print(f"[yellow]warning:[/] {escape(spot)}", highlight=False, soft_wrap=True)
        if output_format is Format.json:
            data = [
                {
                    "methods": list(r.methods),
                    "path": r.path,
                    "handler": r.handler,
                    "file": r.handler_location.path,
                    "line": r.handler_location.line,
                    "authenticated": r.auth.authenticated,
                    "auth_level": r.auth.level,
                    "auth_evidence": str(r.auth.evidence) if r.auth.evidence else None,
                    "public": r.public_reason,
                    "webhook": r.is_webhook,
                }
                for r in result.model.routes
            ]
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
            return
        render_routes(result.model, Console(highlight=False))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
