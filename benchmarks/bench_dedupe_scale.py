"""Deduplication time and memory from 10,000 to 1,000,000 records.

    python benchmarks/bench_dedupe_scale.py [--sizes 10000,100000,1000000] [--seed 7]

The corpus is built from the real records of the gold sets in ../shared/data. Each copy
of a real record becomes a distinct work: a few words of a fixed vocabulary are put in
front of its title, and its DOI and pages are changed. About a third of the works then
get a perturbed duplicate, spelt as another database would spell it. The perturbations
are upper case, dropped punctuation, HTML tags, a dropped DOI, initials for given names
and abbreviated page ranges. Every random choice comes from ``--seed``.

Each size runs in a fresh process. The script prints seconds, peak RSS, and how many
planted duplicates were found.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))
BASES = [
    "bib_dedupe_benchmark/cytology_screening/records_pre_merged.csv",
    "bib_dedupe_benchmark/haematology/records_pre_merged.csv",
    "bib_dedupe_benchmark/respiratory/records_pre_merged.csv",
    "bib_dedupe_benchmark/stroke/records_pre_merged.csv",
    "bib_dedupe_benchmark/digital_work/records_pre_merged.csv",
    "asysd_testdata/labelled_test_set.csv",
]
WORDS = (
    "staff",
    "burnout",
    "safety",
    "culture",
    "care",
    "team",
    "learning",
    "ward",
    "home",
    "nurse",
    "joy",
    "work",
    "kindness",
    "voice",
    "incident",
    "review",
    "trial",
    "health",
)


def _perturb(row: dict, rng: random.Random) -> dict:
    dup = dict(row)
    title = dup["title"] or ""
    choice = rng.randrange(6)
    if choice == 0:
        dup["title"] = title.upper()
    elif choice == 1:
        dup["title"] = re.sub(r"[^\w\s]", "", title)
    elif choice == 2:
        dup["title"] = f"<i>{title}</i>"
    elif choice == 3:
        dup["doi"] = None
    elif choice == 4:
        dup["authors"] = [
            a.split(",")[0] + ", " + (a.split(",")[1].strip()[:1] if "," in a else "")
            for a in (dup["authors"] or [])
        ]
    elif dup["pages"] and "-" in dup["pages"]:
        first, last = dup["pages"].split("-", 1)
        dup["pages"] = f"{first}-{last[-2:]}"
    dup["record_id"] = row["record_id"] + "d"
    dup["source_file"] = "perturbed"
    return dup


def build(size: int, seed: int, out: Path) -> int:
    """Write a records.parquet of ``size`` records; return the planted duplicate pairs."""
    import pandas as pd

    from scoping.ingest import SCHEMA
    from scoping.io import read

    base = [r.to_row() for path in BASES for r in read(SHARED / path).records]
    rng = random.Random(seed)
    rows, planted = [], 0
    copy = 0
    while len(rows) < size:
        for row in base:
            if len(rows) >= size:
                break
            work = dict(row)
            prefix = " ".join(rng.choice(WORDS) for _ in range(3))
            work["title"] = f"{prefix} {row['title'] or ''}".strip()
            work["doi"] = f"{row['doi']}.c{copy}" if row["doi"] else None
            work["pages"] = f"{copy}{row['pages']}" if row["pages"] else None
            work["record_id"] = f"c{copy:03d}{row['record_id']}"
            rows.append(work)
            if len(rows) < size and rng.random() < 0.33:
                rows.append(_perturb(work, rng))
                planted += 1
        copy += 1
    pd.DataFrame(rows, columns=SCHEMA.names).to_parquet(out / "records.parquet", index=False)
    return planted


RUN = """
import json, resource, time
import pandas as pd
from scoping.dedupe import deduplicate
records = pd.read_parquet({path!r})
start = time.perf_counter()
result = deduplicate(records)
seconds = time.perf_counter() - start
found = sum(1 for rid, g in result.group_of.items()
            if rid.endswith("d") and result.group_of.get(rid[:-1]) == g)
print(json.dumps({{"s": seconds, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "groups": len(set(result.group_of.values())), "found": found}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the real records at {SHARED}")
    print("| records | planted duplicates | found | seconds | records/s | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            planted = build(size, args.seed, Path(tmp))
            code = RUN.format(path=str(Path(tmp) / "records.parquet"))
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if out.returncode:
                print(f"| {size:,} | {planted:,} | failed: {out.stderr.strip().splitlines()[-1]} |")
                continue
            m = json.loads(out.stdout)
            print(
                f"| {size:,} | {planted:,} | {m['found']:,} | {m['s']:.1f} | "
                f"{size / m['s']:,.0f} | {m['rss']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
