"""Prioritised screening replayed on the 10 labelled screening sets in ../shared/data.

    python benchmarks/bench_simulate.py [--classifier logistic] [--seeds 5]

Protocol, as ASReview's `asreview simulate`: one included and one excluded record drawn
at random as priors (per seed); the model retrained after every screened record; title
and abstract as text. Prints mean WSS@95 and records needed for 95 % and 100 % recall
over the seeds, next to ASReview 3.0.8's default model as measured for issue #5.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from scoping.curation.prioritise import simulate
from scoping.io import read

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))
#: ASReview 3.0.8, default model, mean WSS@95 of 5 seeds (figures given in issue #5).
ASREVIEW = {
    "Chou_2004": 0.284,
    "Cohen_2006_ADHD": 0.474,
    "Donners_2021": 0.564,
    "Jeyaraman_2020": 0.637,
    "Meijboom_2021": 0.735,
    "Menon_2022": 0.553,
    "Nelson_2002": 0.359,
    "Oud_2018": 0.843,
    "Sep_2021": 0.436,
    "van_der_Valk_2021": 0.463,
}


def synergy(name: str) -> tuple[list[str], list[int]]:
    """Title + abstract and labels of a SYNERGY set (OpenAlex works joined to labels)."""
    works = read(SHARED / "synergy_screening" / name / "works_1.zip").records
    labels = pd.read_csv(SHARED / "synergy_screening" / name / "labels.csv")
    label_of = dict(zip(labels["openalex_id"], labels["label_included"], strict=True))
    texts = [f"{w.title or ''} {w.abstract or ''}" for w in works]
    return texts, [int(label_of[w.url]) for w in works]


def adhd() -> tuple[list[str], list[int]]:
    """The Cohen 2006 ADHD set with abstract-stage labels."""
    frame = pd.read_csv(SHARED / "cohen2006_adhd_screening" / "ADHD.csv")
    texts = (frame["title"].fillna("") + " " + frame["abstract"].fillna("")).tolist()
    return texts, frame["label_abstract_screening"].astype(int).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classifier", default="logistic")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the labelled sets at {SHARED}")
    print(
        "| set | records | relevant | WSS@95 (this project) | ASReview 3.0.8 | n@95 | n@100 | s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    ours = []
    for name in ASREVIEW:
        texts, labels = adhd() if name == "Cohen_2006_ADHD" else synergy(name)
        start = time.perf_counter()
        result = simulate(texts, labels, seeds=tuple(range(args.seeds)), classifier=args.classifier)
        ours.append(result["mean_wss_at_95"])
        print(
            f"| {name} | {result['records']:,} | {result['relevant']} | "
            f"{result['mean_wss_at_95']:.3f} | {ASREVIEW[name]:.3f} | "
            f"{result['mean_n_at_95']:.1f} | {result['mean_n_at_100']:.1f} | "
            f"{time.perf_counter() - start:.0f} |",
            flush=True,
        )
    print(
        f"| mean | | | {sum(ours) / len(ours):.3f} | "
        f"{sum(ASREVIEW.values()) / len(ASREVIEW):.3f} | | | |"
    )


if __name__ == "__main__":
    main()
