"""Decisions of an earlier, related review, to train the screening model on.

A scoping group that screened a question before (last year's round of the same
search, or a neighbouring theme) has taught a model what it includes. Naming that
workspace in ``scoping.yml``::

    screening:
      earlier: ../staff-wellbeing-2025

trains the screening order on its final title-and-abstract decisions too, beside the
decisions made in this workspace: the first records shown are the likely ones, not a
random start. Its records are never shown or counted here, and its store is only read.
Whether it helps a given pair of reviews can be replayed first with
``scoping simulate LABELLED --earlier EARLIER_LABELLED``; ``benchmarks/README.md`` has
what it did on review updates and on unrelated reviews.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..tags import records_file
from ..workspace import Workspace
from .keys import shown
from .prioritise import Earlier
from .status import final_decisions, work_of
from .store import DecisionStore


def read_earlier(folder: str | Path, stage: str = "title_abstract") -> Earlier:
    """The final decisions at ``stage`` of the workspace at ``folder``, with their texts.

    Included works are labelled 1; excluded and "maybe" works 0 (as the model trains).

    Raises
    ------
    InputError
        When ``folder`` is not a built workspace, or its decisions at the stage do not
        hold both an included and an excluded work.
    """
    space = Workspace(Path(folder))
    if not space.root.is_dir():
        raise InputError(
            f"{space.root}: the earlier review named in screening: earlier: is not a "
            "folder; give the path of its workspace, relative to this one."
        )
    space.exists()
    try:
        works = work_of(space.build)
        records = pd.read_parquet(
            records_file(space.build), columns=["record_id", "title", "abstract"]
        )
    except InputError as problem:
        raise InputError(f"earlier review: {problem}") from None
    final = final_decisions(DecisionStore(space.store, readonly=True), stage, works)
    text = {
        rid: f"{shown(title)} {shown(abstract)}"
        for rid, title, abstract in records.itertuples(index=False)
    }
    decided = sorted(w for w in final if w in text)
    return Earlier(
        tuple(text[w] for w in decided),
        tuple(int(final[w][0] == "include") for w in decided),
        source=str(space.root),
    )


def earlier_of(space: Workspace) -> Earlier | None:
    """The earlier review the workspace names (``screening: earlier:``), or None."""
    folder = space.earlier_review()
    return None if folder is None else read_earlier(folder)
