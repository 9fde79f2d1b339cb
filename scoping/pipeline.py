"""The main job: run the stages that exist, in order, on a workspace's corpus.

A workspace is a folder with ``corpus/raw/`` (exports as downloaded) and
``corpus/searches.yml`` (the search log). When ``corpus/raw/`` holds no exports, the
synthetic demonstration corpus is generated into ``corpus/demo/`` and used instead,
and every output says so. Stage outputs go to ``build/``.
"""

from __future__ import annotations

from pathlib import Path

from .dedupe import run as dedupe
from .demo import generate
from .ingest import IGNORED_NAMES, ingest
from .tags import run as tag

#: Stages of the design not built yet; `run` says so rather than pretending.
PLANNED = ("topics", "curation snapshot", "briefing packs", "audit")
#: The codebook shipped with the workbench, used when the workspace has none.
SHIPPED_CODEBOOK = Path(__file__).resolve().parents[1] / "corpus" / "codebook.yml"


def corpus_inputs(workspace: Path, seed: int) -> tuple[Path, Path | None, bool]:
    """The raw folder and search log to use, and whether they are the synthetic demo."""
    raw = workspace / "corpus" / "raw"
    if raw.is_dir() and any(
        p.is_file() and p.name not in IGNORED_NAMES and not p.name.startswith(".")
        for p in raw.rglob("*")
    ):
        log = workspace / "corpus" / "searches.yml"
        return raw, (log if log.is_file() else None), False
    demo = workspace / "corpus" / "demo"
    generate(demo, seed=seed)
    return demo / "raw", demo / "searches.yml", True


def run_all(workspace: str | Path = ".", *, seed: int = 2026, progress: bool = True) -> str:
    """Run every built stage on the workspace; return a short account of what ran."""
    workspace = Path(workspace)
    raw, log, synthetic = corpus_inputs(workspace, seed)
    build = workspace / "build"
    result = ingest([raw], build, searches=log, progress=progress)
    totals = result.totals
    marked = totals["synthetic_demo_records"]
    lines = []
    if synthetic:
        lines.append(
            f"SYNTHETIC DEMONSTRATION CORPUS (no exports in {workspace / 'corpus/raw'}):"
            f" {marked} of {totals['records_read']} records are invented, not evidence."
        )
    lines.append(
        f"ingest: {totals['files']} files, {totals['records_in_files']} records found, "
        f"{totals['records_read']} read, {totals['records_rejected']} rejected, "
        f"{totals['problems']} problems -> {build / 'records.parquet'}, "
        f"{build / 'ingest_report.json'}"
    )
    for issue in result.search_log.get("issues", []):
        lines.append(f"  search log: {issue['file']}: {issue['issue']} ({issue['detail']})")
    grouped = dedupe(build)
    works = len(set(grouped.group_of.values()))
    lines.append(
        f"dedupe: {len(grouped.group_of)} records -> {works} unique works "
        f"({len(grouped.group_of) - works} duplicates grouped, none deleted); "
        f"{len(grouped.review)} pairs to review -> {build / 'duplicates.csv'}, "
        f"{build / 'unique.parquet'}, {build / 'dedupe_review.csv'}"
    )
    codebook = workspace / "corpus" / "codebook.yml"
    evidence, book = tag(build, codebook if codebook.is_file() else SHIPPED_CODEBOOK)
    applied = evidence[evidence["applied"]]
    lines.append(
        f"tag: {applied['record_id'].nunique()} of {works} works tagged, "
        f"{len(applied)} tags applied from {len(book.tags)} codebook tags "
        f"-> {build / 'tags.csv'}, {build / 'tag_matrix.parquet'}"
    )
    lines.append(f"not yet built in this version: {', '.join(PLANNED)}.")
    return "\n".join(lines)
