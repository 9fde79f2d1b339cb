"""The main job: run the stages that exist, in order, on a workspace's corpus.

A workspace is a folder with ``corpus/raw/`` (exports as downloaded) and
``corpus/searches.yml`` (the search log). When ``corpus/raw/`` holds no exports, the
synthetic demonstration corpus is generated into ``corpus/demo/`` and used instead,
and every output says so. Stage outputs go to ``build/``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd

from . import prisma, topics
from .curation.store import DecisionStore
from .dedupe import run as dedupe
from .demo import generate, screen
from .ingest import IGNORED_NAMES, ingest
from .packs import DEFAULT_PACKS, build_all, load_matrix
from .tags import run as tag
from .tags import summary as tag_summary

#: Stages of the design not built yet; `run` says so rather than pretending.
PLANNED = ("audit",)
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


def run_stages(workspace: str | Path = ".", *, seed: int = 2026, progress: bool = True) -> str:
    """Run ingest, dedupe, tag, topics and the PRISMA flow; return what each did.

    Runs inside the workspace, so every path written into an output is relative to it
    and the outputs do not depend on where the workspace lives.
    """
    lines = []
    with contextlib.chdir(workspace):
        here = Path(".")
        raw, log, synthetic = corpus_inputs(here, seed)
        build, store_path = Path("build"), Path("curation") / "decisions.sqlite"
        if synthetic:
            lines.append(
                f"No exports in {Path(workspace) / 'corpus' / 'raw'}: running on the SYNTHETIC "
                "demonstration corpus (invented records, not evidence)."
            )
        lines += ingest([raw], build, searches=log, progress=progress).summary(build)
        lines.append(dedupe(build, store=store_path).summary(build))
        if synthetic:
            unique = pd.read_parquet(build / "unique.parquet", columns=["record_id"])
            made = screen(list(unique["record_id"]), DecisionStore(store_path), seed=seed)
            if made:
                lines.append(f"demo: {made} SYNTHETIC screening decisions recorded -> {store_path}")
        codebook = Path("corpus") / "codebook.yml"
        evidence, book = tag(build, codebook if codebook.is_file() else SHIPPED_CODEBOOK)
        lines.append(tag_summary(evidence, book, build))
        model, table = topics.run(build, topics.TopicModel(random_state=seed, n_jobs=-1))
        lines.append(topics.summary(model, table, build))
        flow = prisma.write(build, store=store_path, search_log=log)
        lines.append(prisma.summary(flow, build))
    return "\n".join(lines)


def packs_file(workspace: str | Path) -> Path:
    """The workspace's ``packs.yml``, else the default matrix shipped with the workbench."""
    own = Path(workspace) / "packs.yml"
    return own if own.is_file() else DEFAULT_PACKS


def run_all(
    workspace: str | Path = ".",
    *,
    seed: int = 2026,
    progress: bool = True,
    build_packs: bool = True,
) -> str:
    """The main job: every stage, then the default pack matrix of ``packs.yml``."""
    lines = [run_stages(workspace, seed=seed, progress=progress)]
    if build_packs:
        source = packs_file(workspace)
        specs = load_matrix(source)
        built = build_all(specs, workspace, progress=progress)
        reports = Path(workspace) / "reports"
        lines.append(
            f"packs: {len(built)} briefing packs from {source.name} -> {reports}/<pack>/ "
            f"(HTML, PDF, XLSX, CSV, RIS, BibTeX, trace.json)"
        )
    lines.append(f"not yet built in this version: {', '.join(PLANNED)}.")
    return "\n".join(lines)
