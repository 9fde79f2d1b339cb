"""Comparison: an explainable verdict on one pair, from the fields that agree and disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from .keys import journals_compatible
from .params import DedupeParams


@dataclass
class PairResult:
    """How two records compared: the decision, its score, and the evidence."""

    a: str
    b: str
    decision: str  # "same", "maybe", "different", "related"
    score: float
    rule: str
    agreed: list[str] = field(default_factory=list)
    disagreed: list[str] = field(default_factory=list)


def _identifier_match(x: pd.Series, y: pd.Series) -> str | None:
    return next((n for n in ("doi", "pmid", "pmcid") if x[n] and x[n] == y[n]), None)


def _fields(x: pd.Series, y: pd.Series, slack: int) -> tuple[list[str], list[str]]:
    """Fields that confirm and fields that contradict (absent on either side: neither)."""
    agreed, disagreed = [], []
    if x["families"] and y["families"]:  # the first author of one is an author of the other
        same = x["author"] in y["families"] or y["author"] in x["families"]
        (agreed if same or x["author"] == y["author"] else disagreed).append("author")
    if pd.notna(x["year"]) and pd.notna(y["year"]):
        gap = abs(int(x["year"]) - int(y["year"]))
        if gap == 0:
            agreed.append("year")
        elif gap > slack:
            disagreed.append("year")
    if _shifted(x, y):
        agreed.append("volume")  # and the page is not known on one side
        return agreed, disagreed
    for name in ("volume", "page"):
        if x[name] and y[name]:
            (agreed if x[name] == y[name] else disagreed).append(name)
    # Issue is a fallback locator, only where neither record has a page (some exports
    # put a running number in it); it never confirms: a column recurs in every issue.
    no_pages = not x["page"] and not y["page"]
    if no_pages and x["issue"] and y["issue"] and x["issue"] != y["issue"]:
        disagreed.append("issue")
    return agreed, disagreed


def _shifted(x: pd.Series, y: pd.Series) -> bool:
    """Whether one record has its volume and issue a column late, in issue and pages.

    An export with no volume gives issue "26" and pages "9" for 26(9):1746: its own
    volume is empty, its issue is the other's volume and its page the other's issue.
    Having no page of its own, such a record agrees with any item of that issue.
    """
    return any(
        not a["volume"] and a["issue"] and a["issue"] == b["volume"] and a["page"] == b["issue"]
        for a, b in ((x, y), (y, x))
    )


def _needed(title_sim: float | None, params: DedupeParams) -> int | None:
    """Confirmations needed at this title similarity (None: titles too far apart)."""
    if title_sim is None:
        return None
    if title_sim >= params.title_exact:
        return params.confirm_exact
    if title_sim >= params.title_close:
        return params.confirm_close
    return 4 if title_sim >= params.title_loose else None


def ranges_overlap(a: str, b: str) -> bool:
    """Whether two full page ranges ("2141-2147", "2142-2147") share a page.

    >>> ranges_overlap("2141-2147", "2142-2147"), ranges_overlap("703-712", "1107-1108")
    (True, False)
    """
    if not a or not b:
        return False
    (a0, a1), (b0, b1) = (map(int, r.split("-")) for r in (a, b))
    return a0 <= b1 and b0 <= a1


def pages_apart(x: Any, y: Any) -> bool:
    """Whether two prepared records both have print pages, and those do not overlap.

    In one volume that makes them two items (a paper and a correction printed later).
    """
    return bool(x["span"] and y["span"] and not ranges_overlap(x["span"], y["span"]))


def _same_locator(x: pd.Series, y: pd.Series) -> bool:
    """Same first author, year, volume and journal, and page ranges that overlap.

    The journals need only be compatible (an abbreviation). That locates one article
    whatever its title says (a translated title): two articles of one volume do not
    share a page. Overlapping rather than equal ranges allow for a mistyped page.
    """
    return bool(
        ranges_overlap(x["range"], y["range"])
        and x["volume"]
        and x["volume"] == y["volume"]
        and x["author"]
        and x["author"] == y["author"]
        and pd.notna(x["year"])
        and x["year"] == y["year"]
        and journals_compatible(x["journal"], y["journal"])
    )


def _decide(
    x: pd.Series,
    y: pd.Series,
    title_sim: float | None,
    agreed: list[str],
    disagreed: list[str],
    params: DedupeParams,
) -> tuple[str, str]:
    """The decision and the rule that made it, before the kind and DOI vetoes."""
    ident = _identifier_match(x, y)
    if ident:
        if title_sim is not None and title_sim < params.title_floor:
            return "maybe", f"{ident} shared but titles differ"
        return "same", ident
    # a title and its translation ("[...]" in MEDLINE), or titles not far apart
    translated = x["translated"] or y["translated"]
    close = title_sim is not None and (translated or title_sim >= params.title_floor)
    if params.locator and close and _same_locator(x, y):
        return "same", "first author, year, journal, volume and page range"
    hard = [f for f in disagreed if f in ("year", "volume", "issue", "page")]
    confirm = sum(1 for f in agreed if f != "title")
    needed = _needed(title_sim, params)
    if (
        hard == ["page"]
        and title_sim is not None
        and title_sim >= params.title_exact
        and journals_compatible(x["journal"], y["journal"])
        and not pages_apart(x, y)
    ):
        # an e-locator or supplement page ("e43268", "S33-38") against the print page, or
        # a last page within a range; two print pages apart are two items (a correction)
        hard, needed = [], params.confirm_close
    shown = "missing" if title_sim is None else f"{title_sim:.2f}"
    if title_sim is None:
        return "maybe", "a title is missing; a person decides"
    if needed == 4 and x["author"] != y["author"]:
        hard.append("first author")  # loose titles: the first authors must be the same
    if needed is not None and not hard and confirm >= needed:
        return "same", f"title {shown} + {', '.join(agreed)}"
    if title_sim is not None and title_sim >= params.maybe:
        return "maybe", f"title {shown}; " + (
            f"{', '.join(hard)} differ" if hard else f"{confirm} of {needed} confirmations"
        )
    return "different", f"title {shown}"


def title_similarity(a: str, b: str, params: DedupeParams) -> float | None:
    """Similarity of two folded titles (0-1), or None when one is missing.

    A title of four or more words that is the start of the other (a truncated
    title, or one without its subtitle) counts as close: ``params.title_close``.

    >>> title_similarity("unilateral neglect in stroke",
    ...                  "unilateral neglect in stroke a comparative study", DedupeParams())
    0.93
    """
    if not a or not b:
        return None
    similarity = fuzz.ratio(a, b) / 100
    short, long = sorted((a, b), key=len)
    if similarity < params.title_close and len(short.split()) >= 4:
        start = fuzz.ratio(short, long[: len(short)]) / 100
        if start >= params.title_exact:
            return params.title_close
    return similarity


def compare(x: pd.Series, y: pd.Series, rule: str, params: DedupeParams) -> PairResult:
    """Compare two prepared records (rows of :func:`prepare`); ``rule`` is the block."""
    title_sim = title_similarity(x["title"], y["title"], params)
    agreed, disagreed = _fields(x, y, params.year_slack)
    if title_sim is not None:
        (agreed if title_sim >= params.title_close else disagreed).insert(0, "title")
    decision, why = _decide(x, y, title_sim, agreed, disagreed, params)
    if decision == "same" and x["doi"] and y["doi"] and x["doi"] != y["doi"]:
        decision, why = "maybe", "conflicting DOIs"
    if x["doi"] and y["doi"] and x["doi"] != y["doi"]:
        disagreed.insert(0, "doi")
    if x["kind"] != y["kind"] and decision in ("same", "maybe"):
        kinds = {x["kind"] or "paper", y["kind"] or "paper"}
        disagreed.append("kind")
        decision = "related"  # never merged; linked (:mod:`.related`)
        why = f"{' vs '.join(sorted(kinds))} not merged"
    score = round(title_sim if title_sim is not None else 0.0, 4)
    return PairResult(
        x["record_id"], y["record_id"], decision, score, f"{rule}: {why}", agreed, disagreed
    )
