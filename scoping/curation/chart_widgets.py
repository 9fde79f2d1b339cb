"""Charting in a notebook: one included work at a time, the form's fields beside its text.

:class:`ChartingWidget` shows the work (title, citation, abstract, and the full text
when the full-text stage has read one), with the drafts' evidence highlighted, and the
charting form: each field prefilled with the reviewer's own value, else the draft (and
why it was drafted). "Save and next" checks every value against the form and refuses
while a required field is empty; it stores each changed or accepted value as an event
(``draft`` when a draft was accepted as it was, ``entered`` otherwise). Keys, with the
pointer over the work's text and no text box focused: ``n`` save and next, ``p``
previous. Blind: nothing of other reviewers is shown.

:class:`ReconcileWidget` lists the fields on which reviewers disagree, each
reviewer's value side by side, and stores the agreed value (``reconciled``); it shows
agreement per field.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from ..errors import InputError
from ..form import Field, Form, load_form
from ..io.writers import vancouver
from ..tags import load_codebook
from ..text import shorten
from ..workspace import Workspace
from .charting import agreement, charted, disagreements, display, record_values
from .identity import choose_reviewer
from .keys import KeyCard
from .status import final_decisions
from .store import DecisionStore
from .widgets import kept, offline_note

KEYS = {"n": "next", "p": "previous"}


def _control(field: Field) -> w.Widget:
    """The input of one field, by its type."""
    layout = w.Layout(width="96%")
    if field.type == "long_text":
        return w.Textarea(placeholder=field.help, layout=w.Layout(width="96%", height="4em"))
    if field.type == "choice":
        return w.Dropdown(options=["", *field.allowed], layout=layout)
    if field.type == "multi_choice":
        rows = min(12, len(field.allowed))  # every value in sight, up to twelve
        return w.SelectMultiple(options=list(field.allowed), rows=rows, layout=layout)
    if field.type == "choice_per":
        return w.Textarea(placeholder="one per line, e.g. Burnout: improved", layout=layout)
    return w.Text(placeholder=field.help, layout=layout)


def _heading(field: Field) -> w.HTML:
    """A field's label (``*`` when required) and its help, always in sight."""
    help_text = f"<br><small style='color:#555'>{html.escape(field.help)}</small>"
    return w.HTML(
        f"<b>{html.escape(field.label)}</b>{' *' if field.required else ''}"
        + (help_text if field.help else "")
    )


def _to_control(field: Field, value: Any) -> Any:
    """A stored value as its input shows it."""
    if value is None:
        return () if field.type == "multi_choice" else ""
    if field.type == "multi_choice":
        return tuple(v for v in value if v in field.allowed)
    if field.type == "choice_per":
        return "\n".join(f"{k}: {v}" for k, v in value.items())
    if field.type == "country":
        return "; ".join(value)
    return str(value)


def _from_control(field: Field, shown: Any) -> Any:
    """What the reviewer entered, as the form checks it."""
    if field.type == "multi_choice":
        return list(shown)
    if field.type == "choice_per":
        pairs = [line.split(":", 1) for line in str(shown).splitlines() if ":" in line]
        return {k.strip(): v.strip() for k, v in pairs} or None
    return shown


class ChartingWidget(w.VBox):
    """Chart ``works`` into ``store`` as ``reviewer``, with the form and the drafts."""

    def __init__(
        self,
        works: pd.DataFrame,
        store: DecisionStore,
        form: Form,
        reviewer: str,
        *,
        drafts: pd.DataFrame | None = None,
        texts: dict[str, str] | None = None,
    ) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("give your name as reviewer: it is stored with every value.")
        self.works = works.sort_values("record_id").reset_index(drop=True)
        self.store, self.form, self.reviewer = store, form, reviewer.strip()
        self.drafts = drafts if drafts is not None else pd.DataFrame(columns=["record_id"])
        self.texts = texts or {}
        self.position = self._first_uncharted()
        self.controls = {f.name: _control(f) for f in form.fields}
        self.notes = {f.name: w.HTML() for f in form.fields}
        self.progress, self.message = w.HTML(), w.HTML()
        self.card = KeyCard(self.on_key)
        self.buttons = {
            "previous": w.Button(description="Previous"),
            "next": w.Button(description="Save and next", button_style="success"),
        }
        self.buttons["previous"].on_click(lambda _: self.move(-1))
        self.buttons["next"].on_click(lambda _: self.save_and_next())
        rows = [
            w.VBox(
                [
                    _heading(f),
                    self.controls[f.name],
                    self.notes[f.name],
                ],
                layout=w.Layout(width="98%"),
            )
            for f in form.fields
        ]
        hint = w.HTML(
            "<small>* required. In a list, Ctrl-click (Cmd-click on a Mac) picks more than "
            "one. Keys, with the pointer over the text on the left: <b>n</b> save and next, "
            "<b>p</b> previous.</small>"
        )
        panel = w.HBox(
            [self.card, w.VBox(rows, layout=w.Layout(width="42%", overflow="hidden"))],
            layout=w.Layout(align_items="flex-start", width="100%"),
        )
        self.card.layout = w.Layout(width="54%", margin="0 1% 0 0")
        super().__init__(
            [self.progress, panel, w.HBox(list(self.buttons.values())), hint, self.message]
        )
        self.show()

    # ------------------------------------------------------------------ reading
    @property
    def current(self) -> str | None:
        """The work shown, or None when there is none."""
        return self.works["record_id"].iloc[self.position] if len(self.works) else None

    def _first_uncharted(self) -> int:
        """Where to start: the first work the reviewer has not charted (else the first)."""
        values = charted(self.store)
        done = set(values.loc[values["reviewer"] == self.reviewer, "record_id"])
        ids = list(self.works["record_id"])
        return next((i for i, rid in enumerate(ids) if rid not in done), 0)

    def mine(self) -> dict[str, Any]:
        """The reviewer's own current values on the work shown, by field."""
        values = charted(self.store)
        values = values[
            (values["reviewer"] == self.reviewer) & (values["record_id"] == self.current)
        ]
        return dict(zip(values["field"], values["value"], strict=True))

    def _drafted(self) -> dict[str, pd.DataFrame]:
        found = self.drafts[self.drafts["record_id"] == self.current]
        return {f: g for f, g in found.groupby("field")} if len(found) else {}

    def draft_value(self, field: Field, rows: pd.DataFrame) -> Any:
        """The drafts of a field as a value of the field (a list for list fields)."""
        values = [v for v in rows["value"] if isinstance(v, str) and v]
        if field.type in ("multi_choice", "country"):
            return values
        return values[0] if values else None

    # ------------------------------------------------------------------ showing
    def show(self) -> None:
        """Show the current work, its fields (own value, else draft) and the progress."""
        if self.current is None:
            self.card.value = "<i>No work to chart: none is included at full text yet.</i>"
            return
        mine, drafted = self.mine(), self._drafted()
        evidence = []
        for field in self.form.fields:
            rows = drafted.get(field.name)
            own = field.name in mine
            value = (
                mine.get(field.name)
                if own
                else (self.draft_value(field, rows) if rows is not None else None)
            )
            self.controls[field.name].value = _to_control(field, value)
            self.notes[field.name].value = (
                ""
                if own or rows is None
                else (
                    f"<small style='color:#555'>draft ({html.escape(rows['method'].iloc[0])})"
                    "</small>"
                )
            )
            if rows is not None:
                evidence += [e for e in rows["evidence"] if isinstance(e, str)]
        self.card.value = self._card(evidence)
        self._progress()

    def _card(self, evidence: list[str]) -> str:
        work = self.works.iloc[self.position].to_dict()
        text = html.escape(str(self.texts.get(self.current) or work.get("abstract") or ""))
        marked = 0
        for sentence in sorted(set(evidence), key=len, reverse=True):
            words = html.escape(sentence).split()
            if len(" ".join(words)) <= 12:
                continue
            # a PDF's text breaks lines mid-sentence: any white space matches a space
            text, found = re.subn(
                r"\s+".join(map(re.escape, words)), lambda m: f"<mark>{m[0]}</mark>", text
            )
            marked += found
        source = "full text" if self.texts.get(self.current) else "abstract"
        said = "no field is drafted from it"
        if marked:
            said = "highlighted: where the drafts come from"
        elif evidence:
            said = "the drafts' sentences are not in it word for word (they come from the abstract)"
        return (
            f"<h3>{html.escape(str(work.get('title') or ''))}</h3>"
            f"<p><small>{html.escape(vancouver(work))}</small></p>"
            f"<p><small>Showing the {source}; {said}.</small></p>"
            f"<div style='max-height:32em;overflow:auto'>{text}</div>"
        )

    def _progress(self) -> None:
        values = charted(self.store)
        done = values.loc[values["reviewer"] == self.reviewer, "record_id"].nunique()
        self.progress.value = (
            f"Work <b>{self.position + 1}</b> of <b>{len(self.works)}</b>; {done} charted by "
            f"{html.escape(self.reviewer)}"
        )

    # ------------------------------------------------------------------ acting
    def move(self, step: int) -> None:
        """Go to the previous or next work (without saving)."""
        if len(self.works):
            self.position = max(0, min(len(self.works) - 1, self.position + step))
            self.message.value = ""
            self.show()

    def entered(self) -> dict[str, Any]:
        """The values in the form, by field (empty ones left out)."""
        out = {}
        for field in self.form.fields:
            value = _from_control(field, self.controls[field.name].value)
            if value not in (None, "", [], {}):
                out[field.name] = value
        return out

    def save_and_next(self) -> None:
        """Check and store the work's values, then show the next work."""
        if self.current is None:
            return
        entered, mine, drafted = self.entered(), self.mine(), self._drafted()
        missing = self.form.missing(entered)
        if missing:
            self._say(f"Fill in the required fields first: {', '.join(missing)}.")
            return
        values = []
        for name, value in entered.items():
            field = self.form.field(name)
            stored = json.loads(self.form.check(name, value))
            if name in mine and mine[name] == stored:
                continue  # unchanged: nothing new to record
            rows = drafted.get(name)
            is_draft = (
                rows is not None
                and json.loads(self.form.check(name, self.draft_value(field, rows))) == stored
            )
            values.append(
                (self.reviewer, self.current, name, value, "draft" if is_draft else "entered")
            )
        try:
            down = kept(record_values, self.store, self.form, values)
        except InputError as exc:
            self._say(str(exc))
            return
        title = html.escape(str(self.works.iloc[self.position]["title"]).rstrip(". "))
        self.move(1)
        counted = f"{len(values)} value{'s' * (len(values) != 1)}"
        self.message.value = f"Saved {counted} for <i>{title}</i>."
        self.message.value += offline_note(down, self.store.where, "charting")

    def _say(self, text: str) -> None:
        self.message.value = f"<span style='color:#b00'>{html.escape(text)}</span>"

    def on_key(self, key: str) -> None:
        """``n`` saves and moves on, ``p`` goes back.

        Keys pressed on the card (:class:`~scoping.curation.keys.KeyCard`), so never
        while typing in a text box.
        """
        action = KEYS.get(key.lower())
        if action == "next":
            self.save_and_next()
        elif action == "previous":
            self.move(-1)


#: Column headings of the agreement table, as a reader reads them.
SCORE_HEADINGS = {
    "field": "Field",
    "works_compared": "Works compared",
    "works_agreeing": "Works agreeing",
    "percent_agreement": "% agreeing",
    "kappa": "Cohen's kappa",
}


class ReconcileWidget(w.VBox):
    """Resolve charting disagreements: each reviewer's value side by side, one agreed."""

    def __init__(
        self, store: DecisionStore, form: Form, reviewer: str, works: pd.DataFrame
    ) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("give your name as reviewer: it is stored with every value.")
        self.store, self.form, self.reviewer = store, form, reviewer.strip()
        self.titles = dict(zip(works["record_id"], works["title"].fillna(""), strict=True))
        self.table, self.scores = w.HTML(), w.HTML()
        self.choice = w.Dropdown(description="Conflict", layout=w.Layout(width="80%"))
        self.agreed = w.Text(
            description="Agreed value",
            layout=w.Layout(width="80%"),
            style={"description_width": "initial"},
        )
        self.save = w.Button(
            description="Store the agreed value",
            button_style="success",
            layout=w.Layout(width="auto"),
        )
        self.save.on_click(lambda _: self.resolve())
        self.message = w.HTML()
        self.choice.observe(lambda _: self._show(), names="value")
        super().__init__(
            [self.scores, self.choice, self.table, self.agreed, self.save, self.message]
        )
        self.refresh()

    def refresh(self) -> None:
        """Reload the disagreements and the agreement per field."""
        values = charted(self.store)
        self.conflicts = disagreements(values)
        pairs = sorted(set(zip(self.conflicts["record_id"], self.conflicts["field"], strict=True)))
        self.choice.options = [
            (f"{shorten(self.titles.get(r, r), 60)} | {self.form.field(f).label}", (r, f))
            for r, f in pairs
        ]
        if pairs and self.choice.value is None:  # the first disagreement, once there is one
            self.choice.value = pairs[0]
        scores = agreement(charted(self.store, own=True), self.form)
        scores = scores[scores["works_compared"] > 0].fillna({"kappa": "-"})
        scores = scores.assign(field=[self.form.field(f).label for f in scores["field"]])
        self.scores.value = "<b>Agreement per field</b> (each reviewer's own values)" + (
            scores.rename(columns=SCORE_HEADINGS).to_html(index=False)
            if len(scores)
            else "<p>No work charted twice yet.</p>"
        )
        self._show()

    def _show(self) -> None:
        idle = not self.choice.value  # nothing to reconcile: no controls that do nothing
        for control in (self.choice, self.agreed, self.save):
            control.layout.display = "none" if idle else None
        if idle:
            self.table.value = "<p><i>No disagreement left.</i></p>"
            return
        rid, field = self.choice.value
        rows = self.conflicts[
            (self.conflicts["record_id"] == rid) & (self.conflicts["field"] == field)
        ]
        body = "".join(
            f"<tr><td>{html.escape(r.reviewer)}</td><td>{html.escape(display(r.value))}</td>"
            f"<td>{html.escape(str(r.recorded_at)[:16])}</td></tr>"
            for r in rows.itertuples()
        )
        several = self.form.field(field).type in ("multi_choice", "country")
        self.table.value = (
            f"<table><tr><th>Reviewer</th><th>{html.escape(self.form.field(field).label)}</th>"
            f"<th>When</th></tr>{body}</table>"
            + ("<p><small>Several values: separate them with ; (a semicolon).</small></p>"
               if several else "")
        )  # fmt: skip
        self.agreed.value = display(rows["value"].iloc[0])

    def resolve(self) -> None:
        """Store the agreed value of the selected field (source ``reconciled``)."""
        if not self.choice.value:
            return
        rid, name = self.choice.value
        field = self.form.field(name)
        value: Any = self.agreed.value
        if field.type == "multi_choice":
            value = [v.strip() for v in value.split(";") if v.strip()]
        try:
            record_values(self.store, self.form, [(self.reviewer, rid, name, value, "reconciled")])
        except InputError as exc:
            self.message.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"
            return
        self.message.value = f"Agreed {html.escape(name)} stored for {html.escape(rid)}."
        self.refresh()


def open_charting(
    workspace: str | Path = "", reviewer: str = "", *, new_reviewer: bool = False
) -> ChartingWidget:
    """The charting widget for a workspace's works included at full text.

    The reviewer is matched to the names the store knows
    (:func:`~scoping.curation.identity.choose_reviewer`).
    """
    space = Workspace.at(workspace)
    form = load_form(space.charting, load_codebook(space.codebook))
    works = _included(space)
    drafts = space.build / "drafts.csv"
    texts = space.build / "fulltext_text.parquet"
    store = space.decisions()
    reviewer, _ = choose_reviewer(store, reviewer, space.root, new=new_reviewer)
    return ChartingWidget(
        works,
        store,
        form,
        reviewer,
        drafts=pd.read_csv(drafts, dtype=str, keep_default_na=False) if drafts.is_file() else None,
        texts=_texts(texts),
    )


def open_reconciliation(
    workspace: str | Path = "", reviewer: str = "", *, new_reviewer: bool = False
) -> ReconcileWidget:
    """The reconciliation widget for a workspace's charting disagreements."""
    space = Workspace.at(workspace)
    form = load_form(space.charting, load_codebook(space.codebook))
    store = space.decisions()
    reviewer, _ = choose_reviewer(store, reviewer, space.root, new=new_reviewer)
    return ReconcileWidget(store, form, reviewer, _included(space))


def _included(space: Workspace) -> pd.DataFrame:
    """The works included at full text (the ones to chart)."""
    unique = space.build / "unique.parquet"
    if not unique.is_file():
        raise InputError(f"{unique}: not found; run `scoping run --workspace {space.root}` first.")
    works = pd.read_parquet(unique)
    final = final_decisions(
        space.decisions(),
        "full_text",
        dict(zip(works["record_id"], works["record_id"], strict=True)),
    )
    chosen = {w for w, (d, _) in final.items() if d == "include"}
    return works[works["record_id"].isin(chosen)]


def _texts(path: Any) -> dict[str, str]:
    if not path.is_file():
        return {}
    table = pd.read_parquet(path)
    return {r: t for r, t in zip(table["record_id"], table["text"], strict=True) if t}
