"""The built wheel carries rules inside `auditor` and works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile

from .conftest import FIXTURES, ROOT


def test_wheel_installs_into_a_fresh_virtualenv_and_audits_from_elsewhere(tmp_path, registry):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("auditor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("auditor/rules/security/") for n in names)
    assert not any(n.startswith("rules/") for n in names), "a top-level rules package would land in site-packages"

    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    # Dependencies come from this environment; auditor itself only from the wheel.
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(purelib, "_deps.pth"), "w") as handle:
        handle.write(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)], check=True, capture_output=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run([str(python), "-c", "import auditor, auditor.rules; print(auditor.__file__)"], cwd=elsewhere, capture_output=True, text=True, env=run_env)
    assert str(env) in where.stdout, where.stdout + where.stderr
    listing = subprocess.run([str(env / "bin" / "auditor"), "rules", "--format", "json"], cwd=elsewhere, capture_output=True, text=True, env=run_env)
    assert {r["code"] for r in json.loads(listing.stdout)} == {r.code for r in registry.builtin()}
    target = FIXTURES / "rules" / "SEC001" / "multi_package"
    report = subprocess.run([str(env / "bin" / "auditor"), "audit", str(target), "--format", "json", "--isolated"], cwd=elsewhere, capture_output=True, text=True, env=run_env)
    assert report.returncode == 1, report.stderr
    assert any(f["code"] == "SEC001" for f in json.loads(report.stdout)["findings"])
