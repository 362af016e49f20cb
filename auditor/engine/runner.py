"""The pipeline: discover -> parse -> model -> rules -> suppressions -> scores."""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import Config
from ..deployment import server_commands
from ..discovery import SourceFile, discover
from ..model.build import ModelOptions, build_model
from ..model.types import AppModel
from ..parsing import FileError, ModuleFacts, ParseOptions, parse_file
from ..pins import read_pins
from .registry import Registry
from .rule import Finding, Pass, Rule
from .scoring import ScoreCard, score
from .suppress import Suppressor

PARALLEL_THRESHOLD = 48  # below this many files a process pool costs more than it saves


@dataclass(frozen=True)
class AuditError:
    kind: str  # "file", "suppression", "rule", "plugin"
    path: str | None
    message: str
    line: int | None = None


@dataclass
class AuditResult:
    root: Path
    model: AppModel
    findings: list[Finding]
    passes: list[Pass]
    errors: list[AuditError]
    scores: ScoreCard
    rules: list[type[Rule]]
    internal_errors: list[str] = field(default_factory=list)
    left_out_tests: list[str] = field(default_factory=list)  # test files and folders not audited


def _parse_one(args: tuple[SourceFile, ParseOptions]) -> ModuleFacts | FileError:
    source, options = args
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        return FileError(source.relpath, f"cannot read: {exc.strerror or exc}")
    return parse_file(source.relpath, source.module, source.is_package, data, options)


def parse_all(files: list[SourceFile], options: ParseOptions, jobs: int) -> list[ModuleFacts | FileError]:
    work = [(f, options) for f in files]
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        return [_parse_one(w) for w in work]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_parse_one, work, chunksize=max(1, len(work) // (jobs * 8))))


def audit(root: Path, config: Config, registry: Registry, jobs: int | None = None) -> AuditResult:
    found = discover(root, config.exclude, config.respect_gitignore, config.include_tests, config.test_paths)
    jobs = jobs or os.cpu_count() or 1
    parsed = parse_all(found.files, ParseOptions(max_file_bytes=config.max_file_size), jobs)
    modules = [p for p in parsed if isinstance(p, ModuleFacts)]
    errors = [AuditError("file", e.path, e.reason, e.line) for e in found.errors]
    errors += [AuditError("file", p.path, p.reason, p.line) for p in parsed if isinstance(p, FileError)]
    errors += [AuditError("plugin", None, w) for w in registry.warnings]
    base = root.resolve() if root.is_dir() else root.resolve().parent
    options = ModelOptions(
        public_routes=tuple(config.public_routes),
        auth_dependencies=tuple(config.auth_dependencies),
        tenant_params=tuple(config.tenant_params),
        webhook_routes=tuple(config.webhook_routes),
        assumptions=frozenset(config.assume),
        pins=tuple(sorted(read_pins(base).items())),
        servers=server_commands(base),
    )
    model = build_model(str(base), modules, options)
    rules = registry.select(config.select, config.ignore)
    findings: list[Finding] = []
    passes: list[Pass] = []
    internal: list[str] = []
    for rule_cls in rules:
        try:
            for result in rule_cls().check(model):
                (findings if isinstance(result, Finding) else passes).append(result)  # type: ignore[arg-type]
        except Exception as exc:
            internal.append(f"rule {rule_cls.code} crashed: {type(exc).__name__}: {exc}")
            errors.append(AuditError("rule", None, internal[-1]))
    suppressor = Suppressor(model.modules, registry, config.per_file_ignores, config.require_reason)
    findings = [suppressor.apply(f) for f in _finalize(findings, model)]
    suppressor.report_unused({r.code for r in rules})
    errors += [AuditError("suppression", p.path, p.message, p.line) for p in suppressor.problems]
    findings.sort(key=lambda f: (-f.severity.rank, f.path, f.line, f.code))
    passes.sort(key=lambda p: (p.code, p.evidence))
    scores = score(findings, blind_spots(model), bool(model.served_apps))
    return AuditResult(base, model, findings, passes, errors, scores, rules, internal, found.left_out_tests)


def blind_spots(model: AppModel) -> list[str]:
    """What the model could not see, in words for the report: a verdict of "ready" needs none."""
    out = [f"{u.framework} is used ({u.location}) but not modelled: its routes, auth and settings were not judged" for u in model.unmodelled]
    if model.unresolved:
        first = model.unresolved[0]
        out.append(
            f"{len(model.unresolved)} route registration(s) could not be traced to a served app, so their routes were not judged "
            f"(e.g. {first.what} at {first.location}: {first.why})"
        )
    if not model.served_apps:
        out.append(f"no application was found ({', '.join(model.frameworks) or 'no supported web framework'} imported): nothing was judged as a served app")
    return out


_SPACE = re.compile(r"\s+")


def _finalize(findings: list[Finding], model: AppModel) -> list[Finding]:
    """Attach snippets and fingerprints that do not depend on line numbers."""
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for f in sorted(findings, key=lambda f: (f.path, f.line, f.code, f.anchor)):
        span = f.location.span
        lines = [model.source_line(f.path, n) for n in range(span.line, min(span.end_line, span.line + 7) + 1)]
        snippet = "\n".join(lines).rstrip()
        key = "\x00".join([f.code, f.path, f.anchor, _SPACE.sub(" ", model.source_line(f.path, span.line)).strip()])
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        occurrence = seen.get(digest, 0)
        seen[digest] = occurrence + 1
        fingerprint = digest if occurrence == 0 else f"{digest}:{occurrence}"
        out.append(replace(f, snippet=snippet, fingerprint=fingerprint))
    return out
