"""Screening in a notebook: one record at a time, decisions straight into the store.

>>> widget = ScreeningWidget(records, store, reviewer="Ann")   # doctest: +SKIP
>>> widget                                                       # doctest: +SKIP

The widget shows the title, authors, year, source and abstract, with the codebook's
matched words highlighted. It has buttons for include, exclude (with a reason from
the store's list) and maybe, plus tags and a note. It shows progress (n screened of N,
includes so far) and a filter: unscreened, all, one theme, one topic, one source
database, or conflicts between reviewers. Keyboard shortcuts work while the pointer is
over the record (ipyevents captures the keys there, so JupyterLab's own shortcuts do
not fire): ``i`` include, ``e`` exclude, ``m`` maybe, ``1``-``9`` pick an exclusion
reason. The order is prioritised by the decisions so far, or seeded random for
calibration. Record text is untrusted: it is HTML-escaped before it is shown.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
from ipyevents import Event

from ..errors import InputError
from ..tags import Codebook, load_codebook, records_file, tag_record
from ..workspace import Workspace
from .assign import assigned_to
from .prioritise import features, queue
from .store import DecisionStore, pair_target


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    if hasattr(value, "__iter__"):  # author and keyword lists
        return "; ".join(str(v) for v in value)
    return str(value)


#: Tags of the elements that take typing: keys there are text, never decisions.
TYPING = frozenset({"INPUT", "TEXTAREA", "SELECT"})
#: Keys of the screening card and the decision each makes (digits pick a reason).
SHORTCUTS = {"i": "include", "e": "exclude", "m": "maybe"}


def _topic_order(label: str) -> tuple[int, str]:
    """Sort "10: ..." after "9: ..." (topic labels start with their number)."""
    head = label.split(":", 1)[0]
    return (int(head) if head.isdigit() else -1, label)


def highlight(text: str, words: list[str]) -> str:
    """HTML-escape ``text`` and wrap the matched ``words`` in ``<mark>``."""
    escaped = html.escape(text)
    for word in sorted(set(words), key=len, reverse=True):
        pattern = r"\b" + r"[\s\-]+".join(re.escape(html.escape(p)) for p in word.split()) + r"\b"
        escaped = re.sub(
            pattern, lambda m: f"<mark>{m.group(0)}</mark>", escaped, flags=re.IGNORECASE
        )
    return escaped


class ScreeningWidget(w.VBox):
    """Screen ``records`` into ``store`` as ``reviewer``.

    Parameters
    ----------
    records : DataFrame
        Records with record_id, title, abstract, authors, year, journal, database.
    store : DecisionStore
        Where decisions go (and the exclusion reasons come from).
    reviewer : str
        Required; stored with every decision.
    stage : str
        Screening stage, ``title_abstract`` or ``full_text``.
    codebook : Codebook, optional
        For highlighting matched words and the theme filter.
    order : {"model", "random"}
        Prioritised by the decisions so far, or seeded random order.
    seed : int
        Seed of the random order and the model.
    blind : bool
        Blind screening: nothing of other reviewers' decisions is shown, so the
        "conflicts" view (for the person resolving them) is only offered when False.
    topics : dict, optional
        record_id -> topic label (from ``scoping topics``), for the topic filter.
    """

    def __init__(
        self,
        records: pd.DataFrame,
        store: DecisionStore,
        reviewer: str,
        *,
        stage: str = "title_abstract",
        codebook: Codebook | None = None,
        order: str = "model",
        seed: int = 0,
        blind: bool = True,
        topics: dict[str, str] | None = None,
    ) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("give your name as reviewer: it is stored with every decision.")
        self.records = {r["record_id"]: r for r in records.to_dict("records")}
        self.store, self.reviewer, self.stage = store, reviewer.strip(), stage
        self.codebook, self.order, self.seed, self.blind = codebook, order, seed, blind
        self.topics = topics or {}
        self.texts = {
            rid: f"{_text(r.get('title'))} {_text(r.get('abstract'))}"
            for rid, r in self.records.items()
        }
        # the TF-IDF features do not change between decisions: computed once
        self.x = features([self.texts[r] for r in sorted(self.texts)]) if order == "model" else None
        self.current: str | None = None
        self._build()
        super().__init__([self.progress, self.filter, self.card, self.controls, self.message])
        self.shortcuts = Event(source=self.card, watched_events=["keydown"])
        self.shortcuts.ignore_modifier_key_events = True
        self.shortcuts.on_dom_event(self.on_key)
        self.show_next()

    def _build(self) -> None:
        self.progress = w.HTML()
        themes = [t.name for t in self.codebook.tags] if self.codebook else []
        views = ["unscreened", "all"] + ([] if self.blind else ["conflicts"])  # blind: never
        topics = sorted(set(self.topics.values()), key=_topic_order)
        options = [(v, v) for v in views] + [(f"theme: {t}", t) for t in themes]
        options += [(f"topic: {t}", f"topic:{t}") for t in topics]
        options += [(f"source: {d}", f"source:{d}") for d in self._databases()]
        self.filter = w.Dropdown(options=options, value="unscreened", description="Show")
        self.filter.observe(lambda _: self.show_next(), names="value")
        self.card = w.HTML()
        self.card.add_class("scoping-card")  # where the keys work
        self.buttons = {
            name: w.Button(description=name.title(), button_style=style)
            for name, style in (("include", "success"), ("exclude", "danger"), ("maybe", "warning"))
        }
        for name, button in self.buttons.items():
            button.on_click(lambda _, decision=name: self.decide(decision))
        self.reasons = self.store.stage_reasons.get(self.stage, self.store.reasons)
        self.reason = w.Dropdown(options=["", *self.reasons], description="Reason")
        self.tags = w.Text(description="Tags", placeholder="comma separated")
        self.note = w.Textarea(description="Note")
        reasons = ", ".join(f"{n} {r}" for n, r in enumerate(self.reasons[:9], start=1))
        hint = w.HTML(
            "<small>Keys, with the pointer over the record: <b>i</b> include, <b>e</b> "
            f"exclude, <b>m</b> maybe; reasons: {html.escape(reasons)}.</small>"
        )
        self.controls = w.VBox(
            [w.HBox(list(self.buttons.values())), hint, self.reason, self.tags, self.note]
        )
        self.message = w.HTML()

    def on_key(self, event: dict[str, Any]) -> None:
        """Act on a key pressed over the record (what ipyevents calls).

        ``i``, ``e`` and ``m`` decide as the buttons do; ``1`` to ``9`` pick that
        exclusion reason. A held-down key (``repeat``) and keys with Ctrl, Alt or Meta
        are ignored, so one press is one decision.
        """
        if event.get("repeat") or any(event.get(m) for m in ("ctrlKey", "altKey", "metaKey")):
            return
        if str((event.get("target") or {}).get("tagName", "")).upper() in TYPING:
            return  # a key typed into the note or tags box is text, not a decision
        key = str(event.get("key", "")).lower()
        if key in SHORTCUTS:
            self.decide(SHORTCUTS[key])
        elif key.isdigit() and 1 <= int(key) <= min(9, len(self.reasons)):
            self.reason.value = self.reasons[int(key) - 1]

    def _mine(self) -> pd.DataFrame:
        return self.store.current(self.stage, self.reviewer)

    def candidates(self) -> list[str]:
        """Record ids to show, in order, under the current filter."""
        mine = self._mine().sort_values("seq")
        done = list(zip(mine["target"], mine["decision"], strict=True))
        ranked = queue(self.texts, done, order=self.order, seed=self.seed, x=self.x).order
        choice = self.filter.value
        if choice == "all":
            return ranked + [t for t, _ in done]
        if choice == "conflicts":
            everyone = self.store.current(self.stage)
            split = everyone.groupby("target")["decision"].nunique()
            return sorted(split[split > 1].index)
        kind, _, name = choice.partition(":")
        if kind == "topic":
            return [rid for rid in ranked if self.topics.get(rid) == name]
        if kind == "source":
            return [rid for rid in ranked if name in self._sources(rid)]
        if choice != "unscreened":
            return [rid for rid in ranked if self._has_tag(rid, choice)]
        return ranked

    def _sources(self, rid: str) -> list[str]:
        """Databases a record came from (every copy's, after dedupe)."""
        record = self.records[rid]
        found = record.get("databases")
        if found is None or (isinstance(found, float) and pd.isna(found)):
            found = [record.get("database")]
        return [str(d) for d in found if isinstance(d, str) and d]

    def _databases(self) -> list[str]:
        return sorted({d for rid in self.records for d in self._sources(rid)})

    def _has_tag(self, rid: str, tag: str) -> bool:
        rows = tag_record(self.records[rid], self.codebook) if self.codebook else []
        return any(r["tag"] == tag and r["applied"] for r in rows)

    def show_next(self) -> None:
        """Show the first record under the filter, and the progress."""
        upcoming = self.candidates()
        self.current = upcoming[0] if upcoming else None
        mine = self._mine()
        includes = int((mine["decision"] == "include").sum())
        self.progress.value = (
            f"<b>{len(mine)}</b> screened of <b>{len(self.records)}</b>; "
            f"{includes} included so far ({html.escape(self.reviewer)})"
        )
        self.card.value = self._card(self.current) if self.current else "<i>Nothing to show.</i>"

    def _card(self, rid: str) -> str:
        record = self.records[rid]
        evidence = tag_record(record, self.codebook) if self.codebook else []
        words = [t.strip() for r in evidence if r["applied"] for t in r["matched_terms"].split(";")]
        meta = " | ".join(
            html.escape(_text(record.get(k)))
            for k in ("full_text", "authors", "year", "journal", "database")
            if _text(record.get(k))
        )
        tags = ", ".join(sorted({r["tag"] for r in evidence if r["applied"]}))
        return (
            f"<h3>{highlight(_text(record.get('title')), words)}</h3><p>{meta}</p>"
            f"<p>{highlight(_text(record.get('abstract')), words)}</p>"
            f"<p><small>{html.escape(rid)}{' | themes: ' + html.escape(tags) if tags else ''}"
            "</small></p>"
        )

    def decide(self, decision: str) -> None:
        """Store a decision on the current record (what the buttons call), then move on."""
        if self.current is None:
            return
        reason = self.reason.value or None
        try:
            self.store.record(
                reviewer=self.reviewer,
                target=self.current,
                stage=self.stage,
                decision=decision,
                reason=reason if decision == "exclude" else None,
                tags=[t.strip() for t in self.tags.value.split(",") if t.strip()],
                note=self.note.value or None,
            )
        except InputError as exc:
            self.message.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"
            return
        self.message.value = f"{decision}: {html.escape(self.current)}"
        self.reason.value, self.tags.value, self.note.value = "", "", ""
        self.show_next()


def open_screening(
    workspace: str | Path,
    reviewer: str,
    *,
    stage: str = "title_abstract",
    order: str = "model",
    seed: int = 0,
    blind: bool = True,
) -> ScreeningWidget:
    """The screening widget for a workspace (what the screening notebook calls).

    Records come from ``build/unique.parquet`` (or ``build/records.parquet``), decisions
    go to the workspace's decision store, and highlights use its codebook. When
    ``curation/assignments.csv`` exists (``scoping assign``), only the records assigned
    to the reviewer are shown. When ``scoping topics`` has run, its topics can be
    filtered on. An empty ``workspace`` is the one holding the current folder.
    """
    space = Workspace.at(workspace)
    records = pd.read_parquet(records_file(space.build))
    if stage == "full_text":  # the works included at title and abstract, texts found
        records = _retrieved(space, records)
    mine = assigned_to(space.assignments, reviewer or "")
    if mine is not None:  # an assignment exists: the reviewer sees only their records
        records = records[records["record_id"].isin(mine)]
    return ScreeningWidget(
        records,
        space.decisions(),
        reviewer,
        stage=stage,
        order=order,
        seed=seed,
        blind=blind,
        codebook=load_codebook(space.codebook),
        topics=_topic_labels(space.build),
    )


def _retrieved(space: Workspace, records: pd.DataFrame) -> pd.DataFrame:
    """The works whose full text was retrieved, each with a note of where it is."""
    table = space.build / "fulltext.csv"
    if not table.is_file():
        raise InputError(f"{table}: not found; run `scoping run --workspace {space.root}` first.")
    found = pd.read_csv(table, dtype=str, keep_default_na=False)
    found = found[found["status"] == "retrieved"].set_index("record_id")
    records = records[records["record_id"].isin(found.index)].copy()
    where = [
        f"Full text: {found.at[r, 'file'] or found.at[r, 'url'] or 'recorded as retrieved'}"
        + (f" ({found.at[r, 'problem']})" if found.at[r, "problem"] else "")
        for r in records["record_id"]
    ]
    records["full_text"] = where
    return records


def _topic_labels(build: Path) -> dict[str, str]:
    """record_id -> "N: label" of its main topic, where ``scoping topics`` has run.

    A record with no modelled words (topic -1) has no topic to filter on.
    """
    doc_topics, topics = build / "doc_topics.csv", build / "topics.csv"
    if not doc_topics.is_file() or not topics.is_file():
        return {}
    labels = pd.read_csv(topics, dtype={"topic": int, "label": str})
    name = {t: f"{t}: {label}" for t, label in zip(labels["topic"], labels["label"], strict=True)}
    rows = pd.read_csv(doc_topics, dtype={"record_id": str, "topic": int})
    pairs = zip(rows["record_id"], rows["topic"], strict=True)
    return {rid: name[t] for rid, t in pairs if t in name}


_PAIR_FIELDS = ("title", "authors", "year", "journal", "volume", "pages", "doi", "database")


class PairReviewWidget(w.VBox):
    """Decide the dedup "maybe" pairs: same work, or not the same.

    Each decision goes to the store (stage ``dedupe``, the pair as target) and
    ``scoping dedupe`` applies it on every later run.
    """

    def __init__(
        self, pairs: pd.DataFrame, records: pd.DataFrame, store: DecisionStore, reviewer: str
    ) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("give your name as reviewer: it is stored with every decision.")
        self.records = {r["record_id"]: r for r in records.to_dict("records")}
        self.pairs = [(a, b) for a, b in zip(pairs["a"], pairs["b"], strict=True)]
        self.store, self.reviewer = store, reviewer.strip()
        self.progress, self.card, self.message = w.HTML(), w.HTML(), w.HTML()
        self.buttons = {
            "same": w.Button(description="Same work", button_style="success"),
            "different": w.Button(description="Not the same", button_style="danger"),
        }
        for name, button in self.buttons.items():
            button.on_click(lambda _, decision=name: self.decide(decision))
        self.current: tuple[str, str] | None = None
        super().__init__(
            [self.progress, self.card, w.HBox(list(self.buttons.values())), self.message]
        )
        self.show_next()

    def _decided(self) -> set[str]:
        log = self.store.events()
        mine = log[(log["stage"] == "dedupe") & (log["reviewer"] == self.reviewer)]
        return set(mine["target"])

    def show_next(self) -> None:
        """Show the first pair this reviewer has not decided."""
        done = self._decided()
        left = [p for p in self.pairs if pair_target(*p) not in done]
        self.current = left[0] if left else None
        self.progress.value = (
            f"<b>{len(self.pairs) - len(left)}</b> of <b>{len(self.pairs)}</b> pairs decided"
        )
        self.card.value = self._card(*self.current) if self.current else "<i>No pairs left.</i>"

    def _card(self, a: str, b: str) -> str:
        rows = "".join(
            f"<tr><th>{name}</th><td>{html.escape(_text(self.records[a].get(name)))}</td>"
            f"<td>{html.escape(_text(self.records[b].get(name)))}</td></tr>"
            for name in _PAIR_FIELDS
        )
        return (
            f"<table><tr><th></th><th>{html.escape(a)}</th><th>{html.escape(b)}</th></tr>"
            f"{rows}</table>"
        )

    def decide(self, decision: str) -> None:
        """Store the decision on the current pair (what the buttons call), then move on."""
        if self.current is None:
            return
        target = pair_target(*self.current)
        self.store.record(
            reviewer=self.reviewer,
            target=target,
            target_kind="pair",
            stage="dedupe",
            decision=decision,
        )
        self.message.value = f"{decision}: {html.escape(target)}"
        self.show_next()


def open_pair_review(workspace: str | Path, reviewer: str) -> PairReviewWidget:
    """The pair-review widget for a workspace (what the dedup review notebook calls)."""
    space = Workspace.at(workspace)
    review, records = space.build / "dedupe_review.csv", space.build / "records.parquet"
    if not review.is_file() or not records.is_file():
        raise InputError(
            f"{space.build}: no dedup review yet; run `scoping run --workspace {space.root}` first."
        )
    return PairReviewWidget(
        pd.read_csv(review, dtype=str),
        pd.read_parquet(records),
        DecisionStore(space.store),
        reviewer,
    )
