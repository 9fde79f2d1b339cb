"""The content of a briefing pack, generated from the workspace's data.

A pack template (``notebooks/briefing_pack.ipynb``) is thin: it loads a
:class:`Briefing` from its parameters and calls one method per section. Every
sentence is a template filled from the data, every reference is a record of the
corpus, and every count is kept with the record ids behind it (:attr:`Briefing.trace`),
so a reviewer can ask which records stand behind any number.

Record text (titles, abstracts, authors) is untrusted: every piece of it is escaped
before it enters HTML.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import plots
from .errors import InputError
from .io.writers import link, to_bibtex, to_ris, vancouver, write_csv, write_xlsx
from .manifest import packages
from .prisma import check as check_flow
from .tags import Codebook, load_codebook
from .topics import TopicModel, describe, document_topics, record_text
from .workspace import Workspace

#: The pack template's parameters and their defaults (the template's parameters cell
#: holds the same literals; a test checks they agree).
PARAMETERS: dict[str, Any] = {
    "workspace": "",
    "output": "",
    "title": "",
    "themes": [],
    "audience": "leaders",
    "settings": "both",
    "year_from": None,
    "year_to": None,
    "stage": "included",
    "n_topics": "auto",
    "seed": 2026,
}
#: What each audience's pack leads with: a heading and the codebook tags of its lens.
AUDIENCES: dict[str, dict[str, Any]] = {
    "leaders": {
        "label": "organisational leaders",
        "heading": "Organisational outcomes, cost and culture",
        "lens": ("organisational_outcomes", "culture"),
    },
    "frontline": {
        "label": "frontline staff",
        "heading": "What staff can do and try",
        "lens": ("staff_actions",),
    },
}
#: Settings choices and the codebook sectors each keeps.
SETTINGS: dict[str, tuple[str, ...]] = {
    "health": ("health",),
    "social care": ("social care",),
    "both": ("health", "social care"),
}
STAGES = ("all", "included")
#: Rows of the evidence table shown in the report (all rows are in the XLSX and CSV).
REPORT_TABLE_ROWS = 250
#: Largest sample on which a pack's own topic model chooses k (the final fit uses all).
PACK_SELECTION_SAMPLE = 4000
#: Fewest records for which a pack fits its own topic model.
MIN_TOPIC_RECORDS = 40
UNSCREENED_NOTICE = (
    "Nothing has been screened yet: this pack shows every record the searches found. "
    "None of them has been checked by the scoping group, so some will not be relevant."
)
#: How a record's screening status is shown beside its citation.
STATUS_LABELS = {"include": "included", "maybe": "maybe", "not yet screened": "not yet screened"}
SYNTHETIC_NOTICE = (
    "SYNTHETIC DEMONSTRATION: this pack was built from the workbench's invented "
    "demonstration corpus. None of its records, counts or references is evidence."
)

_e = html.escape


def check_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters with defaults filled in; an unknown name or bad value is an error.

    The error names the valid parameters (and the closest one to a misspelling), since
    papermill itself only warns about unknown parameters.
    """
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        hints = [
            f"{name!r} (did you mean {close[0]!r}?)"
            if (close := difflib.get_close_matches(name, PARAMETERS, n=1))
            else repr(name)
            for name in unknown
        ]
        raise InputError(
            f"unknown pack parameter(s) {', '.join(hints)}; valid parameters: "
            f"{', '.join(PARAMETERS)}."
        )
    merged = {**PARAMETERS, **params}
    choices = {"audience": AUDIENCES, "settings": SETTINGS, "stage": STAGES}
    for name, allowed in choices.items():
        if merged[name] not in allowed:
            raise InputError(
                f"pack parameter {name}={merged[name]!r} is not one of "
                f"{', '.join(map(repr, allowed))}."
            )
    if isinstance(merged["themes"], str):
        merged["themes"] = [merged["themes"]]
    n_topics = merged["n_topics"]
    if n_topics != "auto" and not (isinstance(n_topics, int) and n_topics >= 2):
        raise InputError(f"pack parameter n_topics={n_topics!r} must be 'auto' or 2 or more.")
    for name in ("year_from", "year_to", "seed"):
        value = merged[name]
        if value is not None and not isinstance(value, int):
            raise InputError(f"pack parameter {name}={value!r} must be a whole number.")
    return merged


@dataclass
class Briefing:
    """One pack's records and everything its sections say about them."""

    params: dict[str, Any]
    codebook: Codebook
    corpus: pd.DataFrame
    records: pd.DataFrame
    tags: pd.DataFrame
    flow: dict[str, Any]
    decisions: dict[str, tuple[str, str]]
    searches: list[dict[str, Any]]
    synthetic: bool
    funnel: list[tuple[str, list[str]]]
    inputs: dict[str, str]
    root: Path = Path(".")
    trace: dict[str, list[str]] = field(default_factory=dict)
    topic_model: TopicModel | None = None
    topics: pd.DataFrame = field(default_factory=pd.DataFrame)
    doc_topics: pd.DataFrame = field(default_factory=pd.DataFrame)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, **params: Any) -> Briefing:
        """Check the parameters, read the workspace's built outputs and select records."""
        params = check_parameters(params)
        space = Workspace(Path(params["workspace"])) if params["workspace"] else Workspace.find(".")
        workspace, build = space.root, space.build
        needed = ["unique.parquet", "tag_matrix.parquet", "prisma.json", "ingest_report.json"]
        missing = [n for n in needed if not (build / n).is_file()]
        if missing:
            raise InputError(
                f"{build}: missing {', '.join(missing)}; run `scoping run --workspace "
                f"{workspace}` first."
            )
        report = json.loads((build / "ingest_report.json").read_text(encoding="utf-8"))
        codebook = load_codebook(space.codebook)
        corpus = pd.read_parquet(build / "unique.parquet").sort_values("record_id")
        corpus = corpus.reset_index(drop=True)
        tags = pd.read_parquet(build / "tag_matrix.parquet").set_index("record_id")
        flow = json.loads((build / "prisma.json").read_text(encoding="utf-8"))
        check_themes(params["themes"], codebook)
        stale = [t.name for t in codebook.tags if t.name not in tags.columns]
        if stale:
            raise InputError(
                f"{build / 'tag_matrix.parquet'}: built with another codebook (no tag "
                f"{', '.join(stale[:3])}); run `scoping run --workspace {workspace}` to re-tag."
            )
        briefing = cls(
            params=params,
            codebook=codebook,
            corpus=corpus,
            records=corpus,
            tags=tags.reindex(corpus["record_id"]).fillna(""),
            flow=flow,
            decisions=_decisions(flow),
            searches=_searches(report),
            synthetic=bool(report["totals"].get("synthetic_demo_records")),
            funnel=[],
            inputs=_inputs(report, codebook, workspace),
            root=workspace,
        )
        briefing._select()
        briefing._fit_topics()
        return briefing

    def _select(self) -> None:
        p, keep = self.params, self.corpus
        self.funnel = [("unique works in the corpus", list(keep["record_id"]))]
        if p["stage"] == "included" and not self.unscreened:
            keep = keep[keep["record_id"].isin(self.flow["records"]["included"])]
            self.funnel.append(
                ("included at title and abstract screening", list(keep["record_id"]))
            )
        themes = p["themes"] or []
        if themes:
            has = self.tags.loc[keep["record_id"], themes].ne("").any(axis=1).to_numpy()
            keep = keep[has]
            self.funnel.append((f"tagged {_or(self._labels(themes))}", list(keep["record_id"])))
        if p["settings"] != "both":
            settings = [
                t.name
                for t in self.codebook.tags
                if t.group == "setting" and t.sector in SETTINGS[p["settings"]]
            ]
            has = self.tags.loc[keep["record_id"], settings].ne("").any(axis=1).to_numpy()
            keep = keep[has]
            self.funnel.append((f"in a {p['settings']} setting", list(keep["record_id"])))
        if p["year_from"] is not None or p["year_to"] is not None:
            year = pd.to_numeric(keep["year"], errors="coerce")
            low = p["year_from"] if p["year_from"] is not None else -np.inf
            high = p["year_to"] if p["year_to"] is not None else np.inf
            keep = keep[year.between(low, high)]
            self.funnel.append((f"published {_years(p)}", list(keep["record_id"])))
        self.records = keep.reset_index(drop=True)
        self.trace["records in this pack"] = list(self.records["record_id"])
        for step, ids in self.funnel:
            self.trace[f"funnel: {step}"] = ids

    @property
    def unscreened(self) -> bool:
        """True before the scoping group has recorded any screening decision."""
        return not self.decisions

    @property
    def shows_unincluded(self) -> bool:
        """Whether the pack holds records that were not included (shown with a status)."""
        included = set(self.flow["records"]["included"])
        return not set(self.records["record_id"]) <= included

    def status(self, record_id: str) -> str:
        """A record's screening status as shown beside its citation ("" when not needed)."""
        if not self.shows_unincluded:
            return ""
        decision, reason = self.decisions.get(record_id, ("not yet screened", ""))
        label = f"excluded: {reason}" if decision == "exclude" else STATUS_LABELS[decision]
        return f"[{label}]"

    def _fit_topics(self) -> None:
        n = len(self.records)
        if n < MIN_TOPIC_RECORDS:
            return
        k = self.params["n_topics"]
        high = max(3, min(12, n // 15))
        model = TopicModel(
            n_topics=k,
            k_range=(min(3, high), high),
            random_state=self.params["seed"],
            min_df=2,
            selection_sample=PACK_SELECTION_SAMPLE,
            n_jobs=-1,
        )
        model.fit(record_text(self.records))
        self.topic_model = model
        self.topics = describe(model, self.records, n_representative=3)
        self.doc_topics = document_topics(model, self.records)
        for row in self.topics.itertuples():
            members = self.doc_topics.loc[self.doc_topics["topic"] == row.topic, "record_id"]
            self.trace[f"topic {row.topic}: {row.label}"] = list(members)

    # ------------------------------------------------------------------ helpers
    def _labels(self, names: list[str]) -> list[str]:
        labels = {t.name: t.label for t in self.codebook.tags}
        return [labels.get(n, n) for n in names]

    def _group(self, group: str) -> list[str]:
        return [t.name for t in self.codebook.tags if t.group == group]

    def _tagged(self, name: str) -> pd.DataFrame:
        terms = self.tags.loc[self.records["record_id"], name]
        return self.records[terms.ne("").to_numpy()]

    def _count(self, key: str, ids: list[str] | pd.Series) -> int:
        self.trace[key] = sorted(ids)
        return len(self.trace[key])

    def _references(self, frame: pd.DataFrame, limit: int = 5) -> str:
        order = frame.assign(_y=pd.to_numeric(frame["year"], errors="coerce").fillna(0))
        order = order.sort_values(["_y", "record_id"], ascending=[False, True]).head(limit)
        items = "".join(
            f"<li>{_e(vancouver(r))} {self._status_html(r['record_id'])}{_link(r)}</li>"
            for r in order.to_dict("records")
        )
        return f"<ul class='refs'>{items}</ul>" if items else ""

    def _status_html(self, record_id: str) -> str:
        status = self.status(record_id)
        kind = "included" if status == "[included]" else "other"
        return f"<span class='status {kind}'>{_e(status)}</span> " if status else ""

    def _terms(self, name: str, limit: int = 6) -> str:
        counts: Counter[str] = Counter()
        for terms in self.tags.loc[self.records["record_id"], name]:
            counts.update(t.lower() for t in terms.split("; ") if t)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return ", ".join(f"{_e(t)} ({n})" for t, n in top)

    @property
    def name(self) -> str:
        """A title for the pack: its own, or one made from its parameters."""
        if self.params["title"]:
            return str(self.params["title"])
        themes = _or(self._labels(self.params["themes"])) if self.params["themes"] else "All themes"
        return f"{themes}: evidence briefing for {AUDIENCES[self.params['audience']]['label']}"

    # ------------------------------------------------------------------ sections
    def cover(self) -> Html:
        """Title, synthetic notice when it applies, and what the pack covers."""
        p = self.params
        n = self._count("records in this pack", self.records["record_id"])
        notice = f"<p class='synthetic'>{_e(SYNTHETIC_NOTICE)}</p>" if self.synthetic else ""
        if self.unscreened:
            notice += f"<p class='unscreened'>{_e(UNSCREENED_NOTICE)}</p>"
        elif self.shows_unincluded:
            notice += (
                "<p class='unscreened'>This pack also shows records the scoping group has "
                "not included (excluded, maybe or not yet screened); each citation says its "
                "screening status.</p>"
            )
        steps = "".join(f"<li>{_e(step)}: {len(ids):,}</li>" for step, ids in self.funnel)
        settings = {"both": "health and social care"}.get(p["settings"], p["settings"])
        text = (
            f"{notice}<h1>{_e(self.name)}</h1>"
            f"<p class='lead'>This pack brings together {n:,} records on "
            f"{_e(_or(self._labels(p['themes'])) if p['themes'] else 'all themes')} in "
            f"{_e(settings)}, {_e(_years(p))}, for {AUDIENCES[p['audience']]['label']}. "
            f"It was generated from the scoping group's corpus by the scoping workbench; "
            f"every count in it can be traced to the records behind it (trace.json).</p>"
            f"<p>How the records were chosen:</p><ol>{steps}</ol>"
        )
        return Html(text)

    def audience_section(self) -> Html:
        """The section the audience's pack leads with, from its lens tags."""
        audience = AUDIENCES[self.params["audience"]]
        total = len(self.records)
        parts = [f"<h2>{_e(audience['heading'])}</h2>"]
        for name in audience["lens"]:
            if name not in self.tags.columns:
                parts.append(f"<p>The codebook has no tag {_e(name)}; add it to see this lens.</p>")
                continue
            tagged = self._tagged(name)
            label = self._labels([name])[0]
            n = self._count(f"{label}: records", tagged["record_id"])
            share = f" ({100 * n / total:.0f}%)" if total else ""
            heading = f"<h3>{_e(label)}</h3>" if label != audience["heading"] else ""
            sentence = (
                f"{heading}<p>{n:,} of the {total:,} records{share} report on {_e(label.lower())}."
            )
            if n:
                sentence += f" The words matched most often: {self._terms(name)}."
            parts.append(sentence + "</p>" + self._references(tagged))
        if self.params["audience"] == "frontline":
            parts.append(self._tested_changes())
        return Html("".join(parts))

    def _tested_changes(self) -> str:
        designs = [d for d in ("rct", "quality_improvement") if d in self.tags.columns]
        if not designs:
            return ""
        ids = set()
        for d in designs:
            ids |= set(self._tagged(d)["record_id"])
        tested = self.records[self.records["record_id"].isin(ids)]
        n = self._count("changes tested in trials or improvement projects", tested["record_id"])
        return (
            f"<h3>Changes that were tested</h3><p>{n:,} records are trials or quality "
            f"improvement reports ({_e(_or(self._labels(designs)))}), which test a change in "
            f"practice rather than describe a situation.</p>" + self._references(tested)
        )

    def scope(self) -> Html:
        """Databases, dates and search strings from the search log."""
        if not self.searches:
            return Html(
                "<h2>Scope and searches</h2><p>No search log (corpus/searches.yml) was "
                "given; the sources below are those the exports name.</p>"
            )
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{_e(str(s.get(k, '')))}</td>"
                for k in (
                    "database",
                    "interface",
                    "date_searched",
                    "hits_reported",
                    "search_string",
                )
            )
            + "</tr>"
            for s in self.searches
        )
        return Html(
            "<h2>Scope and searches</h2>"
            f"<p>{len(self.searches)} searches were run, as recorded in the search log.</p>"
            "<table><thead><tr><th>Database</th><th>Interface</th><th>Date</th><th>Hits</th>"
            f"<th>Search string</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    def prisma(self) -> Html:
        """The PRISMA 2020 flow diagram and table, from the pipeline's own counts."""
        plots.style()
        counts = self.flow["counts"]
        source = "included" if self.params["stage"] == "included" else "screened"
        label = (
            f"In this pack: {len(self.records):,} records, drawn from the {source} "
            f"records by the pack's filters (see the first page)"
        )
        figure = _figure(
            plots.prisma_flow(counts, in_pack=label),
            "PRISMA 2020 flow diagram of the whole corpus, computed from the pipeline's counts.",
        )
        return Html("<h2>Flow of records (PRISMA 2020)</h2>" + figure + self._prisma_table())

    def _prisma_table(self) -> str:
        c = self.flow["counts"]
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
        body = "".join(f"<tr><td>{_e(k)}</td><td class='n'>{v:,}</td></tr>" for k, v in rows)
        broken = check_flow(self.flow)
        verdict = (
            "THE COUNTS DO NOT ADD UP (" + "; ".join(broken) + ")"
            if broken
            else ("The counts add up")
        )
        return (
            f"<table><thead><tr><th>Flow box</th><th>Records</th></tr></thead><tbody>{body}"
            f"</tbody></table><p>{_e(verdict)}: identified ({identified:,}) = duplicates "
            f"grouped + screened; screened = included + excluded + maybe + not yet screened. "
            f"The ids behind every box are in trace.json.</p>"
        )

    def _long(self, group: str) -> pd.DataFrame:
        """One row per record and tag of ``group`` it carries: record_id, year, label."""
        names = self._group(group)
        hits = self.tags.loc[self.records["record_id"], names].ne("")
        hits.columns = self._labels(names)
        pairs = hits.stack()
        pairs = pairs[pairs].reset_index()
        pairs.columns = ["record_id", group, "_"]
        years = dict(zip(self.records["record_id"], self.records["year"], strict=True))
        pairs["year"] = pairs["record_id"].map(years)
        return pairs[["record_id", "year", group]]

    def evidence_map(self) -> Html:
        """The evidence map: years by theme, theme x setting, design mix, topics over time."""
        plots.style()
        themes = self._long("theme")
        dated = themes.dropna(subset=["year"]).astype({"year": int})
        settings = self._long("setting")
        both = themes.merge(settings, on=["record_id", "year"])
        grid = pd.crosstab(both["theme"], both["setting"]) if len(both) else pd.DataFrame()
        designs = self._long("design")["design"].value_counts().sort_values(ascending=False)
        for theme, ids in themes.groupby("theme")["record_id"]:
            self.trace[f"figure, theme: {theme}"] = sorted(ids)
        for design, ids in self._long("design").groupby("design")["record_id"]:
            self.trace[f"figure, design: {design}"] = sorted(ids)
        for (theme, setting), ids in both.groupby(["theme", "setting"])["record_id"]:
            self.trace[f"figure, theme x setting: {theme} x {setting}"] = sorted(ids)
        figures = [
            _figure(plots.years_by_theme(dated), "Records per year of publication, by theme."),
            _figure(plots.theme_by_setting(grid), "Records by theme and setting."),
            _figure(plots.design_mix(designs), "Records by study design."),
        ]
        if not self.doc_topics.empty:
            figures.append(
                _figure(
                    plots.topics_over_time(self._topic_years()),
                    "Share of each year's records in each topic of the pack's topic model.",
                )
            )
            figures.append(
                _figure(
                    plots.record_map(self._record_map()),
                    "Each record placed by the first two principal components of its topic "
                    "weights; records close together share topics.",
                )
            )
        return Html(
            "<h2>Evidence map</h2><p>Counts are of the pack's records; a record with "
            "several theme, setting or design tags counts once under each.</p>" + "".join(figures)
        )

    def _record_map(self) -> pd.DataFrame:
        from sklearn.decomposition import PCA

        weights = self.topic_model.doc_topic_
        totals = weights.sum(axis=1, keepdims=True)
        shares = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        xy = PCA(2, svd_solver="full").fit_transform(shares)
        labels = dict(zip(self.topics["topic"], self.topics["label"], strict=True))
        topic = self.doc_topics["topic"].map(lambda t: f"{t}: {labels[t]}" if t >= 0 else "none")
        return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "topic": topic})

    def _topic_years(self) -> pd.DataFrame:
        labels = dict(zip(self.topics["topic"], self.topics["label"], strict=True))
        frame = self.doc_topics.merge(self.records[["record_id", "year"]], on="record_id")
        frame = frame[(frame["topic"] >= 0) & frame["year"].notna()]
        frame = frame.assign(
            topic=frame["topic"].map(lambda t: f"{t}: {labels[t]}"), year=frame["year"].astype(int)
        )
        return frame.groupby(["topic", "year"]).size().rename("records").reset_index()

    def themes(self) -> Html:
        """Each theme: its definition, how many records, the words matched, key references."""
        parts = ["<h2>Themes</h2>"]
        for tag in self.codebook.tags:
            if tag.group != "theme":
                continue
            tagged = self._tagged(tag.name)
            n = self._count(f"theme: {tag.label}", tagged["record_id"])
            if not n:
                continue
            years = pd.to_numeric(tagged["year"], errors="coerce").dropna()
            span = f", published {int(years.min())} to {int(years.max())}" if len(years) else ""
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
        n = len(self.records)
        if self.topic_model is None:
            return Html(
                f"<h2>Topics</h2><p>This pack has {n:,} records; topics are modelled from "
                f"{MIN_TOPIC_RECORDS} records upwards, so none are shown.</p>"
            )
        m = self.topic_model
        how = (
            (f"chosen by coherence x stability over k = {m.k_range[0]} to {m.k_range[1]}")
            if m.n_topics == "auto"
            else "as set"
        )
        parts = [
            f"<h2>Topics</h2><p>A TF-IDF topic model (NMF, seed {m.random_state}) finds "
            f"{m.n_topics_} topics in the {n:,} records ({how}). Topics are found by the "
            f"model, not by the codebook: they show themes the group may not have "
            f"anticipated. Unstable topics (top words that change when the data are "
            f"resampled) are flagged, not hidden.</p>"
        ]
        by_id = self.records.set_index("record_id")
        for row in self.topics.itertuples():
            flag = "" if row.stable else " <span class='flag'>(unstable)</span>"
            reps = by_id.loc[[r for r in str(row.representative).split("; ") if r]]
            parts.append(
                f"<h3>Topic {row.topic}: {_e(row.label)}{flag}</h3><p>{row.size:,} records; "
                f"top words: {_e(row.top_terms.replace('; ', ', '))}; stability "
                f"{row.stability:.2f}.</p>{self._references(reps.reset_index(), 3)}"
            )
        return Html("".join(parts))

    @cached_property
    def evidence(self) -> pd.DataFrame:
        """One row per record of the pack, for the evidence table (CSV, XLSX, HTML).

        Columns: citation, year, design, setting, staff group, themes with their matched
        words, topic, screening decision and reason, link, record id.
        """
        records = self.records.to_dict("records")
        ids = [r["record_id"] for r in records]
        topic_of = dict(
            zip(self.doc_topics.get("record_id", []), self.doc_topics.get("topic", []), strict=True)
        )
        labels = dict(zip(self.topics.get("topic", []), self.topics.get("label", []), strict=True))
        decided = [self.decisions.get(r, ("not yet screened", "")) for r in ids]
        topics = [topic_of.get(r, -1) for r in ids]
        return pd.DataFrame(
            {
                "citation": [vancouver(r) for r in records],
                "year": pd.array([r["year"] for r in records], dtype="Int64"),
                "design": self._cells(ids, "design"),
                "setting": self._cells(ids, "setting"),
                "staff group": self._cells(ids, "staff"),
                "themes (matched words)": self._cells(ids, "theme", words=True),
                "topic": [f"{t}: {labels[t]}" if t in labels else "" for t in topics],
                "screening decision": [d for d, _ in decided],
                "exclusion reason": [r for _, r in decided],
                "link": [link(r) for r in records],
                "record_id": ids,
            }
        )

    def evidence_table(self) -> pd.DataFrame:
        """A copy of :attr:`evidence`, the pack's evidence table."""
        return self.evidence.copy()

    def _cells(self, ids: list[str], group: str, words: bool = False) -> list[str]:
        """Per record, the labels of its tags in ``group`` (with matched words if asked)."""
        names = self._group(group)
        columns = [self.tags.loc[ids, n].tolist() for n in names]
        labels = self._labels(names)
        return (
            [
                "; ".join(
                    f"{label} [{terms}]" if words else label
                    for label, terms in zip(labels, row, strict=True)
                    if terms
                )
                for row in zip(*columns, strict=True)
            ]
            if names
            else [""] * len(ids)
        )

    def evidence_html(self) -> Html:
        """The evidence table as HTML (record text escaped), its newest rows in a big pack."""
        table = self.evidence
        shown = table
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
        cited = [(vancouver(r), r["record_id"], _link(r)) for r in self.records.to_dict("records")]
        cited.sort(key=lambda c: (c[0].lower(), c[1]))
        # numbered paragraphs, not list items: a third faster to lay out in a long PDF
        items = "".join(
            f"<p class='ref'>{n}. {_e(text)} {self._status_html(rid)}{url}</p>"
            for n, (text, rid, url) in enumerate(cited, start=1)
        )
        return Html(
            f"<h2>References</h2><p>All {len(cited):,} records of the pack (Vancouver "
            f"style), also in references.ris and references.bib for reference managers."
            f"</p><div class='refs'>{items}</div>"
        )

    def appendix(self) -> Html:
        """Methods and audit: parameters, codebook version, package versions, input checksums."""
        params = "".join(
            f"<tr><td>{_e(k)}</td><td>{_e(json.dumps(v))}</td></tr>"
            for k, v in self.params.items()
            if k not in ("workspace", "output")
        )
        versions = packages()  # the same list the manifest records
        software = "".join(
            f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in versions.items()
        )
        inputs = "".join(
            f"<tr><td>{_e(k)}</td><td class='hash'>{_e(v)}</td></tr>"
            for k, v in self.inputs.items()
        )
        return Html(
            "<h2>Methods and audit appendix</h2><p>Exports were read and normalised, "
            "duplicates grouped (never deleted), records tagged with the codebook "
            f"(version {_e(self.codebook.version)}) and screened in the decision log; this "
            "pack selected its records with the parameters below. Re-running the same "
            "command on the same inputs gives the same pack.</p>"
            f"<h3>Parameters</h3><table><tbody>{params}</tbody></table>"
            f"<h3>Inputs (SHA-256)</h3><table><tbody>{inputs}</tbody></table>"
            f"<h3>Software</h3><table><tbody>{software}</tbody></table>"
        )

    # ------------------------------------------------------------------ outputs
    def write_outputs(self) -> Html:
        """Write the evidence table (CSV, XLSX), references (RIS, BibTeX) and trace."""
        out = Path(self.params["output"] or self.root / "reports" / "pack")
        out.mkdir(parents=True, exist_ok=True)
        table = self.evidence
        write_csv(table, out / "evidence.csv")
        write_xlsx(table, out / "evidence.xlsx")
        records = self.records.to_dict("records")
        (out / "references.ris").write_text(to_ris(records), encoding="utf-8")
        (out / "references.bib").write_text(to_bibtex(records), encoding="utf-8")
        trace = {
            "parameters": {
                k: v for k, v in self.params.items() if k not in ("workspace", "output")
            },
            "numbers": {k: self.trace[k] for k in sorted(self.trace)},
            "prisma": self.flow["records"],
        }
        (out / "trace.json").write_text(
            json.dumps(trace, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        names = ["evidence.xlsx", "evidence.csv", "references.ris", "references.bib", "trace.json"]
        return Html("<p>Files beside this report: " + ", ".join(names) + ".</p>")


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


def _or(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _years(p: dict[str, Any]) -> str:
    low, high = p["year_from"], p["year_to"]
    if low is None and high is None:
        return "any year"
    if low is None:
        return f"up to {high}"
    if high is None:
        return f"from {low}"
    return f"from {low} to {high}"


def check_themes(themes: list[str], codebook: Codebook) -> None:
    """Refuse theme names the codebook does not define, naming the ones it does."""
    known = [t.name for t in codebook.tags if t.group == "theme"]
    bad = [t for t in themes if t not in known]
    if bad:
        raise InputError(
            f"unknown theme(s) {', '.join(map(repr, bad))}; the codebook's themes are "
            f"{', '.join(known)}."
        )


def _decisions(flow: dict[str, Any]) -> dict[str, tuple[str, str]]:
    boxes = flow["records"]
    out = {rid: ("include", "") for rid in boxes["included"]}
    out |= {rid: ("maybe", "") for rid in boxes["maybe"]}
    for reason, ids in boxes["excluded"].items():
        out |= {rid: ("exclude", reason) for rid in ids}
    return out


def _searches(report: dict[str, Any]) -> list[dict[str, Any]]:
    return list(report.get("search_log", {}).get("searches") or [])


def _inputs(report: dict[str, Any], codebook: Codebook, workspace: Path) -> dict[str, str]:
    out = {f["path"]: f["sha256"] for f in report.get("files", []) if f.get("sha256")}
    out[f"codebook (version {codebook.version})"] = codebook.sha256
    path = report.get("search_log", {}).get("path")
    for candidate in (Path(path), workspace / path) if path else ():
        if candidate.is_file():
            out[str(path)] = hashlib.sha256(candidate.read_bytes()).hexdigest()
            break
    return out
