"""Reports linked to a work (errata, retraction notices, replies, versions) for screening.

Deduplication writes the links (``build/related.csv``, :mod:`scoping.dedupe.related`)
between records; screening works with works (duplicate groups), so the links are read
here as work-to-work lists, each with words that say, from the side of the work on the
card, what the other one is. The screening card shows them, with the reviewer's own
decision on each, and the widget can apply a decision to them in one action.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

#: Per relation: what the other report is, seen from the paper (``related_id``) and
#: from the notice (``record_id``).
WORDS = {
    "erratum_of": ("Erratum to this work", "The work this erratum corrects"),
    "correction_of": ("Correction to this work", "The work this correction corrects"),
    "retraction_of": ("Retraction notice of this work", "The work this notice retracts"),
    "reply_to": ("Reply to this work", "The work this replies to"),
    "comment_on": ("Comment on this work", "The work this comments on"),
    "version_of": ("Earlier version (preprint) of this work", "Later version of this work"),
    "abstract_of": ("Conference abstract of this work", "The paper of this abstract"),
    "registration_of": ("Trial registration of this work", "A report of this registered trial"),
    "same_study": ("Another report of the same study", "Another report of the same study"),
}
#: A linked report as the card lists it: (work id, words, whether a person should check).
Linked = tuple[str, str, bool]


def work_ids(records: pd.DataFrame) -> dict[str, str]:
    """Each record id -> its work's id (``unique.parquet``'s ``member_ids``, else itself)."""
    out = {}
    members = records["member_ids"] if "member_ids" in records.columns else None
    for n, rid in enumerate(records["record_id"]):
        ids = members.iloc[n] if members is not None else None
        for member in ids if ids is not None and len(ids) else [rid]:
            out[str(member)] = rid
    return out


def links_by_work(related: pd.DataFrame, records: pd.DataFrame) -> dict[str, list[Linked]]:
    """Work id -> the works linked to it, with words for each (``related.csv`` rows)."""
    work = work_ids(records)
    found: dict[str, dict[str, Linked]] = {}
    columns = (related[n] for n in ("record_id", "related_id", "relation", "status"))
    for notice, paper, relation, status in zip(*columns, strict=True):
        a, b = work.get(notice), work.get(paper)
        if a is None or b is None or a == b:
            continue
        from_paper, from_notice = WORDS.get(relation, (relation, relation))
        found.setdefault(b, {}).setdefault(a, (a, from_paper, status != "linked"))
        found.setdefault(a, {}).setdefault(b, (b, from_notice, status != "linked"))
    return {w: sorted(others.values()) for w, others in found.items()}


def read_links(build: str | Path, records: pd.DataFrame) -> dict[str, list[Linked]]:
    """The links of ``build/related.csv`` between ``records``' works ({} without the file)."""
    path = Path(build) / "related.csv"
    if not path.is_file():
        return {}
    return links_by_work(pd.read_csv(path, dtype=str, keep_default_na=False), records)


def retraction_banner(record: dict[str, Any]) -> str:
    """A red banner when the record's work is retracted ("" when it is not)."""
    flag = record.get("retracted")
    if flag is None or (isinstance(flag, float) and pd.isna(flag)) or not bool(flag):
        return ""
    why = html.escape(str(record.get("retraction") or "flagged by deduplication"))
    return (
        "<p style='background:#fee2e2;color:#7f1d1d;border:2px solid #b91c1c;"
        "padding:4px 8px;margin:0 0 6px 0'><b>RETRACTED.</b> This work has been retracted: "
        "do not rely on its findings, and decide it as your protocol says for retracted "
        f"studies.<br><small>How we know: {why}</small></p>"
    )


def linked_list(links: list[Linked], title_of: dict[str, str], decided: dict[str, str]) -> str:
    """The card's list of linked reports, each with the reviewer's decision on it."""
    if not links:
        return ""
    items = "".join(
        f"<li>{html.escape(words)}{' (possibly; a person should check)' if unsure else ''}: "
        f"{html.escape(title_of.get(other, other))} <small>({html.escape(other)}; "
        f"{html.escape(decided.get(other, 'not yet decided by you'))})</small></li>"
        for other, words, unsure in links
    )
    return f"<p><b>Linked reports</b></p><ul>{items}</ul>"
