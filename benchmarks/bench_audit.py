"""Audit a tree and print files, lines, wall and CPU seconds and peak memory,
then the same for bandit (if installed) on the same tree, side by side.

    python benchmarks/bench_audit.py PATH [--jobs N] [--repeat N]

Each measurement runs in a fresh subprocess, so nothing is warm but the OS
file cache (the first, discarded run fills it for both tools).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def measure(command: list[str]) -> dict:
    """Wall time, and CPU and peak memory of this one process tree (os.wait4's rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # from a neutral folder: `python -m auditor` must import the installed auditor, not a checkout's
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime,  # the process and the workers it waited for
            "peak_mib": usage.ru_maxrss / 1024,  # the largest of them; Linux reports KiB
            "code": process.returncode,
            "stdout": out.read().decode(),
            "stderr": err.read().decode(),
        }


def best(command: list[str], repeat: int) -> dict:
    runs = [measure(command) for _ in range(repeat)]
    return min(runs, key=lambda r: r["wall"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose auditor to run (compare two installs)")
    parser.add_argument("--no-bandit", action="store_true", help="measure auditor only")
    args = parser.parse_args()

    args.path = os.path.abspath(args.path)
    auditor = [args.python, "-m", "auditor", "audit", args.path, "--format", "json", "--isolated", "--exit-zero"]
    if args.jobs:
        auditor += ["--jobs", str(args.jobs)]
    measure(auditor)  # warm the file cache
    ours = best(auditor, args.repeat)
    report = json.loads(ours["stdout"])
    print(f"tree: {args.path}")
    print(f"files: {report['files']}  lines: {report['lines']}  findings: {len(report['findings'])}  errors: {len(report['errors'])}")
    print(f"auditor  wall {ours['wall']:6.2f} s  cpu {ours['cpu']:6.2f} s  peak {ours['peak_mib']:7.1f} MiB")
    per_k = 1000 / max(report["lines"], 1)
    print(f"per 1k lines  wall {ours['wall'] * per_k * 1000:6.1f} ms  cpu {ours['cpu'] * per_k * 1000:6.1f} ms  ({', '.join(report.get('frameworks', [])) or 'no framework'})")
    bandit = shutil.which("bandit")
    if args.no_bandit:
        return
    if bandit is None:
        print("bandit   not installed (pip install bandit) — no side-by-side ratio")
        return
    theirs = best([bandit, "-q", "-r", args.path, "-f", "json", "-o", "/dev/null"], args.repeat)
    print(f"bandit   wall {theirs['wall']:6.2f} s  cpu {theirs['cpu']:6.2f} s  peak {theirs['peak_mib']:7.1f} MiB")
    print(f"ratio    wall {ours['wall'] / theirs['wall']:.2f}x  cpu {ours['cpu'] / theirs['cpu']:.2f}x (auditor / bandit)")


if __name__ == "__main__":
    main()
