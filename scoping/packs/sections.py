"""A pack's sections as HTML, rendered from its data.

The pack template is thin: it opens the pack (:func:`open_pack`) and calls one method
per section. Every sentence is a template filled from :class:`~.data.PackData`, every
reference is a record of the corpus, and every count is one the data already holds
with its record ids, so nothing here changes what ``trace.json`` says.

Record text (titles, abstracts, authors) is untrusted: every piece of it is escaped
before it enters HTML.
"""

from __future__ import annotations

import base64
import html
import io
import json
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

from .. import plots
from ..io.writers import link, vancouver
from ..manifest import packages
from ..prisma import check as check_flow
from . import gapmap
from .data import MIN_TOPIC_RECORDS, PackData, cite, compute, either, years
from .params import AUDIENCES, PackParams

#: Rows of the evidence table shown in the report (all rows are in the XLSX and CSV).
REPORT_TABLE_ROWS = 250
SYNTHETIC_NOTICE = (
    "SYNTHETIC DEMONSTRATION: this pack was built from the workbench's invented "
    "demonstration corpus. None of its records, counts or references is evidence."
)
UNSCREENED_NOTICE = (
    "Nothing has been screened yet: this pack shows every record the searches found. "
    "None of them has been checked by the scoping group, so some will not be relevant."
)
#: Where a build leaves a pack's data for its template, beside the pack's outputs.
STAGED_DATA = ".pack-data.pickle"
#: The files a build writes beside the report (scoping.packs.exports).
FILES = (
    "evidence.xlsx",
    "evidence.csv",
    "references.ris",
    "references.bib",
    "gap_map.html",
    "gap_map.csv",
    "summary.pdf",
    "summary.png",
    "pack.docx",
    "slides.pptx",
    "trace.json",
)

_e = html.escape


class Html:
    """HTML that a notebook displays as rich output and a test can read as text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<HTML section: {len(self.text)} characters>"

    def __str__(self) -> str:
        return self.text


def open_pack(*, workspace: str = "", output: str = "", **params: Any) -> Pack:
    """The pack the template renders: its data as the build computed it, or computed now.

    A build leaves the data it computed in the pack's staging folder (``output``), so
    the template renders exactly what the build wrote into ``trace.json``; run by
    hand, the template computes it.
    """
    wanted = PackParams.from_mapping(params)
    staged = Path(output or ".") / STAGED_DATA
    if output and staged.is_file():
        with open(staged, "rb") as handle:
            data = pickle.load(handle)  # written by this pack's own build, a moment ago
        if data.params == wanted:
            return Pack(data)
    return Pack(compute(wanted, workspace))


class Pack:
    """The sections of one pack, each rendered from its :class:`PackData`."""

    def __init__(self, data: PackData) -> None:
        self.data = data

    # ------------------------------------------------------------------ helpers
    def _references(self, frame: pd.DataFrame, limit: int = 5) -> str:
        order = frame.assign(_y=pd.to_numeric(frame["year"], errors="coerce").fillna(0))
        order = order.sort_values(["_y", "record_id"], ascending=[False, True]).head(limit)
        items = "".join(
            f"<li>{_e(vancouver(r))} {self._status(r['record_id'])}{_link(r)}</li>"
            for r in order.to_dict("records")
        )
        return f"<ul class='refs'>{items}</ul>" if items else ""

    def _status(self, record_id: str) -> str:
        status = self.data.status(record_id)
        kind = "included" if status == "[included]" else "other"
        return f"<span class='status {kind}'>{_e(status)}</span> " if status else ""

    def _terms(self, name: str) -> str:
        return ", ".join(f"{_e(t)} ({n})" for t, n in self.data.terms(name))

    # ------------------------------------------------------------------ sections
    def cover(self) -> Html:
        """Title, synthetic notice when it applies, and what the pack covers."""
        d, p = self.data, self.data.params
        n = d.count("records in this pack")
        notice = f"<p class='synthetic'>{_e(SYNTHETIC_NOTICE)}</p>" if d.synthetic else ""
        if d.unscreened:
            notice += f"<p class='unscreened'>{_e(UNSCREENED_NOTICE)}</p>"
        elif d.shows_unincluded:
            notice += (
                "<p class='unscreened'>This pack also shows works the scoping group has not "
                "(or not yet) included; each citation says where it stands in screening.</p>"
            )
        steps = "".join(f"<li>{_e(step)}: {len(ids):,}</li>" for step, ids in d.funnel)
        settings = {"both": "health and social care"}.get(p.settings, p.settings)
        themes = either(d.labels(p.themes)) if p.themes else "all themes"
        if not n:
            notice += (
                "<p class='unscreened'>No record of the corpus meets this pack's filters "
                "yet, so the pack has nothing to show; the steps below say where the "
                "records fell away.</p>"
            )
        return Html(
            f"{notice}<h1>{_e(d.name)}</h1>"
            f"<p class='lead'>This pack brings together {n:,} records on "
            f"{_e(themes)} in {_e(settings)}, {_e(years(p))}, for "
            f"{AUDIENCES[p.audience]['label']}. It was generated from the scoping group's "
            f"corpus by the scoping workbench; every count in it can be traced to the "
            f"records behind it (trace.json).</p>"
            f"<p>How the records were chosen:</p><ol>{steps}</ol>"
        )

    def what_changed(self) -> Html:
        """What changed since the pack's previous build: new, included, charted, moved."""
        changes = self.data.changes
        if not changes:
            return Html(
                "<h2>What changed since the last briefing</h2><p>This is the first build of "
                "this pack; the next build will list what is new.</p>"
            )
        parts = [
            f"{len(changes[key]):,} {key}"
            for key in ("new records found", "newly included", "newly charted")
        ]
        moved = changes["counts that moved"]
        shown = sorted(moved.items(), key=lambda kv: -abs(kv[1][1] - kv[1][0]))[:8]
        rows = "".join(
            f"<tr><td>{_e(k)}</td><td class='n'>{a:,}</td><td class='n'>{b:,}</td></tr>"
            for k, (a, b) in shown
        )
        table = (
            "<table><thead><tr><th>Count</th><th>Before</th><th>Now</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if rows
            else "<p>No count moved.</p>"
        )
        more = (
            f"<p>{len(moved) - len(shown)} more counts moved; see trace.json.</p>"
            if len(moved) > len(shown)
            else ""
        )
        return Html(
            "<h2>What changed since the last briefing</h2><p>Since the previous build of "
            f"this pack: {_e('; '.join(parts))}. The records behind each change are in "
            f"trace.json (changes).</p>{table}{more}"
        )

    def key_messages(self) -> Html:
        """What the studies found, first: the audience's lead, then each theme."""
        d = self.data
        charted = d.count("charted studies")
        if not d.messages:
            return Html(
                "<h2>Key messages</h2><p>No study of this pack has been charted or drafted "
                "with interventions or outcomes yet, so there is nothing to say about what "
                "the studies found. Chart the included studies (notebooks/charting.ipynb).</p>"
            )
        others = (
            "; the others speak through drafts from their abstracts"
            if charted < len(d.records)
            else ""
        )
        basis = (
            f"{charted:,} of the pack's {len(d.records):,} studies are charted by the scoping "
            f"group{others}. A message marked <span class='status other'>draft</span> rests on "
            "at least one value no reviewer has checked: a draft from an abstract, or a "
            "drafted value that one reviewer charted unchanged and no second reviewer has "
            "looked at."
        )
        if d.params.checked_only:
            basis = (
                f"Only what reviewers checked is used ({charted:,} charted studies); drafts are "
                "left out."
            )
        heading = (
            "Change ideas to test"
            if d.params.audience == "frontline"
            else ("Organisational outcomes")
        )
        parts = [f"<h2>Key messages</h2><p class='lead'>{basis}</p>"]
        for section, group in _grouped(d.messages):
            title = {
                "lead": heading,
                "change ideas": "Change ideas to test",
                "improving": "Interventions with studies reporting improvement",
            }.get(section, section)
            parts.append(f"<h3>{_e(title)}</h3><ul class='messages'>")
            parts += [f"<li>{self._message(m)}</li>" for m in group]
            parts.append("</ul>")
        return Html("".join(parts))

    def _message(self, message: Any) -> str:
        text = _e(message.shown())
        draft = " <span class='status other'>draft</span>" if message.draft else ""
        return f"{text} <span class='cite'>({_e(self.cite(message.record_ids))})</span>{draft}"

    def cite(self, ids: tuple[str, ...], limit: int = 4) -> str:
        """Short citations (first author, year) of the studies behind a message."""
        return cite(self.data, ids, limit)

    def gap_map(self) -> Html:
        """The evidence and gap map as a figure, with where to find the interactive one."""
        d = self.data
        ax = gapmap.figure(d.gap_map, d.params.gap_map_colour)
        # a pair's studies span a row per design and direction: count pairs, not rows
        pairs = d.gap_map.groupby(["intervention", "outcome"])["n_studies"].sum()
        gaps, filled = int((pairs == 0).sum()), int((pairs > 0).sum())
        return Html(
            "<h2>Evidence and gap map</h2><p>Interventions (rows) by outcomes (columns): "
            f"each bubble is the number of the pack's studies that looked at both, coloured by "
            f"{_e(d.params.gap_map_colour)}; {gaps} {'pair has' if gaps == 1 else 'pairs have'} "
            f"no study yet (gaps). {filled:,} {'pair holds' if filled == 1 else 'pairs hold'} "
            "studies. The interactive map, with every study listed, is gap_map.html; the table "
            "is gap_map.csv.</p>"
            + _figure(ax, "Evidence and gap map: studies by intervention and outcome.")
        )

    def audience_section(self) -> Html:
        """The section the audience's pack leads with, from its lens tags."""
        d = self.data
        audience = AUDIENCES[d.params.audience]
        total = len(d.records)
        parts = [f"<h2>{_e(audience['heading'])}</h2>"]
        for name in audience["lens"]:
            if name not in d.tags.columns:
                parts.append(f"<p>The codebook has no tag {_e(name)}; add it to see this lens.</p>")
                continue
            label = d.labels([name])[0]
            n = d.count(f"{label}: records")
            share = f" ({100 * n / total:.0f}%)" if total else ""
            heading = f"<h3>{_e(label)}</h3>" if label != audience["heading"] else ""
            sentence = (
                f"{heading}<p>{n:,} of the {total:,} records{share} report on {_e(label.lower())}."
            )
            if n:
                sentence += f" The words matched most often: {self._terms(name)}."
            parts.append(sentence + "</p>" + self._references(d.tagged(name)))
        if d.params.audience == "frontline":
            parts.append(self._tested_changes())
        return Html("".join(parts))

    def _tested_changes(self) -> str:
        d = self.data
        key = "changes tested in trials or improvement projects"
        if key not in d.numbers:
            return ""
        designs = [t for t in ("rct", "quality_improvement") if t in d.tags.columns]
        tested = d.records[d.records["record_id"].isin(d.numbers[key])]
        return (
            f"<h3>Changes that were tested</h3><p>{d.count(key):,} records are trials or "
            f"quality improvement reports ({_e(either(d.labels(designs)))}), which test a "
            f"change in practice rather than describe a situation.</p>" + self._references(tested)
        )

    def scope(self) -> Html:
        """Databases, dates and search strings from the search log."""
        searches = self.data.searches
        if not searches:
            said = (
                f"The search log ({_e(self.data.search_log)}) lists no searches yet"
                if self.data.search_log
                else "No search log (corpus/searches.yml) was given"
            )
            return Html(
                f"<h2>Scope and searches</h2><p>{said}; the sources below are those the "
                "exports name.</p>"
            )
        keys = ("database", "interface", "date_searched", "hits_reported", "search_string")
        rows = "".join(
            "<tr>" + "".join(f"<td>{_e(str(s.get(k, '')))}</td>" for k in keys) + "</tr>"
            for s in searches
        )
        return Html(
            "<h2>Scope and searches</h2>"
            f"<p>{len(searches)} searches were run, as recorded in the search log.</p>"
            "<table><thead><tr><th>Database</th><th>Interface</th><th>Date</th><th>Hits</th>"
            f"<th>Search string</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    def prisma(self) -> Html:
        """The PRISMA 2020 flow diagram and table, from the pipeline's own counts."""
        plots.style()
        d = self.data
        source = "included" if d.params.stage == "included" else "screened"
        label = (
            f"In this pack: {len(d.records):,} records, drawn from the {source} "
            f"records by the pack's filters (see the first page)"
        )
        figure = _figure(
            plots.prisma_flow(d.flow["counts"], in_pack=label),
            "PRISMA 2020 flow diagram of the whole corpus, computed from the pipeline's counts.",
        )
        return Html("<h2>Flow of records (PRISMA 2020)</h2>" + figure + self._prisma_table())

    def _prisma_table(self) -> str:
        c = self.data.flow["counts"]
        identified = sum(c["identified"].values())
        rows = [(f"Identified in {db}", n) for db, n in c["identified"].items()]
        rows += [
            ("Identified, total", identified),
            ("Duplicates grouped", c["duplicates_removed"]),
            ("Screened (unique works)", c["screened"]),
            ("Included", c["included"]),
        ]
        rows += [(f"Excluded: {r}", n) for r, n in sorted(c["excluded"].items())]
        rows += [("Maybe", c["maybe"]), ("Not yet screened", c["not_yet_screened"])]
        if "sought" in c:
            rows += [("Reports sought for retrieval", c["sought"])]
            rows += [(f"Not retrieved: {r}", n) for r, n in sorted(c["not_retrieved"].items())]
            rows += [
                ("Awaiting retrieval", c["awaiting_retrieval"]),
                ("Reports retrieved", c["retrieved"]),
                ("Reports assessed for eligibility", c["assessed"]),
            ]
            rows += [
                (f"Excluded at full text: {r}", n)
                for r, n in sorted(c["full_text_excluded"].items())
            ]
            rows += [
                ("Maybe at full text", c["full_text_maybe"]),
                ("Not yet assessed", c["awaiting_assessment"]),
                ("Reports of included studies", c["studies_included"]),
                ("Studies included in review", c.get("included_studies", c["studies_included"])),
            ]
        body = "".join(f"<tr><td>{_e(k)}</td><td class='n'>{v:,}</td></tr>" for k, v in rows)
        broken = check_flow(self.data.flow)
        verdict = "The counts add up"
        if broken:
            verdict = "THE COUNTS DO NOT ADD UP (" + "; ".join(broken) + ")"
        return (
            f"<table><thead><tr><th>Flow box</th><th>Records</th></tr></thead><tbody>{body}"
            f"</tbody></table><p>{_e(verdict)}: identified ({identified:,}) = duplicates "
            f"grouped + screened; screened = included + excluded + maybe + not yet screened"
            + (
                "; sought = retrieved + not retrieved + awaiting retrieval; retrieved = "
                "assessed + not yet assessed; assessed = included + excluded + maybe"
                if "sought" in c
                else ""
            )
            + ". A study with several reports (a paper, its erratum, its preprint) counts "
            "once among the studies and once per report; the links are in related.csv. The "
            "ids behind every box are in trace.json.</p>"
        )

    def evidence_map(self) -> Html:
        """The evidence map: years by theme, theme x setting, design mix, topics over time."""
        plots.style()
        d = self.data
        themes = d.long("theme")
        dated = themes.dropna(subset=["year"]).astype({"year": int})
        both = themes.merge(d.long("setting"), on=["record_id", "year"])
        grid = pd.crosstab(both["theme"], both["setting"]) if len(both) else pd.DataFrame()
        designs = d.long("design")["design"].value_counts().sort_values(ascending=False)
        figures = [
            _figure(plots.years_by_theme(dated), "Records per year of publication, by theme."),
            _figure(plots.theme_by_setting(grid), "Records by theme and setting."),
            _figure(plots.design_mix(designs), "Records by study design."),
        ]
        if not d.doc_topics.empty:
            figures.append(
                _figure(
                    plots.topics_over_time(d.topic_years()),
                    "Share of each year's records in each topic of the pack's topic model.",
                )
            )
            figures.append(
                _figure(
                    plots.record_map(d.record_map),
                    "Each record placed by the first two principal components of its topic "
                    "weights; records close together share topics.",
                )
            )
        return Html(
            "<h2>Evidence map</h2><p>Counts are of the pack's records; a record with "
            "several theme, setting or design tags counts once under each.</p>" + "".join(figures)
        )

    def themes(self) -> Html:
        """Each theme: its definition, how many records, the words matched, key references."""
        d = self.data
        parts = ["<h2>Themes</h2>"]
        for tag in d.codebook.tags:
            n = d.count(f"theme: {tag.label}") if tag.group == "theme" else 0
            if not n:
                continue
            tagged = d.tagged(tag.name)
            found = pd.to_numeric(tagged["year"], errors="coerce").dropna()
            span = f", published {int(found.min())} to {int(found.max())}" if len(found) else ""
            parts.append(
                f"<h3>{_e(tag.label)}</h3><p class='definition'>{_e(tag.definition)}</p>"
                f"<p>{n:,} records{span}. Words matched most often: {self._terms(tag.name)}."
                f"</p>{self._references(tagged, 3)}"
            )
        if len(parts) == 1:
            parts.append("<p>No record of this pack carries a theme tag.</p>")
        return Html("".join(parts))

    def topics_section(self) -> Html:
        """The pack's own topics, with their stability and representative references."""
        d = self.data
        n = len(d.records)
        if d.topic_info is None:
            return Html(
                f"<h2>Topics</h2><p>This pack has {n:,} records; topics are modelled from "
                f"{MIN_TOPIC_RECORDS} records upwards, so none are shown.</p>"
            )
        info = d.topic_info
        low, high = info.k_range
        how = (
            "as set"
            if not info.auto
            else f"chosen by coherence and stability over k = {low} to {high}"
            if low < high
            else f"k = {low}: with {n:,} records no other number is tried"
        )
        if info.fitted != info.k:
            how += (
                f"; of the {info.fitted} topics fitted, those that turn up in the same "
                "records were joined into one"
            )
        parts = [
            f"<h2>Topics</h2><p>A TF-IDF topic model (NMF, seed {info.seed}) finds "
            f"{info.k} topics in the {n:,} records ({how}). Topics are found by the "
            f"model, not by the codebook: they show themes the group may not have "
            f"anticipated. Unstable topics (top words that change when the data are "
            f"resampled) are flagged, not hidden.</p>"
        ]
        by_id = d.records.set_index("record_id")
        for row in d.topics.itertuples():
            flag = "" if row.stable else " <span class='flag'>(unstable)</span>"
            reps = by_id.loc[[r for r in str(row.representative).split("; ") if r]]
            parts.append(
                f"<h3>Topic {row.topic}: {_e(row.label)}{flag}</h3><p>{row.size:,} records; "
                f"top words: {_e(row.top_terms.replace('; ', ', '))}; stability "
                f"{row.stability:.2f}.</p>{self._references(reps.reset_index(), 3)}"
            )
        return Html("".join(parts))

    def evidence_table(self) -> pd.DataFrame:
        """A copy of the pack's evidence table."""
        return self.data.evidence.copy()

    def evidence_html(self) -> Html:
        """The evidence table as HTML (record text escaped), its newest rows in a big pack."""
        table = shown = self.data.evidence
        if len(table) > REPORT_TABLE_ROWS:
            order = table.assign(_y=table["year"].fillna(0)).sort_values(
                ["_y", "record_id"], ascending=[False, True]
            )
            shown = order.head(REPORT_TABLE_ROWS)
        columns = ["citation", "design", "setting", "themes (matched words)", "screening decision"]
        head = "".join(f"<th>{_e(c)}</th>" for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_e(str(row[c]))}</td>" for c in columns) + "</tr>"
            for row in shown.to_dict("records")
        )
        which = (
            f"The {len(shown):,} most recent of its {len(table):,} records are shown here"
            if len(shown) < len(table)
            else f"{len(table):,} records"
        )
        return Html(
            f"<h2>Evidence table</h2><p>{which}. The full table, with staff groups, topics, "
            f"exclusion reasons and links, is in evidence.xlsx and evidence.csv beside this "
            f"report.</p><table class='evidence'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )

    def reference_list(self) -> Html:
        """Every record of the pack, in Vancouver style, by first author and year."""
        records = self.data.records.to_dict("records")
        cited = sorted(
            ((vancouver(r), r["record_id"], _link(r)) for r in records),
            key=lambda c: (c[0].lower(), c[1]),
        )
        # numbered paragraphs, not list items: a third faster to lay out in a long PDF
        items = "".join(
            f"<p class='ref'>{n}. {_e(text)} {self._status(rid)}{url}</p>"
            for n, (text, rid, url) in enumerate(cited, start=1)
        )
        return Html(
            f"<h2>References</h2><p>All {len(cited):,} records of the pack (Vancouver "
            f"style), also in references.ris and references.bib for reference managers."
            f"</p><div class='refs'>{items}</div>"
        )

    def appendix(self) -> Html:
        """Methods and audit: parameters, codebook version, package versions, input checksums."""
        d = self.data
        params = "".join(
            f"<tr><td>{_e(k)}</td><td>{_e(json.dumps(v))}</td></tr>"
            for k, v in d.params.as_dict().items()
        )
        software = "".join(
            f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in packages().items()
        )
        inputs = "".join(
            f"<tr><td>{_e(k)}</td><td class='hash'>{_e(v)}</td></tr>" for k, v in d.inputs.items()
        )
        return Html(
            "<h2>Methods and audit appendix</h2><p>Exports were read and normalised, "
            "duplicates grouped (never deleted), records tagged with the codebook "
            f"(version {_e(d.codebook.version)}) and screened in the decision log; this "
            "pack selected its records with the parameters below. Re-running the same "
            "command on the same inputs gives the same pack.</p>"
            f"<h3>Parameters</h3><table><tbody>{params}</tbody></table>"
            f"<h3>Inputs (SHA-256)</h3><table><tbody>{inputs}</tbody></table>"
            f"<h3>Software</h3><table><tbody>{software}</tbody></table>"
        )

    def files(self) -> Html:
        """The files the build writes beside the report."""
        return Html("<p>Files beside this report: " + ", ".join(FILES) + ".</p>")


def _grouped(messages: tuple[Any, ...]) -> list[tuple[str, list[Any]]]:
    """Messages by section, in the order they first appear."""
    out: dict[str, list[Any]] = {}
    for message in messages:
        out.setdefault(message.section, []).append(message)
    return list(out.items())


def _figure(ax: Any, caption: str) -> str:
    """A figure as an inline PNG (same bytes every run) with its caption as alt text."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f"<figure><img src='data:image/png;base64,{data}' alt='{_e(caption)}'>"
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _link(record: dict[str, Any]) -> str:
    url = link(record)
    return f"<a href='{_e(url)}'>[link]</a>" if url.startswith("https://") else ""
