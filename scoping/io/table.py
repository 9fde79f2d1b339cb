"""Tables: Scopus, Embase and Zotero CSV, and any CSV/TSV/Excel sheet.

Hand-typed sheets (grey literature) are read through a column mapping.

A dialect is a table of canonical field -> column names, plus the columns that
identify it. Generic tables match headers to canonical fields through
:data:`SYNONYMS` (case and punctuation ignored); a user's ``column_map`` overrides
both. Nothing here branches on the vendor.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..errors import FormatError
from ..records import Entry
from .base import FileNote, Reader, Rejection, Source


@dataclass(frozen=True)
class TableDialect:
    """A known table layout: the columns that identify it and what they mean."""

    name: str
    identify: frozenset[str]
    columns: dict[str, tuple[str, ...]]
    database: str | None = None
    #: Separator between names in the author column when there is no ";".
    author_sep: str | None = None
    #: A column the vendor may repeat without saying so in the header; rows with
    #: extra cells are aligned left up to it and right after it.
    ragged: str | None = None
    #: How names without a comma are ordered ("given_first": "Jane Smith").
    author_order: str = "family_first"


SCOPUS = TableDialect(
    "scopus",
    identify=frozenset({"Authors", "Title", "Source title", "EID"}),
    columns={
        "title": ("Title",),
        "abstract": ("Abstract",),
        "authors": ("Authors",),
        "year": ("Year",),
        "journal": ("Source title",),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "pages": ("Page start", "Art. No."),
        "end_page": ("Page end",),
        "doi": ("DOI",),
        "pmid": ("PubMed ID",),
        "issn": ("ISSN",),
        "isbn": ("ISBN",),
        "keywords": ("Author Keywords", "Index Keywords"),
        "doc_type": ("Document Type",),
        "language": ("Language of Original Document",),
        "url": ("Link",),
        "publisher": ("Publisher",),
    },
    database="Scopus",
    author_sep=",",
    ragged="Funding Text 1",
)
EMBASE = TableDialect(
    "embase",
    identify=frozenset({"Title", "Author Names", "Emtree Medical Index Terms"}),
    columns={
        "title": ("Title",),
        "abstract": ("Abstract",),
        "authors": ("Author Names",),
        "year": ("Publication Year", "Source"),
        "journal": ("Source title", "Source"),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "pages": ("First Page",),
        "end_page": ("Last Page",),
        "doi": ("DOI", "Full Text Link"),
        "pmid": ("Medline PMID", "PUI"),
        "issn": ("ISSN",),
        "keywords": ("keywords", "Author Keywords"),
        "subjects": ("Emtree Medical Index Terms", "Emtree Drug Index Terms"),
        "doc_type": ("Publication Type",),
        "language": ("Article Language",),
        "url": ("Embase Link", "Open URL Link"),
        "publisher": ("Publisher",),
    },
    database="Embase",
    author_sep=",",
)
ZOTERO = TableDialect(
    "zotero",
    identify=frozenset({"Item Type", "Publication Year", "Author", "Abstract Note"}),
    columns={
        "title": ("Title",),
        "abstract": ("Abstract Note",),
        "authors": ("Author",),
        "year": ("Publication Year", "Date"),
        "journal": ("Publication Title",),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "pages": ("Pages",),
        "doi": ("DOI",),
        "issn": ("ISSN",),
        "isbn": ("ISBN",),
        "keywords": ("Manual Tags", "Automatic Tags"),
        "doc_type": ("Item Type",),
        "language": ("Language",),
        "url": ("Url",),
        "publisher": ("Publisher",),
        "notes": ("Notes", "Extra"),
    },
)
LENS = TableDialect(
    "lens",
    identify=frozenset({"Lens ID", "Title", "Author/s"}),
    columns={
        "title": ("Title",),
        "abstract": ("Abstract",),
        "authors": ("Author/s",),
        "year": ("Publication Year", "Date Published"),
        "journal": ("Source Title",),
        "volume": ("Volume",),
        "issue": ("Issue Number",),
        "pages": ("Start Page",),
        "end_page": ("End Page",),
        "doi": ("DOI",),
        "pmid": ("PMID",),
        "pmcid": ("PMCID",),
        "issn": ("ISSNs",),
        "keywords": ("Keywords",),
        "subjects": ("MeSH Terms", "Fields of Study"),
        "doc_type": ("Publication Type",),
        "url": ("External URL", "Source URLs"),
        "publisher": ("Publisher",),
    },
    database="Lens.org",
    author_order="given_first",  # "Jane Smith; John Doe"
)
OPENALEX = TableDialect(
    "openalex",
    identify=frozenset({"display_name", "authorships.author.display_name"}),
    columns={
        "title": ("display_name", "title"),
        "year": ("publication_year",),
        "doi": ("doi",),
        "doc_type": ("type",),
        "language": ("language",),
        "authors": ("authorships.author.display_name",),
        "journal": ("primary_location.source.display_name",),
    },
    database="OpenAlex",
    author_order="given_first",  # "Ann Example|Bo Sample"
)
#: Known layouts, tried in order.
DIALECTS: tuple[TableDialect, ...] = (SCOPUS, EMBASE, ZOTERO, LENS, OPENALEX)

#: Header spellings (lower case, letters and digits only) for generic tables.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # OpenAlex CSV: display_name, authorships.author.display_name (names split by
    # "|"), primary_location.source.display_name; Springer Link CSV: Item Title, Item DOI
    "title": (
        "title",
        "articletitle",
        "primarytitle",
        "documenttitle",
        "ti",
        "t1",
        "itemtitle",
        "displayname",
    ),
    "abstract": ("abstract", "abstractnote", "ab", "summary", "description"),
    "authors": (
        "authors",
        "author",
        "authornames",
        "au",
        "creators",
        "creator",
        "authorshipsauthordisplayname",
    ),
    "year": ("year", "publicationyear", "py", "pubyear", "date", "publicationdate"),
    "journal": (
        "journal",
        "sourcetitle",
        "publicationtitle",
        "journaltitle",
        "source",
        "secondarytitle",
        "containertitle",
        "so",
        "t2",
        "venue",
        "primarylocationsourcedisplayname",
    ),
    "volume": ("volume", "vol", "vl"),
    "issue": ("issue", "number", "no", "is"),
    "pages": ("pages", "page", "pagestart", "startpage", "pg", "sp"),
    "end_page": ("pageend", "endpage", "ep"),
    "doi": ("doi", "di", "itemdoi"),
    "pmid": ("pmid", "pubmedid"),
    "pmcid": ("pmcid", "pmc"),
    "issn": ("issn", "sn"),
    "isbn": ("isbn",),
    "keywords": ("keywords", "authorkeywords", "manualtags", "kw", "de", "tags"),
    "subjects": ("mesh", "meshterms", "subjects", "subjectterms", "indexkeywords"),
    "doc_type": ("documenttype", "type", "itemtype", "publicationtype", "entrytype"),
    "language": ("language", "la"),
    "url": ("url", "link", "uri", "weblink"),
    "publisher": ("publisher", "pb"),
    "notes": ("notes", "note", "comments"),
}
_LIST_FIELDS = ("authors", "keywords", "subjects", "issn", "isbn")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def generic_columns(headers: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Map canonical fields to the headers of a table through :data:`SYNONYMS`."""
    by_key = {_key(h): h for h in headers if h}
    out: dict[str, tuple[str, ...]] = {}
    for name, keys in SYNONYMS.items():
        found = tuple(by_key[k] for k in keys if k in by_key)
        if found:
            out[name] = found
    return out


#: Initials as they follow a surname: "Y.", "J.-P.", "A.B.", "KL", "Ch." (a name such as
#: "Yu" is not: a lower-case letter needs its full stop).
_INITIALS = re.compile(r"(?:[A-Z](?:[a-z]\.|\.)?[\s-]*){1,4}")


def split_people(value: str, sep: str | None) -> list[str]:
    """Split an author cell: on ";", "|" or " and ", else on the dialect's ``sep``.

    With ``sep`` ",", a cell of "Surname, Initials" pairs (older Scopus exports) is
    split into pairs, not at every comma:

    >>> split_people("Pan, Y., Yu, C., Pan, Y.", ",")
    ['Pan, Y.', 'Yu, C.', 'Pan, Y.']
    >>> split_people("Pan Y., Yu C.", ",")
    ['Pan Y.', 'Yu C.']
    """
    for separator in (";", "|", " and "):
        if separator in value:
            return value.split(separator)
    if not sep or sep not in value:
        return [value]
    parts = [p.strip() for p in value.split(sep)]
    if sep == "," and len(parts) % 2 == 0 and all(_INITIALS.fullmatch(p) for p in parts[1::2]):
        return [f"{a}, {b}" for a, b in zip(parts[::2], parts[1::2], strict=True)]
    return parts


def _choose(
    headers: list[str], column_map: dict[str, str] | None
) -> tuple[TableDialect | None, dict[str, tuple[str, ...]]]:
    present = set(headers)
    dialect = next((d for d in DIALECTS if d.identify <= present), None)
    columns = dict(dialect.columns) if dialect else generic_columns(headers)
    for name, header in (column_map or {}).items():
        if header not in present:
            raise FormatError(
                f"column_map names column {header!r} for {name!r}, but the "
                f"table has no such column; its columns are: "
                f"{', '.join(h for h in headers if h)}."
            )
        columns[name] = (header,)
    used = {h for names in columns.values() for h in names}
    for header in sorted(h for h in used if headers.count(h) > 1):
        places = [str(i) for i, h in enumerate(headers, start=1) if h == header]
        raise FormatError(
            f"line 1: the header names column {header!r} {len(places)} times (columns "
            f"{', '.join(places)}); rename all but one, so that no column's values are lost."
        )
    return dialect, columns


def _fields(row: dict[str, str], columns: dict[str, tuple[str, ...]], sep: str | None) -> dict:
    fields: dict = {}
    for name, headers in columns.items():
        values = [row[h] for h in headers if row.get(h, "").strip()]
        if name == "authors":
            fields[name] = [p for v in values[:1] for p in split_people(v, sep)]
        elif name in _LIST_FIELDS:
            fields[name] = values
        elif values:
            fields[name] = values[0]
    return fields


_UNSAVED = (
    "the row's cells are formulas with no saved values, so nothing can be read; open "
    "the file in Excel (or LibreOffice) and save it, then ingest it again."
)


#: The separator of each text dialect: comma, tab, and the semicolon that Excel writes
#: where the decimal mark is a comma.
SEPARATORS = {"csv": ",", "tsv": "\t", "semicolon": ";"}


class TableReader(Reader):
    """Reads CSV, TSV and Excel tables with a header row."""

    name = "table"
    label = "CSV/TSV/Excel table"
    suffixes = (".csv", ".tsv", ".tab", ".xlsx")

    def __init__(self, column_map: dict[str, str] | None = None) -> None:
        self.column_map = column_map

    def sniff(self, source: Source) -> str | None:
        """A table when the first line has a delimiter and a recognised column."""
        if source.kind == "xlsx":
            return "excel"
        first = source.head.split("\n", 1)[0]
        # the separator the header uses most; ties go to the comma
        dialect = max(SEPARATORS, key=lambda d: (first.count(SEPARATORS[d]), d == "csv"))
        headers = next(csv.reader([first], delimiter=SEPARATORS[dialect]), [])
        if len(headers) < 2 or not ("title" in generic_columns(headers) or self.column_map):
            return None
        return dialect

    def rows(self, source: Source, dialect: str) -> Iterator[tuple[int, list[str]]]:
        """(line or row number, cells) for every row, the header first."""
        if dialect == "excel":
            yield from _excel_rows(source)
            return
        csv.field_size_limit(sys.maxsize)
        with source.open_text() as handle:
            reader = csv.reader(handle, delimiter=SEPARATORS[dialect])
            line = 1
            for row in reader:
                cells = Cells(row)
                cells.lines = reader.line_num + 1 - line
                yield line, cells
                line = reader.line_num + 1

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """One entry per non-empty data row."""
        rows = self.rows(source, dialect)
        _, headers = next(rows, (1, []))
        headers = [h.strip() for h in headers]
        known, columns = _choose(headers, self.column_map)
        if not columns.get("title"):
            yield FileNote(
                1,
                "no column is recognised as the title; name it with a column mapping "
                "(--column-map 'title=Your column' on the command line).",
            )
        sep = known.author_sep if known else None
        ragged = headers.index(known.ragged) if known and known.ragged in headers else None
        realigned = 0
        for line, cells in rows:
            unsaved = getattr(cells, "unsaved", 0)
            if unsaved and not any(c.strip() for c in cells):
                yield Rejection(line, _UNSAVED)
                continue
            if unsaved:
                yield FileNote(
                    line,
                    f"{unsaved} cell(s) are formulas with no saved value "
                    "and read as empty; " + _UNSAVED.split("; ", 1)[1],
                )
            if not any(c.strip() for c in cells):
                continue
            if getattr(cells, "lines", 1) > 1 and len(cells) < len(headers):
                yield FileNote(
                    line,
                    f"the row at this line runs over {cells.lines} lines inside quotation "
                    f"marks and has {len(cells)} of the header's {len(headers)} cells: a "
                    "quotation mark may be unclosed, joining rows into one; check the row.",
                )
            if ragged is not None and len(cells) > len(headers):
                cells = realign(cells, len(headers), ragged)
                realigned += 1
            if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers) :]):
                yield Rejection(
                    line,
                    f"row has {len(cells)} cells but the header has "
                    f"{len(headers)}; check for an unquoted separator.",
                )
                continue
            row = dict(zip(headers, cells, strict=False))
            raw = [(h, c) for h, c in zip(headers, cells, strict=False) if h and c.strip()]
            yield Entry(
                fields=_fields(row, columns, sep),
                raw=raw,
                line=line,
                database=known.database if known else None,
                author_order=known.author_order if known else "family_first",
            )
        if realigned:
            yield FileNote(
                None,
                f"{realigned} row(s) had more {known.ragged!r} cells than "
                "the header names (a known export quirk); the extra cells were "
                "joined into that column and the columns after it aligned.",
            )
        if dialect == "excel":
            yield from _other_sheets(source)


def realign(cells: list[str], width: int, ragged: int) -> list[str]:
    """Fold surplus cells into column ``ragged`` so the row has ``width`` cells."""
    surplus = len(cells) - width
    merged = "\n".join(c for c in cells[ragged : ragged + surplus + 1] if c.strip())
    return [*cells[:ragged], merged, *cells[ragged + surplus + 1 :]]


class Cells(list):
    """A row's cells, with what the reader saw of them.

    ``unsaved`` counts formulas with no saved value (Excel only); ``lines`` is how many
    lines of the file the row takes (CSV and TSV only).
    """

    unsaved = 0
    lines = 1


def _other_sheets(source: Source) -> Iterator[FileNote]:
    """A note for each sheet after the first that holds anything: only the first is read."""
    import openpyxl

    with source.open_bytes() as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        try:
            first, *others = book.worksheets
            for sheet in others:
                rows = sheet.iter_rows(values_only=True)
                filled = sum(1 for row in rows if any(v not in (None, "") for v in row))
                if filled:
                    yield FileNote(
                        None,
                        f"sheet {sheet.title!r} ({filled} rows) was not read: only the first "
                        f"sheet, {first.title!r}, is. Save each sheet as a file of its own.",
                    )
        finally:
            book.close()


def _excel_rows(source: Source) -> Iterator[tuple[int, list[str]]]:
    """Each row's saved values, the sheet read twice: values, then formulas.

    A formula whose value was never saved (a file written by a program, not by Excel)
    reads as empty; the second reading finds such cells, so the row is reported, not
    lost without a word.
    """
    import openpyxl

    with source.open_bytes() as values_handle, source.open_bytes() as formulas_handle:
        values = openpyxl.load_workbook(values_handle, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(formulas_handle, read_only=True, data_only=False)
        try:
            rows = zip(
                values.worksheets[0].iter_rows(values_only=True),
                formulas.worksheets[0].iter_rows(values_only=True),
                strict=False,
            )
            for number, (saved, written) in enumerate(rows, start=1):
                cells = Cells("" if v is None else str(v) for v in saved)
                cells.unsaved = sum(
                    1
                    for v, f in zip(saved, written, strict=False)
                    if v is None and isinstance(f, str) and f.startswith("=")
                )
                yield number, cells
        finally:
            values.close()
            formulas.close()
