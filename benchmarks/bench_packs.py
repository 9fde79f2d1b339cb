"""A briefing pack from a 10,000-record corpus: time and memory of each step.

    python benchmarks/bench_packs.py [--size 10000] [--seed 2026]

The corpus is made of real records from ../shared/data: every readable export there is
read with our reader, records without a title are dropped, and the rest are taken in a
seeded order until ``--size`` distinct records are reached; the script prints how many
came from each folder. They are written as one RIS export into a fresh workspace's
``corpus/raw/``. The script then times, each in a fresh process:

1. ``scoping run --no-packs`` (ingest, dedupe, tag, topics, PRISMA);
2. ``scoping pack --no-stages`` for one pack of every record (themes [], audience
   leaders): papermill, HTML, PDF, XLSX, CSV, RIS, BibTeX and trace.

It prints the seconds and peak RSS of each, and the number of PDF pages.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))


def corpus(size: int, seed: int) -> tuple[list[dict], Counter]:
    from scoping.errors import ScopingError
    from scoping.io import read

    pool: dict[str, tuple[str, dict]] = {}
    for path in sorted(SHARED.rglob("*")):
        if not path.is_file() or path.suffix.lower() in {".md", ".txt", ".csv", ".json"}:
            continue
        try:
            records = read(path).records
        except ScopingError:
            continue
        for r in records:
            if r.title and r.title.lower() not in pool:
                row = {
                    f: getattr(r, f)
                    for f in (
                        "title",
                        "abstract",
                        "authors",
                        "year",
                        "journal",
                        "volume",
                        "issue",
                        "pages",
                        "doi",
                        "pmid",
                        "keywords",
                    )
                }
                row["record_id"] = f"b{len(pool)}"
                pool[r.title.lower()] = (path.relative_to(SHARED).parts[0], row)
    items = sorted(pool.values(), key=lambda item: item[1]["record_id"])
    random.Random(seed).shuffle(items)
    chosen = items[:size]
    return [row for _, row in chosen], Counter(folder for folder, _ in chosen)


def _pages(path: Path) -> str:
    """Page count from poppler's pdfinfo when it is installed (not a dependency)."""
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    except OSError:
        return "uncounted"
    found = re.search(r"Pages:\s+(\d+)", info)
    return found.group(1) if found else "uncounted"


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"skipped: third-party exports not found at {SHARED}")
    from scoping.io.writers import to_ris

    rows, sources = corpus(args.size, args.seed)
    print(
        f"{len(rows)} distinct real records: "
        + ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
    )
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        (workspace / "corpus" / "raw").mkdir(parents=True)
        (workspace / "corpus" / "raw" / "pool.ris").write_text(to_ris(rows), encoding="utf-8")
        cli = [sys.executable, "-m", "scoping.cli"]
        stages = timed([*cli, "run", "--no-packs"], workspace)
        print(f"stages (ingest to PRISMA): {stages[0]:.1f} s, largest process {stages[1]:.0f} MB")
        pack = timed([*cli, "pack", "--no-stages", "--name", "all-leaders"], workspace)
        pdf = (workspace / "reports" / "all-leaders" / "pack.pdf").read_bytes()
        pages = _pages(workspace / "reports" / "all-leaders" / "pack.pdf")
        print(
            f"pack (papermill, HTML, PDF, tables, references): {pack[0]:.1f} s, "
            f"largest process {max(pack[1], stages[1]):.0f} MB; PDF {len(pdf) / 1e6:.1f} MB, "
            f"{pages or 'uncounted'} pages"
        )


if __name__ == "__main__":
    main()
