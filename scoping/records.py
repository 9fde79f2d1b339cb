"""The canonical record model, its provenance, reported problems, and normalisers.

Every reader turns its format into :class:`Entry` objects (canonical field names,
values still as the file spelt them, plus the raw fields exactly as read). This module
turns an entry into a :class:`Record` with normalised values and a stable
``record_id``. Format knowledge lives in the readers' mapping tables; the rules for
what a clean DOI, year or author name looks like live here, once.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

#: Canonical fields holding a list of text values.
LIST_FIELDS: tuple[str, ...] = ("authors", "issn", "isbn", "keywords", "subjects")
#: Every canonical bibliographic field, in column order.
FIELDS: tuple[str, ...] = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "pmcid",
    "issn",
    "isbn",
    "keywords",
    "subjects",
    "doc_type",
    "language",
    "url",
    "publisher",
    "notes",
)


@dataclass(frozen=True)
class Problem:
    """Something a reader met that a person should know about.

    Parameters
    ----------
    file : str
        The input file, as given.
    line : int or None
        1-based line where the problem starts, when the format has lines.
    reason : str
        What is wrong and what to do, in one sentence.
    severity : str
        ``"error"`` when a record was rejected because of it, ``"warning"`` when the
        record (or file) was still read.
    record_number : int or None
        1-based position of the affected record in the file, when known.
    """

    file: str
    line: int | None
    reason: str
    severity: str = "warning"
    record_number: int | None = None

    @property
    def rejects_record(self) -> bool:
        """Whether this problem stands for one record that was not read."""
        return self.severity == "error" and self.record_number is not None

    def message(self) -> str:
        """The problem as one line: ``file line N: reason``."""
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as plain data for reports."""
        return {
            "line": self.line,
            "record_number": self.record_number,
            "severity": self.severity,
            "reason": self.reason,
        }


@dataclass
class Entry:
    """One record as a reader found it, before normalisation.

    Parameters
    ----------
    fields : dict
        Canonical field name to value (a string, or a list of strings for list
        fields), as spelt in the file.
    raw : list of (str, str)
        Every field exactly as read, in file order, with the format's own tag or
        column names; unknown tags included.
    line : int or None
        1-based line where the record starts.
    database : str or None
        Database of origin when the record itself says so.
    raw_text : str or None
        For line formats, the record's text exactly as it stands in the file; it is
        then kept as the record's raw form instead of the JSON of ``raw``.
    author_order : str
        ``"family_first"`` ("Smith, J" or "Smith J"), ``"given_first"``
        ("John Smith") or ``"as_is"`` (structured names): how names are written in
        this format; see :func:`normalise_author`.
    """

    fields: dict[str, Any]
    raw: list[tuple[str, str]]
    line: int | None = None
    database: str | None = None
    author_order: str = "family_first"
    raw_text: str | None = None


@dataclass(frozen=True)
class Provenance:
    """Where a record came from: enough to find it again in the raw export."""

    source_file: str
    source_sha256: str
    source_format: str
    source_dialect: str
    source_encoding: str
    database: str | None
    record_number: int
    line: int | None


@dataclass(frozen=True)
class Record:
    """One bibliographic record in canonical form, with its provenance.

    Text fields are ``None`` when absent; list fields are tuples (possibly empty).
    ``raw`` is the record exactly as read: its verbatim text for line formats (RIS,
    MEDLINE, Web of Science), else the JSON of its (field, value) pairs in file order.
    """

    record_id: str
    title: str | None
    abstract: str | None
    authors: tuple[str, ...]
    year: int | None
    journal: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    issn: tuple[str, ...]
    isbn: tuple[str, ...]
    keywords: tuple[str, ...]
    subjects: tuple[str, ...]
    doc_type: str | None
    language: str | None
    url: str | None
    publisher: str | None
    notes: str | None
    provenance: Provenance
    raw: str = field(repr=False)

    def to_row(self) -> dict[str, Any]:
        """The record as one flat row (provenance columns included)."""
        row: dict[str, Any] = {"record_id": self.record_id}
        for name in FIELDS:
            value = getattr(self, name)
            row[name] = list(value) if isinstance(value, tuple) else value
        p = self.provenance
        row.update(
            source_file=p.source_file,
            source_sha256=p.source_sha256,
            source_format=p.source_format,
            source_dialect=p.source_dialect,
            source_encoding=p.source_encoding,
            database=p.database,
            record_number=p.record_number,
            line=p.line,
            raw=self.raw,
        )
        return row


# --------------------------------------------------------------------------- #
# Normalisers: one rule each, shared by every reader.
# --------------------------------------------------------------------------- #
#: Tag names of the inline markup that exports carry in titles and abstracts (HTML,
#: JATS, MathML); any ``prefix:name`` tag counts too. Only these are markup: a "<" in
#: real text ("p<0.05 in those with BMI>30") is kept.
MARKUP_TAG_NAMES = (
    "a|abbr|b|big|bold|br|code|div|em|font|hr|i|img|inf|ins|del|italic|li|ol|p|q|s|sc|"
    "scp|small|smallcaps|span|strike|strong|sub|sup|table|tbody|td|th|tr|tt|u|ul|underline"
)
#: An opening, closing or empty tag of :data:`MARKUP_TAG_NAMES`, or an HTML comment.
MARKUP_TAG = re.compile(
    rf"</?(?:{MARKUP_TAG_NAMES}|[a-z][\w.-]*:[a-z][\w.-]*)(?:\s[^<>]{{0,200}})?/?>|<!--.*?-->",
    re.IGNORECASE | re.DOTALL,
)
_DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_DOI_TRAIL = ".,;:)]}>'\""
_SHORT_DOI = re.compile(r"(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?(10/[a-z0-9]+)", re.I)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_DIGITS = re.compile(r"\d+")
_PAGE_DASH = re.compile(r"\s*[-\u2010-\u2015]+\s*")
_NOT_ISXN = re.compile(r"[^0-9Xx]")
_PMC = re.compile(r"PMC\s*(\d+)", re.IGNORECASE)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_LEADING_INITIAL = re.compile(r"^(?:[A-Z]\.?){1,2}$|^(?:[A-Z]\.)+$")
_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "du",
        "dos",
        "le",
        "la",
        "ter",
        "ten",
    ]
)


#: C0 and C1 control characters, and DEL (white space among them is split anyway).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_text(value: Any) -> str | None:
    r"""Collapse white space and control characters, and strip; empty becomes ``None``.

    >>> clean_text("  Burnout in   nurses ")
    'Burnout in nurses'
    >>> clean_text("Joy\x07 in work\x1b[31m")
    'Joy in work [31m'
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value if v is not None)
    text = value if isinstance(value, str) else str(value)
    if _already_clean(text):
        return text or None
    if "\n" in text:  # lines of one value, each already stripped (most wrapped values)
        flat = text.replace("\n", " ")
        if _already_clean(flat):
            return flat
    # control characters (BEL, ESC, NUL...) carry no text and break XML and spreadsheets;
    # the raw fields keep them as read
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split()) or None


def _already_clean(text: str) -> bool:
    """True when ``" ".join(text.split())`` would return ``text`` unchanged.

    Checked with scans in C, so clean text (most of it) is not split and joined. Every
    white-space character other than the plain space is unprintable in Python's sense
    (``str.isprintable``), so a printable text with no double, leading or trailing
    space is already clean. A text with other unprintable characters (a soft hyphen)
    takes the slow, always-right path.
    """
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def strip_markup(value: str | None) -> str | None:
    """Remove HTML/XML tags and decode entities (``<i>``, ``&amp;``) from text.

    Markup written as entities, as OpenAlex writes some titles and abstracts, is markup
    too; a "<" that is not a tag stays. Entities escaped twice are decoded, so cleaning
    a cleaned text changes nothing.

    >>> strip_markup("&lt;p&gt;Joy in <i>work</i> &amp; p&amp;lt;0.05&lt;/p&gt;")
    'Joy in work & p<0.05'
    """
    if not value or ("<" not in value and "&" not in value):
        return value
    if "<" in value:
        value = MARKUP_TAG.sub("", value)
    for _ in range(3):  # entities escaped twice ("&amp;lt;") decode to text too
        if "&" not in value or value == (decoded := html.unescape(value)):
            break
        value = decoded
        if "<" in value:  # the entities were markup: "&lt;p&gt;"
            value = MARKUP_TAG.sub("", value)
    return clean_text(value)


def normalise_doi(value: Any) -> str | None:
    """Return the bare DOI in lower case, or ``None`` when there is none.

    Strips resolver prefixes, ``doi:`` labels, URL escapes, MEDLINE's ``[doi]``
    suffix and trailing punctuation.

    >>> normalise_doi("https://doi.org/10.1002/CPP.2398.")
    '10.1002/cpp.2398'
    >>> normalise_doi("10.1016/j.gene.2015.10.064 [doi]")
    '10.1016/j.gene.2015.10.064'

    A short DOI (``10/fqd6hj``, as CSL-JSON may carry) is kept when it is the whole
    value: ``https://doi.org/10/fqd6hj`` resolves it.

    >>> normalise_doi("https://doi.org/10/FQD6HJ")
    '10/fqd6hj'
    """
    text = clean_text(value)
    if not text:
        return None
    if "%" in text:
        text = unquote(text)
    match = _DOI.search(text)
    if not match:
        short = _SHORT_DOI.fullmatch(text.rstrip(_DOI_TRAIL))
        return short.group(1).lower() if short else None
    doi = match.group(0).rstrip(_DOI_TRAIL).lower()
    return doi or None


def normalise_year(value: Any) -> int | None:
    """Return the first plausible year (1500-2099) in ``value``.

    >>> normalise_year("2016/09//")
    2016
    """
    if isinstance(value, int):
        return value if 1500 <= value <= 2099 else None
    text = clean_text(value)
    if not text:
        return None
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def normalise_pmid(value: Any) -> str | None:
    """Return the PubMed id as digits, or ``None``."""
    text = clean_text(value)
    if not text:
        return None
    if "pubmed" in text.lower() or text.isdigit():
        match = _DIGITS.search(text.rsplit("/", 1)[-1] or text)
        return match.group(0).lstrip("0") or None if match else None
    return None


def normalise_pmcid(value: Any) -> str | None:
    """Return ``PMC`` followed by digits, or ``None``."""
    text = clean_text(value)
    match = _PMC.search(text) if text else None
    return f"PMC{match.group(1)}" if match else None


def normalise_pages(first: Any, last: Any = None) -> str | None:
    """Join first and last page as ``first-last``, expanding short ends.

    >>> normalise_pages("466-75")
    '466-475'
    >>> normalise_pages("206", "217")
    '206-217'
    """
    start = clean_text(first)
    end = clean_text(last)
    if start and not end:
        parts = _PAGE_DASH.split(start, maxsplit=1)
        if len(parts) == 2:
            start, end = parts
    if not start:
        return end
    if not end or end == start:
        return start
    if start.isdigit() and end.isdigit():
        end = full_end(start, end)
    return f"{start}-{end}"


def full_end(start: str, end: str) -> str:
    """The last page written out in full, from the digits a citation kept.

    The dropped leading digits are the first page's, carried over where the range
    crosses a hundred or a thousand (or the kept digits start with 0).

    >>> full_end("466", "75"), full_end("491", "04"), full_end("898", "17"), full_end("91", "07")
    ('475', '504', '917', '107')
    """
    if len(end) > len(start) or (len(end) == len(start) and not end.startswith("0")):
        return end
    full = start[: max(len(start) - len(end), 0)] + end
    if start.isdigit() and full.isdigit() and int(full) < int(start):
        full = str(int(full) + 10 ** len(end))
    return full


def normalise_issn(value: str) -> str | None:
    """Return an ISSN as ``NNNN-NNNX``, or the cleaned text when it is not one."""
    text = clean_text(value)
    if not text:
        return None
    compact = _NOT_ISXN.sub("", text.split("(")[0])
    if len(compact) == 8:
        return f"{compact[:4]}-{compact[4:].upper()}"
    return text


def normalise_isbn(value: str) -> str | None:
    """Return an ISBN as digits (and a final X), or ``None``."""
    text = clean_text(value)
    if not text:
        return None
    compact = _NOT_ISXN.sub("", text.split("(")[0]).upper()
    return compact if len(compact) in (10, 13) else None


def _split_initials(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Split trailing initials ("D.G.", "R") off a family-first name."""
    given: list[str] = []
    while len(tokens) > 1 and _INITIALS.match(tokens[-1]):
        given.insert(0, tokens.pop())
    return tokens, given


def normalise_author(name: Any, order: str = "family_first") -> str | None:
    """Write one person's name as ``"Family, Given"``.

    Parameters
    ----------
    name : str
        The name as the export spelt it.
    order : {"family_first", "given_first", "as_is"}
        Whether names without a comma put the family name first ("Liu R.",
        PubMed and Scopus style) or last ("John Smith", OpenAlex style); ``"as_is"``
        for structured formats, where a name without a comma is a corporate author
        or a single name and is kept whole.

    Returns
    -------
    str or None
        ``"Family, Given"``; a corporate author with no given name is kept whole.

    Examples
    --------
    >>> normalise_author("Adler D.G.")
    'Adler, D.G.'
    >>> normalise_author("Rens van de Schoot", order="given_first")
    'van de Schoot, Rens'
    """
    if not name:
        return None
    text = " ".join(str(name).split()).strip(" ;,")
    family, comma, given = text.partition(",")
    if comma:
        given = given.strip()
        if "," in given:
            given = " ".join(given.replace(",", " ").split())
        return f"{family.rstrip()}, {given}" if given else family.rstrip()
    tokens = text.split(" ")
    if len(tokens) == 1 or order == "as_is":
        return text or None
    if order == "given_first":
        return _given_first(tokens)
    return _family_first(tokens, text)


def _given_first(tokens: list[str]) -> str:
    """Turn "Rens van de Schoot" into "van de Schoot, Rens" (particles stay with it)."""
    cut = len(tokens) - 1
    while cut > 1 and tokens[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return f"{' '.join(tokens[cut:])}, {' '.join(tokens[:cut])}"


def _family_first(tokens: list[str], text: str) -> str:
    """Turn "Adler D.G." into "Adler, D.G." and "E J Reimer" into "Reimer, E J"."""
    family, given = _split_initials(tokens)
    if not given and _LEADING_INITIAL.match(tokens[0]):  # initials written first
        cut = next(i for i, t in enumerate(tokens) if not _LEADING_INITIAL.match(t))
        family, given = tokens[cut:], tokens[:cut]
    return f"{' '.join(family)}, {' '.join(given)}" if given else text


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def split_terms(values: Any, separators: str = ";") -> list[str]:
    """Split keyword strings such as ``"a; b; c"`` into single, cleaned terms."""
    if values is None:
        return []
    out: list[str] = []
    for value in values if isinstance(values, (list, tuple)) else (values,):
        if value is None:
            continue
        text = str(value)
        parts = [text]
        for sep in separators:
            if sep in text:
                parts = [p for part in parts for p in part.split(sep)]
        out.extend(t for t in (" ".join(p.split()) for p in parts) if t)
    return out


def make_record_id(source_name: str, raw: str, occurrence: int = 1) -> str:
    """A stable id from the file's name and the record's raw content.

    The id does not change when the file is re-ingested, moved to another folder,
    or when other files are added; a record repeated word for word within one file
    gets ``~2``, ``~3`` on its later copies.
    """
    digest = hashlib.blake2b(f"{source_name}\x1f{raw}".encode(), digest_size=8).hexdigest()
    return f"r{digest}" if occurrence == 1 else f"r{digest}~{occurrence}"


def raw_json(raw: list[tuple[str, str]]) -> str:
    """Serialise raw fields deterministically (order kept, nothing escaped away)."""
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def raw_fields(raw: str) -> dict[str, str]:
    """A record's raw fields (as :func:`raw_json` wrote them) by name.

    The last of a repeated name wins. A record kept as its raw text (a line format)
    gives ``{}``.

    >>> raw_fields(raw_json([("Title", "Burnout"), ("Label", "1")]))
    {'Title': 'Burnout', 'Label': '1'}
    """
    return dict(json.loads(raw)) if raw.startswith("[") else {}


_MARKUP_FIELDS = ("title", "abstract", "journal", "publisher", "notes")
_PLAIN_FIELDS = ("volume", "issue", "doc_type", "language", "url")


def normalise_entry(entry: Entry) -> dict[str, Any]:
    """Turn an entry's as-spelt fields into canonical, normalised values."""
    get = entry.fields.get
    out: dict[str, Any] = {name: strip_markup(clean_text(get(name))) for name in _MARKUP_FIELDS}
    for name in _PLAIN_FIELDS:
        out[name] = clean_text(get(name))
    out["pages"] = normalise_pages(get("pages"), get("end_page"))
    out["year"] = normalise_year(get("year"))
    out["doi"] = normalise_doi(get("doi"))
    out["pmid"] = normalise_pmid(get("pmid"))
    out["pmcid"] = normalise_pmcid(get("pmcid"))
    names = get("authors") or ()
    order = entry.author_order
    authors = (normalise_author(a, order) for a in ((names,) if isinstance(names, str) else names))
    out["authors"] = _unique([a for a in authors if a])
    issn = (normalise_issn(v) for v in split_terms(get("issn"), ";,"))
    out["issn"] = _unique([v for v in issn if v])
    isbn = (normalise_isbn(v) for v in split_terms(get("isbn"), ";,"))
    out["isbn"] = _unique([v for v in isbn if v])
    out["keywords"] = _unique(split_terms(get("keywords")))
    out["subjects"] = _unique(split_terms(get("subjects")))
    return out


#: Carried in the notes of every demonstration record (:mod:`scoping.demo`), and
#: checked for downstream: ingest counts such records and says so.
DEMO_MARK = "SYNTHETIC DEMONSTRATION RECORD - invented for software testing, not evidence"
#: The title prefix of every demonstration record.
TITLE_PREFIX = "[Synthetic demo] "


def is_synthetic(title: str | None, notes: str | None) -> bool:
    """Whether a record is a demonstration record (by its title prefix or notes mark).

    >>> is_synthetic("[Synthetic demo] Huddles", None), is_synthetic("Huddles", None)
    (True, False)
    """
    return bool((title and title.startswith(TITLE_PREFIX)) or (notes and DEMO_MARK in notes))
