"""The main job: run the stages that exist, in order, on a workspace's corpus.

A workspace is a folder with ``corpus/raw/`` (exports as downloaded) and
``corpus/searches.yml`` (the search log). When ``corpus/raw/`` holds no exports, the
synthetic demonstration corpus is generated into ``corpus/demo/`` and used instead,
and every output says so. Stage outputs go to ``build/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__, prisma, topics
from .audit import decision_log, git_state, packages, sha256, workspace_inputs
from .curation.store import DecisionStore
from .dedupe import run as dedupe
from .demo import generate, screen
from .ingest import IGNORED_NAMES, ingest
from .packs import DEFAULT_PACKS, build_all, load_matrix
from .tags import run as tag
from .tags import summary as tag_summary

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


class StageLog:
    """The runner's memory: for each stage, the hash of its inputs and of its outputs.

    Kept in ``build/manifest.json``, the run manifest of the stages, which also records
    the command, seed, workbench version and git commit, package versions, the SHA-256
    of every input and the times of the last run. A stage is skipped when the hash of its inputs and
    parameters (content hashes, never file times) equals the last run's and its outputs
    are still the files that run wrote. Any change upstream changes the hashes of the
    outputs it rewrites, so exactly the stages downstream of a change run again.
    """

    def __init__(self, path: Path, seed: int) -> None:
        self.path = path
        self.seed = seed
        self.started = time.time()
        saved = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        self.stages: dict[str, Any] = saved.get("stages", {}) if saved.get("seed") == seed else {}

    @staticmethod
    def key(*parts: Any) -> str:
        """Hash of a stage's inputs: files by content, everything else by its JSON."""
        digest = hashlib.sha256(__version__.encode())
        for part in parts:
            text = sha256(part) if isinstance(part, Path) and part.is_file() else part
            digest.update(
                json.dumps(
                    str(text) if isinstance(part, Path) else text, sort_keys=True, default=str
                ).encode()
            )
        return digest.hexdigest()

    def fresh(self, stage: str, key: str) -> bool:
        """Whether ``stage`` ran with this key and its outputs are unchanged since."""
        entry = self.stages.get(stage)
        return (
            bool(entry)
            and entry["key"] == key
            and all(
                Path(name).is_file() and sha256(name) == digest
                for name, digest in entry["outputs"].items()
            )
        )

    def done(self, stage: str, key: str, outputs: list[Path]) -> None:
        """Record that ``stage`` ran with ``key`` and wrote ``outputs``."""
        self.stages[stage] = {"key": key, "outputs": {p.as_posix(): sha256(p) for p in outputs}}
        self._write({"seed": self.seed, "stages": self.stages})

    def finish(self, workspace: Path) -> None:
        """Write the full run manifest once every stage has run or been skipped."""
        self._write(
            {
                "kind": "pipeline stages",
                "command": " ".join(["scoping", *sys.argv[1:]]),
                "seed": self.seed,
                "workbench": {"version": __version__, **git_state(workspace)},
                "packages": packages(),
                "inputs": workspace_inputs(workspace),
                "decision_log": decision_log(workspace),
                "stages": self.stages,
                "times": {
                    "started": datetime.fromtimestamp(self.started, UTC).isoformat(
                        timespec="seconds"
                    ),
                    "seconds": round(time.time() - self.started, 1),
                },
            }
        )

    def _write(self, manifest: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(
            json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )


def _events_hash(store: Path, stage: str) -> str:
    if not store.is_file():
        return ""
    events = DecisionStore(store).events()
    events = events[events["stage"] == stage].drop(columns=["seq"])
    return hashlib.sha256(events.to_json(orient="records").encode()).hexdigest()


def run_stages(workspace: str | Path = ".", *, seed: int = 2026, progress: bool = True) -> str:
    """Run ingest, dedupe, tag, topics and the PRISMA flow; return what each did.

    Runs inside the workspace, so every path written into an output is relative to it
    and the outputs do not depend on where the workspace lives. A stage whose inputs
    and parameters have not changed since its last run is skipped (:class:`StageLog`).
    """
    lines = []
    with contextlib.chdir(workspace):
        raw, log, synthetic = corpus_inputs(Path("."), seed)
        build, store_path = Path("build"), Path("curation") / "decisions.sqlite"
        state = StageLog(build / "manifest.json", seed)
        if synthetic:
            lines.append(
                f"No exports in {Path(workspace) / 'corpus' / 'raw'}: running on the SYNTHETIC "
                "demonstration corpus (invented records, not evidence)."
            )
        files = sorted(p for p in raw.rglob("*") if p.is_file())
        key = state.key("ingest", [(p.as_posix(), sha256(p)) for p in files], log)
        if state.fresh("ingest", key):
            lines.append(
                f"ingest: inputs unchanged since the last run; kept {build / 'records.parquet'}"
            )
        else:
            lines += ingest([raw], build, searches=log, progress=progress).summary(build)
            state.done("ingest", key, [build / "records.parquet", build / "ingest_report.json"])
        key = state.key("dedupe", build / "records.parquet", _events_hash(store_path, "dedupe"))
        outputs = [build / n for n in ("duplicates.csv", "unique.parquet", "dedupe_review.csv")]
        if state.fresh("dedupe", key):
            lines.append(f"dedupe: inputs unchanged since the last run; kept {outputs[0]}")
        else:
            lines.append(dedupe(build, store=store_path).summary(build))
            state.done("dedupe", key, outputs)
        if synthetic:
            unique = pd.read_parquet(build / "unique.parquet", columns=["record_id"])
            made = screen(list(unique["record_id"]), DecisionStore(store_path), seed=seed)
            if made:
                lines.append(f"demo: {made} SYNTHETIC screening decisions recorded -> {store_path}")
        lines += _later_stages(state, build, store_path, log, seed)
        state.finish(Path("."))
    return "\n".join(lines)


def _later_stages(
    state: StageLog, build: Path, store: Path, log: Path | None, seed: int
) -> list[str]:
    lines = []
    own = Path("corpus") / "codebook.yml"
    codebook = own if own.is_file() else SHIPPED_CODEBOOK
    key = state.key("tag", build / "unique.parquet", codebook)
    outputs = [build / "tags.csv", build / "tag_matrix.parquet"]
    if state.fresh("tag", key):
        lines.append(f"tag: inputs unchanged since the last run; kept {outputs[0]}")
    else:
        evidence, book = tag(build, codebook)
        lines.append(tag_summary(evidence, book, build))
        state.done("tag", key, outputs)
    model = topics.TopicModel(random_state=seed, n_jobs=-1)
    key = state.key("topics", build / "unique.parquet", repr(model))
    outputs = [build / name for name in topics.OUTPUTS]
    if state.fresh("topics", key):
        lines.append(f"topics: inputs unchanged since the last run; kept {outputs[0]}")
    else:
        fitted, table = topics.run(build, model)
        lines.append(topics.summary(fitted, table, build))
        state.done("topics", key, outputs)
    key = state.key(
        "prisma",
        build / "records.parquet",
        build / "duplicates.csv",
        _events_hash(store, "title_abstract"),
        log,
    )
    if state.fresh("prisma", key):
        lines.append(f"prisma: inputs unchanged since the last run; kept {build / 'prisma.json'}")
    else:
        flow = prisma.write(build, store=store, search_log=log)
        lines.append(prisma.summary(flow, build))
        state.done("prisma", key, [build / "prisma.json"])
    return lines


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
    return "\n".join(lines)
