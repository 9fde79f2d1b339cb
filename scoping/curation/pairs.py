"""Review of uncertain duplicates: same work, or not the same, with the reasons shown.

:class:`PairReviewWidget` shows one pair at a time from ``build/dedupe_review.csv``:
the two records' fields side by side, the fields that differ highlighted, and the rule
and score that flagged the pair. "Same work" (key ``s``), "Not the same" (``d``),
"Related reports" (``r``: two reports of one study, such as an erratum and its paper,
linked and never merged) and "Not related" (``n``) go to the decision store (stage
``dedupe``, the pair as target) and ``scoping run`` applies them; "Undo" (``u``)
withdraws the last one. Related and not related count as two works below. A decision
that contradicts
decisions already stored (anyone's) is refused before it is stored, naming them:
"same" on A-B when people's "same" decisions would then chain two records a person
said differ, or "different" on A-B that people's "same" decisions already chain.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from ..errors import InputError
from ..graph import components
from ..text import fold, shorten
from ..workspace import Workspace
from .backends import Unreachable
from .identity import choose_reviewer
from .keys import KeyCard
from .keys import shown as _text
from .store import DecisionStore, pair_decisions, pair_target
from .widgets import kept, offline_note

FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "database")
KEYS = {"s": "same", "d": "different", "r": "related", "n": "not related", "u": "undo"}
#: What each decision says, in the message after it.
SAID = {
    "same": "same work",
    "different": "not the same",
    "related": "related reports (linked, not merged)",
    "not related": "not related",
}
_DIFFERS = "background:#fee2e2"
_CELL = "border:1px solid #d1d5db;padding:2px 8px;text-align:left;vertical-align:top"


def contradiction(
    decisions: dict[frozenset[str], str], a: str, b: str, decision: str
) -> str | None:
    """Why deciding ``decision`` on ``a``-``b`` contradicts the people's ``decisions``.

    People's "same" decisions chain into groups; a "different" inside one group is a
    contradiction. Returns a sentence naming the decisions in the way, or None.

    >>> said = {frozenset({"A", "B"}): "same", frozenset({"B", "C"}): "different"}
    >>> print(contradiction(said, "A", "C", "same"))
    B and C were decided not the same, and the 'same' decisions A-B, A-C (this one) put
    them together
    >>> contradiction(said, "A", "C", "different") is None
    True
    """
    given = {p: d for p, d in decisions.items() if p != frozenset((a, b))}
    given[frozenset((a, b))] = decision
    same = sorted(tuple(sorted(p)) for p, d in given.items() if d == "same" and len(p) == 2)
    group = components(same)
    if decision == "different":
        together = group.get(a, a) == group.get(b, b)
        return f"people's 'same' decisions already chain {a} and {b}" if together else None
    for x, y in sorted(tuple(sorted(p)) for p, d in given.items() if d == "different"):
        if group.get(x, x) == group.get(y, y):
            links = [
                f"{p}-{q}" + (" (this one)" if {p, q} == {a, b} else "")
                for p, q in same
                if group.get(p) == group.get(x)
            ]
            return (
                f"{x} and {y} were decided not the same, and the 'same' decisions "
                f"{', '.join(links)} put them together"
            )
    return None


def _why(score: Any, shown: list[tuple[str, str, str]]) -> str:
    """Why a pair is asked about, in words, from the fields the card shows side by side.

    How alike the titles are (the rule's score), then which other fields agree, differ,
    or are given on one side only (``shown``: field, one value, the other).
    """
    try:
        score = float(score or "")
        titles = "The titles are the same" if score >= 0.99 else f"The titles are {score:.0%} alike"
    except ValueError:
        titles = "A title is missing"
    found: dict[str, list[str]] = {"Agree": [], "Differ": [], "Given by one only": []}
    for name, x, y in shown:
        if name == "title" or not (x or y):
            continue
        if not (x and y):
            found["Given by one only"].append(name)
        elif fold(x) == fold(y):
            found["Agree"].append(name)
        else:
            found["Differ"].append(name)
    return ". ".join([titles] + [f"{h}: {', '.join(n)}" for h, n in found.items() if n]) + "."


class PairReviewWidget(w.VBox):
    """Decide the dedup "maybe" pairs: same work, or not the same.

    Parameters
    ----------
    pairs : DataFrame
        ``dedupe_review.csv``: a, b, and where known decision, score, rule, agreed,
        disagreed.
    records : DataFrame
        The records (``records.parquet``).
    store : DecisionStore
        Where decisions go.
    reviewer : str
        Stored with every decision.
    groups : dict, optional
        Record -> its work (``duplicates.csv``'s ``group_id``) as the last run grouped
        them. A pair that these groups and people's "same" decisions already join is not
        asked about: it is one work whatever is said of it.
    """

    def __init__(
        self,
        pairs: pd.DataFrame,
        records: pd.DataFrame,
        store: DecisionStore,
        reviewer: str,
        groups: dict[str, str] | None = None,
    ) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("give your name as reviewer: it is stored with every decision.")
        self.records = {r["record_id"]: r for r in records.to_dict("records")}
        self.pairs = {
            (row["a"], row["b"]): row
            for row in pairs.fillna("").to_dict("records")
            if row["a"] in self.records and row["b"] in self.records
        }
        self.store, self.reviewer = store, " ".join(reviewer.split())
        asked = {r for pair in self.pairs for r in pair}
        self.groups = {r: g for r, g in (groups or {}).items() if r in asked}
        self.progress, self.message = w.HTML(), w.HTML()
        self.card = KeyCard(self.on_key)
        self.buttons = {
            "same": w.Button(description="Same work", button_style="success"),
            "different": w.Button(description="Not the same", button_style="danger"),
            "related": w.Button(description="Related reports", button_style="info"),
            "not related": w.Button(description="Not related"),
            "undo": w.Button(description="Undo", icon="undo"),
        }
        key_of = {action: key for key, action in KEYS.items()}
        for name, button in self.buttons.items():
            button.on_click(lambda _, key=key_of[name]: self.on_key(key))
        hint = w.HTML(
            "<small>Keys, with the pointer over the pair: <b>s</b> same work, <b>d</b> not "
            "the same, <b>r</b> related reports of one study (an erratum and its paper, a "
            "preprint and its article: linked, never merged), <b>n</b> not related, "
            "<b>u</b> undo. Fields that differ are shaded red.</small>"
        )
        self.current: tuple[str, str] | None = None
        super().__init__(
            [self.progress, self.card, w.HBox(list(self.buttons.values())), self.message, hint]
        )
        self.show_next()

    def _mine(self) -> pd.DataFrame:
        """The reviewer's standing pair decisions, in the order made."""
        log = self.store.current("dedupe", self.reviewer)
        return log.sort_values("seq")

    def _standing(self) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """The pairs this reviewer decided, and the undecided ones other decisions settle.

        Settled: one work through the last run's groups and people's "same" decisions
        since, or two works that a person's other decision on a member keeps apart.
        Asking about them would ask the same question twice.
        """
        mine = set(self._mine()["target"])
        done = {p for p in self.pairs if pair_target(*p) in mine}
        said = [(tuple(p), d) for p, d in pair_decisions(self.store).items()]
        same = [p for p, d in said if d == "same"]
        work = components([*same, *((r, f"work {g}") for r, g in self.groups.items())])

        def of(pair: tuple[str, ...]) -> frozenset[str]:
            return frozenset(work.get(r, r) for r in pair)

        apart = {of(p) for p, d in said if d != "same"}
        settled = {p for p in self.pairs if len(of(p)) == 1 or of(p) in apart}
        return done, settled - done

    def show_next(self) -> None:
        """Show the first pair still to ask about: not decided, not settled by others."""
        done, settled = standing = self._standing()
        left = [p for p in self.pairs if p not in done and p not in settled]
        self.show(left[0] if left else None, standing)

    def show(
        self,
        pair: tuple[str, str] | None,
        standing: tuple[set[tuple[str, str]], set[tuple[str, str]]] | None = None,
    ) -> None:
        """Show ``pair`` (None: no pairs left), and the count (``standing`` if known)."""
        self.current = pair
        self.card.value = self._card(*pair) if pair else "<i>No pairs left to decide.</i>"
        done, settled = standing or self._standing()
        self.progress.value = f"<b>{len(done)}</b> of <b>{len(self.pairs)}</b> pairs decided" + (
            f"; {len(settled)} settled by other decisions" if settled else ""
        )

    def _card(self, a: str, b: str) -> str:
        flagged = self.pairs[(a, b)]
        shown = [
            (name, _text(self.records[a].get(name)), _text(self.records[b].get(name)))
            for name in FIELDS
        ]
        rows = []
        for name, x, y in shown:
            differ = x and y and fold(x) != fold(y)  # not case or stops; not a blank side
            style = f" style='{_DIFFERS}'" if differ else ""
            rows.append(
                f"<tr{style}><th style='{_CELL}'>{name}</th><td style='{_CELL}'>"
                f"{html.escape(x)}</td><td style='{_CELL}'>{html.escape(y)}</td></tr>"
            )
        return (
            f"<p><b>Are these the same work, or related reports of one study?</b> "
            f"{html.escape(_why(flagged.get('score'), shown))}<br><small style='color:#555'>Rule: "
            f"{html.escape(str(flagged.get('rule') or 'unknown'))}</small></p>"
            f"<table style='border-collapse:"
            f"collapse'><tr><th></th><th style='{_CELL}'>{html.escape(a)}</th>"
            f"<th style='{_CELL}'>{html.escape(b)}</th></tr>{''.join(rows)}</table>"
        )

    def on_key(self, key: str) -> None:
        """``s`` same, ``d`` different, ``r`` related, ``n`` not related, ``u`` undo."""
        action = KEYS.get(key.lower())
        if action == "undo":
            self.undo()
        elif action:
            self.decide(action)

    def decide(self, decision: str) -> None:
        """Store the decision on the current pair, unless it contradicts others; move on."""
        if self.current is None:
            return
        a, b = self.current
        two = {
            p: "same" if d == "same" else "different" for p, d in pair_decisions(self.store).items()
        }
        why = contradiction(two, a, b, "same" if decision == "same" else "different")
        if why:
            self.message.value = (
                f"<span style='color:#b00'>Not stored: {html.escape(why)}. Undo or change "
                "one of those decisions first, if this one is right.</span>"
            )
            return
        target = pair_target(a, b)
        said = f"{self._named(a, b)}: {SAID[decision]}. <b>Undo</b> (u) takes it back."
        try:
            self.store.record(
                reviewer=self.reviewer,
                target=target,
                target_kind="pair",
                stage="dedupe",
                decision=decision,
            )
        except Unreachable as exc:  # kept on this machine, sent when the server is back
            said = offline_note(exc, self.store.where, "deciding pairs").lstrip()
        self.show_next()
        self.message.value = said

    def undo(self) -> None:
        """Withdraw this reviewer's last pair decision and show that pair again."""
        mine = self._mine()
        if mine.empty:
            self.message.value = "<span style='color:#b00'>Nothing to undo yet.</span>"
            return
        target, decision = mine.iloc[-1][["target", "decision"]]
        down = kept(self.store.retract, reviewer=self.reviewer, target=target, stage="dedupe")
        a, b = target.split("|")
        self.show((a, b) if (a, b) in self.pairs else (b, a) if (b, a) in self.pairs else None)
        said = SAID.get(decision, decision)
        self.message.value = f"Undone: {html.escape(said)}, on {self._named(a, b)}."
        self.message.value += offline_note(down, self.store.where, "deciding pairs")

    def _named(self, a: str, b: str) -> str:
        """A pair as a person reads it (HTML): its title, and the two record ids."""
        record = self.records.get(a) or self.records.get(b) or {}
        title = _text(record.get("title")) or "(no title)"
        return f"“{html.escape(shorten(title, 80))}” ({html.escape(a)}, {html.escape(b)})"


def open_pair_review(
    workspace: str | Path, reviewer: str, *, new_reviewer: bool = False
) -> PairReviewWidget:
    """The pair-review widget for a workspace (what the dedup review notebook calls)."""
    space = Workspace.at(workspace)
    review, records = space.build / "dedupe_review.csv", space.build / "records.parquet"
    if not review.is_file() or not records.is_file():
        raise InputError(
            f"{space.build}: no duplicate review yet; run `scoping run` in {space.root} first."
        )
    store = space.decisions()
    reviewer, greeting = choose_reviewer(store, reviewer, space.root, new=new_reviewer)
    widget = PairReviewWidget(
        pd.read_csv(review, dtype=str),
        pd.read_parquet(records),
        store,
        reviewer,
        groups=_groups(space.build / "duplicates.csv"),
    )
    widget.message.value = html.escape(greeting)
    return widget


def _groups(path: Path) -> dict[str, str]:
    """Record -> its work, as the last run grouped them (none before a run)."""
    if not path.is_file():
        return {}
    found = pd.read_csv(path, dtype=str, usecols=["record_id", "group_id"])
    return dict(zip(found["record_id"], found["group_id"], strict=True))
