"""Deduplication quality and time on the labelled gold sets in ../shared/data.

    python benchmarks/bench_dedupe.py

Prints a Markdown table: pairwise precision, recall, F1, false merges, missed
duplicates and seconds (ingest + dedupe) per set. Sets marked "held out" were not
looked at while the rules and thresholds were chosen.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from scoping.dedupe import evaluate_files, load_gold, pages_apart, prepare, score_links

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))
BD = "bib_dedupe_benchmark"
#: (set, records file, gold file, id column, held out while tuning?)
SETS = [
    (
        "cytology_screening",
        f"{BD}/cytology_screening/records_pre_merged.csv",
        f"{BD}/cytology_screening/merged_record_ids.csv",
        None,
        False,
    ),
    (
        "haematology",
        f"{BD}/haematology/records_pre_merged.csv",
        f"{BD}/haematology/merged_record_ids.csv",
        None,
        False,
    ),
    (
        "respiratory",
        f"{BD}/respiratory/records_pre_merged.csv",
        f"{BD}/respiratory/merged_record_ids.csv",
        None,
        False,
    ),
    (
        "stroke",
        f"{BD}/stroke/records_pre_merged.csv",
        f"{BD}/stroke/merged_record_ids.csv",
        None,
        False,
    ),
    (
        "special_cases",
        f"{BD}/special_cases/records_pre_merged.csv",
        f"{BD}/special_cases/merged_record_ids.csv",
        None,
        False,
    ),
    (
        "digital_work",
        f"{BD}/digital_work/records_pre_merged.csv",
        f"{BD}/digital_work/merged_record_ids.csv",
        None,
        True,
    ),
    (
        "diabetes",
        "asysd_testdata/labelled_test_set.csv",
        f"{BD}/diabetes/merged_record_ids.csv",
        "record_id",
        True,
    ),
]


def main() -> None:
    if not SHARED.is_dir():
        sys.exit(f"needs the gold sets at {SHARED} (set SCOPING_SHARED_DATA)")
    print(
        "| set | held out | records | precision | recall | F1 | false merges | missed | "
        "missed by policy | links (for review) | linked pairs in gold | recall, merged or "
        "linked | with links for review | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, records, gold, id_column, held_out in SETS:
        start = time.perf_counter()
        score, result, ids = evaluate_files(SHARED / records, SHARED / gold, id_column=id_column)
        seconds = time.perf_counter() - start
        links = score_links(result, ids, load_gold(SHARED / gold))
        review = int((result.related["status"] == "review").sum())
        print(
            f"| {name} | {'yes' if held_out else 'no'} | {len(result.records):,} | "
            f"{score.precision:.4f} | {score.recall:.4f} | {score.f1:.4f} | "
            f"{len(score.false_merges)} | {len(score.missed)} | "
            f"{_by_policy(score.missed, result, ids)} | {len(result.related)} ({review}) | "
            f"{links.link_pairs_in_gold} of {links.link_pairs} | {links.recall():.4f} | "
            f"{links.recall(review=True):.4f} | {seconds:.1f} |",
            flush=True,
        )


def _by_policy(missed, result, ids) -> int:
    """Missed pairs the rules keep apart on purpose.

    Their kinds differ (an erratum, comment, retraction, conference abstract or preprint
    against a paper), or they are two items of one volume (print pages that do not
    overlap: a paper and a one-page correction or abstract printed later).
    """
    keys = prepare(result.records.reset_index(drop=True))
    row = {ids[k["record_id"]]: k for k in keys.to_dict("records")}

    def apart(x, y) -> bool:
        same_volume = x["volume"] and x["volume"] == y["volume"]
        return x["kind"] != y["kind"] or bool(same_volume and pages_apart(x, y))

    return sum(1 for a, b in missed if apart(row[a], row[b]))


if __name__ == "__main__":
    main()
