"""Screening trained on a group's earlier decisions (issue #22), replayed on labelled sets.

    python benchmarks/bench_earlier.py [--seeds 5] [--sets Oud_2018,Sep_2021]

Each of the ten labelled sets of ``bench_simulate.py`` stands for a review and its
update: the records published before a split year (the year that leaves about half of
the records before it) are the earlier round, fully decided; the rest are the update,
screened with the model. The split is by publication year because an update's search
finds what was published since: the earlier round is the most related review a group
has. WSS@95 is of the update alone, and four ways of screening it are replayed:

- ``alone``: the update screened as a new review (one included and one excluded record
  of the update as priors, drawn per seed as ``asreview simulate`` does);
- ``earlier``: the same priors, and the earlier round's decisions trained on too;
- ``earlier, no priors``: the earlier round's decisions only, as a group starting its
  update at once would (no record of the update known to be relevant beforehand);
- ``unrelated``: the same priors, and the decisions of another review (the next set in
  the list, all of it) trained on: what naming the wrong earlier review costs.

A set is left out, with the reason, when either part lacks an included record.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import pandas as pd
from bench_simulate import ASREVIEW, SHARED

from scoping.curation.prioritise import Earlier, simulate
from scoping.io import read

#: The four ways of screening the update, and what each trains on besides its own.
VARIANTS = ("alone", "earlier", "earlier, no priors", "unrelated")


def labelled(name: str) -> pd.DataFrame:
    """Text, label and publication year of every record of a labelled set."""
    if name == "Cohen_2006_ADHD":
        frame = pd.read_csv(SHARED / "cohen2006_adhd_screening" / "ADHD.csv")
        return pd.DataFrame(
            {
                "text": frame["title"].fillna("") + " " + frame["abstract"].fillna(""),
                "label": frame["label_abstract_screening"].astype(int),
                "year": pd.to_numeric(frame["year"], errors="coerce"),
            }
        )
    works = read(SHARED / "synergy_screening" / name / "works_1.zip").records
    labels = pd.read_csv(SHARED / "synergy_screening" / name / "labels.csv")
    label_of = dict(zip(labels["openalex_id"], labels["label_included"], strict=True))
    return pd.DataFrame(
        {
            "text": [f"{w.title or ''} {w.abstract or ''}" for w in works],
            "label": [int(label_of[w.url]) for w in works],
            "year": [w.year for w in works],
        }
    )


def split_year(years: pd.Series) -> int:
    """The year that leaves the share of dated records before it nearest one half."""
    dated = years.dropna().astype(int)
    candidates = sorted(set(dated))[1:]
    return min(candidates, key=lambda y: (abs((dated < y).mean() - 0.5), y))


def as_earlier(frame: pd.DataFrame, source: str) -> Earlier:
    """A decided set of records as the earlier review the model trains on."""
    return Earlier(tuple(frame["text"]), tuple(int(v) for v in frame["label"]), source=source)


def replay(name: str, other: str, seeds: tuple[int, ...]) -> dict[str, dict] | str:
    """The four variants on one set's update; a reason (str) when the set cannot split."""
    frame = labelled(name)
    year = split_year(frame["year"])
    before = frame[frame["year"] < year]
    update = frame[~(frame["year"] < year)]  # undated records are screened in the update
    if before["label"].sum() < 1 or update["label"].sum() < 2:
        return f"split at {year}: too few included records on one side"
    texts, labels = list(update["text"]), list(update["label"])
    earlier = as_earlier(before, f"{name} before {year}")
    unrelated = as_earlier(labelled(other), other)
    runs = {
        "alone": simulate(texts, labels, seeds=seeds),
        "earlier": simulate(texts, labels, seeds=seeds, earlier=earlier),
        "earlier, no priors": simulate(texts, labels, seeds=seeds, earlier=earlier, priors=(0, 0)),
        "unrelated": simulate(texts, labels, seeds=seeds, earlier=unrelated),
    }
    for result in runs.values():
        result["split_year"] = year
        result["earlier_records"], result["earlier_relevant"] = (
            len(before),
            int(before["label"].sum()),
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sets", default=",".join(ASREVIEW), help="comma-separated set names")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the labelled sets at {SHARED}")
    names, every = args.sets.split(","), list(ASREVIEW)
    print("| set | split year | earlier: records (included) | ", end="")
    print("update: records (included) | ", end="")
    print(" | ".join(f"{v}: WSS@95" for v in VARIANTS), "| s |")
    print("|---|---|---|---|" + "---|" * (len(VARIANTS) + 1))
    scores: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for name in names:
        start = time.perf_counter()
        other = every[(every.index(name) + 1) % len(every)]
        runs = replay(name, other, tuple(range(args.seeds)))
        if isinstance(runs, str):
            print(f"| {name} | left out: {runs} |" + " |" * (len(VARIANTS) + 3))
            continue
        first = runs["alone"]
        cells = []
        for variant in VARIANTS:
            wss = [r["wss_at_95"] for r in runs[variant]["runs"]]
            scores[variant].append(statistics.mean(wss))
            cells.append(f"{statistics.mean(wss):.3f} ({min(wss):.3f} to {max(wss):.3f})")
        print(
            f"| {name} | {first['split_year']} | {first['earlier_records']} "
            f"({first['earlier_relevant']}) | {first['records']} ({first['relevant']}) | "
            + " | ".join(cells)
            + f" | {time.perf_counter() - start:.0f} |",
            flush=True,
        )
    means = " | ".join(f"{np.mean(s):.3f}" if s else "" for s in scores.values())
    print(f"| mean | | | | {means} | |")


if __name__ == "__main__":
    main()
