"""ASReview's own `asreview simulate` on the 10 labelled sets, beside bench_simulate.py.

ASReview is a comparison, never a dependency: install it in a separate virtual
environment and point this script (run with this project's environment, which reads
the sets) at its command:

    python3 -m venv /tmp/asrvenv && /tmp/asrvenv/bin/pip install asreview==3.0.8
    python benchmarks/asreview_compare.py --asreview /tmp/asrvenv/bin/asreview

Each set is written once as a CSV of title, abstract and label_included (the same text
bench_simulate.py uses); then, per seed s in 0..4, ASReview's default model runs with
`--n-prior-included 1 --n-prior-excluded 1 --prior-seed s --seed s`, and the labelling
order is read back from the project file it writes. WSS@95 and n@95 are computed from
that order with the same definitions as ours (scoping.curation.prioritise).
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
from bench_simulate import ASREVIEW, SHARED, adhd, synergy


def labelling_order(project: Path) -> list[int]:
    """Labels (1 relevant, 0 not) in the order ASReview screened, priors first."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(project) as archive:
        name = next(n for n in archive.namelist() if n.endswith("results.db"))
        database = Path(archive.extract(name, tmp))
        with sqlite3.connect(database) as con:
            rows = con.execute("SELECT label FROM results ORDER BY rowid").fetchall()
    return [int(label) for (label,) in rows]


def metrics(labels: list[int], n_records: int, n_relevant: int) -> dict[str, float]:
    """n@95, n@100 and WSS@95 of one labelling order."""
    found, need95, n95, n100 = 0, math.ceil(0.95 * n_relevant), None, None
    for n, label in enumerate(labels, start=1):
        found += label
        if n95 is None and found >= need95:
            n95 = n
        if found == n_relevant:
            n100 = n
            break
    if n95 is None or n100 is None:
        raise RuntimeError("ASReview stopped before every relevant record was found")
    return {"n_at_95": n95, "n_at_100": n100, "wss_at_95": (n_records - n95) / n_records - 0.05}


def run_set(asreview: str, name: str, seeds: int, work: Path) -> dict:
    """Every seed of one set; the mean metrics and the per-seed figures."""
    texts_labels = adhd() if name == "Cohen_2006_ADHD" else synergy(name)
    texts, labels = texts_labels
    csv = work / f"{name}.csv"
    frame = pd.DataFrame({"title": texts, "abstract": "", "label_included": labels})
    frame.to_csv(csv, index=False)
    runs = []
    for seed in range(seeds):
        out = work / f"{name}_{seed}.asreview"
        command = [asreview, "simulate", str(csv), "--n-prior-included", "1"]
        command += ["--n-prior-excluded", "1", "--prior-seed", str(seed), "--seed", str(seed)]
        # ASReview leaves a dataset cache in its working folder: keep it in ``work``
        subprocess.run([*command, "-o", str(out)], check=True, capture_output=True, cwd=work)
        runs.append(metrics(labelling_order(out), len(labels), sum(labels)))
    return {
        "records": len(labels),
        "relevant": sum(labels),
        "mean_wss_at_95": sum(r["wss_at_95"] for r in runs) / seeds,
        "mean_n_at_95": sum(r["n_at_95"] for r in runs) / seeds,
        "mean_n_at_100": sum(r["n_at_100"] for r in runs) / seeds,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--asreview", required=True, help="the asreview command to run")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write every run here")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the labelled sets at {SHARED}")
    print("| set | records | relevant | WSS@95 (ASReview, measured) | n@95 | n@100 | s |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ASREVIEW:
            start = time.perf_counter()
            result = results[name] = run_set(args.asreview, name, args.seeds, Path(tmp))
            print(
                f"| {name} | {result['records']:,} | {result['relevant']} | "
                f"{result['mean_wss_at_95']:.3f} | {result['mean_n_at_95']:.1f} | "
                f"{result['mean_n_at_100']:.1f} | {time.perf_counter() - start:.0f} |",
                flush=True,
            )
    mean = sum(r["mean_wss_at_95"] for r in results.values()) / len(results)
    print(f"| mean | | | {mean:.3f} | | | |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
