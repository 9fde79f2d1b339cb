"""Screening under a filter on a 20,000-record corpus: seconds from a decision to the next
record shown (issue #19: under 0.3 s).

    python benchmarks/bench_screening.py [--size 20000] [--decisions 40] [--seed 2026]
        [--earlier 5000]

The corpus is real records from ../shared/data, chosen as ``bench_packs.py`` chooses
them; when there are fewer than ``--size`` (13,075 distinct titles on these machines),
it is topped up with records of the synthetic demonstration corpus, generated large
enough, and the script says how many of each. The tag stage's evidence is computed once
first (as ``scoping run`` writes ``build/tags.csv``), then the screening widget is
driven from Python exactly as its buttons drive it: for each filter (none; the theme
with the most records; a source database), ``--decisions`` decisions alternating include
and exclude (with a reason), each timed from the click to the next record's card being
set. Prints the median, the 90th percentile and the slowest decision of each filter, and
the time to open the widget. The model order (the default) is used, so each decision
refits the prioritisation model on the decisions so far: that is part of what is timed.
With ``--earlier N`` the model also trains on an earlier review of N more records
(``scoping.yml`` ``screening: earlier:``): synthetic demonstration records drawn with
another seed, every tenth labelled included (only their number matters to the time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_packs import SHARED, corpus


def synthetic(size: int, seed: int) -> list[dict]:
    """``size`` records of the demonstration corpus, generated with enough studies."""
    from scoping.demo import generate
    from scoping.io import read

    found: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        raw = generate(folder, n_studies=max(1, size), seed=seed)
        for path in sorted(raw.iterdir()):
            for r in read(path).records:
                if len(found) < size:
                    row = {f: getattr(r, f) for f in ("title", "abstract", "authors", "year")}
                    found.append({**row, "record_id": f"s{len(found)}"})
    return found


def decide_all(widget, decisions: int) -> list[float]:
    """Seconds of each decision, from the click to the next card."""
    seconds = []
    for n in range(decisions):
        start = time.perf_counter()
        if n % 2:
            widget.reason.value = widget.reasons[0]
            widget.buttons["exclude"].click()
        else:
            widget.buttons["include"].click()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--decisions", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--earlier", type=int, default=0, help="records of an earlier review")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"skipped: the third-party exports are not at {SHARED}")
    from scoping import resources
    from scoping.curation.prioritise import Earlier
    from scoping.curation.store import DecisionStore
    from scoping.curation.widgets import ScreeningWidget
    from scoping.tags import load_codebook, tag_records

    rows, _ = corpus(args.size, args.seed)
    real = len(rows)
    rows += synthetic(args.size - real, args.seed)
    records = pd.DataFrame(rows).assign(database="RIS export")
    print(f"{real} real records and {len(rows) - real} synthetic (demonstration) ones")
    codebook = load_codebook(resources.path(resources.CODEBOOK))
    start = time.perf_counter()
    evidence = tag_records(records, codebook)
    print(
        f"{len(records)} records; tag stage (once, as scoping run): "
        f"{time.perf_counter() - start:.1f} s"
    )
    applied = evidence[evidence["applied"] & (evidence["group"] == "theme")]
    theme = applied["tag"].value_counts().index[0]
    earlier = None
    if args.earlier:
        old = synthetic(args.earlier, args.seed + 1)
        texts = tuple(f"{r.get('title') or ''} {r.get('abstract') or ''}" for r in old)
        earlier = Earlier(texts, tuple(int(i % 10 == 0) for i in range(len(old))))
        print(f"an earlier review of {len(old)} synthetic records, trained on too")
    with tempfile.TemporaryDirectory() as folder:
        store = DecisionStore(Path(folder) / "d.sqlite")
        start = time.perf_counter()
        widget = ScreeningWidget(
            records,
            store,
            "Bench",
            codebook=codebook,
            evidence=evidence,
            seed=args.seed,
            earlier=earlier,
        )
        print(f"widget opened in {time.perf_counter() - start:.1f} s")
        for name in ("unscreened", f"tag:{theme}", "source:RIS export"):
            widget.filter.value = name
            seconds = decide_all(widget, args.decisions)
            members = len(widget.filters.members.get(name, records))
            print(
                f"filter {name} ({members} records): per decision median "
                f"{statistics.median(seconds):.3f} s, 90th percentile "
                f"{statistics.quantiles(seconds, n=10)[-1]:.3f} s, slowest {max(seconds):.3f} s"
            )


if __name__ == "__main__":
    main()
