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


def slow_request_across_sigterm(command: list[str], port: int, env: dict[str, str], cwd: Path | None = None, ready_path: str | None = None):
    """Starts a server, sends GET /slow (it sleeps 2 s), SIGTERMs the server while the request is in flight.

    Returns (outcome, exit code, log): `outcome` holds the "response" or the "error" the client got."""
    import signal
    import subprocess
    import threading

    import httpx

    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    outcome: dict = {}
    try:
        wait_for_port(port, timeout=20)
        deadline = time.monotonic() + 20
        while ready_path and httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=5).status_code != 200:  # a worker has booted
            assert time.monotonic() < deadline
            time.sleep(0.05)

        def slow_request() -> None:
            try:
                outcome["response"] = httpx.get(f"http://127.0.0.1:{port}/slow", timeout=30)
            except httpx.HTTPError as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=slow_request)
        worker.start()
        time.sleep(0.5)  # the request is in flight
        server.send_signal(signal.SIGTERM)
        worker.join(timeout=30)
        code = server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    log = server.stdout.read().decode() if server.stdout else ""
    return outcome, code, log
