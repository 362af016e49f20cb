"""The terminal report: findings by severity, then scores and the verdict."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..engine.runner import AuditResult
from ..model.types import AppModel
from ..taxonomy import Category, Severity

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render_text(result: AuditResult, console: Console, show_passes: bool = False) -> None:
    active = [f for f in result.findings if not f.suppressed]
    suppressed = len(result.findings) - len(active)
    frameworks = f" ({', '.join(result.model.frameworks)})" if result.model.frameworks else ""
    console.print(
        f"[bold]auditor[/] {escape(str(result.root))}: {result.model.files} files, {result.model.lines} lines, "
        f"{len(result.model.apps)} app(s){frameworks}, {len(result.model.routes)} route(s)"
    )
    if result.left_out_tests:
        console.print(f"[dim]left out {len(result.left_out_tests)} test file(s)/folder(s) (--include-tests to audit them)[/]")
    for spot in result.scores.blind_spots:  # say first what the audit could not see
        console.print(f"[bold yellow]warning:[/] {escape(spot)}", soft_wrap=True)
    for severity in Severity:
        group = [f for f in active if f.severity == severity]
        if not group:
            continue
        console.print()
        console.print(f"[{STYLE[severity]}] {severity.value.upper()} [/] {len(group)}")
        for f in group:
            span = f.location.span
            console.print(
                f"  [bold]{escape(f.path)}:{span.line}:{span.column + 1}[/] [{STYLE[severity]}]{f.code}[/] [dim]{f.slug}[/] {escape(f.message)}",
                soft_wrap=True,
            )
            first = f.snippet.splitlines()[0].strip() if f.snippet else ""
            if first:
                console.print(f"      [dim]{escape(first)}[/]", soft_wrap=True)
    hidden = [f for f in result.findings if f.suppressed]
    if hidden:
        console.print()
        console.print(f"[dim]{len(hidden)} suppressed[/]")
        for f in hidden[:50]:
            why = f" — {f.suppression_reason}" if f.suppression_reason else ""
            console.print(f"  [dim]{escape(f.path)}:{f.line} {f.code} ({f.suppression}){escape(why)}[/]", soft_wrap=True)
        if len(hidden) > 50:
            console.print(f"  [dim]… and {len(hidden) - 50} more (see --format json)[/]")
    if show_passes and result.passes:
        console.print()
        console.print("[green]What is good[/]")
        for p in result.passes:
            console.print(f"  [green]✓[/] {p.code} {escape(p.evidence)}", soft_wrap=True)
    if result.errors:
        console.print()
        console.print(f"[yellow]{len(result.errors)} problem(s) while auditing[/]")
        for e in result.errors:
            where = f"{e.path}:{e.line}" if e.path and e.line else (e.path or "")
            console.print(f"  [yellow]{e.kind}[/] {escape(where)} {escape(e.message)}", soft_wrap=True)
    console.print()
    _scores(result, console)
    tail = f", {suppressed} suppressed" if suppressed else ""
    label = {"ready": "[bold green]READY[/]", "not-ready": "[bold red]NOT READY[/]", "incomplete": "[bold yellow]INCOMPLETE[/]"}[result.scores.verdict]
    shown_reasons = result.scores.reasons or (["part of the service was not seen"] if result.scores.blind_spots else [])
    because = f" ({'; '.join(shown_reasons)})" if shown_reasons else ""
    shown = f"{result.scores.total:.1f}/10" if result.scores.judged else "n/a (no app seen)"
    console.print(f"{len(active)} finding(s){tail}. Score {shown} — {label}{escape(because)}")


def _scores(result: AuditResult, console: Console) -> None:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("Category")
    table.add_column("Score", justify="right")
    table.add_column("Findings", justify="right")
    for category in Category:
        cs = result.scores.categories[category]
        colour = "green" if cs.score >= 8 else "yellow" if cs.score >= 5 else "red"
        table.add_row(category.value, f"[{colour}]{cs.score:.1f}[/]", str(len(cs.deductions)))
    console.print(table)


def render_routes(model: AppModel, console: Console) -> None:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("Method", no_wrap=True)
    table.add_column("Path", overflow="fold")
    table.add_column("Handler", overflow="fold")
    table.add_column("Auth", overflow="fold")
    for route in model.routes:
        if route.auth.authenticated:
            auth = f"[green]yes[/] ({route.auth.level}: {escape(route.auth.evidence.text if route.auth.evidence else '')})"
        elif route.is_webhook:
            auth = "[yellow]webhook[/] (signature)"
        elif route.public_reason:
            auth = f"[cyan]public[/] ({escape(route.public_reason)})"
        else:
            auth = "[red]none[/]"
        table.add_row(
            "/".join(route.methods),
            escape(route.path),
            escape(f"{route.handler.rsplit('.', 1)[-1]} {route.handler_location}"),
            auth,
        )
    console.print(table)
    console.print(f"{len(model.routes)} route(s) in {len(model.apps)} app(s)")
