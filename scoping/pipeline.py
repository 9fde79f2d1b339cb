"""The main job: run the stages in order on a workspace's corpus, then the packs.

A stage is one row of :data:`STAGES`: its name, its outputs in ``build/``, what its
key is made of (the content of its inputs and its parameters), and the function that
builds it. The runner goes down the table; a stage whose key is the one recorded in
``build/manifest.json`` and whose outputs are still the files it wrote is skipped.

Every stage writes its outputs beside the old ones and swaps them in together,
removing the outputs of the later stages in the same commit (they were built from
what it replaces), and the manifest records the stage only after that. So ``build/``
always holds, for each stage, its previous complete outputs, its new complete outputs
or none: never a mix, whatever fails or is killed.

When ``corpus/raw/`` holds no exports, the synthetic demonstration corpus is written
to ``corpus/demo/`` (once) and used instead, and every output says so.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__, drafts, manifest, prisma, topics
from .curation import charting, fulltext
from .curation.assign import conflicts
from .curation.backends import describe
from .curation.store import open_store
from .dedupe import DECISIONS_FILE
from .dedupe import run as dedupe
from .demo import chart, generate, is_complete, screen
from .form import load_form
from .ingest import IGNORED_NAMES, ingest
from .packs import build_all, load_matrix
from .tags import load_codebook
from .tags import run as tag
from .tags import summary as tag_summary
from .workspace import Workspace


@dataclass
class Context:
    """What every stage of one run needs: the workspace (as ``.``), corpus and seed."""

    space: Workspace
    raw: Path
    log: Path | None
    synthetic: bool
    seed: int
    progress: bool

    def events_digest(self, stage: str) -> str | None:
        """Digest of the decision log's events at ``stage`` (None when there is none)."""
        return manifest.decision_log(self.space.store, stage)["sha256"]

    def topic_model(self) -> topics.TopicModel:
        """The corpus topic model of this run."""
        words = topics.corpus_stop_words(self.space.topic_stop_words(), self.synthetic)
        return topics.TopicModel(random_state=self.seed, n_jobs=-1, stop_words=words)


@dataclass(frozen=True)
class Stage:
    """One stage: its outputs, what its key is made of, and what builds it."""

    name: str
    outputs: tuple[str, ...]
    key: Callable[[Context], tuple[Any, ...]]
    build: Callable[[Context, tuple[str, ...]], list[str]]


def _ingest(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    build = ctx.space.build
    result = ingest([ctx.raw], build, searches=ctx.log, progress=ctx.progress, stale=stale)
    return result.summary(build)


def _dedupe(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    build = ctx.space.build
    return [dedupe(build, store=ctx.space.store, stale=stale).summary(build)]


def _demo_screening(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    if not ctx.synthetic:
        return []
    space = ctx.space
    unique = pd.read_parquet(
        space.build / "unique.parquet", columns=["record_id", "doi", "pmid", "url"]
    )
    store = space.decisions()
    made = screen(list(unique["record_id"]), store, seed=ctx.seed)
    form = load_form(space.charting, load_codebook(space.codebook))
    charted = chart(unique.to_dict("records"), store, form, seed=ctx.seed)
    if not made and not charted:
        return []
    return [
        f"demo: {made} SYNTHETIC screening decisions and {charted} SYNTHETIC charted values "
        f"recorded -> {describe(space.store)}"
    ]


def _tag(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    evidence, book = tag(ctx.space.build, ctx.space.codebook, stale=stale)
    return [tag_summary(evidence, book, ctx.space.build)]


def _drafts(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    build = ctx.space.build
    table = drafts.run(build, ctx.space.charting, ctx.space.codebook, stale=stale)
    return [drafts.summary(table, build)]


def _topics(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    fitted, table = topics.run(ctx.space.build, ctx.topic_model(), stale=stale)
    return [topics.summary(fitted, table, ctx.space.build)]


def _fulltext(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    space = ctx.space
    table = fulltext.run(space.build, space.fulltext, space.store, stale=stale)
    return fulltext.summary(table, space.build, space.fulltext)


def _charting(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    space = ctx.space
    form = load_form(space.charting, load_codebook(space.codebook))
    table = charting.run(space.build, space.store, form, stale=stale)
    return [charting.summary(table, space.build)]


def _files(folder: Path) -> list[tuple[str, str]]:
    """Every file under ``folder`` by path and content hash (a stage's input folder)."""
    found = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return [(p.as_posix(), manifest.sha256(p)) for p in found]


def _prisma(ctx: Context, stale: tuple[str, ...]) -> list[str]:
    build = ctx.space.build
    flow = prisma.write(build, store=ctx.space.store, search_log=ctx.log, stale=stale)
    return [prisma.summary(flow, build), *_caveats(ctx.space.store), *_unread_log(ctx.space)]


def _caveats(location: Any) -> list[str]:
    """What the flow's counts rest on that its reader should know.

    Disagreements no one has resolved, and a server's blind mode (the flow then counts
    what this login may read).
    """
    store = open_store(location)
    if store is None:
        return []
    lines = []
    for stage in ("title_abstract", "full_text"):
        table = conflicts(store, stage)
        unresolved = int((~table["resolved"].astype(bool)).sum())
        if unresolved:
            lines.append(
                f"prisma: {unresolved} record(s) with reviewers disagreeing at {stage}, not "
                "resolved: each is counted by its latest decision until someone else decides "
                f"it (scoping conflicts --stage {stage})"
            )
    hidden = store.hidden_stages()
    if hidden:
        lines.append(
            f"prisma: the server keeps {', '.join(hidden)} blind from this login, so this "
            "flow counts only your own decisions there (a lead's run counts everyone's)"
        )
    return lines


def _unread_log(space: Workspace) -> list[str]:
    """A note when ``curation/decisions.sqlite`` holds decisions the workspace does not read.

    That is the case once its store is elsewhere (a team's server): decisions made before
    the move are not lost, but they count nowhere until copied.
    """
    if space.store == space.store_file or (left := open_store(space.store_file)) is None:
        return []
    count = len(left.events())
    if not count:
        return []
    name = space.store_file.relative_to(space.root)
    return [
        f"prisma: {name} holds {count} decision event(s) this workspace does not read (its "
        f"store is {describe(space.store)}): copy them into an empty store (scoping store "
        f"copy {name} URL), or move the file out of curation/ to keep them apart"
    ]


def _model_key(model: topics.TopicModel) -> tuple[str, list[str]]:
    """A topic model's part of the stage key: its parameters and every word it leaves out.

    The words include the shipped list, which the parameters do not show.
    """
    return repr(model), model.vocabulary_stop_words()


#: The stages, in order. Each reads only what earlier stages and the corpus give it.
STAGES: tuple[Stage, ...] = (
    Stage(
        "ingest",
        ("records.parquet", "ingest_report.json"),
        lambda c: (_files(c.raw), c.log),
        _ingest,
    ),
    Stage(
        "dedupe",
        ("duplicates.csv", "unique.parquet", "related.csv", "dedupe_review.csv"),
        lambda c: (
            c.space.build / "records.parquet",
            c.space.build / DECISIONS_FILE,
            c.events_digest("dedupe"),
        ),
        _dedupe,
    ),
    Stage(
        "demo screening",
        (),
        lambda c: (
            c.space.build / "unique.parquet",
            c.synthetic,
            c.seed,
            c.space.charting,
            c.space.codebook,
        ),
        _demo_screening,
    ),
    Stage(
        "tag",
        ("tags.csv", "tag_matrix.parquet"),
        lambda c: (c.space.build / "unique.parquet", c.space.codebook),
        _tag,
    ),
    Stage(
        "drafts",
        ("drafts.csv",),
        lambda c: (
            c.space.build / "unique.parquet",
            c.space.build / "tag_matrix.parquet",
            c.space.charting,
            c.space.codebook,
        ),
        _drafts,
    ),
    Stage(
        "topics",
        topics.OUTPUTS,
        lambda c: (c.space.build / "unique.parquet", *_model_key(c.topic_model())),
        _topics,
    ),
    Stage(
        "fulltext",
        ("fulltext.csv", "fulltext_text.parquet"),
        lambda c: (
            c.space.build / "unique.parquet",
            c.space.build / "duplicates.csv",
            *(c.events_digest(s) for s in ("title_abstract", "retrieval", "full_text")),
            _files(c.space.fulltext),
        ),
        _fulltext,
    ),
    Stage(
        "charting",
        ("charted.csv", "charting.csv"),
        lambda c: (
            c.space.build / "unique.parquet",
            c.events_digest("charting"),
            c.space.charting,
            c.space.codebook,
        ),
        _charting,
    ),
    Stage(
        "prisma",
        ("prisma.json",),
        lambda c: (
            c.space.build / "records.parquet",
            c.space.build / "duplicates.csv",
            c.space.build / "related.csv",
            c.space.build / "fulltext.csv",
            c.events_digest("title_abstract"),
            c.events_digest("full_text"),
            c.log,
        ),
        _prisma,
    ),
)


def corpus_inputs(space: Workspace, seed: int) -> tuple[Path, Path | None, bool]:
    """The raw folder and search log to use, and whether they are the synthetic demo.

    The demonstration corpus is written once; an existing, complete one is used as
    it is (so an audit rebuilds from the workspace's own files).
    """
    raw = space.raw
    if raw.is_dir() and any(
        p.is_file() and p.name not in IGNORED_NAMES and not p.name.startswith(".")
        for p in raw.rglob("*")
    ):
        return raw, (space.searches if space.searches.is_file() else None), False
    if not is_complete(space.demo):
        generate(space.demo, seed=seed)
    return space.demo / "raw", space.demo / "searches.yml", True


class StageLog:
    """The runner's memory: for each stage, its key and the hashes of its outputs.

    Kept in ``build/manifest.json``, the run manifest, which also records the command,
    seed, workbench version and git commit, package versions, the SHA-256 of every
    input and the times of the last run. A missing or damaged manifest is no memory:
    every stage runs again.
    """

    def __init__(self, path: Path, seed: int) -> None:
        self.path = path
        self.seed = seed
        self.started = time.time()
        saved = manifest.read(path)
        self.damaged = path.is_file() and saved is None
        saved = saved or {}
        stages = saved.get("stages") if saved.get("seed") == seed else None
        self.stages: dict[str, Any] = stages if isinstance(stages, dict) else {}

    def fresh(self, stage: Stage, key: str) -> bool:
        """Whether ``stage`` ran with this key and its outputs are unchanged since."""
        entry = self.stages.get(stage.name)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return False
        outputs = entry.get("outputs")
        return isinstance(outputs, dict) and all(
            Path(name).is_file() and manifest.sha256(name) == digest
            for name, digest in outputs.items()
        )

    def forget(self, names: list[str]) -> None:
        """Drop stages from memory (their outputs are about to be replaced or removed)."""
        for name in names:
            self.stages.pop(name, None)

    def done(self, stage: str, key: str, outputs: list[Path]) -> None:
        """Record that ``stage`` ran with ``key`` and wrote ``outputs`` (now in place)."""
        self.stages[stage] = {
            "key": key,
            "outputs": {p.as_posix(): manifest.sha256(p) for p in outputs},
        }
        manifest.write(self.path, {"seed": self.seed, "stages": self.stages})

    def finish(self, space: Workspace) -> None:
        """Write the full run manifest once every stage has run or been skipped."""
        manifest.write(
            self.path,
            {
                "kind": "pipeline stages",
                "command": manifest.command(),
                "seed": self.seed,
                "workbench": {"version": __version__, **manifest.git_state()},
                "packages": manifest.packages(),
                "inputs": manifest.input_hashes(space.root),
                "decision_log": manifest.decision_log(space.store),
                "stages": self.stages,
                "times": {
                    "started": datetime.fromtimestamp(self.started, UTC).isoformat(
                        timespec="seconds"
                    ),
                    "seconds": round(time.time() - self.started, 1),
                },
            },
        )


@dataclass
class RunReport:
    """What a run did: a line per stage (ran or kept), notices, and the packs built."""

    lines: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    synthetic: bool = False
    packs: list[Path] = field(default_factory=list)

    def text(self) -> str:
        """The report as the command prints it."""
        return "\n".join(self.lines)


def run_stages(
    workspace: str | Path = ".", *, seed: int = 2026, progress: bool = True
) -> RunReport:
    """Run every stage of :data:`STAGES` that is not fresh; return what each did.

    Runs inside the workspace, so every path written into an output is relative to it
    and the outputs do not depend on where the workspace lives.
    """
    report = RunReport()
    Workspace(Path(workspace)).exists()
    with contextlib.chdir(workspace):
        space = Workspace(Path("."))
        raw, log, synthetic = corpus_inputs(space, seed)
        report.synthetic = synthetic
        if synthetic:
            report.lines.append(
                f"No exports in {Path(workspace) / 'corpus' / 'raw'}: running on the SYNTHETIC "
                "demonstration corpus (invented records, not evidence)."
            )
        elif log is None:
            report.lines.append(
                f"warning: no search log at {Path(workspace) / 'corpus' / 'searches.yml'}: "
                "describe each export there (PRISMA-S; see the README) so the packs can say "
                "what was searched, where and when."
            )
        ctx = Context(space, raw, log, synthetic, seed, progress)
        state = StageLog(space.build / manifest.MANIFEST, seed)
        if state.damaged:
            report.lines.append(
                f"note: {Path(workspace) / 'build' / 'manifest.json'} was damaged; every "
                "stage runs again."
            )
        for number, stage in enumerate(STAGES):
            _run_stage(stage, ctx, state, report, STAGES[number + 1 :])
        state.finish(space)
    return report


def _run_stage(
    stage: Stage,
    ctx: Context,
    state: StageLog,
    report: RunReport,
    later: tuple[Stage, ...],
) -> None:
    key = manifest.key(stage.name, *stage.key(ctx))
    build = ctx.space.build
    if state.fresh(stage, key):
        report.kept.append(stage.name)
        if stage.outputs:
            report.lines.append(
                f"{stage.name}: inputs unchanged since the last run; kept "
                f"{build / stage.outputs[0]}"
            )
        return
    # A later stage stays fresh only while its key (which hashes every file it reads)
    # and its outputs are unchanged: a stage that removes them makes it run again.
    state.forget([stage.name])
    stale = tuple(name for s in later for name in s.outputs)
    report.lines += stage.build(ctx, stale)
    report.ran.append(stage.name)
    state.done(stage.name, key, [build / name for name in stage.outputs])


def run_all(
    workspace: str | Path = ".",
    *,
    seed: int = 2026,
    progress: bool = True,
    build_packs: bool = True,
) -> RunReport:
    """The main job: every stage, then the pack matrix of the workspace's ``packs.yml``."""
    report = run_stages(workspace, seed=seed, progress=progress)
    if build_packs:
        space = Workspace(Path(workspace))
        specs = load_matrix(space.packs)
        report.packs = build_all(specs, workspace, progress=progress)
        report.lines.append(
            f"packs: {len(report.packs)} briefing packs from {space.packs.name} -> "
            f"{space.reports}/<pack>/ (pack HTML and PDF, one-page summary, Word, slides, "
            "gap map, evidence table, references, trace)"
        )
    return report
