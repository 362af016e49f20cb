from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.engine.registry import load_registry

from .helpers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def registry():
    return load_registry(plugins=False)


@pytest.fixture
def redis_server():
    """A throwaway redis-server on a free loopback port, nothing saved to disk, stopped after the test.

    A test may stop it early (`server["process"].terminate()`) to see what the service does without Redis.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; .ci/run installs Debian's redis-server")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield {"url": f"redis://127.0.0.1:{port}/0", "process": process, "port": port}
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
