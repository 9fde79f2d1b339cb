"""Charting drafts: the key finding against the authors' own conclusion, and speed.

    python benchmarks/bench_drafts.py findings
    python benchmarks/bench_drafts.py speed [--size 1000]

``findings`` takes, from each real export in ../shared/data that has at least 20
abstracts with a "Conclusion:" or "Conclusions:" label, those abstracts. The gold
conclusion is the text after the label up to the end, or to the next heading of the
form ``Words:`` at a sentence start (a rule independent of the drafts' own list of
headings), without a closing copyright notice. It then scores, by mean token F1
against the gold:

- labelled: the drafted key finding of the abstract as it is;
- unlabelled, with every section heading removed from the same abstracts:
  - learned here: the conclusion model trained on the other four fifths of the set's
    labelled abstracts (5-fold, seeded), as a corpus's own labelled abstracts train it;
  - learned elsewhere: trained on every other set, none of this one;
  - cues: the fixed cue-word rules used when a corpus has too few labelled abstracts;
  - last two sentences: the naive baseline.

``speed`` times ``scoping draft`` (every field of the shipped form, the conclusion
model learned from the corpus) on ``--size`` real records, pooled from the exports and
repeated in a seeded order, in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))
sys.path.insert(0, str(REPO))

from scoping.drafts import (  # noqa: E402
    ConclusionModel,
    conclusion,
    last_sentences,
    token_f1,
    unlabelled,
)
from scoping.io import read  # noqa: E402

SETS = {
    "ASySD diabetes (CSV)": ["asysd_testdata/labelled_test_set.csv"],
    "SYNERGY, 9 reviews (OpenAlex)": sorted(
        str(p.relative_to(SHARED)) for p in SHARED.glob("synergy_screening/*/works_1.zip")
    ),
    "PubMed MEDLINE sample": ["format_samples/metaknowledge/pubmed_medline.txt"],
    "Scopus CSV samples": [
        "format_samples/metaknowledge/scopus_export.csv",
        "format_samples/litstudy/scopus_export.csv",
    ],
    "gambling harms, 5 databases (RIS)": sorted(
        str(p.relative_to(SHARED))
        for p in SHARED.glob("citesource_multisource/gambling_harms_by_source/*.ris")
    ),
}
_GOLD = re.compile(r"\bConclusions?\s*:\s*", re.IGNORECASE)
_NEXT = re.compile(r"(?<=[.!?])\s*[A-Z][A-Za-z ]{2,40}:\s")


#: A closing notice, with PsycINFO's "(PsycInfo Database Record (c) 2020 APA...)" whole.
_NOTICE = re.compile(
    r"\s*(?:\(psycinfo database record\s*)?(?:\(?c\)|\u00a9|copyright\b).*$",
    re.IGNORECASE | re.DOTALL,
)


def gold(abstract: str) -> str | None:
    """The authors' conclusion: after the last "Conclusion(s):" up to the next heading,
    without a closing copyright notice."""
    found = list(_GOLD.finditer(abstract))
    if not found:
        return None
    text = abstract[found[-1].end() :]
    stop = _NEXT.search(text)
    return _NOTICE.sub("", text[: stop.start()] if stop else text).strip() or None


def abstracts(paths: list[str]) -> list[str]:
    out = []
    for path in paths:
        out += [r.abstract for r in read(SHARED / path).records if r.abstract]
    return list(dict.fromkeys(out))


def findings() -> None:
    data = {name: abstracts(paths) for name, paths in SETS.items()}
    rows = []
    for name, texts in data.items():
        labelled = [(t, gold(t)) for t in texts if gold(t)]
        if len(labelled) < 20:
            print(f"{name}: {len(labelled)} labelled abstracts, fewer than 20: skipped")
            continue
        rows.append((name, len(labelled), *_scores(labelled, data, name)))
    print(
        "| set | abstracts with a labelled conclusion | labelled | learned here (5-fold) "
        "| learned elsewhere | cues | last two sentences |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, n, *scores in rows:
        print(f"| {name} | {n} | " + " | ".join(f"{s:.3f}" for s in scores) + " |")


def _scores(labelled, data, name) -> list[float]:
    rng = random.Random(2026)
    order = list(range(len(labelled)))
    rng.shuffle(order)
    folds = [order[k::5] for k in range(5)]
    here = np.zeros(len(labelled))
    for fold in folds:
        held = set(fold)
        model = ConclusionModel().fit(t for i, (t, _) in enumerate(labelled) if i not in held)
        for i in fold:
            here[i] = token_f1(model.predict_one(unlabelled(labelled[i][0])), labelled[i][1])
    others = [t for other, texts in data.items() if other != name for t in texts]
    elsewhere = ConclusionModel().fit(others)
    cues = ConclusionModel(min_abstracts=10**9).fit([])
    as_is = [token_f1(conclusion(t, cues)[0], g) for t, g in labelled]
    return [
        float(np.mean(as_is)),
        float(here.mean()),
        float(np.mean([token_f1(elsewhere.predict_one(unlabelled(t)), g) for t, g in labelled])),
        float(np.mean([token_f1(cues.predict_one(unlabelled(t)), g) for t, g in labelled])),
        float(np.mean([token_f1(last_sentences(t), g) for t, g in labelled])),
    ]


SPEED = """
import sys, time
from scoping import drafts, resources
start = time.perf_counter()
table = drafts.run(sys.argv[1], resources.path("charting.yml"), resources.path("codebook.yml"))
print(f"{time.perf_counter() - start:.1f} s, {table['record_id'].nunique()} works, "
      f"{len(table)} draft rows")
"""


def speed(size: int) -> None:
    import pandas as pd

    from scoping.ingest import SCHEMA

    pool = []
    for paths in SETS.values():
        for path in paths:
            pool += [r.to_row() for r in read(SHARED / path).records if r.abstract]
    rng = random.Random(2026)
    rows = [dict(rng.choice(pool)) for _ in range(size)]
    for number, row in enumerate(rows):
        row["record_id"] = f"r{number:06d}"
    with tempfile.TemporaryDirectory() as folder:
        table = pd.DataFrame(rows)[[c for c in SCHEMA.names if c in rows[0]]]
        table.to_parquet(Path(folder) / "unique.parquet")
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", SPEED, folder], capture_output=True, text=True, check=True
        )
        print(
            f"{size} records ({len({r['abstract'] for r in rows})} distinct abstracts): "
            f"drafting {out.stdout.strip()}; {time.perf_counter() - started:.1f} s with "
            "start-up"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["findings", "speed"])
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"third-party exports not found at {SHARED}; set SCOPING_SHARED_DATA")
    findings() if args.what == "findings" else speed(args.size)
