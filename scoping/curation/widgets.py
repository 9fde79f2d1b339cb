"""Screening in a notebook: one record at a time, decisions straight into the store.

>>> widget = ScreeningWidget(records, store, reviewer="Ann")   # doctest: +SKIP
>>> widget                                                       # doctest: +SKIP

The widget shows the title, authors, year, source and abstract, with the codebook's
matched words highlighted in a colour per kind of tag (a legend says which), and the
workspace's own include and exclude keywords in green and red. Above the buttons sits
the exclusion reason, which an exclusion needs first. Every record shows whether it
is decided already (the decision, reason, who and when), and, outside blind mode,
every reviewer's decision side by side. "Undo" withdraws the last decision (a
``retract`` event: the log stays append-only) and shows that record again; "Previous"
steps back through the records decided, to change a mind.

The Show list groups filters by kind, each with the number of records it matches:
status (not yet screened, all, conflicts), theme, setting, staff group, design,
outcome, topic and source database. Tags come from the tag stage's output, read once.

Keys act on the record card (:class:`~scoping.curation.keys.KeyCard`), with the
pointer over it and no text box focused: ``i`` include, ``e`` exclude, ``m`` maybe,
``1``-``9`` pick an exclusion reason, ``u`` undo, ``p`` previous. The order is
prioritised by the decisions so far, or seeded random for calibration. Record text is
untrusted: it is HTML-escaped before it is shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from ..errors import InputError
from ..tags import Codebook, load_codebook, records_file, tag_records
from ..text import shorten
from ..workspace import Workspace
from .assign import assigned_to, conflicts, resolved_by
from .backends import Unreachable
from .earlier import earlier_of
from .identity import choose_reviewer
from .keys import KeyCard
from .keys import shown as _text
from .linked import Linked, linked_list, read_links, retraction_banner
from .prioritise import Earlier, queue, queue_features
from .store import NEEDS_REASON, DecisionStore, effective, stored_tags

#: Keys of the screening card and what each does (digits pick a reason).
SHORTCUTS = {"i": "include", "e": "exclude", "m": "maybe", "u": "undo", "p": "previous"}
#: Kinds of codebook tag, in the order the Show list and the legend give them, with
#: their readable names and highlight colours (pale, so black text stays readable).
KINDS = {
    "theme": ("Theme", "#fde68a"),
    "setting": ("Setting", "#bfdbfe"),
    "staff": ("Staff group", "#ddd6fe"),
    "design": ("Design", "#fbcfe8"),
    "outcome": ("Outcome", "#a5f3fc"),
}
#: The workspace's own keyword lists (``scoping.yml`` ``highlight:``), as Rayyan has.
KEYWORDS = {"include": ("Include keyword", "#86efac"), "exclude": ("Exclude keyword", "#fca5a5")}
#: Status views: the filter value and its name in the Show list.
VIEWS = {
    "unscreened": "Not yet screened by you",
    "all": "All records",
    "conflicts": "Reviewers disagree (not yet resolved)",
}


def _topic_order(label: str) -> tuple[int, str]:
    """Sort "10: ..." after "9: ..." (topic labels start with their number)."""
    head = label.split(":", 1)[0]
    return (int(head) if head.isdigit() else -1, label)


def highlight(text: str, words: dict[str, str] | list[str]) -> str:
    """HTML-escape ``text`` and wrap the matched ``words`` in ``<mark>``.

    ``words`` maps each word to its highlight colour (or is a plain list: one colour).
    Longer words are marked first, and a word already inside a mark is not marked again.
    """
    colours = words if isinstance(words, dict) else dict.fromkeys(words, "")
    escaped = html.escape(text)
    for word in sorted(colours, key=len, reverse=True):
        pattern = r"\b" + r"[\s\-]+".join(re.escape(html.escape(p)) for p in word.split()) + r"\b"
        style = f' style="background:{colours[word]}"' if colours[word] else ""
        marked = re.split(r"(<mark[^>]*>.*?</mark>)", escaped)
        escaped = "".join(
            part
            if part.startswith("<mark")
            else re.sub(pattern, rf"<mark{style}>\g<0></mark>", part, flags=re.I)
            for part in marked
        )
    return escaped


def _legend() -> str:
    chips = [
        f"<span style='background:{colour};padding:0 4px'>{name}</span>"
        for name, colour in [*KINDS.values(), *KEYWORDS.values()]
    ]
    return f"<small>Highlights: {' '.join(chips)}</small>"


@dataclass
class Filters:
    """The Show list: (label, value) options and the records each value matches.

    Computed once from the records, the tag stage's evidence and the topics; a
    decision never recomputes it.
    """

    options: list[tuple[str, str]] = field(default_factory=list)
    members: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        records: dict[str, dict[str, Any]],
        evidence: pd.DataFrame,
        topics: dict[str, str],
        codebook: Codebook | None,
        views: list[str],
    ) -> Filters:
        """Filters for ``records``: status ``views``, then tags by kind, topics, sources."""
        found = cls()
        for view in views:
            found.options.append((f"Status · {VIEWS[view]}", view))
        applied = evidence[evidence["applied"]] if len(evidence) else evidence
        labels = {t.name: (t.group, t.label) for t in codebook.tags} if codebook else {}
        groups = [*KINDS, *sorted({g for g, _ in labels.values()} - set(KINDS))]
        for kind in groups:  # a codebook's own kinds of tag follow the usual ones
            kind_name = KINDS[kind][0] if kind in KINDS else kind.replace("_", " ").capitalize()
            for tag, (group, label) in labels.items():
                if group == kind:
                    ids = applied.loc[applied["tag"] == tag, "record_id"]
                    found._add(f"{kind_name} · {label}", f"tag:{tag}", ids)
        for label in sorted(set(topics.values()), key=_topic_order):
            found._add(
                f"Topic · {label}", f"topic:{label}", [r for r, t in topics.items() if t == label]
            )
        by_source: dict[str, list[str]] = {}
        for rid, record in records.items():
            for name in _sources(record):
                by_source.setdefault(name, []).append(rid)
        for name in sorted(by_source):
            found._add(f"Source · {name}", f"source:{name}", by_source[name])
        return found

    def _add(self, label: str, value: str, ids: Any) -> None:
        self.members[value] = frozenset(ids)
        self.options.append((f"{label} ({len(self.members[value])})", value))


def _sources(record: dict[str, Any]) -> list[str]:
    """Databases a record came from (every copy's, after dedupe)."""
    found = record.get("databases")
    if found is None or (isinstance(found, float) and pd.isna(found)):
        found = [record.get("database")]
    return [str(d) for d in found if isinstance(d, str) and d]


#: A web address in escaped text (the full text's link on a card), made a link.
_URL = re.compile(r"https?://[^\s<>\"|]+")


class ScreeningWidget(w.VBox):
    """Screen ``records`` into ``store`` as ``reviewer``.

    Parameters
    ----------
    records : DataFrame
        Records with record_id, title, abstract, authors, year, journal, database.
    store : DecisionStore
        Where decisions go (and the exclusion reasons come from).
    reviewer : str
        Required; stored with every decision (see :func:`~.identity.choose_reviewer`).
    stage : str
        Screening stage, ``title_abstract`` or ``full_text``.
    codebook : Codebook, optional
        Names, kinds and labels of the tags, for the filters and the highlights.
    evidence : DataFrame, optional
        The tag stage's evidence (``build/tags.csv``); computed once from ``codebook``
        when not given.
    order : {"model", "random"}
        Prioritised by the decisions so far, or seeded random order.
    seed : int
        Seed of the random order and the model.
    blind : bool
        Blind screening: nothing of other reviewers' decisions is shown, so the
        "conflicts" view (for the person resolving them) is only offered when False.
    topics : dict, optional
        record_id -> topic label (from ``scoping topics``), for the topic filter.
    keywords : dict, optional
        ``{"include": [...], "exclude": [...]}``: the group's own words to highlight.
    links : dict, optional
        record_id -> its linked reports (:func:`.linked.read_links`): listed on the card
        with the reviewer's decision on each; "Same decision for its linked reports"
        applies a decision to those not yet decided.
    earlier : Earlier, optional
        Decisions on an earlier, related review (:mod:`.earlier`), which the order is
        trained on too.
    """

    def __init__(
        self,
        records: pd.DataFrame,
        store: DecisionStore,
        reviewer: str,
        *,
        stage: str = "title_abstract",
        codebook: Codebook | None = None,
        evidence: pd.DataFrame | None = None,
        order: str = "model",
        seed: int = 0,
        blind: bool = True,
        topics: dict[str, str] | None = None,
        keywords: dict[str, list[str]] | None = None,
        links: dict[str, list[Linked]] | None = None,
        earlier: Earlier | None = None,
    ) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("give your name as reviewer: it is stored with every decision.")
        self.records = {r["record_id"]: r for r in records.to_dict("records")}
        self.store, self.reviewer, self.stage = store, " ".join(reviewer.split()), stage
        # The last decision given to a record's linked reports too: (record, the others),
        # so that one undo takes back the whole of it.
        self._applied: tuple[str, list[str]] | None = None
        self.order, self.seed, self.blind = order, seed, blind
        self.links = links or {}
        if evidence is None:
            evidence = tag_records(records, codebook) if codebook else pd.DataFrame()
        elif len(evidence):  # the counts are of the records shown (an assignment, full text)
            evidence = evidence[evidence["record_id"].isin(self.records)]
        self.words = _colours(evidence)
        given = keywords or {}
        self.keywords = {t: KEYWORDS[k][1] for k in KEYWORDS for t in given.get(k, []) if t}
        views = ["unscreened", "all"] + ([] if blind else ["conflicts"])  # blind: never
        self.topics = {r: t for r, t in (topics or {}).items() if r in self.records}
        self.filters = Filters.of(self.records, evidence, self.topics, codebook, views)
        self.texts = {
            rid: f"{_text(r.get('title'))} {_text(r.get('abstract'))}"
            for rid, r in self.records.items()
        }
        # the TF-IDF features do not change between decisions: computed once
        self.earlier = earlier
        model = order == "model" and bool(self.texts)  # no records: nothing to rank
        self.x = queue_features(self.texts, earlier=earlier) if model else None
        self.current: str | None = None
        self._filled = False  # whether the reason, tags and note show a standing decision
        self._build()
        super().__init__(
            [
                self.progress,
                self.advice,  # the stopping aid: shown to weigh, never applied
                self.filter,
                w.HTML(_legend()),
                self.card,
                self.reason,
                w.HBox(list(self.buttons.values())),
                self.message,  # beside the buttons: what a click did, or why it did not
                self.apply_linked,
                self.hint,
                self.tags,
                self.note,
            ]
        )
        self.show_next()

    def _build(self) -> None:
        self.progress, self.message, self.advice = w.HTML(), w.HTML(), w.HTML()
        self.filter = w.Dropdown(
            options=self.filters.options,
            value="unscreened",
            description="Show",
            layout=w.Layout(width="max-content"),
        )
        self.filter.observe(self._refilter, names="value")
        self.card = KeyCard(self.on_key)
        self.reasons = self.store.stage_reasons.get(self.stage, self.store.reasons)
        self.reason = w.Dropdown(
            options=["", *self.reasons], description="Reason", layout=w.Layout(width="max-content")
        )
        styles = {"include": "success", "exclude": "danger", "maybe": "warning"}
        self.buttons = {
            n: w.Button(description=n.title(), button_style=s) for n, s in styles.items()
        }
        for name, button in self.buttons.items():
            button.on_click(lambda _, decision=name: self.decide(decision))
        self.buttons["undo"] = w.Button(description="Undo", icon="undo", tooltip="Undo (u)")
        self.buttons["previous"] = w.Button(description="Previous", tooltip="Previous (p)")
        self.buttons["undo"].on_click(lambda _: self.undo())
        self.buttons["previous"].on_click(lambda _: self.previous())
        self.apply_linked = w.Checkbox(
            value=False, description="Same decision for its linked reports", indent=False
        )
        self.tags = w.Text(description="Tags", placeholder="comma separated")
        self.note = w.Textarea(description="Note")
        reasons = ", ".join(f"{n} {r}" for n, r in enumerate(self.reasons[:9], start=1))
        self.hint = w.HTML(
            "<small>Keys, with the pointer over the record and no text box in use: "
            "<b>i</b> include, <b>e</b> exclude (choose its reason first), <b>m</b> maybe, "
            f"<b>u</b> undo, <b>p</b> previous; reasons: {html.escape(reasons)}.</small>"
        )

    # ------------------------------------------------------------------ reading
    def _log(self) -> pd.DataFrame:
        """The standing events of this stage (undone ones removed), in order."""
        log = self.store.events()
        return effective(log[log["stage"] == self.stage]).sort_values("seq")

    def _decided(self, log: pd.DataFrame) -> pd.DataFrame:
        """The reviewer's current decision on each record, in the order made."""
        mine = log[log["reviewer"] == self.reviewer]
        return mine.groupby("target", sort=False).tail(1).sort_values("seq")

    def _advice(self) -> str:
        """The stopping aid (HTML), and on a line of its own what else the order learns from."""
        if self.stage == "full_text":  # every full text is read: no stopping rule here
            return ""
        advice = f"<small>{html.escape(self.queue.stopping_advice())}</small>"
        if self.earlier is None or self.order != "model":
            return advice
        told = self.earlier.counts()
        learnt = (
            f"The order also learns from {told['records']} decisions ({told['included']} "
            f"included) of the earlier review {Path(told['source']).name}."
        )
        return f"{advice}<br><small>{html.escape(learnt)}</small>"

    def candidates(self) -> list[str]:
        """Record ids to show, in order, under the current filter."""
        choice = self.filter.value
        if choice == "conflicts":
            table = conflicts(self.store, self.stage)
            return [r for r in table.loc[~table["resolved"], "record_id"] if r in self.records]
        mine = self._decided(self._log())
        done = list(zip(mine["target"], mine["decision"], strict=True))
        self.queue = queue(
            self.texts, done, order=self.order, seed=self.seed, x=self.x, earlier=self.earlier
        )
        self.advice.value = self._advice()
        ranked = self.queue.order
        if choice == "all":
            return ranked + [t for t, _ in done if t in self.records]
        if choice == "unscreened":
            return ranked
        members = self.filters.members[choice]
        return [rid for rid in ranked if rid in members]

    # ------------------------------------------------------------------ showing
    def _refilter(self, _change: Any = None) -> None:
        self.message.value = ""  # a message belongs to the view it was given in
        self.show_next()

    def show_next(self) -> None:
        """Show the first record under the filter, and the progress."""
        upcoming = self.candidates()
        self.show(upcoming[0] if upcoming else None)

    def show(self, rid: str | None) -> None:
        """Show record ``rid`` (None: nothing left) with its decisions, and the progress."""
        self.current = rid
        log = self._log()
        mine = self._decided(log)
        self.progress.value = self._progress(log, mine)
        if rid is None:
            decided = int(mine["target"].isin(self.records).sum())
            self.card.value = f"<i>{html.escape(self._nothing_left(decided))}</i>"
            return
        self.card.value = self._card(rid, log[log["target"] == rid], mine)
        self._fill(mine[mine["target"] == rid])

    def _progress(self, log: pd.DataFrame, mine: pd.DataFrame) -> str:
        """The progress line: records screened and included, then resolutions.

        A resolution (this reviewer settling a disagreement of others, as a lead does) is
        counted on its own, not as a record this reviewer screened.
        """
        settled = resolved_by(log, self.reviewer)
        own = mine[~mine["target"].isin(settled)]
        includes = int((own["decision"] == "include").sum())
        line = (
            f"<b>{len(own)}</b> screened of <b>{len(self.records)}</b>; "
            f"{includes} included so far ({html.escape(self.reviewer)})"
        )
        plural = "s" if len(settled) > 1 else ""
        return line + (f"; {len(settled)} disagreement{plural} resolved" if settled else "")

    def _fill(self, standing: pd.DataFrame) -> None:
        """Show the reason, tags and note of the reviewer's standing decision on a record.

        Changing a mind then keeps them; they are emptied again on a record not yet decided.
        """
        if standing.empty:
            if self._filled:
                self.reason.value, self.tags.value, self.note.value = "", "", ""
            self._filled = False
            return
        last = standing.iloc[-1]
        reason = _text(last.get("reason"))
        self.reason.value = reason if reason in self.reasons else ""
        self.tags.value = ", ".join(stored_tags(last.get("tags")))
        self.note.value = _text(last.get("note"))
        self._filled = True

    def _nothing_left(self, decided: int) -> str:
        """Why no record is shown: none here at all, all screened, or the filter."""
        if not self.records and self.stage == "full_text":
            return (
                "No work to screen at full text yet. A work comes here once it is included "
                "at title and abstract and its full text is retrieved: put the full texts in "
                "corpus/fulltext/ (or list them in corpus/fulltext/index.csv), then run "
                "`scoping run`."
            )
        if not self.records:
            return "No records to screen here (none is assigned to you, or none was read)."
        if decided >= len(self.records) and self.filter.value in ("unscreened", "all"):
            return f"You have screened all {len(self.records)} records here."
        return "Nothing to show under this filter."

    def _card(self, rid: str, log: pd.DataFrame, mine: pd.DataFrame) -> str:
        record = self.records[rid]
        meta = " | ".join(
            _URL.sub(r'<a href="\g<0>" target="_blank" rel="noopener">\g<0></a>', shown)
            for k in ("full_text", "authors", "year", "journal", "database")
            if (shown := html.escape(_text(record.get(k))))
        )
        words = {**self.words.get(rid, {}), **self.keywords}  # the group's lists win
        current = log.groupby("reviewer").tail(1).sort_values("reviewer")
        return (
            f"{retraction_banner(record)}{_mine(current[current['reviewer'] == self.reviewer])}"
            f"<h3>{highlight(_text(record.get('title')), words)}</h3>"
            f"<p>{meta}</p><p>{highlight(_text(record.get('abstract')), words)}</p>"
            f"{self._linked(rid, mine)}{'' if self.blind else _everyone(current)}"
            f"<p><small>{html.escape(rid)}</small></p>"
        )

    def _linked(self, rid: str, mine: pd.DataFrame) -> str:
        """The record's linked reports, each with this reviewer's decision on it (``mine``)."""
        links = self.links.get(rid, [])
        if not links:
            return ""
        decided = {
            t: f"you decided: {d}" for t, d in zip(mine["target"], mine["decision"], strict=True)
        }
        titles = {o: _text(self.records.get(o, {}).get("title")) or o for o, _, _ in links}
        return linked_list(links, titles, decided)

    # ------------------------------------------------------------------ acting
    def on_key(self, key: str) -> None:
        """Act on a key pressed on the record card (see :data:`SHORTCUTS`).

        ``1`` to ``9`` pick that exclusion reason; keys are case-blind.
        """
        key = key.lower()
        action = SHORTCUTS.get(key)
        if action == "undo":
            self.undo()
        elif action == "previous":
            self.previous()
        elif action:
            self.decide(action)
        elif key.isdigit() and 1 <= int(key) <= min(9, len(self.reasons)):
            self.reason.value = self.reasons[int(key) - 1]

    def decide(self, decision: str) -> None:
        """Store a decision on the current record (what the buttons call), then move on."""
        if self.current is None:
            self._warn("No record is shown here, so there is nothing to decide.")
            return
        reason = self.reason.value or None
        if decision in NEEDS_REASON and not reason:
            self._warn("Choose the reason first: the Reason list above the buttons, or keys 1-9.")
            return
        offline, self._applied = None, None
        try:
            self.store.record(
                reviewer=self.reviewer,
                target=self.current,
                stage=self.stage,
                decision=decision,
                reason=reason if decision in NEEDS_REASON else None,
                tags=[t.strip() for t in self.tags.value.split(",") if t.strip()],
                note=self.note.value or None,
            )
        except Unreachable as exc:  # kept on this machine, sent when the server is back
            offline = exc
        except InputError as exc:
            self._warn(str(exc))
            return
        applied = 0
        if self.apply_linked.value:
            try:
                applied = self._apply_to_linked(decision, reason)
            except Unreachable as exc:
                offline = exc
        if offline is not None:
            self.reason.value, self.tags.value, self.note.value = "", "", ""
            self.show_next()
            self._notice(offline_message(offline, self.store.where))
            return
        self.message.value = (
            f"{decision.title()}{f' ({html.escape(reason)})' if decision in NEEDS_REASON else ''}"
            f": {self._title(self.current)}"
            + (f", and {applied} linked report{'s' * (applied != 1)}" if applied else "")
            + ". <b>Undo</b> (u) takes it back."
        )
        self.reason.value, self.tags.value, self.note.value = "", "", ""
        self.show_next()

    def _apply_to_linked(self, decision: str, reason: str | None) -> int:
        """The same decision on the current record's linked reports not yet decided."""
        rid = self.current
        mine = set(self._decided(self._log())["target"])
        others = [o for o, _, _ in self.links.get(rid, []) if o in self.records and o not in mine]
        events = [
            {
                "reviewer": self.reviewer,
                "target": other,
                "stage": self.stage,
                "decision": decision,
                "reason": reason if decision in NEEDS_REASON else None,
                "note": f"Applied from its linked report {rid}.",
            }
            for other in others
        ]
        if not events:
            return 0
        self._applied = (rid, others)  # set before sending: kept locally, it counts too
        return len(self.store.record_many(events))

    def undo(self) -> None:
        """Withdraw this reviewer's last standing decision here, and show that record."""
        mine = self._log()
        mine = mine[(mine["reviewer"] == self.reviewer) & mine["target"].isin(self.records)]
        if mine.empty:
            self._warn("Nothing to undo: you have no decision here yet.")
            return
        target, also = mine.iloc[-1]["target"], []
        if self._applied and target in self._applied[1]:  # one action: undo all of it
            target, others = self._applied
            also = [o for o in others if o in set(mine["target"])]
        self._applied = None
        decision = mine[mine["target"] == target].iloc[-1]["decision"]
        offline = [
            kept(self.store.retract, reviewer=self.reviewer, target=t, stage=self.stage)
            for t in [*also, target]
        ]
        self.candidates()  # the stopping aid's counts, without the undone decision
        self.show(target)
        self.message.value = (
            f"Undone: {html.escape(decision)} on {self._title(target)}"
            + (f", and on {len(also)} linked report{'s' * (len(also) != 1)}" if also else "")
            + ". Decide it again when ready."
        )
        down = next((e for e in offline if e is not None), None)  # kept here, sent later
        self.message.value += offline_note(down, self.store.where, "screening")

    def previous(self) -> None:
        """Step back to the record decided before the one shown, to look or change a mind."""
        decided = [t for t in self._decided(self._log())["target"] if t in self.records]
        at = decided.index(self.current) if self.current in decided else len(decided)
        if at == 0:
            self._warn("No earlier record: this is the first you decided.")
            return
        self.show(decided[at - 1])
        self.message.value = (
            "An earlier record: a new decision replaces yours (the log keeps both)."
        )

    def _title(self, rid: str) -> str:
        title = _text(self.records[rid].get("title")) or "(no title)"
        return f"“{html.escape(shorten(title))}” ({html.escape(rid)})"

    def _warn(self, text: str) -> None:
        self.message.value = f"<span style='color:#b00'>{html.escape(text)}</span>"

    def _notice(self, text: str) -> None:
        """A message that needs reading but nothing undone: amber, not the red of an error."""
        self.message.value = f"<span style='color:#8a4b00'>{html.escape(text)}</span>"


def kept(write: Callable[..., Any], *args: Any, **fields: Any) -> Unreachable | None:
    """Call a store's ``write``; when the server cannot be reached, its error.

    The store keeps what could not be sent on this machine and sends it later, so the
    widget carries on and says so (:func:`offline_message`) instead of failing.
    """
    try:
        write(*args, **fields)
    except Unreachable as exc:
        return exc
    return None


def offline_note(error: Unreachable | None, where: str, doing: str) -> str:
    """:func:`offline_message` as amber HTML after a space, or "" when nothing waits.

    Amber, as :meth:`ScreeningWidget._notice`: it needs reading, but nothing is lost.
    """
    if error is None:
        return ""
    said = html.escape(offline_message(error, where, doing))
    return f" <span style='color:#8a4b00'>{said}</span>"


def offline_message(error: Unreachable, where: str, doing: str = "screening") -> str:
    """What a person reads when a decision could not reach the server just now."""
    waiting = error.waiting
    many = waiting != 1
    return (
        f"Saved on this computer, not yet on the server: {where} cannot be reached just "
        f"now. {waiting} decision{'s' * many} wait{'' if many else 's'} here and "
        f"{'go' if many else 'goes'} to the server when it is back; carry on {doing}. "
        f"(Details: {error.reason}.)"
    )


_BANNER = "background:#f3f4f6;padding:4px 8px;margin:0 0 6px 0"
_CELL = "border:1px solid #d1d5db;padding:3px 8px;text-align:left;vertical-align:top"


def _mine(decided: pd.DataFrame) -> str:
    """The banner over the record: the reviewer's own standing decision, if any."""
    if decided.empty:
        return f"<p style='{_BANNER}'><b>Not yet decided by you.</b></p>"
    return f"<p style='{_BANNER}'><b>You decided: {_decision(decided.iloc[0])}</b></p>"


def _everyone(current: pd.DataFrame) -> str:
    """Every reviewer's standing decision, reason and note, side by side (not blind)."""
    if current.empty:
        return "<p><i>No reviewer has decided this record yet.</i></p>"
    head = "".join(f"<th style='{_CELL}'>{h}</th>" for h in ("Reviewer", "Decision", "Note"))
    rows = "".join(
        f"<tr><td style='{_CELL}'>{html.escape(r['reviewer'])}</td>"
        f"<td style='{_CELL}'>{_decision(r)}</td>"
        f"<td style='{_CELL}'>{html.escape(_text(r['note']))}</td></tr>"
        for _, r in current.iterrows()
    )
    return (
        "<p><b>Decisions so far</b></p>"
        f"<table style='border-collapse:collapse'><tr>{head}</tr>{rows}</table>"
    )


def _decision(event: pd.Series) -> str:
    """One decision as the card shows it: what, why, who (implicit), when."""
    reason = _text(event.get("reason"))
    when = str(event["recorded_at"])[:16].replace("T", " ")
    return html.escape(f"{event['decision']}{f' ({reason})' if reason else ''}, {when} UTC")


def _colours(evidence: pd.DataFrame) -> dict[str, dict[str, str]]:
    """record_id -> {matched word: highlight colour}, from the tag stage's evidence."""
    found: dict[str, dict[str, str]] = {}
    if len(evidence):
        applied = evidence[evidence["applied"]]
        for rid, group, terms in zip(
            applied["record_id"], applied["group"], applied["matched_terms"], strict=True
        ):
            colour = KINDS.get(group, ("", "#fde68a"))[1]
            words = found.setdefault(rid, {})
            for word in str(terms).split(";"):
                if word.strip():
                    words.setdefault(word.strip(), colour)
    return found


def open_screening(
    workspace: str | Path,
    reviewer: str,
    *,
    stage: str = "title_abstract",
    order: str = "model",
    seed: int = 0,
    blind: bool = True,
    new_reviewer: bool = False,
) -> ScreeningWidget:
    """The screening widget for a workspace (what the screening notebook calls).

    Records come from ``build/unique.parquet`` (or ``build/records.parquet``), decisions
    go to the workspace's decision store, filters and highlights use the tag stage's
    ``build/tags.csv`` and the workspace's ``highlight:`` keyword lists. When
    ``curation/assignments.csv`` exists (``scoping assign``), only the records assigned
    to the reviewer are shown. When ``scoping topics`` has run, its topics can be
    filtered on. An empty ``workspace`` is the one holding the current folder. The
    reviewer is matched to the names the store knows (:func:`.identity.choose_reviewer`).
    """
    space = Workspace.at(workspace)
    store = space.decisions()
    reviewer, greeting = choose_reviewer(store, reviewer, space.root, new=new_reviewer)
    records = pd.read_parquet(_records(space))
    if stage == "full_text":  # the works included at title and abstract, texts found
        records = _retrieved(space, records)
    mine = assigned_to(space.assignments, reviewer)
    if mine is not None:  # an assignment exists: the reviewer sees only their records
        records = records[records["record_id"].isin(mine)]
    codebook = load_codebook(space.codebook)
    earlier, unread = _earlier(space) if stage == "title_abstract" else (None, "")
    widget = ScreeningWidget(
        records,
        store,
        reviewer,
        stage=stage,
        order=order,
        seed=seed,
        blind=blind,
        codebook=codebook,
        evidence=_evidence(space, records, codebook),
        topics=_topic_labels(space.build),
        keywords=space.keywords(),
        links=read_links(space.build, records),
        earlier=earlier,
    )
    widget.message.value = html.escape(f"{greeting} {unread}".strip())
    return widget


def _earlier(space: Workspace) -> tuple[Earlier | None, str]:
    """The earlier review the workspace names, or None and why, when its server is down.

    Screening goes on without it (the order then learns from this review alone): the
    earlier review only helps the order, and nothing of it is written.
    """
    try:
        return earlier_of(space), ""
    except Unreachable as down:
        return None, (
            f"The earlier review's decisions could not be read ({down.reason}): the order "
            "learns from this review's decisions only; reopen the notebook to try again."
        )


def _records(space: Workspace) -> Path:
    """The records to screen, or a one-line error saying to run the pipeline first."""
    try:
        return records_file(space.build)
    except InputError:
        raise InputError(
            f"{space.build}: no records to screen yet; run `scoping run` in {space.root} "
            "(or `scoping run --workspace FOLDER`) first."
        ) from None


def _evidence(space: Workspace, records: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The tag stage's evidence (``build/tags.csv``), else tagged once here."""
    table = space.build / "tags.csv"
    if not table.is_file():
        return tag_records(records, codebook)
    found = pd.read_csv(table, dtype=str, keep_default_na=False)
    return found.assign(applied=found["applied"] == "True")


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
