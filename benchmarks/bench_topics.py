"""Topic models: recovery of the SYNERGY reviews, and time and memory on 50,000 abstracts.

    python benchmarks/bench_topics.py synergy [--seed 2026]
    python benchmarks/bench_topics.py per-k [--seed 2026]
    python benchmarks/bench_topics.py held-out [--seed 2026]
    python benchmarks/bench_topics.py scale [--size 50000] [--seed 2026]

``synergy`` pools the 9 SYNERGY reviews in ../shared/data and reports the adjusted Rand
index (ARI) between each record's main topic and its review of origin, k chosen
automatically, four ways in one run: the OpenAlex JSON read with our reader and the
previous model (keywords read, k over 5..20, method words kept); the same records and
the current default model; the route a user takes with CSV tables of title and
abstract (one per review, written here): ``scoping ingest`` then ``scoping topics``;
and the CSV route's texts with the model of session 16 (facets not joined).

``held-out`` measures the same ARI, for the default model and for the model of session
16, on labelled pools that were not used to design the model: the titles of the five
BibDedupe reviews that have them (cytology, digital work, haematology, respiratory,
stroke; at most 1,500 distinct titles each, a seeded sample), and three searches of
other subjects (gambling harms, wildfire impacts, Cohen's ADHD drug-class review),
titles and abstracts.

``per-k`` takes the CSV route's records (``scoping ingest`` of the CSV tables) and fits
the default model at every k of the range it searches, printing per k the coherence,
stability and unstable topics that choose k, and the ARI that each k would give: it
shows whether a shortfall in ARI comes from the choice of k or from the model.

``scale`` pools every distinct real abstract of at least 200 characters from every
export in ../shared/data and repeats the pool, in a seeded order, up to ``--size``
documents (the script prints how many are distinct). It then times, in a fresh
process, what ``scoping topics`` does: TF-IDF, model selection over k in 5..20 with the
stability check, and the final fit; and reports peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))

FIT = """
import json, resource, sys, time
import pandas as pd
from scoping.topics import TopicModel
texts = pd.read_parquet(sys.argv[1])["text"].tolist()
start = time.perf_counter()
models = {
    "previous": {"k_range": (5, 20), "method_words": False, "widen": False, "join_facets": False},
    "unjoined": {"join_facets": False},
    "default": {},
}
settings = models[sys.argv[3]]
model = TopicModel(random_state=int(sys.argv[2]), n_jobs=-1, **settings).fit(texts)
seconds = time.perf_counter() - start
main, _ = model.assignments()
print(json.dumps({"s": seconds, "k": model.n_topics_, "fitted": model.n_fitted_,
                  "main": main.tolist(),
                  "labels": model.labels(), "stability": model.topic_stability_.tolist(),
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _fit(texts: list[str], seed: int, model: str = "default") -> dict:
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.parquet"
        pd.DataFrame({"text": texts}).to_parquet(path)
        out = subprocess.run(
            [sys.executable, "-c", FIT, str(path), str(seed), model],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout)


def _pooled():
    """Every SYNERGY record with its review, title, abstract and keywords."""
    import pandas as pd

    from scoping.io import read

    rows = []
    for folder in sorted((SHARED / "synergy_screening").iterdir()):
        if (folder / "works_1.zip").is_file():
            for record in read(folder / "works_1.zip").records:
                rows.append(
                    {
                        "review": folder.name,
                        "title": record.title,
                        "abstract": record.abstract,
                        "keywords": list(record.keywords),
                        "subjects": list(record.subjects),
                    }
                )
    return pd.DataFrame(rows)


def _through_the_cli(exports: list[Path], seed: int) -> dict:
    """``scoping ingest`` then ``scoping topics`` on ``exports``, as a user runs them."""
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp) / "build"
        command = [sys.executable, "-m", "scoping.cli"]
        start = time.perf_counter()
        files = [str(p) for p in exports]
        subprocess.run([*command, "ingest", *files, "--out", str(build)], check=True)
        subprocess.run([*command, "topics", str(build), "--seed", str(seed)], check=True)
        seconds = time.perf_counter() - start
        records = pd.read_parquet(build / "records.parquet", columns=["record_id", "source_file"])
        docs = pd.read_csv(build / "doc_topics.csv", dtype={"record_id": str})
        table = pd.read_csv(build / "topics.csv")
    merged = docs.merge(records, on="record_id")
    return {
        "review": [Path(f).parent.name for f in merged["source_file"]],
        "main": merged["topic"].tolist(),
        "k": len(table),
        "fitted": None,
        "s": seconds,
        "labels": table["label"].tolist(),
        "stability": table["stability"].tolist(),
    }


def _previous_text(frame) -> list[str]:
    """What the previous model read: title twice, abstract and keywords."""
    title, abstract = frame["title"].fillna(""), frame["abstract"].fillna("")
    keywords = frame["keywords"].map("; ".join)
    return (title + ". " + title + ". " + abstract + " " + keywords).tolist()


def _tables(frame, folder: Path) -> list[Path]:
    """One CSV table of title and abstract per review, in ``folder/<review>/works.csv``."""
    tables = []
    for review, rows in frame.groupby("review"):
        (folder / review).mkdir()
        tables.append(folder / review / "works.csv")
        rows[["title", "abstract"]].to_csv(tables[-1], index=False)
    return tables


def synergy(seed: int) -> None:
    frame = _pooled()
    print(f"{len(frame)} records from {frame['review'].nunique()} reviews")
    previous = _fit(_previous_text(frame), seed, "previous")
    previous["review"] = frame["review"].tolist()
    zips = sorted((SHARED / "synergy_screening").glob("*/works_1.zip"))
    with tempfile.TemporaryDirectory() as tmp:
        tables = _tables(frame, Path(tmp))
        reviews, texts = _csv_route_texts(tables, Path(tmp) / "texts")
        unjoined = _fit(texts, seed, "unjoined") | {"review": reviews}
        routes = {
            "OpenAlex JSON, previous model (session 9)": previous,
            "OpenAlex JSON, scoping ingest + scoping topics": _through_the_cli(zips, seed),
            "CSV tables, scoping ingest + scoping topics": _through_the_cli(tables, seed),
            "CSV tables' texts, model of session 16 (facets not joined)": unjoined,
        }
    for name, result in routes.items():
        _report(name, result["review"], result)


def _report(name: str, truth: list[str], result: dict) -> None:
    """One route's line: topics (and k fitted), ARI, unstable topics, seconds; labels."""
    from sklearn.metrics import adjusted_rand_score

    ari = adjusted_rand_score(truth, result["main"])
    unstable = sum(s < 0.6 for s in result["stability"])
    fitted = f" ({result['fitted']} fitted)" if result.get("fitted") else ""
    print(
        f"\n{name}: {result['k']} topics{fitted}; ARI {ari:.3f}; {unstable} unstable; "
        f"{result['s']:.1f} s"
    )
    for label, stab in zip(result["labels"], result["stability"], strict=True):
        print(f"  {stab:.2f}  {label}")


def _csv_route_texts(tables: list[Path], build: Path) -> tuple[list[str], list[str]]:
    """The reviews and modelled texts of ``scoping ingest`` of the CSV tables."""
    import pandas as pd

    from scoping.topics import modelled_texts

    command = [sys.executable, "-m", "scoping.cli", "ingest", *map(str, tables)]
    subprocess.run([*command, "--out", str(build)], check=True, capture_output=True)
    records, texts = modelled_texts(pd.read_parquet(build / "records.parquet"))
    return [Path(f).parent.name for f in records["source_file"]], texts


def per_k(seed: int) -> None:
    """Every k of the searched range fitted on the CSV route's records, with its ARI."""
    from sklearn.metrics import adjusted_rand_score

    from scoping.topics import TopicModel

    with tempfile.TemporaryDirectory() as tmp:
        tables = _tables(_pooled(), Path(tmp))
        reviews, texts = _csv_route_texts(tables, Path(tmp) / "build")
    low, high = TopicModel().k_bounds(len(texts))
    print(f"{len(texts)} records; k {low}..{high} (each k fitted as given: facets not joined)")
    print("k  coherence  stability  unstable  score   ARI")
    for k in range(low, high + 1):
        model = TopicModel(n_topics=k, random_state=seed, n_jobs=-1).fit(texts)
        coherence = float(model.topic_coherence_.mean())
        stability = float(model.topic_stability_.mean())
        unstable = int((model.topic_stability_ < model.stable_threshold).sum())
        ari = adjusted_rand_score(reviews, model.assignments()[0])
        print(
            f"{k:<2} {coherence:9.3f}  {stability:9.3f}  {unstable:8d}  "
            f"{coherence * stability:.3f}  {ari:.3f}",
            flush=True,
        )


def _labelled(path: Path, label: str) -> list[dict]:
    from scoping.io import read

    return [
        {"label": label, "title": r.title or "", "abstract": r.abstract or ""}
        for r in read(path).records
    ]


def _held_out_pools(seed: int) -> dict:
    """Labelled pools not used to design the model: {name: (labels, texts)}."""
    import pandas as pd

    rows = []
    for name in ("cytology_screening", "digital_work", "haematology", "respiratory", "stroke"):
        rows += _labelled(SHARED / "bib_dedupe_benchmark" / name / "records_pre_merged.csv", name)
    titles = pd.DataFrame(rows).assign(abstract="")
    titles = titles[titles["title"].str.len() > 0].drop_duplicates("title")
    titles = pd.concat(
        group.sample(min(len(group), 1500), random_state=seed)
        for _, group in titles.groupby("label")
    )
    rows = []
    searches = SHARED / "citesource_multisource"
    for path in sorted((searches / "gambling_harms_by_source").glob("*.ris")):
        rows += _labelled(path, "gambling harms")
    for path in sorted((searches / "wildfire_impacts_by_stage").glob("*.ris")):
        if not path.stem.startswith(("final", "screened")):  # stage files repeat records
            rows += _labelled(path, "wildfire impacts")
    rows += _labelled(SHARED / "cohen2006_adhd_screening" / "ADHD.csv", "ADHD drugs")
    searches = pd.DataFrame(rows)
    searches = searches[searches["abstract"].str.len() > 0].drop_duplicates("title")
    return {
        "BibDedupe titles, 5 reviews": titles,
        "three searches, titles and abstracts": searches,
    }


def held_out(seed: int) -> None:
    """The default model and the model of session 16 on each held-out pool."""
    from scoping.topics import record_text

    for name, frame in _held_out_pools(seed).items():
        counts = ", ".join(
            f"{k} {v}" for k, v in frame["label"].value_counts().sort_index().items()
        )
        print(f"\n== {name}: {len(frame)} records ({counts})")
        texts = record_text(frame.reset_index(drop=True))
        for model in ("default", "unjoined"):
            label = "default model" if model == "default" else "model of session 16"
            _report(f"{name}, {label}", frame["label"].tolist(), _fit(texts, seed, model))


def _abstracts() -> list[str]:
    from scoping.errors import ScopingError
    from scoping.io import read

    seen: dict[str, None] = {}
    for path in sorted(SHARED.rglob("*")):
        if not path.is_file() or (
            path.suffix.lower() in {".md", ".txt", ".json"} and "works" not in path.name
        ):
            continue
        try:
            result = read(path)
        except ScopingError:
            continue
        for record in result.records:
            if record.abstract and len(record.abstract) >= 200:
                seen.setdefault(f"{record.title or ''}. {record.abstract}", None)
    return list(seen)


def scale(size: int, seed: int) -> None:
    pool = _abstracts()
    rng = random.Random(seed)
    texts = [pool[i % len(pool)] for i in range(size)]
    rng.shuffle(texts)
    start = time.perf_counter()
    result = _fit(texts, seed)
    print(
        f"{size} documents ({len(pool)} distinct real abstracts, repeated); {result['k']} "
        f"topics ({result['fitted']} fitted); fit {result['s']:.1f} s "
        f"(process {time.perf_counter() - start:.1f} s); peak RSS {result['rss']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["synergy", "per-k", "held-out", "scale"])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"skipped: third-party exports not found at {SHARED}")
    if args.what == "synergy":
        synergy(args.seed)
    elif args.what == "per-k":
        per_k(args.seed)
    elif args.what == "held-out":
        held_out(args.seed)
    else:
        scale(args.size, args.seed)


if __name__ == "__main__":
    main()
