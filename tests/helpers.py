from __future__ import annotations

import socket
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files under root; str content is dedented."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def free_port() -> int:
    """A loopback port nothing listens on (for a Redis server or an app server the test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


def _modules_of(package: str) -> list[str]:
    return [name for name in sys.modules if name == package or name.startswith(package + ".")]


@contextmanager
def service_package(root: Path, package: str = "app") -> Iterator[None]:
    """Makes `import app` mean the service under root, and only while inside.

    The reference services (FastAPI, Starlette, Flask) each have a top-level `app`
    package: modules of another one's `app` are taken out of sys.modules first, and
    whatever was imported inside is taken out again before they are put back.
    """
    saved = {name: sys.modules.pop(name) for name in _modules_of(package)}
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        for name in _modules_of(package):
            del sys.modules[name]
        sys.modules.update(saved)
        if str(root) in sys.path:
            sys.path.remove(str(root))


def bearer(secret: str, user: str = "u1", orgs: tuple[str, ...] = ("o1",), audience: str = "agents-api") -> dict[str, str]:
    """The Authorization header of an HS256 JWT like the reference services' identity provider issues."""
    import jwt

    claims = {"sub": user, "orgs": list(orgs), "aud": audience, "exp": int(time.time()) + 600}
    return {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}
