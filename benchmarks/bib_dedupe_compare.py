"""BibDedupe on the same gold sets, for comparison with bench_dedupe.py.

Run it in a separate virtual environment that has BibDedupe and not this project
(BibDedupe is a comparison, never a dependency):

    python3 -m venv /tmp/bdvenv && /tmp/bdvenv/bin/pip install bib-dedupe
    /tmp/bdvenv/bin/python benchmarks/bib_dedupe_compare.py

Prints a Markdown table with the same pairwise metrics as bench_dedupe.py.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd
from bib_dedupe.bib_dedupe import block, cluster, match, prep

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))
BD = "bib_dedupe_benchmark"
SETS = [
    "cytology_screening",
    "haematology",
    "respiratory",
    "stroke",
    "special_cases",
    "digital_work",
    "diabetes",
]


def _records(name: str) -> pd.DataFrame:
    if name == "diabetes":
        frame = pd.read_csv(
            SHARED / "asysd_testdata/labelled_test_set.csv", encoding="cp1252", dtype=str
        )
        frame["ID"] = [f"id_{int(i):07d}" for i in frame["record_id"]]
        frame["ENTRYTYPE"] = "article"
        return frame
    return pd.read_csv(SHARED / BD / name / "records_pre_merged.csv", dtype=str)


def _pairs(groups) -> set[frozenset[str]]:
    out = set()
    for group in groups:
        ids = sorted(set(group))
        out.update(frozenset((a, b)) for n, a in enumerate(ids) for b in ids[n + 1 :])
    return out


def main() -> None:
    if not SHARED.is_dir():
        sys.exit(f"needs the gold sets at {SHARED}")
    print("| set | records | precision | recall | F1 | false merges | missed | s |")
    print("|---|---|---|---|---|---|---|---|")
    for name in SETS:
        records = _records(name)
        gold = pd.read_csv(SHARED / BD / name / "merged_record_ids.csv", dtype=str)
        true = _pairs(ids.split(";") for ids in gold["merged_ids"])
        start = time.perf_counter()
        matched = match(
            block(prep(records, verbosity_level=0), verbosity_level=0), verbosity_level=0
        )
        predicted = _pairs(cluster(matched, verbosity_level=0))
        seconds = time.perf_counter() - start
        correct = len(predicted & true)
        p = correct / len(predicted) if predicted else 1.0
        r = correct / len(true) if true else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(
            f"| {name} | {len(records):,} | {p:.4f} | {r:.4f} | {f1:.4f} | "
            f"{len(predicted - true)} | {len(true - predicted)} | {seconds:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
