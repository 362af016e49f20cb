"""Finding rules: every module under `auditor.rules`, plus entry-point plugins."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType

from .rule import Rule

ENTRY_POINT_GROUP = "auditor.rules"


class RegistryError(Exception):
    pass


@dataclass
class Registry:
    rules: dict[str, type[Rule]] = field(default_factory=dict)  # by code
    warnings: list[str] = field(default_factory=list)  # plugins that failed to load

    def add(self, rule: type[Rule]) -> None:
        problems = rule.problems()
        if problems:
            raise RegistryError(f"rule {getattr(rule, 'code', rule.__name__)} is incomplete: {'; '.join(problems)}")
        for other in self.rules.values():
            if other.code == rule.code or rule.code in other.old_codes:
                raise RegistryError(f"duplicate rule code {rule.code}: {other.__module__} and {rule.__module__}")
            if other.name == rule.name:
                raise RegistryError(f"duplicate rule slug {rule.name}: {other.code} and {rule.code}")
        self.rules[rule.code] = rule

    def get(self, code_or_slug: str) -> type[Rule] | None:
        key = code_or_slug.strip()
        rule = self.rules.get(key.upper())
        if rule is not None:
            return rule
        for rule in self.rules.values():
            if rule.name == key.lower() or key.upper() in rule.old_codes:
                return rule
        return None

    def builtin(self) -> list[type[Rule]]:
        return sorted((r for r in self.rules.values() if r.plugin is None), key=lambda r: r.code)

    def all(self) -> list[type[Rule]]:
        return sorted(self.rules.values(), key=lambda r: r.code)

    def select(self, select: list[str], ignore: list[str]) -> list[type[Rule]]:
        """Built-in rules match `ALL` and prefixes; a plugin's rule only its own code, slug or prefix."""
        chosen = []
        for rule in self.all():
            if not _matches(rule, select, plugin=rule.plugin is not None):
                continue
            if _matches(rule, ignore, plugin=False):
                continue
            chosen.append(rule)
        return chosen

    def unknown(self, patterns: list[str]) -> list[str]:
        return [p for p in patterns if p.upper() != "ALL" and not any(_matches(r, [p], plugin=False) for r in self.rules.values())]


def _matches(rule: type[Rule], patterns: list[str], plugin: bool) -> bool:
    for pattern in patterns:
        p = pattern.strip()
        if p.upper() == "ALL":
            if not plugin:
                return True
            continue
        if p.upper() == rule.code or p.lower() == rule.name or p.upper() in rule.old_codes:
            return True
        prefix = p.upper()
        # a plugin's rules need at least their whole letter prefix: "SEC" never selects "SECX001"
        if prefix.isalnum() and rule.code.startswith(prefix) and (not plugin or len(prefix) >= len(rule.code.rstrip("0123456789"))):
            return True
    return False


def _rules_in(module: ModuleType) -> list[type[Rule]]:
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__ and getattr(obj, "code", None)
    ]


def load_registry(plugins: bool = True) -> Registry:
    registry = Registry()
    import auditor.rules as package

    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        module = importlib.import_module(info.name)
        for rule in _rules_in(module):
            registry.add(rule)
    if plugins:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist is not None else ep.name
            try:
                loaded = ep.load()
                rules = _plugin_rules(loaded)
                for rule in rules:
                    rule.plugin = dist
                    registry.add(rule)
            except RegistryError as exc:
                registry.warnings.append(f"plugin {dist}: {exc}")
            except Exception as exc:
                registry.warnings.append(f"plugin {dist} failed to load: {type(exc).__name__}: {exc}")
    return registry


def _plugin_rules(loaded: object) -> list[type[Rule]]:
    if inspect.isclass(loaded) and issubclass(loaded, Rule):
        return [loaded]
    if isinstance(loaded, ModuleType):
        return _rules_in(loaded)
    if isinstance(loaded, (list, tuple)):
        return [r for r in loaded if inspect.isclass(r) and issubclass(r, Rule)]
    raise RegistryError(f"entry point must name a Rule class, a module or a list of Rule classes, not {type(loaded).__name__}")
