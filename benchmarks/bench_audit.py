"""Audit of the default demonstration pack matrix against the time to build it.

    python benchmarks/bench_audit.py

In a fresh temporary workspace (no exports, so the synthetic demonstration corpus),
time ``scoping run`` (every stage, then every pack of the shipped packs.yml), then
``scoping audit reports`` (copy the inputs, re-run every stage and every pack in a
temporary folder, compare every output). Each runs in its own process. Prints both
times, their ratio, and the audit's verdict.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, result


def main() -> None:
    cli = [sys.executable, "-m", "scoping.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        build, made = timed([*cli, "run"], workspace)
        if made.returncode:
            sys.exit(made.stderr)
        packs = sum(1 for p in (workspace / "reports").iterdir() if p.is_dir())
        audit, checked = timed([*cli, "audit", "reports"], workspace)
        verdicts = [line for line in checked.stdout.splitlines() if ": " in line[:20]]
        reproduced = sum(v.startswith("reproduced") for v in verdicts)
        print(
            f"build: {build:.1f} s for {packs} packs; audit: {audit:.1f} s "
            f"(exit {checked.returncode}, {reproduced} of {packs} reproduced); "
            f"ratio {audit / build:.2f}"
        )


if __name__ == "__main__":
    main()
