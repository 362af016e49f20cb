"""Finding the Python files of a service: what to read and what to leave alone."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from .parsing.facts import FileError

# Folders that never hold the service's own code.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "_darcs",
        ".venv",
        "venv",
        ".env",
        "env",
        ".virtualenv",
        "virtualenv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".tox",
        ".nox",
        ".eggs",
        "build",
        "dist",
        "site-packages",
        ".idea",
        ".vscode",
        "htmlcov",
    }
)


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    relpath: str  # posix, relative to the audited root
    module: str
    is_package: bool


@dataclass
class Discovery:
    files: list[SourceFile] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    left_out_tests: list[str] = field(default_factory=list)  # test code, not audited unless asked


# pytest's conventions: test folders, test modules and conftest.py are not the service
TEST_DIRS = frozenset({"tests", "test", "testing"})


def is_test_file(name: str) -> bool:
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def discover(
    root: Path,
    exclude: list[str] | tuple[str, ...] = (),
    respect_gitignore: bool = True,
    include_tests: bool = False,
    test_paths: list[str] | tuple[str, ...] = (),
) -> Discovery:
    """Walk `root` (a directory or a single file) for `.py` files; test code is left out (and listed) unless asked for."""
    root = root.resolve()
    found = Discovery()
    if root.is_file():
        found.files.append(_source_file(root, root.parent))
        return found
    excluded = pathspec.GitIgnoreSpec.from_lines(list(exclude))
    tests = pathspec.GitIgnoreSpec.from_lines(list(test_paths))
    ignore_specs: list[tuple[str, pathspec.PathSpec]] = []
    seen_dirs: set[tuple[int, int]] = set()

    def walk(directory: Path, rel: str) -> None:
        try:
            stat = directory.stat()
        except OSError as exc:
            found.errors.append(FileError(rel or ".", f"cannot read directory: {exc.strerror}"))
            return
        key = (stat.st_dev, stat.st_ino)
        if key in seen_dirs:
            found.errors.append(FileError(rel, "symlink loop: this directory was already visited"))
            return
        seen_dirs.add(key)
        pushed = False
        if respect_gitignore and (directory / ".gitignore").is_file():
            try:
                lines = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
                ignore_specs.append((rel, pathspec.GitIgnoreSpec.from_lines(lines)))
                pushed = True
            except OSError:
                pass
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            found.errors.append(FileError(rel or ".", f"cannot list directory: {exc.strerror}"))
            entries = []
        for entry in entries:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if entry.is_symlink():
                try:
                    Path(entry.path).resolve(strict=True)
                except (OSError, RuntimeError):
                    found.errors.append(FileError(child_rel, "broken symlink or symlink loop"))
                    continue
            if is_dir:
                if entry.name in SKIPPED_DIRS or entry.name.endswith(".egg-info"):
                    continue
                if (Path(entry.path) / "pyvenv.cfg").exists():
                    continue  # a virtualenv under any name
                if _ignored(child_rel + "/", excluded, ignore_specs):
                    continue
                if not include_tests and (entry.name in TEST_DIRS or tests.match_file(child_rel + "/")):
                    found.left_out_tests.append(child_rel + "/")
                    continue
                walk(Path(entry.path), child_rel)
            elif entry.name.endswith(".py") and not _ignored(child_rel, excluded, ignore_specs):
                if not include_tests and (is_test_file(entry.name) or tests.match_file(child_rel)):
                    found.left_out_tests.append(child_rel)
                    continue
                found.files.append(_source_file(Path(entry.path), root, child_rel))
        if pushed:
            ignore_specs.pop()

    walk(root, "")
    return found


def _ignored(rel: str, excluded: pathspec.PathSpec, ignore_specs: list[tuple[str, pathspec.PathSpec]]) -> bool:
    if excluded.match_file(rel):
        return True
    for base, spec in ignore_specs:
        local = rel[len(base) + 1 :] if base else rel
        if spec.match_file(local):
            return True
    return False


def _source_file(path: Path, root: Path, rel: str | None = None) -> SourceFile:
    rel = rel if rel is not None else path.name
    return SourceFile(path, rel, *module_name(path, root))


def module_name(path: Path, root: Path) -> tuple[str, bool]:
    """The dotted name Python would import the file as.

    Packages are followed upward through `__init__.py` files, above the audited
    root too, so `app/routes/x.py` is `app.routes.x` even when `app/` itself is
    the folder being audited. Folders without `__init__.py` (namespace
    packages) count from the audited root, or from a `src/` folder in it.
    """
    is_package = path.name == "__init__.py"
    parts: list[str] = [] if is_package else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").exists() and directory.parent != directory:
        parts.append(directory.name)
        directory = directory.parent
    if not (directory / "__init__.py").exists():
        try:
            rel = directory.relative_to(root).parts
        except ValueError:
            rel = ()
        if "src" in rel:  # the src layout: `src/` is a source root, not a package
            rel = rel[len(rel) - rel[::-1].index("src") :]
        parts.extend(reversed([p for p in rel if p.isidentifier()]))
    return ".".join(reversed(parts)), is_package
