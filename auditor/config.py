"""`[tool.auditor]` configuration: found, read and validated."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from .taxonomy import Severity

CONFIG_FILES = ("auditor.toml", ".auditor.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration problem; the message is one line for the user."""


def _kebab(name: str) -> str:
    return name.replace("_", "-")


# What the deployment may supply in front of the code, declared so a rule can stand down honestly.
ASSUMPTIONS = frozenset({"edge-rate-limit", "edge-body-limit", "edge-security-headers", "edge-ip-allowlist"})


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=_kebab, populate_by_name=True, frozen=True)

    select: list[str] = Field(default_factory=lambda: ["ALL"])
    ignore: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = Field(default_factory=dict)
    respect_gitignore: bool = True
    include_tests: bool = False  # test code (tests/, test_*.py, conftest.py) is not the service: left out unless asked
    test_paths: list[str] = Field(default_factory=list)  # more test code, gitignore-style
    public_routes: list[str] = Field(default_factory=list)
    webhook_routes: list[str] = Field(default_factory=list)
    auth_dependencies: list[str] = Field(default_factory=list)
    tenant_params: list[str] = Field(default_factory=list)
    fail_under: float | None = Field(default=None, ge=0, le=10)
    fail_on: Severity | None = None
    require_reason: bool = False
    max_file_size: int = Field(default=2 * 1024 * 1024, gt=0)
    assume: list[str] = Field(default_factory=list)

    @field_validator("assume")
    @classmethod
    def _known_assumptions(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - ASSUMPTIONS)
        if unknown:
            raise ValueError(f"unknown assumption {', '.join(unknown)}; known: {', '.join(sorted(ASSUMPTIONS))}")
        return value

    @field_validator("fail_on", mode="before")
    @classmethod
    def _severity(cls, value):
        return Severity.parse(value) if isinstance(value, str) else value


def _describe(error: ValidationError, source: str) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "tool.auditor"
    if first["type"] == "extra_forbidden":
        return f"{source}: unknown key {where!r} in [tool.auditor]"
    return f"{source}: [tool.auditor] {where}: {first['msg']}"


def find_config(start: Path) -> Path | None:
    """The nearest auditor.toml / .auditor.toml / pyproject.toml with [tool.auditor], up to the repository root."""
    directory = start if start.is_dir() else start.parent
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_section(candidate)):
                return candidate
        if (folder / ".git").exists():
            break
    return None


def _has_section(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError:
        return False
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return "auditor" in data.get("tool", {})


def load_config(path: Path | None) -> tuple[Config, Path | None]:
    if path is None:
        return Config(), None
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    section = data.get("tool", {}).get("auditor") if path.name == "pyproject.toml" else data.get("tool", {}).get("auditor", data)
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.auditor] must be a table")
    try:
        return Config.model_validate(section), path
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(path))) from None
