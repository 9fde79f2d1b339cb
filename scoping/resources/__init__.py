"""Files shipped with the workbench: defaults a workspace falls back on.

The default codebook, pack matrix, pack template, search-log template, curation
notebooks and the research-method words left out of topics. They are package data,
loaded with :mod:`importlib.resources`, so an installed wheel
finds them as a source checkout does. A workspace's own copy (made by ``scoping init``)
always wins over the shipped one (:class:`scoping.workspace.Workspace`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: Shipped files by role, relative to this package.
CODEBOOK = "codebook.yml"
PACKS = "packs.yml"
CHARTING = "charting.yml"
TEMPLATE = "briefing_pack.ipynb"
SEARCHES = "searches.yml"
RAW_README = "raw_README.md"
GITIGNORE = "workspace.gitignore"
NOTEBOOKS = "notebooks"
TOPIC_STOP_WORDS = "topic_stop_words.txt"


def path(name: str) -> Path:
    """The shipped file or folder ``name`` as a path on disk.

    Wheels are installed unpacked, so the resources are real files.
    """
    found = Path(str(files(__name__).joinpath(name)))
    if not found.exists():
        raise FileNotFoundError(f"shipped resource {name!r} is missing from {found.parent}")
    return found
