"""Names across modules: imports, aliases, re-exports, definitions.

Our own per-module import/definition table, in place of libcst's
`QualifiedNameProvider` (an order of magnitude slower on a large service).
A name resolves to a qualified name: `app.deps.auth.get_user` for project
code, `fastapi.Depends` for library code. Library aliases are canonicalised
(the framework adapters supply theirs) so `starlette.middleware.cors.CORSMiddleware`
and `fastapi.middleware.cors.CORSMiddleware` are one name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from ..parsing.facts import Assignment, ClassFacts, FunctionFacts, ModuleFacts

# Library re-exports that name one thing; each framework adapter adds its own.
CANONICAL = {
    "pydantic.v1.BaseSettings": "pydantic.BaseSettings",
    "pydantic_settings.main.BaseSettings": "pydantic_settings.BaseSettings",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis": "redis.asyncio.Redis",
}

Definition = FunctionFacts | ClassFacts | Assignment | ModuleFacts


D = TypeVar("D", bound=Definition)


@dataclass(frozen=True)
class Located(Generic[D]):
    """A definition and the module it is in."""

    module: ModuleFacts
    definition: D


class ProjectIndex:
    def __init__(self, modules: list[ModuleFacts], aliases: dict[str, str] | None = None, alias_prefixes: dict[str, str] | None = None) -> None:
        self.aliases = {**CANONICAL, **(aliases or {})}
        self.alias_prefixes = alias_prefixes or {}
        self.modules: dict[str, ModuleFacts] = {m.module: m for m in modules}
        self.by_path: dict[str, ModuleFacts] = {m.path: m for m in modules}
        self.functions: dict[str, Located[FunctionFacts]] = {}
        self.classes: dict[str, Located[ClassFacts]] = {}
        self.globals: dict[str, list[Located[Assignment]]] = {}
        for module in modules:
            for qual, fn in module.functions.items():
                self.functions[qual] = Located(module, fn)
            for qual, cls in module.classes.items():
                self.classes[qual] = Located(module, cls)
            for assignment in module.assignments:
                self.globals.setdefault(_join(module.module, assignment.target), []).append(Located(module, assignment))
            for fn in module.functions.values():
                for assignment in fn.assignments:
                    if assignment.is_global:
                        key = _join(module.module, assignment.target)
                        self.globals.setdefault(key, []).append(Located(module, assignment))
        self._module_suffixes: dict[str, list[str]] = {}
        for name in self.modules:
            parts = name.split(".")
            for i in range(1, len(parts) - 1):
                self._module_suffixes.setdefault(".".join(parts[i:]), []).append(name)

    # --- modules ---------------------------------------------------------

    def find_module(self, name: str, fuzzy: bool = True) -> ModuleFacts | None:
        """A project module by dotted name; `fuzzy` tolerates a different source root."""
        module = self.modules.get(name)
        if module is not None or not fuzzy:
            return module
        # Another source root: `svc.api.routes` imported as `api.routes`. Only
        # dotted names, and only a unique match: a bare `supabase` must stay the
        # library even when the project has a `lib/supabase.py`.
        if "." in name:
            candidates = self._module_suffixes.get(name)
            if candidates and len(candidates) == 1:
                return self.modules[candidates[0]]
        # `from app.routes import x` audited from inside `app/` with no __init__.py
        # above: drop leading packages, but never down to one bare name.
        parts = name.split(".")
        for i in range(1, len(parts) - 1):
            module = self.modules.get(".".join(parts[i:]))
            if module is not None:
                return module
        return None

    def _split(self, qual: str) -> tuple[ModuleFacts | None, str]:
        """The longest project-module prefix of `qual` and the rest."""
        parts = qual.split(".")
        for fuzzy in (False, True):
            for i in range(len(parts), 0, -1):
                module = self.find_module(".".join(parts[:i]), fuzzy)
                if module is not None:
                    return module, ".".join(parts[i:])
        return None, qual

    # --- names -----------------------------------------------------------

    def resolve(self, module: ModuleFacts, name: str) -> str:
        """The qualified name a dotted name used at module level of `module` means."""
        head, _, rest = name.partition(".")
        base = self._resolve_head(module, head)
        return self.canonical(f"{base}.{rest}" if rest else base)

    def _resolve_head(self, module: ModuleFacts, head: str) -> str:
        ref = module.imports.get(head)
        if ref is not None:
            return ref.module if ref.name is None else _join(ref.module, ref.name)
        own = _join(module.module, head)
        if own in self.functions or own in self.classes or own in self.globals:
            return own
        for star in module.star_imports:
            target = self.find_module(star)
            if target is not None:
                candidate = _join(target.module, head)
                if candidate in self.functions or candidate in self.classes or candidate in self.globals:
                    return candidate
        return head

    def canonical(self, qual: str, _depth: int = 0) -> str:
        """Follow re-exports through project modules, then library aliases."""
        module, rest = self._split(qual)
        if module is not None and rest and _depth < 12:
            head, _, tail = rest.partition(".")
            own = _join(module.module, head)
            if own not in self.functions and own not in self.classes and own not in self.globals:
                ref = module.imports.get(head)
                if ref is not None:
                    target = ref.module if ref.name is None else _join(ref.module, ref.name)
                    return self.canonical(f"{target}.{tail}" if tail else target, _depth + 1)
            qual = _join(module.module, rest)
        elif module is not None:
            qual = module.module
        for prefix, replacement in self.alias_prefixes.items():
            if qual.startswith(prefix + "."):
                qual = replacement + qual[len(prefix) :]
        return self.aliases.get(qual, qual)

    def lookup(self, qual: str) -> Located[Definition] | None:
        """The project definition a qualified name points at, if any."""
        found: Located[Definition] | None = None
        if qual in self.functions:
            found = Located(self.functions[qual].module, self.functions[qual].definition)
        elif qual in self.classes:
            found = Located(self.classes[qual].module, self.classes[qual].definition)
        elif self.globals.get(qual):
            last = self.globals[qual][-1]
            found = Located(last.module, last.definition)
        elif qual in self.modules:
            found = Located(self.modules[qual], self.modules[qual])
        return found
        return None

    def function(self, qual: str | None) -> FunctionFacts | None:
        located = self.functions.get(qual) if qual else None
        return located.definition if located else None


def _join(module: str, name: str) -> str:
    return f"{module}.{name}" if module else name
