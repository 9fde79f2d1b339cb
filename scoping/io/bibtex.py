"""BibTeX (and BibLaTeX) through bibtexparser v2.

The file is split once with no middleware, so the raw fields are kept exactly as
written; then ``@string`` macros are resolved, enclosing braces removed, LaTeX decoded
(braced groups kept, so ``{World Health Organization}`` stays one name) and authors
split into name parts. Blocks bibtexparser could not parse become rejections with
their line; an entry with a duplicate key or a repeated field is still read, with a
warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import bibtexparser
import pylatexenc.latex2text
from bibtexparser import middlewares as mw
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec

from ..records import Entry
from .base import FileNote, Reader, Rejection, Source

#: Canonical field <- BibTeX field names, in priority order.
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract",),
    "authors": ("author",),
    "year": ("year", "date"),
    "journal": ("journal", "journaltitle", "booktitle", "series"),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "pages": ("pages",),
    "doi": ("doi", "url"),
    "pmid": ("pmid", "pubmed"),
    "pmcid": ("pmcid",),
    "issn": ("issn",),
    "isbn": ("isbn",),
    "keywords": ("keywords", "author_keywords", "mendeley-tags"),
    "subjects": ("mesh", "mesh_terms"),
    "doc_type": ("type", "document_type"),
    "language": ("language", "langid"),
    "url": ("url",),
    "publisher": ("publisher",),
    "notes": ("note", "annote"),
}
_LIST = ("authors", "keywords", "subjects", "issn", "isbn")
#: Fields that are decoded at all (the raw fields keep every field as written).
_USED = frozenset(k for keys in FIELD_KEYS.values() for k in keys)
_BRACES = re.compile(r"[{}]")
logging.getLogger("bibtexparser").setLevel(logging.ERROR)


class _LatexWhereNeeded(mw.LatexDecodingMiddleware):
    r"""bibtexparser's LaTeX decoding, only where a value holds LaTeX (``\\`` or ``$``).

    pylatexenc parsing every plain abstract made BibTeX reading about 50 times slower
    than parsing alone.
    """

    def __init__(self) -> None:
        context = pylatexenc.latex2text.get_default_latex_context_db()
        context.add_context_category(
            "scoping",
            prepend=True,
            macros=[MacroTextSpec(m, simplify_repl="%s") for m in _TEXT_MACROS],
        )
        # maths as text (a Greek letter as itself, "$p<0.05$" as p<0.05), braces kept
        # (``{World Health Organization}`` stays one name; they are removed later)
        decoder = LatexNodes2Text(latex_context=context, math_mode="text", keep_braced_groups=True)
        super().__init__(True, decoder=decoder)

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        if "\\" not in python_string and "$" not in python_string:
            return python_string, ""
        text, problem = super()._transform_python_value_string(python_string)
        if "$" in python_string:  # "5$^{th}$", "CO$_2$": 5th, CO2
            text = _SCRIPT.sub("", text)
        return text, problem


#: Macros whose argument is plain text ("5$^\\mbox{th}$" is 5th).
_TEXT_MACROS = ("url", "mbox", "text", "textrm", "mathrm", "textit", "textbf", "emph")
#: A super- or subscript mark between two word characters, once maths is text.
_SCRIPT = re.compile(r"(?<=\w)[\^_]\{?(?=\w)")


#: Macros BibTeX itself defines (the months), as its standard styles spell them out.
_MONTHS = {
    name[:3].lower(): name
    for name in (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    )
}


def _split_joins(value: str) -> list[str]:
    """The parts of a value joined with ``#``, outside braces and quotation marks."""
    parts, depth, quoted, start = [], 0, False, 0
    for at, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:at].strip())
            start = at + 1
    return [*parts, value[start:].strip()]


def _expand(value: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """A value with its ``@string`` macros and ``#`` joins worked out; undefined names.

    >>> _expand('jnl # " part"', {"jnl": "Journal X"})
    ('{Journal X part}', [])
    >>> _expand("nomacro", {})
    ('nomacro', ['nomacro'])
    """
    if "#" not in value:  # the common case, without a pass over every character
        bare = value.strip()
        if not bare or bare[:1] in ("{", '"') or bare.isdigit():
            return value, []
        parts = [bare]
    else:
        parts = _split_joins(value)
    out, unknown = [], []
    for part in parts:
        name = part.lower()
        if part[:1] in ("{", '"'):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        elif name in strings or name in _MONTHS:
            out.append(strings.get(name, _MONTHS.get(name, "")))
        else:
            out.append(part)
            unknown.append(part)
    if len(parts) == 1 and unknown:
        return value, unknown
    return "{" + "".join(out) + "}", unknown


def _strings(parsed: bibtexparser.Library) -> dict[str, str]:
    """The file's ``@string`` macros by lower-case name, enclosing marks removed."""
    found = {}
    for macro in parsed.strings:
        text = str(macro.value).strip()
        found[macro.key.lower()] = text[1:-1] if text[:1] in ("{", '"') else text
    return found


def _transform(library: bibtexparser.Library) -> bibtexparser.Library:
    for step in (
        mw.ResolveStringReferencesMiddleware(True),
        mw.RemoveEnclosingMiddleware(True),
        _LatexWhereNeeded(),
        mw.SeparateCoAuthors(True),
        mw.SplitNameParts(True),
    ):
        library = step.transform(library)
    return library


def _unbrace(value: object) -> str:
    return _BRACES.sub("", str(value)).strip()


def _person(parts: object) -> str:
    """``von Last, Jr, First`` from bibtexparser's NameParts, braces removed."""
    last = " ".join([*getattr(parts, "von", []), *getattr(parts, "last", [])])
    rest = [" ".join(p) for p in (getattr(parts, "jr", []), getattr(parts, "first", [])) if p]
    return _unbrace(", ".join([last, *rest]) if rest else last)


def _fields(values: dict[str, object]) -> dict:
    fields: dict = {}
    for name, keys in FIELD_KEYS.items():
        found = [values[k] for k in keys if values.get(k) not in (None, "")]
        if name == "authors":
            fields[name] = [_person(p) for v in found[:1] for p in v]  # type: ignore[attr-defined]
        elif name in _LIST:
            fields[name] = [_unbrace(v) for v in found]
        elif found:
            fields[name] = _unbrace(found[0])
    return fields


class BibtexReader(Reader):
    """Reads BibTeX/BibLaTeX files (Zotero, Better BibTeX, Mendeley, Scopus, JabRef)."""

    name = "bibtex"
    label = "BibTeX"
    suffixes = (".bib", ".bibtex")

    def sniff(self, source: Source) -> str | None:
        """BibTeX when an ``@type{`` or ``@type(`` entry start appears at a line start."""
        if not re.search(r"^\s*@[A-Za-z]+\s*[{(]", source.head, re.MULTILINE):
            return None
        return (
            "biblatex"
            if re.search(r"^\s*(journaltitle|date)\s*=", source.head, re.MULTILINE | re.IGNORECASE)
            else "bibtex"
        )

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """Entries in file order, failed blocks as rejections at their line."""
        parsed = bibtexparser.parse_string(source.read_text(), parse_stack=[])
        # bibtexparser counts lines from 0.
        items: list[tuple[int, object, str | None]] = [
            (e.start_line + 1, e, None) for e in parsed.entries
        ]
        for block in parsed.failed_blocks:
            items.append((block.start_line + 1, block, _failure(block)))
        items.sort(key=lambda item: item[0] or 0)
        raw_of, notes_of = {}, {}
        entries = []
        strings = _strings(parsed)
        for _line, block, _ in items:
            entry = getattr(block, "ignore_error_block", None) or block
            if isinstance(entry, bibtexparser.model.Entry):
                raw_of[id(entry)] = [
                    ("ENTRYTYPE", entry.entry_type),
                    ("ID", entry.key),
                    *((f.key, str(f.value)) for f in entry.fields),
                ]
                entry.key = f"{len(entries)}"  # unique while decoding; raw keeps the key
                entry.fields = [f for f in entry.fields if f.key.lower() in _USED]
                for found in entry.fields:  # field names are case-blind: WoS writes Author
                    found.key = found.key.lower()
                    found.value, unknown = _expand(str(found.value), strings)
                    notes_of.setdefault(id(entry), []).extend(
                        f"field {found.key} names {name!r}, which no @string in the file "
                        "defines; the name is kept as the value. Define it or re-export."
                        for name in unknown
                    )
                entries.append(entry)
        decoded = _transform(bibtexparser.Library([*parsed.strings, *entries]))
        by_position = dict(zip((id(e) for e in entries), decoded.entries, strict=True))
        for line, block, problem in items:
            entry = getattr(block, "ignore_error_block", None) or block
            yield from (FileNote(line, note) for note in notes_of.get(id(entry), ()))
            yield from _emit(line, block, problem, raw_of, by_position)


def _failure(block: object) -> str | None:
    if isinstance(block, DuplicateBlockKeyBlock):
        return f"entry key {block.key!r} is used twice; the entry is read all the same."
    if isinstance(block, DuplicateFieldKeyBlock):
        keys = ", ".join(sorted(block.duplicate_keys))
        return f"entry repeats field(s) {keys}; the last value is kept."
    lines = str(getattr(block, "error", "") or "").strip().splitlines()
    reason = lines[0] if lines else "could not be parsed"
    return f"malformed entry ({reason}); check its braces and commas."


def _emit(
    line: int, block: object, problem: str | None, raw_of: dict, decoded: dict
) -> Iterator[Entry | Rejection | FileNote]:
    entry = getattr(block, "ignore_error_block", None) or block
    if id(entry) not in raw_of:
        yield Rejection(line, problem or "block could not be read")
        return
    if problem:
        yield FileNote(line, problem)
    done = decoded[id(entry)]
    values = {f.key.lower(): f.value for f in done.fields}
    fields = _fields(values)
    fields.setdefault("doc_type", done.entry_type)
    yield Entry(fields=fields, raw=raw_of[id(entry)], line=line, author_order="as_is")
