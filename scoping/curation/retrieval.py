"""Works whose full text is still awaited: record one as not retrieved, with a reason.

:class:`RetrievalWidget` lists the works included at title and abstract whose full text
``scoping run`` did not find (``build/fulltext.csv``, status ``awaiting retrieval``),
and those already recorded as not retrieved. "Not retrieved" stores a decision at the
``retrieval`` stage with one of the workspace's retrieval reasons (``reasons:
retrieval:`` in ``scoping.yml``); "Undo" withdraws the reviewer's last one. A full text
found later needs no decision here: put it in ``corpus/fulltext/`` and run
``scoping run``, or screen it at full text, which says it was retrieved.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w
import pandas as pd

from ..errors import InputError
from ..text import shorten
from ..workspace import Workspace
from .backends import Unreachable
from .fulltext import sought
from .identity import choose_reviewer
from .keys import shown as _text
from .store import DecisionStore
from .widgets import kept, offline_note

#: The ``build/fulltext.csv`` statuses this widget lists.
LISTED = ("awaiting retrieval", "not retrieved")


class RetrievalWidget(w.VBox):
    """Record works whose full text could not be had as not retrieved, with a reason.

    Parameters
    ----------
    records : DataFrame
        The works to list (``record_id``, ``title``): those ``build/fulltext.csv`` has
        as awaiting retrieval or not retrieved.
    store : DecisionStore
        Where the decisions go (stage ``retrieval``).
    reviewer : str
        The person deciding, stored with each decision.
    unlisted : int
        Works included at title and abstract since the last ``scoping run``, which
        ``build/fulltext.csv`` does not list yet.
    """

    def __init__(
        self, records: pd.DataFrame, store: DecisionStore, reviewer: str, unlisted: int = 0
    ) -> None:
        self.store, self.reviewer, self.unlisted = store, reviewer, unlisted
        pairs = zip(records["record_id"], records["title"], strict=True)
        self.titles = {r: _text(t) or "(no title)" for r, t in pairs}
        self.reasons = list(store.stage_reasons.get("retrieval", ()))
        self.works = w.Select(rows=min(10, max(len(self.titles), 2)), description="Work")
        self.works.layout = w.Layout(width="95%")
        self.reason = w.Dropdown(options=["", *self.reasons], description="Reason")
        self.buttons = {
            "not retrieved": w.Button(description="Not retrieved", button_style="danger"),
            "undo": w.Button(description="Undo"),
        }
        self.buttons["not retrieved"].on_click(lambda _: self.decide())
        self.buttons["undo"].on_click(lambda _: self.undo())
        self.progress, self.message = w.HTML(), w.HTML()
        super().__init__(
            [self.progress, self.works, self.reason, w.HBox(list(self.buttons.values())),
             self.message]
        )  # fmt: skip
        self.refresh()

    def _standing(self) -> dict[str, str]:
        """Work -> reason, for the works listed that the store now holds as not retrieved."""
        found = self.store.current("retrieval")
        found = found[(found["decision"] == "not retrieved") & found["target"].isin(self.titles)]
        return dict(zip(found["target"], found["reason"].fillna(""), strict=True))

    def refresh(self) -> None:
        """List the works, each with its standing, and count them."""
        standing = self._standing()
        options = []
        for rid, title in self.titles.items():
            said = f"NOT RETRIEVED ({standing[rid]}): " if rid in standing else ""
            options.append((f"{said}{shorten(title)} ({rid})", rid))
        chosen = self.works.value
        self.works.options = options
        if chosen in self.titles:
            self.works.value = chosen
        awaited = sum(rid not in standing for rid in self.titles)
        self.progress.value = (
            f"<b>{awaited}</b> awaiting retrieval; <b>{len(standing)}</b> recorded as not "
            "retrieved. A full text found later: put it in corpus/fulltext/ and run "
            "<code>scoping run</code>."
            if self.titles
            else "<i>No work is awaiting its full text: at the last <code>scoping run</code>, "
            "every work included at title and abstract had one, or none was included.</i>"
        )
        if self.unlisted:
            self.progress.value += (
                f"<br><b>{self.unlisted}</b> work{'s' * (self.unlisted != 1)} included at title "
                "and abstract since then: run <code>scoping run</code> to list "
                f"{'them' if self.unlisted != 1 else 'it'} here."
            )

    def decide(self) -> None:
        """Store "not retrieved" with the chosen reason on the chosen work."""
        rid, reason = self.works.value, self.reason.value
        if rid is None or not reason:
            self._warn("Choose a work and a reason first.")
            return
        said = f"Not retrieved ({html.escape(reason)}): {self._name(rid)}. Undo takes it back."
        try:
            self.store.record(
                reviewer=self.reviewer,
                target=rid,
                stage="retrieval",
                decision="not retrieved",
                reason=reason,
            )
        except Unreachable as exc:
            said = offline_note(exc, self.store.where, "recording retrieval").lstrip()
        except InputError as exc:
            self._warn(str(exc))
            return
        self.reason.value = ""
        self.refresh()
        self.message.value = said

    def undo(self) -> None:
        """Withdraw this reviewer's last retrieval decision."""
        mine = self.store.current("retrieval", self.reviewer).sort_values("seq")
        if mine.empty:
            self._warn("Nothing to undo: you have recorded no retrieval here yet.")
            return
        rid = mine.iloc[-1]["target"]
        down = kept(self.store.retract, reviewer=self.reviewer, target=rid, stage="retrieval")
        self.refresh()
        self.message.value = f"Undone: not retrieved, on {self._name(rid)}."
        self.message.value += offline_note(down, self.store.where, "recording retrieval")

    def _name(self, rid: str) -> str:
        title = self.titles.get(rid, "(no title)")
        return f"“{html.escape(shorten(title, 80))}” ({html.escape(rid)})"

    def _warn(self, text: str) -> None:
        self.message.value = f"<span style='color:#b00'>{html.escape(text)}</span>"


def open_retrieval(
    workspace: str | Path, reviewer: str, *, new_reviewer: bool = False
) -> RetrievalWidget:
    """The retrieval widget for a workspace (what the full-text screening notebook calls)."""
    space = Workspace.at(workspace)
    table = space.build / "fulltext.csv"
    if not table.is_file():
        raise InputError(f"{table}: not found; run `scoping run --workspace {space.root}` first.")
    found = pd.read_csv(table, dtype=str, keep_default_na=False)
    found = found[found["status"].isin(LISTED)]
    records = pd.read_parquet(space.build / "unique.parquet", columns=["record_id", "title"])
    listed = found.merge(records, on="record_id", how="left").sort_values("record_id")
    store = space.decisions()
    reviewer, _greeting = choose_reviewer(store, reviewer, space.root, new=new_reviewer)
    unlisted = set(sought(space.build, store)) - set(pd.read_csv(table, dtype=str)["record_id"])
    return RetrievalWidget(listed, store, reviewer, unlisted=len(unlisted))
