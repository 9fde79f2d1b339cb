"""A pack's data: its records and every count it shows, computed once, before rendering.

:func:`compute` reads the workspace's built outputs, selects the pack's records, fits
the pack's own topic model and counts everything the sections show, keeping the record
ids behind every count in :attr:`PackData.numbers`. The result is frozen: the sections
(:mod:`scoping.packs.sections`) only render it, and ``trace.json`` is written from it
(:mod:`scoping.packs.exports`), so the trace never depends on the template's cells.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..form import load_form
from ..io.writers import is_retracted, link, vancouver
from ..tags import Codebook, load_codebook
from ..topics import (
    TopicModel,
    corpus_stop_words,
    describe,
    document_topics,
    record_text,
)
from ..workspace import Workspace
from . import synthesis
from .params import AUDIENCES, SETTINGS, PackParams

#: Largest sample on which a pack's own topic model chooses k (the final fit uses all).
PACK_SELECTION_SAMPLE = 4000
#: Fewest records for which a pack fits its own topic model.
MIN_TOPIC_RECORDS = 40
#: Stage outputs a pack reads.
NEEDED = ("unique.parquet", "tag_matrix.parquet", "prisma.json", "ingest_report.json")
#: A work's standing once full-text screening has begun, beyond include/exclude/maybe.
FULL_TEXT_STANDING = ("included at title and abstract", "not retrieved", "maybe at full text")
#: How a record's screening status is shown beside its citation.
STATUS_LABELS = {
    "include": "included",
    "maybe": "maybe",
    "not yet screened": "not yet screened",
    "included at title and abstract": "included at title and abstract; full text not yet assessed",
    "not retrieved": "included at title and abstract; full text not retrieved",
    "maybe at full text": "maybe at full-text screening",
}
#: Designs that test a change in practice (the frontline pack's "changes that were tested").
TESTED_DESIGNS = ("rct", "quality_improvement")


@dataclass(frozen=True)
class TopicInfo:
    """How the pack's topic model was made: k, the range tried, method and seed.

    ``k`` is the number of topics shown; ``fitted`` the number fitted, more when facets
    of one subject were joined.
    """

    k: int
    k_range: tuple[int, int]
    auto: bool
    seed: int
    fitted: int


@dataclass(frozen=True)
class PackData:
    """Everything one pack shows, computed from the workspace before rendering."""

    params: PackParams
    codebook: Codebook
    records: pd.DataFrame
    tags: pd.DataFrame
    flow: dict[str, Any]
    decisions: dict[str, tuple[str, str]]
    searches: list[dict[str, Any]]
    synthetic: bool
    funnel: tuple[tuple[str, tuple[str, ...]], ...]
    inputs: dict[str, str]
    root: Path
    evidence: pd.DataFrame
    topics: pd.DataFrame = field(default_factory=pd.DataFrame)
    doc_topics: pd.DataFrame = field(default_factory=pd.DataFrame)
    topic_info: TopicInfo | None = None
    record_map: pd.DataFrame = field(default_factory=pd.DataFrame)
    studies: tuple[synthesis.Study, ...] = ()
    gap_map: pd.DataFrame = field(default_factory=pd.DataFrame)
    messages: tuple[synthesis.Message, ...] = ()
    changes: dict[str, Any] = field(default_factory=dict)
    numbers: dict[str, list[str]] = field(default_factory=dict)
    #: The search log's file name, when one was read (it may list no searches).
    search_log: str = ""

    # ------------------------------------------------------------------ reading
    @property
    def name(self) -> str:
        """A title for the pack: its own, or one made from its parameters."""
        if self.params.title:
            return self.params.title
        themes = either(self.labels(self.params.themes)) if self.params.themes else "All themes"
        return f"{themes}: evidence briefing for {AUDIENCES[self.params.audience]['label']}"

    @property
    def unscreened(self) -> bool:
        """True before the scoping group has recorded any screening decision."""
        return not self.decisions

    @property
    def included(self) -> set[str]:
        """The works the group has included, as far as each has gone (:func:`included_works`)."""
        return included_works(self.flow)

    @property
    def shows_unincluded(self) -> bool:
        """Whether the pack holds records that were not included (shown with a status)."""
        return not set(self.records["record_id"]) <= self.included

    def count(self, key: str) -> int:
        """How many records stand behind the number called ``key``."""
        return len(self.numbers[key])

    def status(self, record_id: str) -> str:
        """A record's screening status as shown beside its citation ("" when not needed)."""
        decision, reason = self.decisions.get(record_id, ("not yet screened", ""))
        if decision == "include" and not self.shows_unincluded:
            return ""
        label = f"excluded: {reason}" if decision == "exclude" else STATUS_LABELS[decision]
        return f"[{label}]"

    def labels(self, names: tuple[str, ...] | list[str]) -> list[str]:
        """The codebook labels of tag names (a name the codebook lacks stays as it is)."""
        labels = {t.name: t.label for t in self.codebook.tags}
        return [labels.get(n, n) for n in names]

    def group(self, group: str) -> list[str]:
        """The codebook's tag names of one group (theme, setting, design...)."""
        return [t.name for t in self.codebook.tags if t.group == group]

    def tagged(self, name: str) -> pd.DataFrame:
        """The pack's records that carry tag ``name``."""
        terms = self.tags.loc[self.records["record_id"], name]
        return self.records[terms.ne("").to_numpy()]

    def terms(self, name: str, limit: int = 6) -> list[tuple[str, int]]:
        """The words that matched tag ``name`` most often in the pack, with counts."""
        counts: Counter[str] = Counter()
        for terms in self.tags.loc[self.records["record_id"], name]:
            counts.update(t.lower() for t in terms.split("; ") if t)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def long(self, group: str) -> pd.DataFrame:
        """One row per record and tag of ``group`` it carries: record_id, year, label."""
        names = self.group(group)
        hits = self.tags.loc[self.records["record_id"], names].ne("")
        hits.columns = self.labels(names)
        pairs = hits.stack()
        pairs = pairs[pairs].reset_index()
        pairs.columns = ["record_id", group, "_"]
        years = dict(zip(self.records["record_id"], self.records["year"], strict=True))
        pairs["year"] = pairs["record_id"].map(years)
        return pairs[["record_id", "year", group]]

    def topic_years(self) -> pd.DataFrame:
        """Records per topic (labelled) and year, for the topics-over-time figure."""
        labels = dict(zip(self.topics["topic"], self.topics["label"], strict=True))
        frame = self.doc_topics.merge(self.records[["record_id", "year"]], on="record_id")
        frame = frame[(frame["topic"] >= 0) & frame["year"].notna()]
        frame = frame.assign(
            topic=frame["topic"].map(lambda t: f"{t}: {labels[t]}"), year=frame["year"].astype(int)
        )
        return frame.groupby(["topic", "year"]).size().rename("records").reset_index()


def either(labels: list[str]) -> str:
    """``a, b or c``."""
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def years(params: PackParams) -> str:
    """The pack's years of publication in words."""
    low, high = params.year_from, params.year_to
    if low is None and high is None:
        return "any year"
    if low is None:
        return f"up to {high}"
    if high is None:
        return f"from {low}"
    return f"from {low} to {high}"


# --------------------------------------------------------------------- computing
def compute(params: PackParams, workspace: str | Path = "") -> PackData:
    """Read the workspace's built outputs and compute everything the pack shows.

    Parameters
    ----------
    params : PackParams
    workspace : str or Path
        The workspace folder; empty: the workspace above the current folder.
    """
    space = Workspace.at(workspace)
    base = _read(space, params)
    records, funnel = _select(base.pop("corpus"), base, params)
    data = PackData(
        **base,
        params=params,
        records=records.reset_index(drop=True),
        funnel=funnel,
        evidence=pd.DataFrame(),
        **_topics(
            records.reset_index(drop=True),
            params,
            corpus_stop_words(space.topic_stop_words(), base["synthetic"]),
        ),
    )
    numbers = {"records in this pack": list(data.records["record_id"])}
    numbers |= {f"funnel: {step}": list(ids) for step, ids in funnel}
    for row in data.topics.itertuples():
        members = data.doc_topics.loc[data.doc_topics["topic"] == row.topic, "record_id"]
        numbers[f"topic {row.topic}: {row.label}"] = list(members)
    for counted in (_lens, _figures, _themes):
        numbers |= counted(data)
    data = _synthesise(replace(data, evidence=_evidence(data)), space)
    return replace(data, numbers=numbers | data.numbers)


#: Charting fields whose values are codebook labels: field -> the codebook's tag group.
CHARTED_GROUPS = {"study_design": "design", "setting": "setting", "staff_group": "staff"}
#: What a tag cell holds when a reviewer charted the label, not a codebook word match.
CHARTED_MARK = "(charted)"


def _with_charted(
    tags: pd.DataFrame, charted: dict[str, dict[str, Any]], codebook: Codebook
) -> pd.DataFrame:
    """The corpus's tags, with what reviewers charted in place of the codebook's matches.

    A work's charted design, setting and staff group replace its tags of those groups,
    so every filter, table, figure and count of a pack shows what was charted.
    """
    tags = tags.copy()
    names = {(t.group, t.label): t.name for t in codebook.tags}
    columns = {
        group: [t.name for t in codebook.tags if t.group == group]
        for group in CHARTED_GROUPS.values()
    }
    for rid, fields in charted.items():
        for name, group in CHARTED_GROUPS.items():
            if name not in fields or not columns[group] or rid not in tags.index:
                continue
            value = fields[name][0]
            tags.loc[rid, columns[group]] = ""
            for label in [value] if isinstance(value, str) else list(value or []):
                if (group, label) in names:
                    tags.loc[rid, names[group, label]] = CHARTED_MARK
    return tags


def _synthesise(data: PackData, space: Workspace) -> PackData:
    """The pack's studies (charted, else drafted), gap map and key messages."""
    form = load_form(space.charting, data.codebook)
    found = synthesis.studies(
        data.records,
        space.build,
        _first_label(data, "design"),
        _labels_of(data, "setting"),
        data.params,
    )
    usable = [s for s in found if s.checked or not data.params.checked_only]
    usable = [s for s in usable if s.source != "codebook"]
    table = synthesis.gap_map(
        tuple(usable),
        list(form.field("interventions").allowed) if "interventions" in form.by_name else [],
        list(form.field("outcome_domains").allowed) if "outcome_domains" in form.by_name else [],
    )
    messages = synthesis.lead_messages(usable, data.params.audience)
    themes = list(data.params.themes) or data.group("theme")
    for name in themes:
        tagged = set(data.tagged(name)["record_id"])
        label = data.labels([name])[0]
        messages += synthesis.theme_messages(label, [s for s in usable if s.record_id in tagged])
    retracted = {
        r["record_id"]: short(r).removesuffix(" [retracted]")
        for r in data.records.to_dict("records")
        if is_retracted(r)
    }
    messages = synthesis.flag_retracted(messages, retracted)
    numbers = synthesis.gap_numbers(table) | synthesis.message_numbers(messages)
    numbers["charted studies"] = sorted(s.record_id for s in found if s.source == "charted")
    return replace(data, studies=found, gap_map=table, messages=tuple(messages), numbers=numbers)


def _first_label(data: PackData, group: str) -> dict[str, str]:
    labels = _labels_of(data, group)
    return {rid: found[0] for rid, found in labels.items() if found}


def _labels_of(data: PackData, group: str) -> dict[str, tuple[str, ...]]:
    names = data.group(group)
    labels = data.labels(names)
    rows = data.tags.loc[data.records["record_id"], names] if names else pd.DataFrame()
    return (
        {
            rid: tuple(label for label, hit in zip(labels, row, strict=True) if hit)
            for rid, row in zip(
                data.records["record_id"], rows.itertuples(index=False), strict=True
            )
        }
        if names
        else {}
    )


def changes(data: PackData, baseline: dict[str, Any] | None) -> dict[str, Any]:
    """What changed since the build of ``baseline`` (an earlier trace.json of the pack).

    New records found, works newly included, studies newly charted (each a list of
    record ids), and every count that moved (before, after).
    """
    if not baseline or not isinstance(baseline.get("numbers"), dict):
        return {}
    before, now = baseline["numbers"], data.numbers
    corpus = "funnel: unique works in the corpus"
    included_before = set(baseline.get("included", []))
    moved = {
        key: [len(before.get(key, [])), len(now.get(key, []))]
        for key in sorted(set(before) | set(now))
        if len(before.get(key, [])) != len(now.get(key, [])) and not key.startswith("funnel")
    }
    return {
        "new records found": sorted(set(now.get(corpus, [])) - set(before.get(corpus, []))),
        "newly included": sorted(data.included - included_before),
        "newly charted": sorted(
            set(now.get("charted studies", [])) - set(before.get("charted studies", []))
        ),
        "counts that moved": moved,
    }


def _read(space: Workspace, params: PackParams) -> dict[str, Any]:
    build = space.build
    missing = [n for n in NEEDED if not (build / n).is_file()]
    if missing:
        raise InputError(
            f"{build}: missing {', '.join(missing)}; run `scoping run --workspace "
            f"{space.root}` first."
        )
    report = json.loads((build / "ingest_report.json").read_text(encoding="utf-8"))
    codebook = load_codebook(space.codebook)
    params.check_themes(codebook)
    corpus = pd.read_parquet(build / "unique.parquet").sort_values("record_id")
    corpus = corpus.reset_index(drop=True)
    if "retracted" not in corpus.columns:  # a build from before retractions were read
        corpus = corpus.assign(retracted=False, retraction="")
    tags = pd.read_parquet(build / "tag_matrix.parquet").set_index("record_id")
    stale = [t.name for t in codebook.tags if t.name not in tags.columns]
    if stale:
        raise InputError(
            f"{build / 'tag_matrix.parquet'}: built with another codebook (no tag "
            f"{', '.join(stale[:3])}); run `scoping run --workspace {space.root}` to re-tag."
        )
    flow = json.loads((build / "prisma.json").read_text(encoding="utf-8"))
    tags = tags.reindex(corpus["record_id"]).fillna("")
    return {
        "codebook": codebook,
        "tags": _with_charted(tags, synthesis.charted_values(build, params.checked_only), codebook),
        "flow": flow,
        "decisions": _decisions(flow),
        "searches": list(report.get("search_log", {}).get("searches") or []),
        "search_log": Path(report.get("search_log", {}).get("path") or "").name,
        "synthetic": bool(report["totals"].get("synthetic_demo_records")),
        "inputs": _inputs(report, codebook, space.root),
        "root": space.root,
        "corpus": corpus,
    }


def _select(keep: pd.DataFrame, base: dict[str, Any], p: PackParams) -> tuple[pd.DataFrame, tuple]:
    """The pack's records and the funnel of filters that chose them."""
    tags, codebook = base["tags"], base["codebook"]
    funnel = [("unique works in the corpus", tuple(keep["record_id"]))]
    boxes = base["flow"]["records"]
    if p.stage == "included" and base["decisions"]:
        keep = keep[keep["record_id"].isin(boxes["included"])]
        funnel.append(("included at title and abstract screening", tuple(keep["record_id"])))
        if full_text_begun(base["flow"]):
            keep = keep[keep["record_id"].isin(included_works(base["flow"]))]
            funnel.append((FULL_TEXT_STEP, tuple(keep["record_id"])))
    if p.retracted == "leave out":
        keep = keep[~keep["retracted"].astype(bool)]
        funnel.append(("retracted works left out", tuple(keep["record_id"])))
    if p.themes:
        has = tags.loc[keep["record_id"], list(p.themes)].ne("").any(axis=1).to_numpy()
        keep = keep[has]
        labels = {t.name: t.label for t in codebook.tags}
        funnel.append((f"tagged {either([labels[t] for t in p.themes])}", tuple(keep["record_id"])))
    if p.settings != "both":
        settings = [
            t.name
            for t in codebook.tags
            if t.group == "setting" and t.sector in SETTINGS[p.settings]
        ]
        has = tags.loc[keep["record_id"], settings].ne("").any(axis=1).to_numpy()
        keep = keep[has]
        funnel.append((f"in a {p.settings} setting", tuple(keep["record_id"])))
    if p.year_from is not None or p.year_to is not None:
        year = pd.to_numeric(keep["year"], errors="coerce")
        low = p.year_from if p.year_from is not None else -np.inf
        high = p.year_to if p.year_to is not None else np.inf
        keep = keep[year.between(low, high)]
        funnel.append((f"published {years(p)}", tuple(keep["record_id"])))
    return keep, tuple(funnel)


#: The funnel's step once full-text work has begun.
FULL_TEXT_STEP = "included at full text, or its full text still awaited"


def full_text_begun(flow: dict[str, Any]) -> bool:
    """Whether any full text has been assessed or given up as not retrieved."""
    boxes = flow["records"]
    return bool(boxes.get("assessed") or any(boxes.get("not_retrieved", {}).values()))


def included_works(flow: dict[str, Any]) -> set[str]:
    """The works included as far as each has gone through screening.

    Before full-text work begins, those included at title and abstract. Then those
    included at full text, and those still waiting for their full text to be retrieved
    or assessed (cited with that status); never a work excluded, left at "maybe" or
    not retrieved at full text.
    """
    boxes = flow["records"]
    if not full_text_begun(flow):
        return set(boxes["included"])
    waiting = set(boxes["awaiting_retrieval"]) | set(boxes["awaiting_assessment"])
    return set(boxes["studies_included"]) | waiting


def _topics(
    records: pd.DataFrame, params: PackParams, stop_words: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The pack's own topic model (from :data:`MIN_TOPIC_RECORDS` records upwards)."""
    n = len(records)
    if n < MIN_TOPIC_RECORDS:
        return {}
    high = max(3, min(12, n // 15))
    model = TopicModel(
        n_topics=params.n_topics,
        k_range=(min(3, high), high),
        random_state=params.seed,
        min_df=2,
        selection_sample=PACK_SELECTION_SAMPLE,
        n_jobs=1,  # packs are built in forked workers (see build.build_all)
        widen=False,  # a pack's range is its own (a few topics to read, not a search)
        stop_words=stop_words,
    )
    model.fit(record_text(records))
    topics = describe(model, records, n_representative=3)
    doc_topics = document_topics(model, records)
    return {
        "topics": topics,
        "doc_topics": doc_topics,
        "topic_info": TopicInfo(
            model.n_topics_,
            model.k_range,
            model.n_topics == "auto",
            model.random_state,
            model.n_fitted_,
        ),
        "record_map": _record_map(model, topics, doc_topics),
    }


def _record_map(model: TopicModel, topics: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    from sklearn.decomposition import PCA

    weights = model.doc_topic_
    totals = weights.sum(axis=1, keepdims=True)
    shares = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    xy = PCA(2, svd_solver="full").fit_transform(shares)
    labels = dict(zip(topics["topic"], topics["label"], strict=True))
    topic = docs["topic"].map(lambda t: f"{t}: {labels[t]}" if t >= 0 else "none")
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "topic": topic})


def _lens(data: PackData) -> dict[str, list[str]]:
    """The audience's lead section: records per lens tag, and changes tested."""
    numbers = {}
    for name in AUDIENCES[data.params.audience]["lens"]:
        if name in data.tags.columns:
            label = data.labels([name])[0]
            numbers[f"{label}: records"] = sorted(data.tagged(name)["record_id"])
    designs = [d for d in TESTED_DESIGNS if d in data.tags.columns]
    if data.params.audience == "frontline" and designs:
        ids = set().union(*(set(data.tagged(d)["record_id"]) for d in designs))
        numbers["changes tested in trials or improvement projects"] = sorted(ids)
    return numbers


def _figures(data: PackData) -> dict[str, list[str]]:
    """The records behind each bar and cell of the evidence map."""
    themes, settings = data.long("theme"), data.long("setting")
    both = themes.merge(settings, on=["record_id", "year"])
    numbers = {}
    for theme, ids in themes.groupby("theme")["record_id"]:
        numbers[f"figure, theme: {theme}"] = sorted(ids)
    for design, ids in data.long("design").groupby("design")["record_id"]:
        numbers[f"figure, design: {design}"] = sorted(ids)
    for (theme, setting), ids in both.groupby(["theme", "setting"])["record_id"]:
        numbers[f"figure, theme x setting: {theme} x {setting}"] = sorted(ids)
    return numbers


def _themes(data: PackData) -> dict[str, list[str]]:
    return {
        f"theme: {tag.label}": sorted(data.tagged(tag.name)["record_id"])
        for tag in data.codebook.tags
        if tag.group == "theme"
    }


def _evidence(data: PackData) -> pd.DataFrame:
    """One row per record of the pack, for the evidence table (CSV, XLSX, HTML).

    Columns: citation, year, design, setting, staff group, themes with their matched
    words, topic, screening decision and reason, why a work is retracted (empty when it
    is not), link, record id.
    """
    records = data.records.to_dict("records")
    ids = [r["record_id"] for r in records]
    topic_of = dict(
        zip(data.doc_topics.get("record_id", []), data.doc_topics.get("topic", []), strict=True)
    )
    labels = dict(zip(data.topics.get("topic", []), data.topics.get("label", []), strict=True))
    decided = [data.decisions.get(r, ("not yet screened", "")) for r in ids]
    decided = [(STATUS_LABELS[d] if d in FULL_TEXT_STANDING else d, r) for d, r in decided]
    topics = [topic_of.get(r, -1) for r in ids]
    return pd.DataFrame(
        {
            "citation": [vancouver(r) for r in records],
            "year": pd.array([r["year"] for r in records], dtype="Int64"),
            "design": _cells(data, ids, "design"),
            "setting": _cells(data, ids, "setting"),
            "staff group": _cells(data, ids, "staff"),
            "themes (matched words)": _cells(data, ids, "theme", words=True),
            "topic": [f"{t}: {labels[t]}" if t in labels else "" for t in topics],
            "screening decision": [d for d, _ in decided],
            "exclusion reason": [r for _, r in decided],
            "retracted": [r.get("retraction") or "yes" if is_retracted(r) else "" for r in records],
            "link": [link(r) for r in records],
            "record_id": ids,
        }
    )


def _cells(data: PackData, ids: list[str], group: str, words: bool = False) -> list[str]:
    """Per record, the labels of its tags in ``group`` (with matched words if asked)."""
    names = data.group(group)
    if not names:
        return [""] * len(ids)
    columns = [data.tags.loc[ids, n].tolist() for n in names]
    labels = data.labels(names)
    return [
        "; ".join(
            f"{label} [{terms}]" if words else label
            for label, terms in zip(labels, row, strict=True)
            if terms
        )
        for row in zip(*columns, strict=True)
    ]


def _decisions(flow: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each screened work's standing, full text over title and abstract once begun."""
    boxes = flow["records"]
    out = {rid: ("include", "") for rid in boxes["included"]}
    out |= {rid: ("maybe", "") for rid in boxes["maybe"]}
    for reason, ids in boxes["excluded"].items():
        out |= {rid: ("exclude", reason) for rid in ids}
    if not full_text_begun(flow):
        return out
    out |= {rid: ("included at title and abstract", "") for rid in boxes["included"]}
    out |= {rid: ("not retrieved", "") for ids in boxes["not_retrieved"].values() for rid in ids}
    out |= {rid: ("include", "") for rid in boxes["studies_included"]}
    out |= {rid: ("maybe at full text", "") for rid in boxes["full_text_maybe"]}
    for reason, ids in boxes["full_text_excluded"].items():
        out |= {rid: ("exclude", f"{reason} (full text)") for rid in ids}
    return out


def _inputs(report: dict[str, Any], codebook: Codebook, workspace: Path) -> dict[str, str]:
    out = {f["path"]: f["sha256"] for f in report.get("files", []) if f.get("sha256")}
    out[f"codebook (version {codebook.version})"] = codebook.sha256
    path = report.get("search_log", {}).get("path")
    for candidate in (Path(path), workspace / path) if path else ():
        if candidate.is_file():
            out[str(path)] = hashlib.sha256(candidate.read_bytes()).hexdigest()
            break
    return out


def short(record: dict[str, Any]) -> str:
    """``Ashdown et al. 2013``: a study as a sentence names it (flagged if retracted)."""
    authors = record.get("authors")
    authors = list(authors) if authors is not None and not isinstance(authors, float) else []
    family = str(authors[0]).split(",")[0] if authors else "Anon."
    year = record.get("year")
    year = "" if year is None or pd.isna(year) else f" {int(year)}"
    flag = " [retracted]" if is_retracted(record) else ""
    return f"{family}{' et al.' if len(authors) > 1 else ''}{year}{flag}"


def cite(data: PackData, ids: tuple[str, ...] | list[str], limit: int = 4) -> str:
    """Short citations of the studies ``ids`` (at most ``limit``, then how many more)."""
    by_id = data.records.set_index("record_id")
    names = [short(by_id.loc[rid].to_dict()) for rid in ids if rid in by_id.index]
    more = f"; and {len(names) - limit} more" if len(names) > limit else ""
    return "; ".join(names[:limit]) + more
