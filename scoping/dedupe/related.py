"""Related reports: errata, corrections, retractions, replies, comments, versions.

Deduplication never merges a notice with the paper it concerns; this module links them,
as data (``related.csv``: ``record_id, related_id, relation, rule, evidence, status``).
``record_id`` is the notice (the erratum, the reply, the later version, the registry
entry) and ``related_id`` the paper it concerns; ``same_study`` links have no direction
(the smaller id first). ``status`` is ``linked`` when a rule is sure and ``review`` when
a person should decide (the pair goes to the dedupe review notebook).

Where links come from:

1. pairs the comparison found alike whose kinds differ (an erratum and its paper, a
   preprint and its published version, a conference abstract and the later paper);
2. two items under the same title that were not merged: of one journal volume, print
   pages apart (a paper and a one-page notice printed later), or in two journals with
   the same first author and year (one abstract in two meetings' supplements):
   ``same_study``, sure when the title is distinctive (:data:`DISTINCTIVE_TITLE_WORDS`)
   and the first authors agree, else for review;
3. a notice titled with the citation of the paper it corrects (Web of Science
   "(vol 360, pg 542, 2009)", Embase "(N Engl J Med (2009) 360 (542-544))");
4. a MEDLINE (Ovid) note in a title citing the related item ("[Erratum appears in Am J
   Transplant. 2009 Sep;9(9):2205]", "[Comment in: ...]"), located by journal, year,
   volume and page (or issue and title when the note was cut short);
5. the exports' own relation fields: PubMed MEDLINE ``EIN``/``EFR``, ``CIN``/``CON``,
   ``RIN``/``ROF``, ``UIN``/``UOF``; PubMed XML ``CommentsCorrections``;
6. a trial registry number (NCT, ISRCTN, EudraCT, ACTRN...) in two records' titles,
   abstracts, notes or secondary ids: ``registration_of`` when one record is the
   registry entry, else ``same_study``.

A work is *retracted* when its own record says so (a title such as "RETRACTED:", the
publication type "Retracted Publication", PubMed's ``RetractionIn``, a title note
"[Retraction in: ...]", OpenAlex's ``is_retracted``) or a retraction notice in the
corpus is linked to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..text import fold
from .compare import PairResult, pages_apart
from .keys import journals_compatible

#: Every relation, as the issue names them.
RELATIONS = (
    "erratum_of",
    "correction_of",
    "retraction_of",
    "reply_to",
    "comment_on",
    "version_of",
    "abstract_of",
    "registration_of",
    "same_study",
)
COLUMNS = ("record_id", "related_id", "relation", "rule", "evidence", "status")
#: Relation-field tags of PubMed MEDLINE, and PubMed XML RefTypes: (relation, whether the
#: record holding the field is the notice). "In" fields point to the notice; "of/for"
#: fields are held by the notice.
RELATION_FIELDS: dict[str, tuple[str, bool]] = {
    "EIN": ("erratum_of", False),
    "EFR": ("erratum_of", True),
    "CIN": ("comment_on", False),
    "CON": ("comment_on", True),
    "RIN": ("retraction_of", False),
    "ROF": ("retraction_of", True),
    "UIN": ("version_of", False),
    "UOF": ("version_of", True),
    "ErratumIn": ("erratum_of", False),
    "ErratumFor": ("erratum_of", True),
    "CommentIn": ("comment_on", False),
    "CommentOn": ("comment_on", True),
    "RetractionIn": ("retraction_of", False),
    "RetractionOf": ("retraction_of", True),
    "UpdateIn": ("version_of", False),
    "UpdateOf": ("version_of", True),
    "CorrectedandRepublishedIn": ("correction_of", False),
    "CorrectedandRepublishedFrom": ("correction_of", True),
    "ExpressionOfConcernIn": ("comment_on", False),
    "ExpressionOfConcernFor": ("comment_on", True),
}
#: Fields that say the record holding them is retracted.
RETRACTED_FIELDS = ("RIN", "RetractionIn")
#: Trial registry numbers, by registry (EudraCT numbers after the word "EudraCT").
REGISTRY_NUMBER = re.compile(
    r"\b(NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14}|DRKS\d{8}|ChiCTR[-\w]{6,20}|CTRI/\d{4}/\d+/\d+|"
    r"EUCTR\d{4}-\d{6}-\d{2}|NTR\d{3,5}|PACTR\d{15}|IRCT\d{8,}N\d+|jRCT\w{10}|UMIN\d{9}|"
    r"CRD42\d{6,7})\b|EudraCT\D{0,20}?(\d{4}-\d{6}-\d{2})\b",
    re.IGNORECASE,
)
#: Registry prefixes as registries write them: a quick test that lets most texts skip
#: the full search (case-blind, "ntr" would be in every "control" and "intervention").
REGISTRY_MARK = re.compile(
    r"NCT|ISRCTN|ACTRN|DRKS|ChiCTR|CTRI|EUCTR|EudraCT|NTR|PACTR|IRCT|jRCT|UMIN|CRD42"
)
#: A registry entry (rather than a report of the trial), from its source or address.
REGISTRY_SOURCE = re.compile(
    r"clinicaltrials\.gov|isrctn|who\.int/trialsearch|clinicaltrialsregister|anzctr|"
    r"trial registry|clinical trial registration|ictrp",
    re.IGNORECASE,
)
#: Web of Science's and Embase's citation of the corrected paper, at the end of a title.
CITATION = re.compile(
    r"\((?:vol\.? (?P<v1>\w+), pg\.? (?P<p1>\w+), (?:19|20)\d\d"
    r"|[^()]*\((?:19|20)\d\d\) (?P<v2>\w+)[^()]*\((?P<p2>\w+)[^()]*\))\)\s*\.?\s*$",
    re.IGNORECASE,
)
#: A note MEDLINE (Ovid) writes into a title, citing a related item: "[Erratum appears
#: in Am J Transplant. 2009 Sep;9(9):2205]", "[Comment in: ...]", "[Retraction of: ...]".
TITLE_NOTE = re.compile(
    r"\[(?P<kind>erratum|retraction|comment|update|corrected and republished|"
    r"expression of concern)\s+(?:appears\s+)?(?P<way>in|of|on|for|from)\b\s*:?\s*"
    r"(?P<journal>[^\d\[\];]+?)\.?\s+(?P<year>(?:19|20)\d\d)\b[^;\[\]]*;\s*"
    r"(?P<volume>\d+)\s*(?:\(\s*(?P<issue>\w+))?\)?\s*(?::\s*(?P<page>\w+))?",
    re.IGNORECASE,
)
#: The relation each kind of title note names ("in": the cited item is the notice).
NOTE_RELATION = {
    "erratum": "erratum_of",
    "retraction": "retraction_of",
    "comment": "comment_on",
    "update": "version_of",
    "corrected and republished": "correction_of",
    "expression of concern": "comment_on",
}
#: The relation a notice of each kind has to its paper (see :mod:`.keys` for kinds).
KIND_RELATION = {
    "erratum": "erratum_of",
    "retraction": "retraction_of",
    "comment": "comment_on",
    "conference abstract": "abstract_of",
    "preprint": "version_of",
}
#: Fewest words in a title that names one study: recurring headings ("Editorial Notes",
#: "Guest Editorial", "Senior Editor Perspectives") are shorter.
DISTINCTIVE_TITLE_WORDS = 8
_CORRECTION_WORDS = re.compile(r"\b(correction|corrigendum)\b", re.IGNORECASE)
_REPLY_WORDS = re.compile(r"\b(reply|response|in reply)\b", re.IGNORECASE)
_CONCERN = re.compile(r"\bexpression of concern\b", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    """One relation between two records, and why it was found."""

    record_id: str
    related_id: str
    relation: str
    rule: str
    evidence: str
    status: str = "linked"


def _relation(kind: str, title: Any) -> str:
    """The relation of a notice of ``kind`` to its paper, refined by its title."""
    text = title if isinstance(title, str) else ""
    if kind == "erratum" and _CORRECTION_WORDS.search(text):
        return "correction_of"
    if kind == "comment" and _REPLY_WORDS.search(text):
        return "reply_to"
    if kind == "retraction" and _CONCERN.search(text):
        return "comment_on"  # an expression of concern is not a retraction
    return KIND_RELATION.get(kind, "same_study")


def _sure(pair: PairResult, x: dict[str, Any], y: dict[str, Any]) -> bool:
    """Whether a notice's title match is sure.

    Sure: compatible journals, and the same title with one more thing agreeing (both
    records naming the journal counts), or a close title with two more (first author,
    year, volume...). Anything less goes to a person.
    """
    if not journals_compatible(x["journal"], y["journal"]):
        return False
    others = len([f for f in pair.agreed if f != "title"])
    named = bool(x["journal"] and y["journal"])
    return (pair.score >= 0.98 and others + named >= 1) or (pair.score >= 0.93 and others >= 2)


def _distinctive(title: Any) -> bool:
    """Whether a title is long enough to name one study (not a recurring heading)."""
    return isinstance(title, str) and len(title.split()) >= DISTINCTIVE_TITLE_WORDS


def _same_title_link(
    pair: PairResult,
    x: dict[str, Any],
    y: dict[str, Any],
    title: Callable[[str], Any],
    evidence: str,
) -> Link | None:
    """A ``same_study`` link for two items under one title that the rules did not merge.

    Two items of one journal volume, print pages apart (a paper and a notice printed
    later, which keeps the title): sure when the title is distinctive and the first
    authors agree, else for review ("Editorial Notes" recurs in every issue; two
    commentaries can share the title of the paper they discuss). The same distinctive
    title, first author and year in two journals (one abstract in two meetings'
    supplements, a paper and its abstract) is sure too.
    """
    agreed = set(pair.agreed)
    sure = _distinctive(title(pair.a)) and "author" in agreed
    if journals_compatible(x["journal"], y["journal"]):
        if x["volume"] == y["volume"] and pages_apart(x, y):
            rule = "same title, two items of one volume (print pages apart)"
            return Link(
                pair.a, pair.b, "same_study", rule, evidence, "linked" if sure else "review"
            )
        return None
    if sure and "year" in agreed:
        rule = "same distinctive title, first author and year in two journals"
        return Link(pair.a, pair.b, "same_study", rule, evidence)
    return None


def _pair_link(
    pair: PairResult, x: dict[str, Any], y: dict[str, Any], title: Callable[[str], Any]
) -> Link | None:
    """The link a compared pair makes, if any (``title``: the notice's title as read)."""
    evidence = f"title {pair.score:.2f}; agreed: {', '.join(pair.agreed) or 'none'}"
    if pair.decision == "maybe":
        return _same_title_link(pair, x, y, title, evidence) if pair.score >= 0.98 else None
    if pair.decision != "related":
        return None
    if pair.rule == "person: related":  # a person's word: linked, whatever the rules say
        relation = KIND_RELATION.get(x["kind"] or y["kind"], "same_study")
        notice, paper = (x, y) if x["kind"] else (y, x)
        if relation == "same_study":
            notice, paper = sorted((x, y), key=lambda r: r["record_id"])
        return Link(notice["record_id"], paper["record_id"], relation, pair.rule, evidence)
    if "preprint" in (x["kind"], y["kind"]):
        preprint, published = (x, y) if x["kind"] == "preprint" else (y, x)
        return Link(
            preprint["record_id"], published["record_id"], "version_of", pair.rule, evidence
        )
    if x["kind"] and y["kind"]:  # two notices of different kinds: a person says
        return Link(pair.a, pair.b, "same_study", pair.rule, evidence, "review")
    notice, paper = (x, y) if x["kind"] else (y, x)
    relation = _relation(notice["kind"], title(notice["record_id"]))
    status = "linked" if _sure(pair, x, y) else "review"
    return Link(notice["record_id"], paper["record_id"], relation, pair.rule, evidence, status)


def _from_pairs(pairs: list[PairResult], keys: pd.DataFrame, titles: pd.Series) -> Iterator[Link]:
    """Links from compared pairs: kinds that differ, or one volume's two same-title items."""
    wanted = [
        p for p in pairs if p.decision == "related" or (p.decision == "maybe" and p.score >= 0.98)
    ]
    ids = sorted({rid for p in wanted for rid in (p.a, p.b)})
    needed = ["record_id", "kind", "journal", "volume", "span"]
    rows = keys.loc[ids, needed].to_dict("index")  # one lookup, not two per pair
    for pair in wanted:
        link = _pair_link(pair, rows[pair.a], rows[pair.b], titles.get)
        if link is not None:
            yield link


def _from_citations(keys: pd.DataFrame, titles: pd.Series) -> Iterator[Link]:
    """Notices titled with the citation of the paper they correct: matched by volume and page."""
    located: dict[tuple[str, str], list[str]] = {}
    for rid, volume, page in zip(keys.index, keys["volume"], keys["page"], strict=True):
        if volume and page:
            located.setdefault((volume, page), []).append(rid)
    for rid, title in titles.items():
        ends = isinstance(title, str) and title.rstrip(" .").endswith(")")
        match = CITATION.search(title) if ends else None
        if not match:
            continue
        volume = (match.group("v1") or match.group("v2") or "").lstrip("0")
        page = (match.group("p1") or match.group("p2") or "").lstrip("0")
        for other in located.get((volume, page), []):
            if other != rid and journals_compatible(
                keys.at[rid, "journal"], keys.at[other, "journal"]
            ):
                yield Link(
                    rid,
                    other,
                    "erratum_of",
                    "the corrected paper's citation in the title",
                    f"volume {volume}, page {page}",
                )


def _noted(title: Any) -> Iterator[re.Match[str]]:
    """The title notes of a title as read (none for most titles)."""
    if isinstance(title, str) and "[" in title:
        yield from TITLE_NOTE.finditer(title)


def _cited_by(note: re.Match[str], holder: str, keys: pd.DataFrame, near: list[str]) -> list[str]:
    """Records of ``near`` (the note's volume and page, or issue) that a note cites.

    The journal must be compatible and the year the same. A note that gives the page
    locates one item; a note cut before its page (titles are cut at 255 characters)
    locates one only with its issue and the cited item's title or kind.
    """
    journal, year = fold(note.group("journal")), int(note.group("year"))
    by_page = bool(note.group("page"))
    kind, title = note.group("kind").lower(), keys.at[holder, "title"]
    found = []
    for rid in near:
        row = keys.loc[rid]
        if rid == holder or (pd.notna(row["year"]) and row["year"] != year):
            continue
        named = by_page or row["title"] == title or row["kind"] == kind
        if named and journals_compatible(journal, row["journal"]):
            found.append(rid)
    return found


def _from_title_notes(keys: pd.DataFrame, titles: pd.Series) -> Iterator[Link]:
    """Items cited by MEDLINE (Ovid) title notes: "[Erratum appears in J. 2009;9(9):2205]"."""
    notes = [(rid, note) for rid, title in titles.items() for note in _noted(title)]
    if not notes:
        return
    located: dict[tuple[str, str, str], list[str]] = {}
    for rid, volume, issue, page in zip(
        keys.index, keys["volume"], keys["issue"], keys["page"], strict=True
    ):
        if volume:
            located.setdefault((volume, "page", page), []).append(rid)
            located.setdefault((volume, "issue", issue), []).append(rid)
    for rid, note in notes:
        volume, page, issue = (
            (note.group(n) or "").lstrip("0") for n in ("volume", "page", "issue")
        )
        place = (volume, "page", page) if page else (volume, "issue", issue)
        if not place[2]:
            continue
        for other in _cited_by(note, rid, keys, located.get(place, [])):
            holder_is_notice = note.group("way").lower() != "in"
            notice, paper = (rid, other) if holder_is_notice else (other, rid)
            cited = note.group(0).lstrip("[").strip()
            yield Link(
                notice,
                paper,
                NOTE_RELATION[note.group("kind").lower()],
                "a title note citing the other",
                cited,
            )


def _raw_pairs(raw: str) -> list[tuple[str, str]]:
    """A record's raw fields in order, repeats kept ([] for a record kept as text)."""
    return [(str(k), str(v)) for k, v in json.loads(raw)] if raw.startswith("[") else []


def _relation_fields(raw: str) -> Iterator[tuple[str, str]]:
    """(field, PMID) of each relation field of a record's raw text or raw fields."""
    if raw.startswith("[") and "CommentsCorrections" in raw:
        ref_type = ""
        for name, value in _raw_pairs(raw):
            if name.endswith("CommentsCorrections@RefType"):
                ref_type = value
            elif name.endswith("CommentsCorrections/PMID") and ref_type:
                yield ref_type, value.strip()
        return
    if raw.startswith("[") or "PMID:" not in raw:
        return
    for line in raw.splitlines():
        tag, _, value = line.partition("-")
        found = re.search(r"PMID:\s*(\d+)", value)
        if tag.strip() in RELATION_FIELDS and found:
            yield tag.strip(), found.group(1)


def _from_fields(records: pd.DataFrame) -> Iterator[Link]:
    """Links the exports state themselves (PubMed's comments and corrections)."""
    by_pmid = {p: rid for rid, p in zip(records.index, records["pmid"], strict=True) if p}
    for rid, raw in zip(records.index, records["raw"], strict=True):
        for tag, pmid in _relation_fields(raw or ""):
            other = by_pmid.get(pmid)
            if other is None or other == rid:
                continue
            relation, holder_is_notice = RELATION_FIELDS[tag]
            notice, paper = (rid, other) if holder_is_notice else (other, rid)
            yield Link(notice, paper, relation, f"export field {tag}", f"PMID {pmid}")


def registry_numbers(*texts: Any) -> set[str]:
    """Trial registry numbers named in the texts, upper-cased."""
    found = set()
    for text in texts:
        if isinstance(text, str) and REGISTRY_MARK.search(text):
            found |= {(m.group(1) or m.group(2)).upper() for m in REGISTRY_NUMBER.finditer(text)}
    return found


def _secondary_ids(raw: str) -> str:
    """Secondary ids of a record: MEDLINE ``SI`` lines, XML ``AccessionNumber``s."""
    if raw.startswith("["):
        if "AccessionNumber" not in raw:
            return ""
        return " ".join(v for k, v in _raw_pairs(raw) if k.endswith("AccessionNumber"))
    return " ".join(line for line in raw.splitlines() if line.startswith("SI "))


def _from_registries(records: pd.DataFrame) -> Iterator[Link]:
    """Records naming the same trial registry number."""
    holders: dict[str, list[str]] = {}
    columns = (records[n] for n in ("title", "abstract", "notes", "raw"))
    for rid, title, abstract, notes, raw in zip(records.index, *columns, strict=True):
        for number in registry_numbers(title, abstract, notes, _secondary_ids(raw or "")):
            holders.setdefault(number, []).append(rid)
    for number, ids in sorted(holders.items()):
        entries = {i for i in ids if _is_registry_entry(records.loc[i])}
        ordered = sorted(set(ids))
        for n, a in enumerate(ordered):
            for b in ordered[n + 1 :]:
                rule = "shared trial registry number"
                if (a in entries) != (b in entries):
                    entry, report = (a, b) if a in entries else (b, a)
                    yield Link(entry, report, "registration_of", rule, number)
                else:
                    yield Link(a, b, "same_study", rule, number)


def _is_registry_entry(row: pd.Series) -> bool:
    text = " ".join(str(row.get(n) or "") for n in ("url", "database", "doc_type", "journal"))
    return bool(REGISTRY_SOURCE.search(text))


def link_table(links: Iterable[Link], group_of: dict[str, str]) -> pd.DataFrame:
    """``related.csv``: one row per related pair and relation, members of one work left out.

    A pair found by several rules is one row naming every rule; it is ``linked`` when
    any rule was sure.
    """
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    for link in links:
        if group_of.get(link.record_id) == group_of.get(link.related_id):
            continue  # already one work
        a, b = link.record_id, link.related_id
        if link.relation == "same_study":
            a, b = sorted((a, b))
        row = rows.setdefault((a, b, link.relation), {"rules": [], "evidence": [], "status": []})
        row["rules"].append(link.rule)
        row["evidence"].append(link.evidence)
        row["status"].append(link.status)
    table = [
        {
            "record_id": a,
            "related_id": b,
            "relation": relation,
            "rule": "; ".join(dict.fromkeys(row["rules"])),
            "evidence": "; ".join(dict.fromkeys(row["evidence"])),
            "status": "linked" if "linked" in row["status"] else "review",
        }
        for (a, b, relation), row in sorted(rows.items())
    ]
    return pd.DataFrame(table, columns=list(COLUMNS))


def find_links(records: pd.DataFrame, keys: pd.DataFrame, pairs: list[PairResult]) -> list[Link]:
    """Every link the rules find (``records`` and ``keys`` indexed by record_id)."""
    titles = records["title"]
    return [
        *_from_pairs(pairs, keys, titles),
        *_from_citations(keys, titles),
        *_from_title_notes(keys, titles),
        *_from_fields(records),
        *_from_registries(records),
    ]


def _says_retracted(raw: str, title: Any = None) -> str:
    """Why a record's raw fields or title note say it is retracted ("" when they do not)."""
    for note in _noted(title):
        if note.group("kind").lower() == "retraction" and note.group("way").lower() == "in":
            return "title note: " + note.group(0).lstrip("[").strip()
    pairs = _raw_pairs(raw) if '"is_retracted"' in raw else []
    if any(n == "is_retracted" and v.strip().lower() == "true" for n, v in pairs):
        return "OpenAlex is_retracted"
    for tag, pmid in _relation_fields(raw):
        if tag in RETRACTED_FIELDS:
            return f"PubMed: retraction notice PMID {pmid}"
    return ""


def retractions(records: pd.DataFrame, keys: pd.DataFrame, related: pd.DataFrame) -> dict[str, str]:
    """Record id -> why its work is retracted, for every record that is."""
    why = {rid: r for rid, r in zip(keys.index, keys["retracted"], strict=True) if r}
    for rid, raw, title in zip(records.index, records["raw"], records["title"], strict=True):
        found = _says_retracted(raw or "", title)
        if found and rid not in why:
            why[rid] = found
    notices = related[(related["relation"] == "retraction_of") & (related["status"] == "linked")]
    for notice, paper in zip(notices["record_id"], notices["related_id"], strict=True):
        why.setdefault(paper, f"retraction notice {notice} in the corpus")
    return why
