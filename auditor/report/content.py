"""What the report says, in one language, as plain data for the templates.

Both the Markdown and the HTML template render this same content, so the two
formats never disagree. Every string from the audited code stays raw here;
the templates escape it for their format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..engine.registry import Registry
from ..engine.rule import Category, Finding, Rule, Severity
from ..engine.runner import AuditResult
from ..engine.scoring import READY_THRESHOLD
from ..model.types import AppModel
from .strings import STRINGS, effort_text

CONTEXT_LINES = 2
_SECRET_NAME = re.compile(r"(secret|password|passwd|token|api_?key|private_?key|dsn|credential|service_role|encryption_key)", re.I)

# Which rules speak to each production-readiness topic (rules not yet in the catalog are simply absent).
READINESS_TOPICS = (
    ("readiness.shutdown", ("REL001",)),
    ("readiness.health", ("REL002",)),
    ("readiness.monitoring", ("OBS001", "OBS002", "OBS003", "OBS005")),
    ("readiness.timeouts", ("REL003",)),
    ("readiness.limits", ("SCL001",)),
    ("readiness.pooling", ("REL006",)),
)
CHECKLIST = (
    (
        "checklist.security",
        (
            ("check.cors", ("SEC003",)),
            ("check.auth", ("SEC001",)),
            ("check.authz", ("SEC002",)),
            ("check.rate_limit", ("SEC005",)),
            ("check.headers", ("SEC015",)),
            ("check.webhooks", ("SEC006",)),
        ),
    ),
    ("checklist.database", (("check.rls", ("SEC004",)), ("check.backups", ()), ("check.pooling", ("REL006",)), ("check.indexes", ()))),
    (
        "checklist.operations",
        (
            ("check.health", ("REL002",)),
            ("check.shutdown", ("REL001",)),
            ("check.monitoring", ("OBS001", "OBS002")),
            ("check.logging", ("OBS005",)),
            ("check.alerts", ()),
        ),
    ),
    ("checklist.testing", (("check.e2e", ()), ("check.load", ()), ("check.scan", ()), ("check.deps", ()))),
)


@dataclass
class Snippet:
    first_line: int
    lines: list[tuple[int, str, bool]]  # (number, text, part of the finding)


@dataclass
class FindingView:
    anchor: str
    code: str
    slug: str
    title: str
    severity: str
    severity_label: str
    category: str
    place: str  # path:line
    path: str
    line: int
    message: str
    why: str
    fix: str
    example: str
    snippet: Snippet
    related: list[str]
    suppressed: bool


@dataclass
class FindingGroup:
    """One rule's findings in one section: explained once, every place listed."""

    code: str
    title: str
    severity: str
    severity_label: str
    why: str
    fix: str
    example: str
    anchor: str
    items: list[FindingView]


SNIPPETS_PER_GROUP = 2


def group_findings(views: list[FindingView]) -> list[FindingGroup]:
    groups: dict[str, list[FindingView]] = {}
    for view in views:
        groups.setdefault(view.code, []).append(view)
    out = []
    for code, items in groups.items():
        worst = items[0]  # findings arrive sorted by severity
        out.append(FindingGroup(code, worst.title, worst.severity, worst.severity_label, worst.why, worst.fix, worst.example, f"rule-{code.lower()}", items))
    return out


@dataclass
class ProblemRow:
    number: int
    category: str
    problem: str
    path: str
    line: int
    more: str
    severity: str
    severity_label: str
    impact: str
    time: str
    anchor: str


@dataclass
class Report:
    lang: str
    s: dict[str, str]
    version: str
    timestamp: str | None
    root_name: str
    verdict: str
    verdict_label: str
    verdict_words: str
    total: float | str  # "n/a" when no app was seen
    structure: dict[str, Any]
    security: list[FindingGroup]
    security_good: list[dict[str, str]]
    design: list[FindingGroup]  # Architecture and Documentation findings, in section 1
    design_good: list[dict[str, str]]
    integrations: dict[str, Any]
    readiness: list[dict[str, Any]]
    problems: list[ProblemRow]
    total_time: str
    phases: list[dict[str, Any]]
    checklist: dict[str, Any]
    scores: list[dict[str, Any]]
    suppressed: int
    file_errors: list[str] = field(default_factory=list)


def build_report(result: AuditResult, registry: Registry, lang: str = "en", timestamp: str | None = None) -> Report:
    s = STRINGS[lang]
    rules = {r.code: r for r in result.rules}
    for code in {f.code for f in result.findings}:
        rules.setdefault(code, registry.get(code))  # type: ignore[arg-type]
    active = [f for f in result.findings if not f.suppressed]
    views = {f.fingerprint: _finding_view(f, rules[f.code], result.model, lang) for f in active}
    scores = result.scores
    reasons = []
    criticals = [f for f in active if f.severity == Severity.CRITICAL]
    if criticals:
        reasons.append(s["reason.critical"].format(count=len({f.code for f in criticals}), places=len(criticals)))
    if scores.total < READY_THRESHOLD:
        reasons.append(s["reason.total"].format(total=f"{scores.total:.1f}", threshold=f"{READY_THRESHOLD:.0f}"))
    if scores.verdict == "incomplete":
        reasons = list(scores.blind_spots)
    words = s[f"verdict.words.{scores.verdict}"].format(total=f"{scores.total:.1f}", reasons="; ".join(reasons))
    problems, total_minutes = _problems(active, rules, views, lang)
    return Report(
        lang=lang,
        s=s,
        version=__version__,
        timestamp=timestamp,
        root_name=result.root.name,
        verdict=scores.verdict,
        verdict_label=s[f"verdict.{scores.verdict}"],
        verdict_words=words,
        total=round(scores.total, 1) if scores.judged else "n/a",
        structure=_structure(result.model, s),
        security=group_findings([views[f.fingerprint] for f in active if f.category == Category.SECURITY]),
        security_good=[_pass(p) for p in result.passes if p.category == Category.SECURITY],
        design=group_findings([views[f.fingerprint] for f in active if f.category in (Category.ARCHITECTURE, Category.DOCUMENTATION)]),
        design_good=[_pass(p) for p in result.passes if p.category in (Category.ARCHITECTURE, Category.DOCUMENTATION)],
        integrations=_integrations(result, views, s),
        readiness=_readiness(result, views, rules, s),
        problems=problems,
        total_time=s["total_time"].format(time=effort_text(total_minutes, lang)),
        phases=_phases(problems, s),
        checklist=_checklist(result, s),
        scores=_scores(result, views, s),
        suppressed=len(result.findings) - len(active),
        file_errors=[f"{e.path}: {e.message}" for e in result.errors if e.kind == "file"],
    )


def _finding_view(f: Finding, rule: type[Rule], model: AppModel, lang: str) -> FindingView:
    message = f.message
    if lang != "en" and f.message_key:
        message = rule.text(f"message.{f.message_key}", lang).format(**dict(f.message_args))
    return FindingView(
        anchor=f"finding-{f.code.lower()}-{f.fingerprint[:10]}",
        code=f.code,
        slug=f.slug,
        title=rule.text("title", lang),
        severity=f.severity.value,
        severity_label=STRINGS[lang][f"severity.{f.severity.value}"],
        category=STRINGS[lang][f"category.{f.category.value}"],
        place=f"{f.path}:{f.line}",
        path=f.path,
        line=f.line,
        message=message,
        why=rule.text("why", lang),
        fix=rule.text("fix", lang),
        example=_code_block(rule.section("Use instead")),
        snippet=_snippet(model, f),
        related=[str(r) for r in f.related],
        suppressed=f.suppressed,
    )


def _code_block(section: str) -> str:
    match = re.search(r"```\w*\n(.*?)```", section, re.S)
    return match.group(1).rstrip() if match else ""


def _snippet(model: AppModel, f: Finding) -> Snippet:
    span = f.location.span
    end = min(span.end_line, span.line + 8)
    first = max(1, span.line - CONTEXT_LINES)
    lines = []
    for number in range(first, end + CONTEXT_LINES + 1):
        module = model.modules.get(f.path)
        if module is None or number > len(module.source_lines):
            break
        lines.append((number, model.source_line(f.path, number), span.line <= number <= end))
    while lines and not lines[-1][1].strip():
        lines.pop()
    while lines and not lines[0][1].strip():
        lines.pop(0)
    return Snippet(first, lines)


def _pass(p) -> dict[str, str]:
    return {"code": p.code, "slug": p.slug, "evidence": p.evidence, "place": str(p.location) if p.location else ""}


def _structure(model: AppModel, s: dict[str, str]) -> dict[str, Any]:
    routes = []
    for r in model.routes:
        if r.auth.authenticated:
            auth = f"{r.auth.level}: {r.auth.evidence.text if r.auth.evidence else ''}"
            state = "yes"
        elif r.only_when:
            auth, state = s["auth.dev"].format(reason=r.only_when), "dev"
        elif r.is_webhook:
            auth, state = s["auth.webhook"], "webhook"
        elif r.public_reason:
            auth, state = s["auth.public"].format(reason=r.public_reason), "public"
        else:
            auth, state = s["auth.none"], "none"
        routes.append(
            {
                "method": "/".join(r.methods),
                "path": r.path,
                "handler": r.handler.rsplit(".", 1)[-1],
                "place": str(r.handler_location),
                "auth": auth,
                "state": state,
            }
        )
    middleware = [{"name": m.cls.rsplit(".", 1)[-1], "place": str(m.location), "kind": m.kind, "auth": bool(m.authenticates)} for m in model.middleware]
    hooks = [{"kind": h.kind, "function": (h.function or "?").rsplit(".", 1)[-1], "place": str(h.location)} for h in model.hooks]
    handlers = [
        {"exception": h.exception.rsplit(".", 1)[-1], "function": (h.function or "?").rsplit(".", 1)[-1], "place": str(h.location)}
        for h in model.exception_handlers
    ]
    return {
        "frameworks": sorted({a.framework for a in model.apps}) or ["—"],
        "apps": [{"name": a.id.rsplit(".", 1)[-1], "title": a.title, "place": str(a.location), "mounted": a.mounted_in} for a in model.apps],
        "size": s["size.value"].format(files=model.files, lines=model.lines),
        "routes": routes,
        "middleware": middleware,
        "hooks": hooks,
        "exception_handlers": handlers,
    }


def _integrations(result: AuditResult, views: dict[str, FindingView], s: dict[str, str]) -> dict[str, Any]:
    model = result.model
    groups: dict[str, list[dict[str, str]]] = {}
    for i in model.integrations:
        groups.setdefault(i.kind, []).append({"name": i.name, "used": s["integrations.used"].format(count=i.modules, location=str(i.location))})
    webhooks = []
    for r in model.routes:
        if r.webhook is None:
            continue
        evidence = r.webhook.evidence.text if r.webhook.evidence else ""
        webhooks.append(
            {
                "route": f"{'/'.join(r.methods)} {r.path}",
                "place": str(r.location),
                "evidence": evidence,
                "findings": [v for v in views.values() if v.code in ("SEC006", "SEC007", "SEC008", "SEC009") and r.path in v.message],
            }
        )
    resources = []
    for res in model.resources:
        if res.managed:
            state = s["resources.managed"]
        elif res.released_by:
            state = s["resources.released"].format(location=str(res.released_by))
        else:
            state = s["resources.leaked"]
        resources.append(
            {
                "kind": res.kind,
                "name": res.name.rsplit(".", 1)[-1] if not res.name.startswith("app.state") else res.name,
                "place": str(res.location),
                "state": state,
                "ok": res.managed or res.released_by is not None,
            }
        )
    database = [v for v in views.values() if v.code == "SEC004"]
    return {
        "groups": [{"title": s[f"integrations.kind.{k}"], "items": v} for k, v in sorted(groups.items())],
        "webhooks": webhooks,
        "resources": resources,
        "database_findings": database,
    }


def _readiness(result: AuditResult, views: dict[str, FindingView], rules: dict[str, type[Rule]], s: dict[str, str]) -> list[dict[str, Any]]:
    ran = {r.code for r in result.rules}
    covered = {c for _, codes in READINESS_TOPICS for c in codes}
    readiness = (Category.RELIABILITY, Category.SCALABILITY, Category.MONITORING)
    other = tuple(sorted(r.code for r in result.rules if r.category in readiness and r.code not in covered))
    out = []
    for key, codes in (*READINESS_TOPICS, ("readiness.other", other)):
        checked = [c for c in codes if c in ran]
        out.append(
            {
                "title": s[key],
                "checked": bool(checked),
                "findings": group_findings([v for v in views.values() if v.code in codes]),
                "good": [_pass(p) for p in result.passes if p.code in codes],
            }
        )
    return out


def _problems(active: list[Finding], rules: dict[str, type[Rule]], views: dict[str, FindingView], lang: str) -> tuple[list[ProblemRow], int]:
    """One row per rule, like the assessment's table: where it first shows, how many more places."""
    s = STRINGS[lang]
    by_rule: dict[str, list[Finding]] = {}
    for f in active:
        by_rule.setdefault(f.code, []).append(f)
    ordered = sorted(by_rule.items(), key=lambda item: (-max(f.severity.rank for f in item[1]), item[0]))
    rows, minutes = [], 0
    for number, (code, findings) in enumerate(ordered, start=1):
        rule = rules[code]
        worst = max(findings, key=lambda f: (f.severity.rank, -f.line))
        first = sorted(findings, key=lambda f: (f.path, f.line))[0]
        minutes += rule.effort_minutes()
        rows.append(
            ProblemRow(
                number=number,
                category=s[f"category.{rule.category.value}"],
                problem=rule.text("title", lang),
                path=first.path,
                line=first.line,
                more=s["more_places"].format(count=len(findings) - 1) if len(findings) > 1 else "",
                severity=worst.severity.value,
                severity_label=s[f"severity.{worst.severity.value}"],
                impact=rule.text("impact", lang),
                time=effort_text(rule.effort_minutes(), lang),
                anchor=views[first.fingerprint].anchor,
            )
        )
    return rows, minutes


def _phases(problems: list[ProblemRow], s: dict[str, str]) -> list[dict[str, Any]]:
    phases = [("phase.before", ("critical",)), ("phase.sprint", ("high",)), ("phase.later", ("medium", "low", "info"))]
    return [{"title": s[key], "items": [p for p in problems if p.severity in severities]} for key, severities in phases]


def _env_entry(s: dict[str, str], name: str, required: bool, default: str | None, location: object) -> dict[str, Any]:
    """One environment variable of the deployment checklist."""
    if required:
        note = s["checklist.required"]
    else:
        note = s["checklist.optional"].format(default=default) if default and default != "None" else s["checklist.optional_none"]
    return {"name": name, "required": required, "secret": bool(_SECRET_NAME.search(name)), "note": note, "place": str(location)}


def _checklist(result: AuditResult, s: dict[str, str]) -> dict[str, Any]:
    model = result.model
    env: dict[str, dict[str, Any]] = {}
    for field_ in model.settings:
        default = None if field_.required else (repr(field_.default.value) if field_.default.known else field_.default.text)
        env.setdefault(field_.env_name, _env_entry(s, field_.env_name, field_.required, default, field_.location))
    for read in model.env_reads:
        env.setdefault(read.name, _env_entry(s, read.name, read.required, read.default, read.location))
    ran = {r.code for r in result.rules}
    failing = {f.code for f in result.findings if not f.suppressed}
    passing = {p.code for p in result.passes}
    groups = []
    for title, items in CHECKLIST:
        rows = []
        for key, codes in items:
            if codes and any(c in failing for c in codes):
                state = "todo"
            elif codes and all(c in ran for c in codes) and any(c in passing for c in codes):
                state = "done"
            else:
                state = "unknown"
            rows.append({"text": s[key], "state": state, "label": s[f"check.state.{state}"]})
        groups.append({"title": s[title], "items": rows})
    return {"env": sorted(env.values(), key=lambda e: (not e["required"], e["name"])), "groups": groups}


def _scores(result: AuditResult, views: dict[str, FindingView], s: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for category, cs in result.scores.categories.items():
        out.append(
            {
                "name": s[f"category.{category.value}"],
                "score": round(cs.score, 1),
                "deductions": [
                    {
                        "points": f"{d.points:.1f}",
                        "code": d.finding.code,
                        "place": f"{d.finding.path}:{d.finding.line}",
                        "anchor": views[d.finding.fingerprint].anchor,
                    }
                    for d in cs.deductions
                ],
            }
        )
    return out


__all__ = ["Report", "Severity", "build_report"]
