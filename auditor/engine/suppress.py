"""Inline `# auditor: ignore[...]` comments and `per-file-ignores`, applied to findings."""

from __future__ import annotations

import bisect
import fnmatch
from dataclasses import dataclass, replace

from ..parsing.facts import ModuleFacts, Suppression
from .registry import Registry
from .rule import Finding


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str


class Suppressor:
    def __init__(self, modules: dict[str, ModuleFacts], registry: Registry, per_file_ignores: dict[str, list[str]], require_reason: bool) -> None:
        self.modules = modules
        self.registry = registry
        self.per_file_ignores = per_file_ignores
        self.require_reason = require_reason
        self.problems: list[Problem] = []
        self._valid: dict[str, list[Suppression]] = {}
        self._used: set[tuple[str, int, str]] = set()
        for path, module in modules.items():
            self._valid[path] = [s for s in module.suppressions if self._check(path, s)]

    def _check(self, path: str, s: Suppression) -> bool:
        if s.error:
            self.problems.append(Problem(path, s.line, s.error))
            return False
        unknown = [c for c in s.codes if self.registry.get(c) is None]
        if unknown:
            self.problems.append(Problem(path, s.line, f"unknown rule code in suppression: {', '.join(unknown)}"))
            return False
        if self.require_reason and not s.reason:
            self.problems.append(Problem(path, s.line, "suppression has no reason (require-reason = true); add `-- why`"))
            return False
        return True

    def apply(self, finding: Finding) -> Finding:
        for pattern, codes in self.per_file_ignores.items():
            if fnmatch.fnmatchcase(finding.path, pattern) and self._names(finding, codes):
                return replace(finding, suppressed=True, suppression="config", suppression_reason=f"per-file-ignores {pattern!r}")
        module = self.modules.get(finding.path)
        if module is None:
            return finding
        lines = _statement_lines(module, finding.line)
        for s in self._valid.get(finding.path, ()):
            if (s.file_level or s.line in lines) and self._names(finding, s.codes):
                self._used.add((finding.path, s.line, finding.code))
                return replace(finding, suppressed=True, suppression="inline", suppression_reason=s.reason)
        return finding

    def _names(self, finding: Finding, codes: list[str] | tuple[str, ...]) -> bool:
        for code in codes:
            rule = self.registry.get(code)
            if rule is not None and rule.code == finding.code:
                return True
        return False

    def report_unused(self, selected_codes: set[str]) -> None:
        """Suppressions that matched no finding of a rule that ran are stale."""
        for path, suppressions in self._valid.items():
            for s in suppressions:
                for code in s.codes:
                    rule = self.registry.get(code)
                    if rule is None or rule.code not in selected_codes:
                        continue
                    if (path, s.line, rule.code) not in self._used:
                        self.problems.append(Problem(path, s.line, f"unused suppression: no {rule.code} finding here"))


def _statement_lines(module: ModuleFacts, line: int) -> set[int]:
    """The lines of the innermost statement holding `line`, and the line above it."""
    statements = module.statements
    best: tuple[int, int] | None = None
    position = bisect.bisect_right(statements, (line, 10**9))
    for first, last in reversed(statements[:position]):
        if first <= line <= last and (best is None or last - first < best[1] - best[0]):
            best = (first, last)
        if line - first > 400:
            break
    first, last = best if best else (line, line)
    return set(range(first - 1, last + 1))
