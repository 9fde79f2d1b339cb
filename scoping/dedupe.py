"""Deduplication: group records that describe the same work, never delete any.

1. Keys: each record gets matching keys (folded title, first author's family name,
   year, first page, volume, journal, DOI, PMID, PMCID) and its kind (erratum,
   comment, reply, retraction, conference abstract, preprint) from title and type.
2. Candidates: records that share an identifier or a blocking key (title prefix,
   title suffix, author+year+first page, journal+volume+first page) are compared;
   nothing else is, so time grows with the number of records, not its square.
3. Comparison: an explainable score from the fields that agree and disagree. A
   shared DOI, PMID or PMCID is decisive; conflicting DOIs veto a title match; an
   erratum, comment, reply or retraction is never merged with the paper it concerns;
   a preprint and its published version are linked as *related*, not merged.
4. Decisions: pairs at or above ``same`` are merged, pairs in ``[maybe, same)`` are
   listed for a person to review. A person's decision ("same" / "not the same")
   overrides the algorithm.
5. Groups: connected merged pairs form a group; its primary record is the richest
   (abstract, DOI, most fields), ties broken by ``record_id``, so the result does not
   depend on input order. The merged record takes each field from the primary, or
   else from the richest member that has it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from .atomic import Outputs
from .curation.store import open_store, pair_decisions
from .errors import InputError
from .ingest import SCHEMA
from .io import read
from .records import FIELDS, MARKUP_TAG


@dataclass(frozen=True)
class DedupeParams:
    """Thresholds and limits of deduplication (the documented defaults).

    Two records without a shared identifier are merged when their titles are alike
    and enough other fields confirm it, and no field contradicts it. The closer the
    titles, the fewer confirmations are needed:

    ========================  ==================================================
    title similarity          confirmations needed (author, exact year, volume,
                              first page)
    ========================  ==================================================
    ``>= title_exact``        ``confirm_exact`` (default 2)
    ``>= title_close``        ``confirm_close`` (default 3)
    ``>= title_loose``        all four, and the same first author
    ========================  ==================================================

    A contradiction is a year more than ``year_slack`` apart, or a different volume
    or first page where both records have one; with near-identical titles a different
    first page (an e-locator against a printed page) only raises the confirmations
    needed to ``confirm_close``, unless the journal names cannot be the same journal
    (the same conference abstract in two journals' supplements). Where neither record
    has a page, a different issue number contradicts too (a column in every issue).
    A pair with a missing title goes to a person.

    Parameters
    ----------
    title_exact, title_close, title_loose : float
        Title similarity bands (rapidfuzz ratio of folded titles, 0-1).
    confirm_exact, confirm_close : int
        Confirmations needed in the first two bands.
    maybe : float
        Title similarity from which an unmerged pair is listed for review.
    year_slack : int
        Years apart that do not yet contradict (online versus print year).
    title_floor : float
        Below this title similarity a shared identifier is not trusted on its own;
        the pair goes to review instead.
    locator : bool
        Merge records with the same first author, year, volume and full page range
        (start and end) in compatible journals when their titles are at least
        ``title_floor`` alike, or one is a translated title in brackets.
    max_block : int
        Largest blocking group compared pair by pair; larger groups (a very common
        title such as "Editorial") are compared only on identifiers.
    prefix : int
        Characters of the folded title used as the prefix and suffix blocking keys.
    """

    title_exact: float = 0.98
    title_close: float = 0.93
    title_loose: float = 0.80
    confirm_exact: int = 2
    confirm_close: int = 3
    maybe: float = 0.90
    year_slack: int = 1
    title_floor: float = 0.60
    max_block: int = 60
    locator: bool = True
    prefix: int = 32


#: Kinds of record that must not be merged with a record of another kind, by
#: pattern over the title and document type (lower case, folded).
KIND_PATTERNS: dict[str, str] = {
    "erratum": r"\b(erratum(?! (appears|in)\b)|errata|corrigendum|correction to|correction:|"
    r"publisher correction|author correction)\b",
    "retraction": r"\b(retraction|retracted|withdrawn|expression of concern)\b",
    "comment": r"\b(comment on|commentary on|response to|reply to|in reply|authors? reply|"
    r"letter to the editor|re:)|\breply \|",  # a title ending in "- Reply"
    "conference abstract": r"\b(conference abstract|meeting abstract|poster abstract)\b",
    "preprint": r"\b(preprint|medrxiv|biorxiv|psyarxiv|ssrn|research square|posted content)\b",
}
_KIND_RES = {kind: re.compile(rx) for kind, rx in KIND_PATTERNS.items()}
#: The citation of the corrected paper that Web of Science ("Title (vol 360, pg 542,
#: 2009)") and Embase ("Title (N Engl J Med (2009) 360 (542-544))") append to the title
#: of a correction notice. It marks an erratum, and is dropped before titles are compared.
_CORRECTION_CITE = re.compile(
    r"\s*\((?:vol\.? \w+, pg\.? \w+, (?:19|20)\d\d|[^()]*\((?:19|20)\d\d\)[^()]*\([^()]*\))\)"
    r"\s*\.?\s*$",
    re.IGNORECASE,
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"\d+")
#: Print pages: digits only, a single page or a range ("703-712", "1107").
_PLAIN_PAGES = re.compile(r"^\s*\d+\s*(?:[-\u2013]\s*\d+\s*)?$")
_BRACKETED = re.compile(r"^\[(.*)\]\.?$")
_PUNCT = re.compile(r"[^\w\s]|_")
#: A note that MEDLINE (Ovid) appends to a title: "[Erratum appears in ...]".
_TITLE_NOTE = re.compile(
    r"\s*\[(erratum|retraction|comment|update|corrected and republished)\b[^\]]*"
    r"\b(appears|in|of|on|from)\b.*$",
    re.IGNORECASE,
)


def fold(text: Any) -> str:
    """Lower-case ASCII letters and digits only, words separated by one space.

    >>> fold("Burnout in <i>Nurses</i>: a Café-based Study")
    'burnout in nurses a cafe based study'
    >>> fold("Hemolytic\u2013uremic syndrome")  # an en dash separates words too
    'hemolytic uremic syndrome'
    """
    if not isinstance(text, str) or not text:
        return ""
    text = html.unescape(MARKUP_TAG.sub(" ", text))
    text = _PUNCT.sub(" ", unicodedata.normalize("NFC", text))  # before non-ASCII is dropped
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


def _title(text: Any) -> str:
    if isinstance(text, str):
        match = _BRACKETED.match(text.strip())  # "[Translated title]." in MEDLINE
        text = match.group(1) if match else _TITLE_NOTE.sub("", _CORRECTION_CITE.sub("", text))
    return fold(text)


def _first_family(authors: Any) -> str:
    if authors is None or len(authors) == 0:
        return ""
    family = str(authors[0]).split(",", 1)[0]
    words = fold(family).split()
    return words[-1] if words else ""


def _families(authors: Any) -> frozenset[str]:
    if authors is None:
        return frozenset()
    out = set()
    for name in authors:
        out.update(w for w in fold(str(name).split(",", 1)[0]).split() if len(w) > 2)
    return frozenset(out)


def _first_number(value: Any) -> str:
    match = _DIGITS.search(str(value)) if isinstance(value, str) else None
    return match.group(0).lstrip("0") if match else ""


_JOURNAL_STOP = frozenset({"of", "the", "and", "for", "in", "on", "de", "la", "et"})


def journals_compatible(a: str, b: str) -> bool:
    """Whether two folded journal names can name the same journal.

    True when either is missing, or the shorter is an abbreviation of the longer: its
    words are, in order, starts of the longer one's words, or it is their initials.

    >>> journals_compatible("j clin nurs", "journal of clinical nursing")
    True
    >>> journals_compatible("jama", "journal of the american medical association")
    True
    >>> journals_compatible("diabetes", "diabetologia")
    False
    >>> journals_compatible("health and social care in the community", "health soc care community")
    True
    """
    short, long = sorted(  # fewer words, then fewer letters: the order of a and b is moot
        ([w for w in name.split() if w not in _JOURNAL_STOP] for name in (a, b)),
        key=lambda words: (len(words), sum(map(len, words))),
    )
    if not short or short == long or "".join(w[0] for w in long) == "".join(short):
        return True
    words = iter(long)
    return all(any(w.startswith(s) for w in words) for s in short)


def page_range(value: Any) -> str:
    """``start-end`` of a page range with the end written out, or "" without an end.

    >>> page_range("477-80"), page_range("pp. 1647-1653"), page_range("e43268")
    ('477-480', '1647-1653', '')
    """
    numbers = _DIGITS.findall(value) if isinstance(value, str) else []
    if len(numbers) < 2:
        return ""
    start, end = numbers[0].lstrip("0"), numbers[1].lstrip("0")
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end  # 477-80 is 477-480
    return f"{start}-{end}" if start and end and int(end) > int(start) else ""


def print_span(value: Any) -> str:
    """First and last print page of plain page numbers, else "".

    An e-locator, a supplement page or a range that runs backwards does not place a
    record in its volume.

    >>> print_span("703-12"), print_span("1107"), print_span("S33-38"), print_span("2297-2108")
    ('703-712', '1107-1107', '', '')
    """
    if not isinstance(value, str) or not _PLAIN_PAGES.match(value):
        return ""
    numbers = _DIGITS.findall(value)
    if len(numbers) == 2:
        return page_range(value)  # "" when the range runs backwards (a typing error)
    return f"{int(numbers[0])}-{int(numbers[0])}"


def _kind(title: Any, folded: str, doc_type: Any) -> str:
    """The record's kind from its title (as read, and folded) and document type."""
    if isinstance(title, str) and _CORRECTION_CITE.search(title):
        return "erratum"
    text = f"{folded} | {fold(doc_type)}"
    return next((kind for kind, rx in _KIND_RES.items() if rx.search(text)), "")


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """Matching keys of each record, indexed like ``records``, sorted by record_id."""
    frame = records.sort_values("record_id", kind="stable").reset_index(drop=True)
    keys = pd.DataFrame({"record_id": frame["record_id"]})
    keys["title"] = [_title(t) for t in frame["title"]]
    keys["compact"] = keys["title"].str.replace(" ", "", regex=False)
    keys["author"] = [_first_family(a) for a in frame["authors"]]
    keys["families"] = [_families(a) for a in frame["authors"]]
    keys["year"] = frame["year"].astype("Int64")
    keys["page"] = [_first_number(p) for p in frame["pages"]]
    keys["volume"] = [_first_number(v) for v in frame["volume"]]
    keys["issue"] = [_first_number(v) for v in frame["issue"]]
    keys["range"] = [page_range(p) for p in frame["pages"]]
    keys["span"] = [print_span(p) for p in frame["pages"]]
    keys["translated"] = [
        isinstance(t, str) and bool(_BRACKETED.match(t.strip())) for t in frame["title"]
    ]
    keys["journal"] = [fold(j) for j in frame["journal"]]
    for name in ("doi", "pmid", "pmcid"):
        keys[name] = frame[name].fillna("").astype(str)
    keys["kind"] = [
        _kind(*row) for row in zip(frame["title"], keys["title"], frame["doc_type"], strict=True)
    ]
    keys["has_abstract"] = frame["abstract"].fillna("").str.len() > 0
    return keys


def _blocks(keys: pd.DataFrame, params: DedupeParams) -> Iterator[tuple[str, pd.Series]]:
    """(rule, key per record) for every blocking rule; empty keys never block."""
    yield "doi", keys["doi"]
    yield "pmid", keys["pmid"]
    yield "pmcid", keys["pmcid"]
    long_title = keys["compact"].str.len() >= 12
    yield "title prefix", keys["compact"].str[: params.prefix].where(long_title, "")
    yield "title suffix", keys["compact"].str[-params.prefix :].where(long_title, "")
    has = (keys["author"] != "") & (keys["page"] != "") & keys["year"].notna()
    yield (
        "author+year+page",
        (keys["author"] + "|" + keys["year"].astype(str) + "|" + keys["page"]).where(has, ""),
    )
    has = (keys["journal"] != "") & (keys["volume"] != "") & (keys["page"] != "")
    yield (
        "journal+volume+page",
        (keys["journal"] + "|" + keys["volume"] + "|" + keys["page"]).where(has, ""),
    )


def candidate_pairs(keys: pd.DataFrame, params: DedupeParams) -> dict[tuple[int, int], str]:
    """Pairs of row positions (i < j) that share a blocking key, with the first rule."""
    pairs: dict[tuple[int, int], str] = {}
    for rule, key in _blocks(keys, params):
        exact = rule in ("doi", "pmid", "pmcid")
        keyed = key[key != ""]
        for positions in keyed.groupby(keyed, sort=True).indices.values():
            if len(positions) < 2 or (len(positions) > params.max_block and not exact):
                continue
            rows = sorted(int(i) for i in keyed.index[positions])  # positions in ``keys``
            for a_pos, a in enumerate(rows):
                for b in rows[a_pos + 1 :]:
                    pairs.setdefault((a, b), rule)
    return pairs


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
    for name in ("volume", "page"):
        if x[name] and y[name]:
            (agreed if x[name] == y[name] else disagreed).append(name)
    # Issue is a fallback locator, only where neither record has a page (some exports
    # put a running number in it); it never confirms: a column recurs in every issue.
    no_pages = not x["page"] and not y["page"]
    if no_pages and x["issue"] and y["issue"] and x["issue"] != y["issue"]:
        disagreed.append("issue")
    return agreed, disagreed


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
        decision = "related" if kinds == {"preprint", "paper"} else "different"
        why = f"{' vs '.join(sorted(kinds))} not merged"
    score = round(title_sim if title_sim is not None else 0.0, 4)
    return PairResult(
        x["record_id"], y["record_id"], decision, score, f"{rule}: {why}", agreed, disagreed
    )


# --------------------------------------------------------------------------- #
# Grouping
# --------------------------------------------------------------------------- #
class _Groups:
    """Union-find over record ids; the smallest id is a group's root (deterministic)."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


#: A person's pair decisions kept beside the records (``a,b,decision``).
DECISIONS_FILE = "dedupe_decisions.csv"


def load_decisions(path: Path) -> dict[frozenset[str], str]:
    """A person's pair decisions (``a,b,decision[,reviewer,note]``), latest line wins."""
    if not path.is_file():
        return {}
    frame = pd.read_csv(path, dtype=str).fillna("")
    missing = {"a", "b", "decision"} - set(frame.columns)
    if missing:
        raise InputError(
            f"{path}: needs columns a, b, decision; missing {', '.join(sorted(missing))}."
        )
    out: dict[frozenset[str], str] = {}
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        if row.decision not in ("same", "different"):
            raise InputError(
                f"{path} line {line}: decision must be 'same' or 'different', not {row.decision!r}."
            )
        out[frozenset((row.a, row.b))] = row.decision
    return out


def _richness(row: dict[str, Any]) -> tuple[bool, bool, int]:
    """How complete a record is: has an abstract, has a DOI, fields filled."""
    filled = sum(1 for v in row.values() if not _empty(v))
    return (not _empty(row.get("abstract")), not _empty(row.get("doi")), filled)


@dataclass
class DedupeResult:
    """Groups, pair decisions and the evidence, ready to write."""

    records: pd.DataFrame
    group_of: dict[str, str]
    primary_of: dict[str, str]
    pairs: list[PairResult]
    params: DedupeParams
    #: Each record as a dict, and its richness, by record_id (computed once).
    rows: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    richness: dict[str, tuple[bool, bool, int]] = field(default_factory=dict, repr=False)

    def summary(self, out: Path) -> str:
        """What dedupe did, in one line."""
        works = len(set(self.group_of.values()))
        return (
            f"dedupe: {len(self.group_of)} records -> {works} unique works "
            f"({len(self.group_of) - works} duplicates grouped, none deleted); "
            f"{len(self.review)} pairs to review -> {out / 'duplicates.csv'}, "
            f"{out / 'unique.parquet'}, {out / 'dedupe_review.csv'}"
        )

    @property
    def review(self) -> list[PairResult]:
        """Pairs a person should look at (maybe, related)."""
        return [p for p in self.pairs if p.decision in ("maybe", "related")]


def deduplicate(
    records: pd.DataFrame,
    params: DedupeParams | None = None,
    decisions: dict[frozenset[str], str] | None = None,
) -> DedupeResult:
    """Group duplicate records (see the module docstring for the method).

    Parameters
    ----------
    records : DataFrame
        Records as written by ingest (``records.parquet``).
    params : DedupeParams, optional
        Thresholds; the documented defaults if omitted.
    decisions : dict, optional
        A person's decisions, {frozenset({id_a, id_b}): "same" | "different"}; they
        override the algorithm.

    Returns
    -------
    DedupeResult
    """
    params = params or DedupeParams()
    decisions = decisions or {}
    keys = prepare(records)
    rows = keys.to_dict("records")
    pairs = []  # only the pairs anyone needs: merged, for review, or decided by a person
    for (a, b), rule in sorted(candidate_pairs(keys, params).items()):
        pair = compare(rows[a], rows[b], rule, params)
        if pair.decision != "different" or frozenset((pair.a, pair.b)) in decisions:
            pairs.append(pair)
    known = {frozenset((p.a, p.b)) for p in pairs}
    for pair, decision in sorted(decisions.items(), key=lambda kv: sorted(kv[0])):
        if pair not in known and len(pair) == 2 and pair <= set(keys["record_id"]):
            a, b = sorted(pair)
            pairs.append(PairResult(a, b, decision, 1.0, "person"))
    groups = _Groups(keys["record_id"])
    for pair in pairs:
        manual = decisions.get(frozenset((pair.a, pair.b)))
        if manual:
            pair.decision, pair.rule = manual, f"person: {manual}"
        if pair.decision == "same":
            groups.union(pair.a, pair.b)
    ordered = records.sort_values("record_id", kind="stable").set_index("record_id", drop=False)
    by_id = {row["record_id"]: row for row in ordered.to_dict("records")}
    richness = {rid: _richness(row) for rid, row in by_id.items()}
    group_of = {rid: groups.find(rid) for rid in by_id}
    members: dict[str, list[str]] = {}
    for rid, root in group_of.items():
        members.setdefault(root, []).append(rid)
    primary_of = {}
    for ids in members.values():
        best = max(sorted(ids), key=richness.__getitem__)  # ties: the smallest id
        for rid in ids:
            primary_of[rid] = best
    return DedupeResult(ordered, group_of, primary_of, pairs, params, by_id, richness)


# --------------------------------------------------------------------------- #
# Outputs
# --------------------------------------------------------------------------- #
_LIST_UNION = ("keywords", "subjects", "issn", "isbn")
_FILL = tuple(f for f in FIELDS if f not in (*_LIST_UNION, "notes"))


def _placement(result: DedupeResult) -> dict[str, PairResult]:
    """For each merged record, the strongest 'same' pair that placed it in its group."""
    best: dict[str, PairResult] = {}
    for pair in result.pairs:
        if pair.decision != "same":
            continue
        for rid in (pair.a, pair.b):
            if rid not in best or pair.score > best[rid].score:
                best[rid] = pair
    return best


def duplicates_table(result: DedupeResult) -> pd.DataFrame:
    """One row per record: its group, whether primary, and why it is there."""
    placed = _placement(result)
    sizes = Counter(result.group_of.values())
    rows = []
    for rid in result.records.index:
        group, primary = result.group_of[rid], result.primary_of[rid]
        pair = placed.get(rid)
        size = sizes[group]
        rows.append(
            {
                "record_id": rid,
                "group_id": f"g{group[1:]}",
                "is_primary": rid == primary,
                "group_size": size,
                "rule": pair.rule if pair else "unique",
                "score": pair.score if pair else None,
                "matched_with": (pair.b if pair.a == rid else pair.a) if pair else "",
                "agreed": ";".join(pair.agreed) if pair else "",
                "disagreed": ";".join(pair.disagreed) if pair else "",
            }
        )
    return pd.DataFrame(rows)


def review_table(result: DedupeResult) -> pd.DataFrame:
    """Pairs for a person to decide: 'maybe' and 'related' (preprint/published)."""
    cols = ["a", "b", "decision", "score", "rule", "agreed", "disagreed", "title_a", "title_b"]
    titles = result.records["title"]
    rows = [
        {
            "a": p.a,
            "b": p.b,
            "decision": p.decision,
            "score": p.score,
            "rule": p.rule,
            "agreed": ";".join(p.agreed),
            "disagreed": ";".join(p.disagreed),
            "title_a": titles[p.a],
            "title_b": titles[p.b],
        }
        for p in result.review
    ]
    return pd.DataFrame(rows, columns=cols)


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return pd.isna(value)
    return hasattr(value, "__len__") and len(value) == 0


def unique_table(result: DedupeResult) -> pd.DataFrame:
    """One merged record per group: the primary, gaps filled from the richest member."""
    by_group: dict[str, list[str]] = {}
    for rid, group in result.group_of.items():
        by_group.setdefault(group, []).append(rid)
    return pd.DataFrame([_merge(result, group, ids) for group, ids in sorted(by_group.items())])


def _merge(result: DedupeResult, group: str, ids: list[str]) -> dict[str, Any]:
    rows = result.rows
    primary = result.primary_of[ids[0]]
    row = dict(rows[primary])
    others = sorted(
        (i for i in ids if i != primary), key=lambda i: (result.richness[i], i), reverse=True
    )
    for name in _FILL:
        if _empty(row[name]):
            row[name] = next(
                (rows[i][name] for i in others if not _empty(rows[i][name])), row[name]
            )
    for name in _LIST_UNION:
        values = [v for i in (primary, *others) if not _empty(rows[i][name]) for v in rows[i][name]]
        row[name] = list(dict.fromkeys(values))
    row["group_id"] = f"g{group[1:]}"
    row["member_ids"] = sorted(ids)
    row["sources"] = sorted({rows[i]["source_file"] for i in ids})
    row["databases"] = sorted({rows[i]["database"] for i in ids if not _empty(rows[i]["database"])})
    return row


def run(
    folder: str | Path,
    params: DedupeParams | None = None,
    store: str | Path | None = None,
    *,
    stale: Iterable[str] = (),
) -> DedupeResult:
    """``scoping dedupe DIR``: read ``DIR/records.parquet``, write the dedup outputs.

    Writes ``duplicates.csv`` (one row per record), ``unique.parquet`` (one merged
    record per group) and ``dedupe_review.csv`` (pairs for a person), swapped in
    together (``stale`` files are removed in the same commit). A person's decisions
    override the algorithm: those in ``DIR/dedupe_decisions.csv`` (columns a, b,
    decision), then those in the decision store ``store`` (the pair-review notebook
    writes there), the store's latest decision winning.
    """
    folder = Path(folder)
    source = folder / "records.parquet"
    if not source.is_file():
        raise InputError(f"{source}: not found; run `scoping ingest ... --out {folder}` first.")
    records = pd.read_parquet(source)
    decisions = load_decisions(folder / DECISIONS_FILE)
    opened = open_store(store) if store is not None else None
    if opened is not None:
        decisions |= pair_decisions(opened)
    result = deduplicate(records, params, decisions)
    with Outputs(folder) as out:
        duplicates_table(result).to_csv(out.path("duplicates.csv"), index=False)
        review_table(result).to_csv(out.path("dedupe_review.csv"), index=False)
        unique_table(result).to_parquet(out.path("unique.parquet"), index=False, compression="zstd")
        out.remove(*stale)
    return result


# --------------------------------------------------------------------------- #
# Evaluation against gold groups
# --------------------------------------------------------------------------- #
def _pairs_of(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    out = set()
    for group in groups:
        ids = sorted(set(group))
        out.update(frozenset((a, b)) for n, a in enumerate(ids) for b in ids[n + 1 :])
    return out


@dataclass
class Evaluation:
    """Pairwise precision, recall and F1 of predicted groups against gold groups."""

    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    false_merges: list[tuple[str, str]]
    missed: list[tuple[str, str]]

    @property
    def precision(self) -> float:
        """Share of predicted duplicate pairs that are true."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true duplicate pairs that were found."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(predicted: Iterable[Iterable[str]], gold: Iterable[Iterable[str]]) -> Evaluation:
    """Score predicted duplicate groups against gold groups, pair by pair.

    >>> e = evaluate([["a", "b", "c"]], [["a", "b"], ["c", "d"]])
    >>> (e.correct_pairs, e.predicted_pairs, e.true_pairs)
    (1, 3, 2)
    """
    pred, true = _pairs_of(predicted), _pairs_of(gold)
    return Evaluation(
        len(true),
        len(pred),
        len(pred & true),
        sorted(tuple(sorted(p)) for p in pred - true),
        sorted(tuple(sorted(p)) for p in true - pred),
    )


def _norm_id(value: str) -> str:
    """``id_0000699`` and ``699`` name the same record in the benchmark files."""
    text = str(value).strip().removeprefix("id_")
    return text.lstrip("0") or "0" if text.isdigit() else text


def load_gold(path: str | Path) -> list[list[str]]:
    """Gold duplicate groups: a CSV with a ``merged_ids`` column of ``id;id;...``."""
    frame = pd.read_csv(path, dtype=str)
    if "merged_ids" not in frame.columns:
        raise InputError(
            f"{path}: expected a 'merged_ids' column holding 'id;id;...' per duplicate group."
        )
    return [[_norm_id(i) for i in ids.split(";") if i.strip()] for ids in frame["merged_ids"]]


def source_ids(records: pd.DataFrame, id_column: str | None = None) -> pd.Series:
    """Each record's id in its source file (from the raw fields), by record_id."""
    import json

    candidates = [id_column] if id_column else ["ID", "id", "record_id", "Key"]
    out = {}
    for rid, raw in zip(records["record_id"], records["raw"], strict=True):
        fields = dict(json.loads(raw)) if raw.startswith("[") else {}
        found = next((fields[c] for c in candidates if c in fields), None)
        if found is None:
            raise InputError(
                f"record {rid} has no source id column ({', '.join(candidates)}); pass --id-column."
            )
        out[rid] = _norm_id(found)
    return pd.Series(out)


def evaluate_files(
    records_path: str | Path,
    gold_path: str | Path,
    *,
    id_column: str | None = None,
    params: DedupeParams | None = None,
) -> tuple[Evaluation, DedupeResult, pd.Series]:
    """Ingest a labelled file, deduplicate it, and score it against gold groups."""
    rows = [r.to_row() for r in read(records_path).records]
    records = pd.DataFrame(rows, columns=SCHEMA.names)
    result = deduplicate(records, params)
    ids = source_ids(records, id_column)
    groups: dict[str, list[str]] = {}
    for rid, root in result.group_of.items():
        groups.setdefault(root, []).append(ids[rid])
    return evaluate(groups.values(), load_gold(gold_path)), result, ids
