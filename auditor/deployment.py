"""How the service is started in production, read from its deployment files.

A `Procfile`, a `Dockerfile`, a compose file or a gunicorn/uwsgi config names
the server and the app it serves (`gunicorn app:create_app()`). Frameworks
whose development runner differs from the production server (Flask's
`app.run(debug=True)`) are judged by which of the two runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_SERVERS = ("gunicorn", "uvicorn", "hypercorn", "uwsgi", "waitress-serve", "daphne", "granian", "mod_wsgi", "bjoern")
_SERVER_COMMAND = re.compile(r"\b(" + "|".join(re.escape(s) for s in _SERVERS) + r")\b[^\n]*")
_FILES = (
    "Procfile",
    "Dockerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "gunicorn.conf.py",
    "gunicorn_config.py",
    "uwsgi.ini",
    "app.yaml",
    "fly.toml",
    "render.yaml",
    "Makefile",
)
_MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class ServerCommand:
    server: str  # "gunicorn"
    command: str  # the line that starts it
    source: str  # "Procfile:1"


def server_commands(root: Path) -> tuple[ServerCommand, ...]:
    """Production server commands in the deployment files at the root (and one folder down)."""
    if not root.is_dir():
        return ()
    found: list[ServerCommand] = []
    candidates = [root / name for name in _FILES] + [p for p in sorted(root.glob("*/Dockerfile"))] + sorted(root.glob("Dockerfile.*"))
    for path in candidates:
        text = _read(path)
        if text is None:
            continue
        rel = path.relative_to(root).as_posix()
        if path.name.startswith(("gunicorn", "uwsgi")):
            found.append(ServerCommand(path.name.split(".")[0].split("_")[0], path.name, rel))
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = _SERVER_COMMAND.search(line)
            if match and not line.lstrip().startswith("#"):
                found.append(ServerCommand(match.group(1), match.group(0).strip()[:200], f"{rel}:{number}"))
    return tuple(found)


def _read(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
