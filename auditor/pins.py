"""The library versions a project declares: pyproject.toml and requirements files.

Defaults change between versions (redis-py got a socket timeout in 8.0), so a
rule that depends on one reads the project's pin; with no pin it assumes the
latest release, and says which it assumed.
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_REQUIREMENTS = ("requirements.txt", "requirements/base.txt", "requirements/prod.txt", "requirements/production.txt")
_POETRY_CARET = re.compile(r"^\^?~?=?\s*(\d[\w.]*)$")


def read_pins(root: Path) -> dict[str, str]:
    """Canonical distribution name -> specifier text (`==5.2.1`, `>=4,<6`)."""
    pins: dict[str, str] = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        for line in data.get("project", {}).get("dependencies", []) or []:
            _add(pins, line)
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {}
        for name, spec in poetry.items():
            version = spec.get("version") if isinstance(spec, dict) else spec
            if isinstance(version, str) and name.lower() != "python":
                match = _POETRY_CARET.match(version.strip())
                pins.setdefault(
                    canonicalize_name(name), f"=={match.group(1)}" if match and version.startswith("=") else f">={match.group(1)}" if match else version
                )
    for rel in _REQUIREMENTS:
        path = root / rel
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                _add(pins, line.split("#", 1)[0].strip())
    return pins


def _add(pins: dict[str, str], line: str) -> None:
    if not line or line.startswith(("-", "git+", "http")):
        return
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return
    pins.setdefault(canonicalize_name(requirement.name), str(requirement.specifier))


def lowest_version(spec: str | None) -> Version | None:
    """The oldest version a specifier admits, as far as its bounds say (None: unpinned)."""
    if not spec:
        return None
    lows = []
    for part in spec.split(","):
        part = part.strip()
        for op in ("===", "==", ">=", "~=", ">"):
            if part.startswith(op):
                with contextlib.suppress(InvalidVersion):
                    lows.append(Version(part[len(op) :].strip().rstrip(".*")))
                break
    return min(lows) if lows else None
