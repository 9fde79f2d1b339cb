"""A briefing pack from a 10,000-record corpus: time and memory of each step.

    python benchmarks/bench_packs.py [--size 10000] [--seed 2026]

The corpus is made of real records from ../shared/data: every readable export there is
read with our reader, records without a title are dropped, and the rest are taken in a
seeded order until ``--size`` distinct records are reached; the script prints how many
came from each folder. They are written as one RIS export into a fresh workspace's
``corpus/raw/``. The script then times, each in a fresh process:

1. ``scoping run --no-packs`` (ingest, dedupe, tag, drafts, topics, full text,
   charting, PRISMA);
2. ``scoping pack --no-stages`` for one pack of every record (themes [], audience
   leaders): papermill, HTML, PDF, XLSX, CSV, RIS, BibTeX, gap map (HTML, CSV), summary
   (PDF, PNG), Word, slides and trace;
3. the evidence and gap map alone: the pack's data computed, then the map drawn as a
   figure and written as ``gap_map.html``.

With ``--keep DIR`` the workspace is built in the new folder DIR and kept (for
profiling). It prints the seconds and peak RSS of each, the number of PDF pages and the size of
the gap map page. With ``--demo`` the corpus is the synthetic demonstration corpus
scaled to about ``--size`` records instead, whose studies are all charted (a dense
gap map).
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


GAP_MAP = """
import sys, time
from pathlib import Path
from scoping.packs import PackParams
from scoping.packs.data import compute
from scoping.packs import gapmap
start = time.perf_counter()
data = compute(PackParams(), sys.argv[1])
computed = time.perf_counter() - start
start = time.perf_counter()
ax = gapmap.figure(data.gap_map, "design")
ax.figure.savefig(Path(sys.argv[1]) / "gap.png", dpi=130)
page = gapmap.page(data.gap_map, "design", title="bench", synthetic=data.synthetic,
                   references={r: {"citation": r} for r in data.records["record_id"]})
drawn = time.perf_counter() - start
studies = int((data.gap_map["n_studies"] > 0).sum())
print(f"{len(data.records)} works, {len(data.studies)} studies, {studies} cells with studies; "
      f"pack data {computed:.1f} s; gap map drawn and written {drawn:.1f} s; "
      f"gap_map.html {len(page.encode()) / 1e6:.2f} MB")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--demo", action="store_true", help="the synthetic corpus, scaled")
    parser.add_argument("--keep", type=Path, help="build in this new folder and keep it")
    args = parser.parse_args()
    if not args.demo and not SHARED.is_dir():
        sys.exit(f"skipped: third-party exports not found at {SHARED}")
    from scoping.io.writers import to_ris

    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.keep or Path(tmp)
        if args.keep:
            workspace.mkdir(parents=True)  # refuses a folder that exists
        if args.demo:  # about 1.76 records per invented study
            from scoping.demo import generate

            generate(workspace / "corpus" / "demo", n_studies=int(args.size / 1.76), seed=args.seed)
            print(f"synthetic demonstration corpus of {int(args.size / 1.76)} studies")
        else:
            rows, sources = corpus(args.size, args.seed)
            print(
                f"{len(rows)} distinct real records: "
                + ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
            )
            (workspace / "corpus" / "raw").mkdir(parents=True)
            raw = workspace / "corpus" / "raw" / "pool.ris"
            raw.write_text(to_ris(rows), encoding="utf-8")
        cli = [sys.executable, "-m", "scoping.cli"]
        stages = timed([*cli, "run", "--no-packs"], workspace)
        print(f"stages (ingest to PRISMA): {stages[0]:.1f} s, largest process {stages[1]:.0f} MB")
        pack = timed([*cli, "pack", "--no-stages", "--name", "all-leaders"], workspace)
        pdf = (workspace / "reports" / "all-leaders" / "pack.pdf").read_bytes()
        pages = _pages(workspace / "reports" / "all-leaders" / "pack.pdf")
        print(
            f"pack, every format: {pack[0]:.1f} s, "
            f"largest process {max(pack[1], stages[1]):.0f} MB; PDF {len(pdf) / 1e6:.1f} MB, "
            f"{pages or 'uncounted'} pages"
        )
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", GAP_MAP, str(workspace)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"gap map: {out.stdout.strip()} ({time.perf_counter() - start:.1f} s with start-up)")


if __name__ == "__main__":
    main()
