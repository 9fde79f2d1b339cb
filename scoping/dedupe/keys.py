"""Keys: what each record is compared on, and its kind.

Folded title, first author, year, pages, volume, journal and identifiers; the kind is
erratum, comment, reply, retraction, conference abstract, preprint or none.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..records import full_end
from ..text import fold

#: Kinds of record that must not be merged with a record of another kind, by
#: pattern over the title and document type (lower case, folded).
KIND_PATTERNS: dict[str, str] = {
    "erratum": r"\b(erratum(?! (appears|in)\b)|errata|corrigendum|correction to|correction:|"
    r"publisher correction|author correction)\b",
    "retraction": r"\b(retraction|expression of concern)\b",
    "comment": r"\b(comment on|commentary on|in reply|authors? reply|letter to the editor|re:)|"
    r"^(a |authors? )?(response|reply|responses|replies) to\b|"  # at the start only:
    r"\breply \|",  # "... in response to floods" is a paper; "- Reply" ends a reply
    "conference abstract": r"\b(conference abstract|meeting abstract|poster abstract)\b",
    "preprint": r"\b(preprint|medrxiv|biorxiv|psyarxiv|ssrn|research square|posted content)\b",
}
_KIND_RES = {kind: re.compile(rx) for kind, rx in KIND_PATTERNS.items()}
#: The words a notice puts before the title of the paper it concerns ("Erratum to:",
#: "Retraction notice:", "Reply to", "Comment on"), dropped before titles are compared,
#: so that a notice and its paper meet. The notice keeps its kind, so they never merge.
NOTICE_PREFIX = re.compile(
    r"^(\s*\[[^\]]*\]\s*)?"  # a bracketed tag before the title stays ("[Synthetic demo]")
    r"(?:(?:publisher'?s?|author'?s?) )?(?:erratum|errata|corrigendum|correction|"
    r"retraction(?: notice| note)?|notice of retraction|expression of concern|"
    r"comments?|commentary|response|reply|in reply|authors'? reply|re)"
    r"(?:\s*(?:to|on|of|for|regarding)\b\s*:?|\s*:)\s*",
    re.IGNORECASE,
)
#: A title or document type saying the work itself is retracted or withdrawn
#: ("RETRACTED: ...", "[Retracted]", PubMed's "Retracted Publication").
RETRACTED = re.compile(
    r"^\W*(?:retracted|withdrawn)\b\s*(?:article)?\s*[:.\]-]|\[retracted\]|"
    r"\bretracted publication\b|\bretracted article\b",
    re.IGNORECASE,
)
#: The citation of the corrected paper that Web of Science ("Title (vol 360, pg 542,
#: 2009)") and Embase ("Title (N Engl J Med (2009) 360 (542-544))") append to the title
#: of a correction notice. It marks an erratum, and is dropped before titles are compared.
_CORRECTION_CITE = re.compile(
    r"\s*\((?:vol\.? \w+, pg\.? \w+, (?:19|20)\d\d|[^()]*\((?:19|20)\d\d\)[^()]*\([^()]*\))\)"
    r"\s*\.?\s*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
#: Print pages: digits only, a single page or a range ("703-712", "1107").
_PLAIN_PAGES = re.compile(r"^\s*\d+\s*(?:[-\u2013]\s*\d+\s*)?$")
_BRACKETED = re.compile(r"^\[(.*)\]\.?$")
#: A note that MEDLINE (Ovid) appends to a title: "[Erratum appears in ...]".
_TITLE_NOTE = re.compile(
    r"\s*\[(erratum|retraction|comment|update|corrected and republished)\b[^\]]*"
    r"\b(appears|in|of|on|from)\b.*$",
    re.IGNORECASE,
)


def _title(text: Any) -> str:
    if isinstance(text, str):
        match = _BRACKETED.match(text.strip())  # "[Translated title]." in MEDLINE
        text = match.group(1) if match else _TITLE_NOTE.sub("", _CORRECTION_CITE.sub("", text))
        text = RETRACTED.sub(" ", text)
    return fold(text)


#: Kinds that are notices about another paper: their title key drops the notice words.
NOTICES = ("erratum", "retraction", "comment")


def _notice_title(text: Any, kind: str, folded: str) -> str:
    """The title key: a notice's title without the words that announce it."""
    if kind not in NOTICES or not isinstance(text, str):
        return folded
    return _title(NOTICE_PREFIX.sub(r"\1", text.strip(), count=1)) or folded


def retracted(title: Any, doc_type: Any) -> str:
    """Why a record says its work is retracted ("" when it does not)."""
    for name, value in (("title", title), ("document type", doc_type)):
        match = RETRACTED.search(value) if isinstance(value, str) else None
        if match:
            return f"{name} says {match.group(0).strip(' :.[]-')!r}"
    return ""


#: Particles of family names ("Le Quintrec", "van der Berg", "Goicoechea de Jorge").
_PARTICLES = frozenset(
    "da das de del della den der des di do dos du el la le los st te ten ter van von".split()  # noqa: SIM905
)


def _first_family(authors: Any) -> str:
    """The first author's main family name: its last word that is not a particle.

    >>> [_first_family([n]) for n in ("Le Quintrec, M.", "Goicoechea de, Jorge E.", "De, S")]
    ['quintrec', 'goicoechea', 'de']
    """
    if authors is None or len(authors) == 0:
        return ""
    words = fold(str(authors[0]).split(",", 1)[0]).split()
    main = [w for w in words if w not in _PARTICLES]
    return (main or words or [""])[-1]


def _families(authors: Any) -> frozenset[str]:
    """The words of every author's family name (the part before the comma).

    Words of one or two letters (particles such as "de", initials of a name without a
    comma) are dropped from a name of several words; a family name of one word is kept
    whatever its length, so Li, Ng and Wu count as authors like any other name.

    >>> sorted(_families(["Li, X", "Ng, K L", "de Vries, H", "van der Berg, A", "Li X"]))
    ['berg', 'der', 'li', 'ng', 'van', 'vries']

    An index that takes a particle for the whole family name ("Le, Quintrec M.") moves
    the rest to the given names; that word counts too, so "Le Quintrec, M." agrees.

    >>> sorted(_families(["Le, Quintrec M.", "Le, T"]))
    ['le', 'quintrec']
    """
    if authors is None:
        return frozenset()
    out = set()
    for name in authors:
        family, _, given = str(name).partition(",")
        words = fold(family).split()
        out.update(words if len(words) == 1 else (w for w in words if len(w) > 2))
        if words and set(words) <= _PARTICLES:  # "Le, Quintrec M.": a particle taken
            after = fold(given).split()  # for the family name; the rest is given
            if after and len(after[0]) > 2:
                out.add(after[0])
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
    start = numbers[0].lstrip("0")
    end = full_end(start, numbers[1].lstrip("0"))  # 477-80 is 477-480
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
    keys["kind"] = [
        _kind(*row) for row in zip(frame["title"], keys["title"], frame["doc_type"], strict=True)
    ]
    keys["title"] = [
        _notice_title(*row) for row in zip(frame["title"], keys["kind"], keys["title"], strict=True)
    ]
    keys["compact"] = [t.replace(" ", "") for t in keys["title"]]
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
    keys["has_abstract"] = frame["abstract"].fillna("").str.len() > 0
    keys["retracted"] = [
        retracted(t, d) for t, d in zip(frame["title"], frame["doc_type"], strict=True)
    ]
    return keys


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return pd.isna(value)
    return hasattr(value, "__len__") and len(value) == 0
