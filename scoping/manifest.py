"""What a build was made from: hashes, versions, the decision-log digest, manifests.

A low module: every stage, the packs and the audit may import it, and it imports
none of them. Manifests are written atomically (never half-written), and a damaged
run manifest is treated as no memory of earlier runs, so the next run rebuilds
rather than fails.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import __version__, atomic
from .curation.backends import COLUMNS, Location
from .curation.store import open_store
from .workspace import Workspace

#: Packages whose versions a manifest records (they can change an output).
PACKAGES = (
    "pandas",
    "numpy",
    "pyarrow",
    "scikit-learn",
    "scipy",
    "nltk",
    "seaborn",
    "matplotlib",
    "papermill",
    "nbconvert",
    "nbformat",
    "weasyprint",
    "rapidfuzz",
    "rispy",
    "bibtexparser",
    "openpyxl",
    "defusedxml",
    "pyyaml",
)
#: The manifest file of a pack folder (and of ``build/``).
MANIFEST = "manifest.json"


def sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def packages() -> dict[str, str]:
    """Python and the versions of the packages that shape the outputs."""
    found = {"python": platform.python_version(), "scoping-workbench": __version__}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_state() -> dict[str, Any]:
    """The workbench's git commit and whether its tree had uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None, "note": "not a git checkout"}
    return {"commit": commit, "dirty": bool(dirty.strip())}


def events_digest(events: Any) -> str:
    """SHA-256 of decision events (a table from ``DecisionStore.events``), order kept.

    The store's own sequence numbers, and the identity a server stamps on each event,
    are left out: the same events give the same digest in any store (file or server)
    they are copied to.
    """
    text = events[list(COLUMNS[1:])].to_json(orient="records", lines=True, force_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decision_log(store: Location, stage: str | None = None) -> dict[str, Any]:
    """The decision log's size, last event and digest (of one stage's events if given)."""
    opened = open_store(store)
    if opened is None:
        return {"events": 0, "last_seq": 0, "sha256": None}
    events = opened.events()
    if stage is not None:
        events = events[events["stage"] == stage]
    if events.empty:  # no events: the same whether or not the store file exists yet
        return {"events": 0, "last_seq": 0, "sha256": None}
    return {
        "events": len(events),
        "last_seq": int(events["seq"].max()),
        "sha256": events_digest(events),
    }


def input_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every input file of the workspace at ``root``, by relative path.

    The inputs are the files under ``corpus/``, ``packs.yml`` and the pair decisions
    kept in ``build/dedupe_decisions.csv``; the decision log is digested apart
    (:func:`decision_log`).
    """
    space = Workspace(Path(root))
    files = [p for p in sorted(space.corpus.rglob("*")) if not p.name.startswith(".")]
    files += [space.own_packs, space.pair_decisions]
    return {
        path.relative_to(space.root).as_posix(): sha256(path) for path in files if path.is_file()
    }


def key(*parts: Any) -> str:
    """Hash of a stage's or pack's inputs: files by content, everything else by its JSON."""
    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        text = sha256(part) if isinstance(part, Path) and part.is_file() else part
        digest.update(
            json.dumps(
                str(text) if isinstance(part, Path) else text, sort_keys=True, default=str
            ).encode()
        )
    return digest.hexdigest()


def command() -> str:
    """The command line that is running, as a user typed it."""
    if Path(sys.argv[0]).name in ("scoping", "cli.py", "__main__.py"):
        return " ".join(["scoping", *sys.argv[1:]])
    return "scoping (library call)"


def write(path: Path, manifest: dict[str, Any]) -> None:
    """Write a manifest atomically (sorted keys, one value per line)."""
    atomic.write_text(path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def read(path: Path) -> dict[str, Any] | None:
    """A manifest, or None when it is missing, empty or not a JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None
