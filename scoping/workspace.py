"""The workspace: one folder per review, and every path in it.

A workspace holds the review's inputs (``corpus/``: exports, search log, codebook,
charting form), its configuration (``scoping.yml``, ``packs.yml``), the curation
store (``curation/``), the curation notebooks (``notebooks/``), and what the workbench
builds from them (``build/`` and ``reports/``, which can be deleted and rebuilt).
Nothing else in the workbench spells out a workspace path: it asks a
:class:`Workspace`. Where the workspace has no codebook, pack matrix or charting form
of its own, the shipped one is used (:mod:`scoping.resources`).
"""

from __future__ import annotations

import difflib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import resources, yamlio
from .curation.backends import Location, is_server, parse_location
from .curation.store import STAGE_REASONS, DecisionStore
from .errors import InputError

#: The environment variable naming a team's decision store (when scoping.yml does not).
STORE_VARIABLE = "SCOPING_STORE_URL"
#: The file ``scoping init`` writes at the top of a workspace.
CONFIG = "scoping.yml"
CONFIG_TEXT = """\
# A scoping workbench workspace (made by `scoping init`). Commands run here, or with
# --workspace pointing here, use this folder's corpus/, curation/, build/ and reports/.
workspace: 1
# Reasons a reviewer chooses from, per stage. These are the shipped lists; remove the
# '#' of these lines and edit them to use your own:
# reasons:
#   title_abstract: [wrong population, wrong setting, wrong topic, wrong study design,
#     wrong publication type, not in English, duplicate, no full text, other]
#   full_text: [wrong population, wrong concept, wrong context, wrong study design,
#     wrong publication type, not in English, no full text, duplicate, other]
#   retrieval: [not found, "requested, not received", "paywalled, not requested",
#     retracted, other]
# Words the screening card highlights in green (suggesting in) and red (suggesting out):
# highlight:
#   include: [huddle, speaking up, restorative]
#   exclude: [students, protocol, veterinary]
# Words kept out of topic terms, beside English stop words and the shipped method words
# (trial, randomised, qualitative, systematic review...):
# topics:
#   stop_words: [nhs, trust, ward]
# An earlier review on the same question (its workspace folder, relative to this one),
# whose screening decisions the screening order learns from too:
# screening:
#   earlier: ../staff-wellbeing-2025
# A team's shared decision store on a PostgreSQL server (see the README, "Team mode");
# without it, decisions are kept in curation/decisions.sqlite on this machine:
# store: postgresql://your_login@db.example.nhs.uk/burnout_review
"""


#: The settings ``scoping.yml`` may hold.
SETTINGS = ("workspace", "reasons", "highlight", "topics", "screening", "store")


@dataclass(frozen=True)
class Workspace:
    """Every path of one workspace, and the shipped fallbacks.

    Parameters
    ----------
    root : Path
        The workspace folder.
    """

    root: Path

    # ---------------------------------------------------------------- inputs
    @property
    def corpus(self) -> Path:
        """``corpus/``: the review's inputs."""
        return self.root / "corpus"

    @property
    def raw(self) -> Path:
        """``corpus/raw/``: exports exactly as downloaded."""
        return self.corpus / "raw"

    @property
    def demo(self) -> Path:
        """``corpus/demo/``: the synthetic demonstration corpus, when there are no exports."""
        return self.corpus / "demo"

    @property
    def searches(self) -> Path:
        """``corpus/searches.yml``: the search log (PRISMA-S)."""
        return self.corpus / "searches.yml"

    @property
    def own_codebook(self) -> Path:
        """``corpus/codebook.yml``, the workspace's own codebook (may not exist)."""
        return self.corpus / "codebook.yml"

    @property
    def codebook(self) -> Path:
        """The codebook in use: the workspace's own, else the shipped one."""
        return _own_or_shipped(self.own_codebook, resources.CODEBOOK)

    @property
    def own_charting(self) -> Path:
        """``corpus/charting.yml``, the workspace's own charting form (may not exist)."""
        return self.corpus / "charting.yml"

    @property
    def charting(self) -> Path:
        """The charting form in use: the workspace's own, else the shipped one."""
        return _own_or_shipped(self.own_charting, resources.CHARTING)

    @property
    def fulltext(self) -> Path:
        """``corpus/fulltext/``: full texts (PDF or text) of the works, and their index."""
        return self.corpus / "fulltext"

    @property
    def own_packs(self) -> Path:
        """``packs.yml``, the workspace's own pack matrix (may not exist)."""
        return self.root / "packs.yml"

    @property
    def packs(self) -> Path:
        """The pack matrix in use: the workspace's own, else the shipped one."""
        return _own_or_shipped(self.own_packs, resources.PACKS)

    @property
    def config(self) -> Path:
        """``scoping.yml``: marks the folder as a workspace made by ``scoping init``."""
        return self.root / CONFIG

    # ---------------------------------------------------------------- curation
    @property
    def curation(self) -> Path:
        """``curation/``: the decision store and assignments."""
        return self.root / "curation"

    @property
    def store_file(self) -> Path:
        """``curation/decisions.sqlite``: the decision log of a workspace on its own."""
        return self.curation / "decisions.sqlite"

    @property
    def store(self) -> Location:
        """Where the decision log is (a file, or a server's URL).

        ``store:`` in ``scoping.yml``, else the ``SCOPING_STORE_URL`` environment
        variable, else :attr:`store_file`. A server is a ``postgresql://`` URL; a file
        is a path (relative to the workspace).
        """
        given = self.settings().get("store") or os.environ.get(STORE_VARIABLE, "")
        if not isinstance(given, str):
            raise InputError(
                f"{self.config}: 'store' is one file or URL, e.g. "
                "store: postgresql://ann@db.example.nhs.uk/burnout_review"
            )
        if not given.strip():
            return self.store_file
        location = parse_location(given.strip())
        return location if is_server(location) else self.root / location

    @property
    def outbox(self) -> Path:
        """``curation/outbox.sqlite``: decisions kept here until the server has them."""
        return self.curation / "outbox.sqlite"

    @property
    def assignments(self) -> Path:
        """``curation/assignments.csv``: who screens which records."""
        return self.curation / "assignments.csv"

    @property
    def notebooks(self) -> Path:
        """``notebooks/``: the curation notebooks."""
        return self.root / "notebooks"

    # ---------------------------------------------------------------- outputs
    @property
    def build(self) -> Path:
        """``build/``: the stages' outputs and the run manifest."""
        return self.root / "build"

    @property
    def pair_decisions(self) -> Path:
        """``build/dedupe_decisions.csv``: a person's pair decisions, an input to dedup."""
        return self.build / "dedupe_decisions.csv"

    @property
    def reports(self) -> Path:
        """``reports/``: one folder per briefing pack."""
        return self.root / "reports"

    # ---------------------------------------------------------------- settings
    def settings(self) -> dict[str, Any]:
        """The workspace's ``scoping.yml`` (empty when it has none)."""
        if not self.config.is_file():
            return {}
        found = yamlio.load(self.config, what="workspace settings (scoping.yml)") or {}
        if not isinstance(found, dict):
            raise InputError(f"{self.config}: expected settings such as 'reasons:'; see README.")
        for key in found:
            if key not in SETTINGS:
                close = difflib.get_close_matches(str(key), SETTINGS, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise InputError(
                    f"{self.config}: unknown setting '{key}'; {hint}The settings are "
                    f"{', '.join(SETTINGS)}."
                )
        return found

    def reasons(self) -> dict[str, list[str]]:
        """Reasons per stage that the workspace sets in ``scoping.yml`` (``reasons:``)."""
        given = self.settings().get("reasons") or {}
        if not isinstance(given, dict) or not all(
            isinstance(v, list) and all(isinstance(r, str) for r in v) for v in given.values()
        ):
            raise InputError(
                f"{self.config}: 'reasons' lists reasons per stage, e.g. "
                "reasons: {full_text: [wrong population, wrong concept]}."
            )
        unknown = sorted(set(given) - set(STAGE_REASONS))
        if unknown:
            raise InputError(
                f"{self.config}: 'reasons' names stage(s) {', '.join(map(str, unknown))}; the "
                f"stages that take reasons are {', '.join(STAGE_REASONS)}."
            )
        return given

    def keywords(self) -> dict[str, list[str]]:
        """The group's own words to highlight in screening (``highlight:`` in ``scoping.yml``).

        ``{"include": [...], "exclude": [...]}``: words suggesting a record is in, or out.
        """
        given = self.settings().get("highlight") or {}
        if (
            not isinstance(given, dict)
            or set(given) - {"include", "exclude"}
            or not all(
                isinstance(v, list) and all(isinstance(t, str) for t in v) for v in given.values()
            )
        ):
            raise InputError(
                f"{self.config}: 'highlight' has two word lists, e.g. "
                "highlight: {include: [huddle, speaking up], exclude: [students, protocol]}."
            )
        return given

    def topic_stop_words(self) -> tuple[str, ...]:
        """Words the workspace keeps out of topic terms (``topics: stop_words:``)."""
        section = self.settings().get("topics") or {}
        given = (section.get("stop_words") or []) if isinstance(section, dict) else None
        if not isinstance(given, list) or not all(isinstance(w, str) for w in given):
            raise InputError(
                f"{self.config}: 'topics' holds a word list, e.g. "
                "topics: {stop_words: [nhs, trust, ward]}."
            )
        return tuple(given)

    def earlier_review(self) -> Path | None:
        """The workspace of an earlier, related review that screening trains on too.

        ``screening: earlier:`` in ``scoping.yml``: a folder, relative to this workspace
        (or absolute); None when not set (:mod:`scoping.curation.earlier`).
        """
        screening = self.settings().get("screening") or {}
        given = screening.get("earlier") if isinstance(screening, dict) else screening
        if given is None:
            return None
        if not isinstance(given, str) or not given.strip():
            raise InputError(
                f"{self.config}: 'screening: earlier:' names the workspace folder of an "
                "earlier review, e.g. screening: {earlier: ../staff-wellbeing-2025}."
            )
        folder = (self.root / given.strip()).resolve()
        if folder == self.root.resolve():
            raise InputError(
                f"{self.config}: 'screening: earlier:' names this workspace itself; name the "
                "workspace of the earlier review, or remove the setting."
            )
        return folder

    def decisions(self) -> DecisionStore:
        """The workspace's decision store, with its own reasons.

        A file is created if missing; a server store keeps its outbox here (:attr:`outbox`).
        """
        return DecisionStore(self.store, reasons=self.reasons() or None, outbox=self.outbox)

    # ---------------------------------------------------------------- helpers
    def exists(self) -> Workspace:
        """Check that the workspace folder exists (else one clear error); returns self."""
        if not self.root.is_dir():
            raise InputError(
                f"{self.root}: no such workspace folder; check --workspace, or make one "
                f"with `scoping init {self.root}`."
            )
        return self

    @classmethod
    def at(cls, folder: str | Path = "") -> Workspace:
        """The workspace at ``folder`` (which must exist); when empty, :meth:`find`.

        What notebooks and the packs' template call with their ``workspace`` parameter.
        """
        return cls(Path(folder)).exists() if str(folder) else cls.find(".")

    @classmethod
    def find(cls, start: str | Path = ".") -> Workspace:
        """The workspace holding ``start``: the nearest folder upwards that is one.

        A workspace folder has a ``scoping.yml`` or a ``corpus/`` folder. Notebooks
        call this with their own folder, so they find their workspace whether run in
        JupyterLab or headless with papermill.
        """
        here = Path(start).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG).is_file() or (folder / "corpus").is_dir():
                return cls(folder)
        raise InputError(
            f"{here}: not inside a workspace (no scoping.yml or corpus/ here or above); "
            "make one with `scoping init DIR`, or pass the workspace folder."
        )


def _own_or_shipped(own: Path, shipped: str) -> Path:
    return own if own.is_file() else resources.path(shipped)


def init(root: str | Path) -> list[Path]:
    """Create a workspace at ``root``; refuse to overwrite anything there.

    Writes ``scoping.yml``, ``corpus/raw/README.md``, ``corpus/searches.yml`` (a
    commented template), ``corpus/codebook.yml``, ``corpus/charting.yml``, ``packs.yml``,
    ``notebooks/`` (the curation notebooks) and a ``.gitignore`` for build outputs.
    Returns what it wrote.
    """
    space = Workspace(Path(root))
    plan = {
        space.config: None,
        space.raw / "README.md": resources.RAW_README,
        space.searches: resources.SEARCHES,
        space.own_codebook: resources.CODEBOOK,
        space.own_charting: resources.CHARTING,
        space.own_packs: resources.PACKS,
        space.root / ".gitignore": resources.GITIGNORE,
    }
    notebooks = resources.path(resources.NOTEBOOKS)
    for notebook in sorted(notebooks.glob("*.ipynb")):
        plan[space.notebooks / notebook.name] = f"{resources.NOTEBOOKS}/{notebook.name}"
    there = [p for p in plan if p.exists()]
    if there:
        raise InputError(
            f"{root}: already holds {', '.join(p.relative_to(root).as_posix() for p in there)}; "
            "scoping init never overwrites: choose an empty or new folder."
        )
    for target, source in plan.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if source is None:
            target.write_text(CONFIG_TEXT, encoding="utf-8")
        else:
            shutil.copyfile(resources.path(source), target)
    return list(plan)
