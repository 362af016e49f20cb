"""The adapters, and which of them a tree needs.

An adapter runs only when its framework is imported somewhere in the tree
(a look at each module's import table, nothing more), and not when an adapter
that builds on it runs too: FastAPI's adapter reads Starlette objects itself.
"""

from __future__ import annotations

from ...parsing.facts import ModuleFacts
from ..types import Location, Unmodelled
from .aiohttp import AiohttpAdapter
from .base import AuthVocabulary, FrameworkAdapter
from .fastapi import FastAPIAdapter
from .flask import FlaskAdapter
from .litestar import LitestarAdapter
from .starlette import StarletteAdapter

ADAPTERS: tuple[type[FrameworkAdapter], ...] = (StarletteAdapter, FastAPIAdapter, FlaskAdapter, AiohttpAdapter, LitestarAdapter)

# Web frameworks no adapter models yet: their routes are invisible, and the report must say so.
UNMODELLED = {
    "django": "Django",
    "rest_framework": "Django REST Framework",
    "starlite": "Starlite",
    "sanic": "Sanic",
    "tornado.web": "Tornado",
    "falcon": "Falcon",
    "quart": "Quart",
    "bottle": "Bottle",
    "pyramid": "Pyramid",
    "blacksheep": "BlackSheep",
    "robyn": "Robyn",
    "cherrypy": "CherryPy",
    "connexion": "Connexion",
}


def detect(modules: list[ModuleFacts]) -> tuple[list[type[FrameworkAdapter]], list[Unmodelled]]:
    """The adapters this tree needs, and the frameworks it uses that none models."""
    found: set[type[FrameworkAdapter]] = set()
    unmodelled: dict[str, Unmodelled] = {}
    marks = {marker: adapter for adapter in ADAPTERS for marker in adapter.markers}
    for module in sorted(modules, key=lambda m: m.path):
        for ref in module.imports.values():
            name = ref.module if ref.name is None else f"{ref.module}.{ref.name}"
            parts = name.split(".")
            for prefix in (".".join(parts[: i + 1]) for i in range(len(parts))):  # `a`, `a.b`, `a.b.c`
                if prefix in marks:
                    found.add(marks[prefix])
                label = UNMODELLED.get(prefix)
                if label is not None and label not in unmodelled:
                    unmodelled[label] = Unmodelled(label, Location(module.path, ref.span))
        for star in module.star_imports:
            if star.split(".")[0] in marks:
                found.add(marks[star.split(".")[0]])
    chosen = [a for a in ADAPTERS if a in found and not any(a in other.extends for other in found)]
    return chosen, sorted(unmodelled.values(), key=lambda u: u.framework)


def aliases() -> tuple[dict[str, str], dict[str, str]]:
    """Every adapter's library aliases: cheap, and names resolve the same whatever is detected."""
    exact: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for adapter in ADAPTERS:
        exact.update(adapter.aliases)
        prefixes.update(adapter.alias_prefixes)
    return exact, prefixes


def vocabulary(adapters: list[type[FrameworkAdapter]]) -> AuthVocabulary:
    merged = AuthVocabulary()
    for adapter in adapters:
        merged = merged.merged(adapter.vocabulary)
    return merged
