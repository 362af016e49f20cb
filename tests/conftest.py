from __future__ import annotations

from pathlib import Path

import pytest

from auditor.engine.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def registry():
    return load_registry(plugins=False)
