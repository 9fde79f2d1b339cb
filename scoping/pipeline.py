"""The main job: run the stages that exist, in order, on a workspace's corpus.

A workspace is a folder with ``corpus/raw/`` (exports as downloaded) and
``corpus/searches.yml`` (the search log). When ``corpus/raw/`` holds no exports, the
synthetic demonstration corpus is generated into ``corpus/demo/`` and used instead,
and every output says so. Stage outputs go to ``build/``.
"""

from __future__ import annotations

from pathlib import Path

from . import prisma, topics
from .dedupe import run as dedupe
from .demo import generate
from .ingest import IGNORED_NAMES, ingest
from .tags import run as tag
from .tags import summary as tag_summary

#: Stages of the design not built yet; `run` says so rather than pretending.
PLANNED = ("briefing packs", "audit")
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
    lines = []
    if synthetic:
        lines.append(
            f"No exports in {workspace / 'corpus' / 'raw'}: running on the SYNTHETIC "
            "demonstration corpus (invented records, not evidence)."
        )
    lines += ingest([raw], build, searches=log, progress=progress).summary(build)
    lines.append(dedupe(build, store=workspace / "curation" / "decisions.sqlite").summary(build))
    codebook = workspace / "corpus" / "codebook.yml"
    evidence, book = tag(build, codebook if codebook.is_file() else SHIPPED_CODEBOOK)
    lines.append(tag_summary(evidence, book, build))
    model, table = topics.run(build, topics.TopicModel(random_state=seed, n_jobs=-1))
    lines.append(topics.summary(model, table, build))
    flow = prisma.write(build, store=workspace / "curation" / "decisions.sqlite", search_log=log)
    lines.append(prisma.summary(flow, build))
    lines.append(f"not yet built in this version: {', '.join(PLANNED)}.")
    return "\n".join(lines)
