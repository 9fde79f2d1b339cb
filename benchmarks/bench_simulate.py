"""Prioritised screening replayed on the 10 labelled screening sets in ../shared/data.

    python benchmarks/bench_simulate.py [--models elas-u4,logistic,nb] [--seeds 5]
        [--asreview-json asr.json]

A model name followed by ``+criteria`` (``elas-u4+criteria``) also trains on the
review's own title, from the set's ``CITATION.txt``, as one more included record: it
stands for the short text of what a group includes (query expansion, issue #22).

One table per model. With ``--asreview-json`` (the file ``asreview_compare.py --json``
writes), a second table per model pairs it with ASReview seed by seed (both start from
the same priors for a seed), and a last table chooses the model by leave-one-set-out:
for each set in turn, the model with the highest mean WSS@95 on the other nine is
chosen, and scored on the set left out, beside ASReview. The rule for a default (issue
#22): the mean of the left-out scores at least ASReview's, and no left-out set more than
0.02 behind it.

Protocol, as ASReview's `asreview simulate`: one included and one excluded record drawn
at random as priors (per seed); the model retrained after every screened record; title
and abstract as text. Prints mean WSS@95 and records needed for 95 % and 100 % recall
over the seeds, next to ASReview 3.0.8's default model as measured for issue #5.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from scoping.curation.prioritise import DEFAULT_MODEL, simulate
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


def question(name: str) -> str:
    """The review's own title (its ``CITATION.txt``), standing for a group's criteria text.

    "" for the ADHD set, which has no such file.
    """
    path = SHARED / "synergy_screening" / name / "CITATION.txt"
    if not path.is_file():
        return ""
    found = re.search(r"\(\d{4}\)\.\s*(.+?[.?])\s", path.read_text(encoding="utf-8"))
    return found.group(1) if found else ""


def adhd() -> tuple[list[str], list[int]]:
    """The Cohen 2006 ADHD set with abstract-stage labels."""
    frame = pd.read_csv(SHARED / "cohen2006_adhd_screening" / "ADHD.csv")
    texts = (frame["title"].fillna("") + " " + frame["abstract"].fillna("")).tolist()
    return texts, frame["label_abstract_screening"].astype(int).tolist()


def load_asreview(path: Path, seeds: int) -> dict[str, dict]:
    """asreview_compare.py's --json file, checked before any simulation runs."""
    try:
        asreview = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        sys.exit(
            f"{path}: cannot read it as JSON ({error}); write it with asreview_compare.py --json"
        )
    short = [n for n in ASREVIEW if len(asreview.get(n, {}).get("runs", [])) < seeds]
    if short:
        sys.exit(
            f"{path}: fewer than {seeds} runs of {', '.join(short)}; rerun it with --seeds {seeds}"
        )
    if seeds < 2:
        sys.exit("--asreview-json needs --seeds 2 or more, to compare spreads")
    return asreview


def paired(ours: dict[str, dict], asreview: dict[str, dict]) -> None:
    """Print both tools' WSS@95 seed by seed: mean, spread, and seeds at or above ASReview."""
    print("\n| set | ours | sd | ASReview | sd | difference | seeds at least ASReview's |")
    print("|---|---|---|---|---|---|---|")
    for name, result in ours.items():
        a = [run["wss_at_95"] for run in result["runs"]]  # seeds 0, 1, ... in order
        b = [run["wss_at_95"] for run in asreview[name]["runs"]][: len(a)]  # the same seeds
        ahead = sum(x >= y for x, y in zip(a, b, strict=True))
        difference = statistics.mean(a) - statistics.mean(b)
        print(
            f"| {name} | {statistics.mean(a):.3f} | {statistics.stdev(a):.3f} | "
            f"{statistics.mean(b):.3f} | {statistics.stdev(b):.3f} | "
            f"{difference:+.3f} | {ahead} of {len(a)} |"
        )


#: How far behind ASReview a left-out set may be, under the rule for a default.
TOLERANCE = 0.02


def left_out(results: dict[str, dict[str, dict]], asreview: dict[str, dict]) -> None:
    """Choose on nine sets, score on the tenth, for each set; print it beside ASReview."""
    print("\n| set left out | model chosen on the other nine | WSS@95 | per seed | ", end="")
    print("ASReview | per seed | difference |")
    print("|---|---|---|---|---|---|---|")
    differences, scores = [], []
    for name in ASREVIEW:

        def others(model: str, name: str = name) -> float:
            return statistics.mean(
                r["mean_wss_at_95"] for n, r in results[model].items() if n != name
            )

        chosen = max(sorted(results), key=others)
        ours = [run["wss_at_95"] for run in results[chosen][name]["runs"]]
        theirs = [run["wss_at_95"] for run in asreview[name]["runs"]][: len(ours)]
        scores.append(statistics.mean(ours))
        differences.append(statistics.mean(ours) - statistics.mean(theirs))
        print(
            f"| {name} | {chosen} | {statistics.mean(ours):.3f} | "
            f"{' '.join(f'{v:.3f}' for v in ours)} | {statistics.mean(theirs):.3f} | "
            f"{' '.join(f'{v:.3f}' for v in theirs)} | {differences[-1]:+.3f} |"
        )
    mean_asr = statistics.mean(asreview[n]["mean_wss_at_95"] for n in ASREVIEW)
    passed = statistics.mean(scores) >= mean_asr and min(differences) >= -TOLERANCE
    print(
        f"| mean | | {statistics.mean(scores):.3f} | | {mean_asr:.3f} | | "
        f"{statistics.mean(scores) - mean_asr:+.3f} |"
    )
    print(
        f"\nRule (mean at least ASReview's, no set more than {TOLERANCE} behind): "
        f"{'passed' if passed else 'not passed'}; largest shortfall {min(differences):+.3f}."
    )


def run_model(model: str, seeds: int) -> dict[str, dict]:
    """Every set replayed with one model; prints its table as it goes."""
    print(f"\n{model}\n")
    print(
        "| set | records | relevant | WSS@95 (this project) | ASReview 3.0.8 | n@95 | n@100 | s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    results = {}
    classifier, _, expansion = model.partition("+")
    for name in ASREVIEW:
        texts, labels = adhd() if name == "Cohen_2006_ADHD" else synergy(name)
        start = time.perf_counter()
        criteria = question(name) if expansion == "criteria" else ""
        result = simulate(
            texts, labels, seeds=tuple(range(seeds)), classifier=classifier, criteria=criteria
        )
        results[name] = result
        print(
            f"| {name} | {result['records']:,} | {result['relevant']} | "
            f"{result['mean_wss_at_95']:.3f} | {ASREVIEW[name]:.3f} | "
            f"{result['mean_n_at_95']:.1f} | {result['mean_n_at_100']:.1f} | "
            f"{time.perf_counter() - start:.0f} |",
            flush=True,
        )
    print(
        f"| mean | | | {statistics.mean(r['mean_wss_at_95'] for r in results.values()):.3f} | "
        f"{sum(ASREVIEW.values()) / len(ASREVIEW):.3f} | | | |"
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=DEFAULT_MODEL, help="comma-separated model names")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--asreview-json", type=Path, help="asreview_compare.py's --json file, to pair seeds"
    )
    parser.add_argument("--json", type=Path, help="also write every run here")
    parser.add_argument(
        "--earlier", type=Path, help="a --json file of earlier models, chosen among too"
    )
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the labelled sets at {SHARED}")
    asreview = load_asreview(args.asreview_json, args.seeds) if args.asreview_json else None
    results = {model: run_model(model, args.seeds) for model in args.models.split(",")}
    if args.earlier:
        results = json.loads(args.earlier.read_text()) | results
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if asreview is not None:
        for model, by_set in results.items():
            print(f"\n{model}, seed by seed against ASReview")
            paired(by_set, asreview)
        left_out(results, asreview)


if __name__ == "__main__":
    main()
