"""Writers for what leaves the workbench: RIS, BibTeX, CSV and Excel, and citations.

Record text is untrusted. A spreadsheet cell whose text begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return could run as a formula when the file is
opened in Excel or LibreOffice, so such cells get a leading apostrophe (OWASP's advice
for CSV injection); the text stays readable and nothing runs.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import bibtexparser
import pandas as pd
import rispy
from bibtexparser.model import Entry, Field
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: RIS reference type for our document types (anything else is JOUR).
RIS_TYPES = {
    "book": "BOOK",
    "book chapter": "CHAP",
    "report": "RPRT",
    "thesis": "THES",
    "conference paper": "CPAPER",
    "grey literature": "GEN",
}
#: BibTeX entry type for our document types (anything else is article).
BIBTEX_TYPES = {
    "book": "book",
    "book chapter": "incollection",
    "report": "techreport",
    "thesis": "phdthesis",
    "conference paper": "inproceedings",
}


def safe_cell(value: Any) -> Any:
    r"""Neutralise text that a spreadsheet would run as a formula, or could not store.

    Control characters (which Excel's XML cannot hold) become spaces.

    >>> print(safe_cell('=HYPERLINK("http://x")'), safe_cell("Burnout"), safe_cell(3))
    '=HYPERLINK("http://x") Burnout 3
    >>> safe_cell("Joy\x07 in work")
    'Joy  in work'
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub(" ", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with every text cell (and header) neutralised."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a neutralised CSV (UTF-8 with BOM, so Excel reads accents correctly).

    Every field is quoted, so a spreadsheet that splits on another separator (``;`` in
    European locales) cannot cut a cell in two and start a formula mid-value.
    """
    safe_table(table).to_csv(
        path, index=False, encoding="utf-8-sig", lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    return Path(path)


def write_xlsx(table: pd.DataFrame, path: str | Path, *, sheet: str = "Evidence") -> Path:
    """Write a neutralised Excel workbook with frozen header and filters.

    Cells are written as text (openpyxl would otherwise read a leading ``=`` as a
    formula), and the workbook's dates are fixed so that the same table gives the
    same bytes.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.properties.creator = "scoping workbench"
    book.properties.created = book.properties.modified = pd.Timestamp("2000-01-01").to_pydatetime()
    sheet_ = book.active
    sheet_.title = sheet
    safe = safe_table(table)
    sheet_.append(list(safe.columns))
    for row in safe.itertuples(index=False):
        sheet_.append([None if _missing(v) else v for v in row])
    for cell in sheet_[1]:
        cell.data_type = "s"
    for row in sheet_.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet_.freeze_panes = "A2"
    sheet_.auto_filter.ref = sheet_.dimensions
    for index, column in enumerate(safe.columns, start=1):
        width = min(60, max([len(str(column))] + [len(str(v)) for v in safe[column].head(200)]))
        sheet_.column_dimensions[get_column_letter(index)].width = max(8, width + 2)
    book.save(path)
    _fix_zip_times(Path(path))
    return Path(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite an .xlsx (a zip) with fixed times, for byte-identical output."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2000-01-01T00:00:00Z\g<2>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


def _missing(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(record: dict[str, Any], field: str) -> str:
    value = record.get(field)
    return "" if value is None or _missing(value) else str(value)


def is_retracted(record: dict[str, Any]) -> bool:
    """Whether the record's work is flagged retracted (deduplication flags it)."""
    value = record.get("retracted")
    return value is not None and not _missing(value) and bool(value)


def _list(record: dict[str, Any], field: str) -> list[str]:
    value = record.get(field)
    if value is None or isinstance(value, str) or _missing(value):
        return [value] if isinstance(value, str) and value else []
    return [str(v) for v in value]


def _pages(record: dict[str, Any]) -> tuple[str, str]:
    start, _, end = _text(record, "pages").partition("-")
    return start.strip(), end.strip()


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its numbered header line before each reference."""

    def set_header(self, count: int) -> str:
        return ""


def to_ris(records: Iterable[dict[str, Any]]) -> str:
    """The records as RIS, written by rispy; ``ID`` is our record id."""
    entries = []
    for record in records:
        start, end = _pages(record)
        entry = {
            "type_of_reference": RIS_TYPES.get(_text(record, "doc_type").lower(), "JOUR"),
            "id": record["record_id"],
            "title": _text(record, "title"),
            "authors": _list(record, "authors"),
            "year": _text(record, "year"),
            "secondary_title": _text(record, "journal"),
            "volume": _text(record, "volume"),
            "number": _text(record, "issue"),
            "start_page": start,
            "end_page": end,
            "doi": _text(record, "doi"),
            "abstract": _text(record, "abstract"),
            "keywords": _list(record, "keywords"),
            "urls": [u for u in [_text(record, "url")] if u],
            "language": _text(record, "language"),
            "accession_number": _text(record, "pmid"),
        }
        entries.append({k: v for k, v in entry.items() if v})
    return rispy.dumps(entries, implementation=_RisWriter)


_KEY_SAFE = re.compile(r"[^A-Za-z0-9]+")


def _bibtex_value(text: str) -> str:
    r"""A field value that BibTeX reads as one value, whatever the record holds.

    BibTeX counts braces even after a backslash, so ``\{`` cannot protect one: an
    unmatched ``}`` would end the field and let the rest of a title become fields of
    its own. Braces that pair up are kept; the others become parentheses.

    >>> _bibtex_value("x}, note = {injected")
    'x), note = (injected'
    >>> _bibtex_value("The {NHS} staff survey")
    'The {NHS} staff survey'
    """
    chars, open_at = list(text), []
    for at, char in enumerate(chars):
        if char == "{":
            open_at.append(at)
        elif char == "}":
            if open_at:
                open_at.pop()
            else:
                chars[at] = ")"
    for at in open_at:
        chars[at] = "("
    return "".join(chars).replace("\\", "/")


def to_bibtex(records: Iterable[dict[str, Any]]) -> str:
    """The records as BibTeX, written by bibtexparser; keys are author-year-record id."""
    library = bibtexparser.Library()
    for record in records:
        authors = _list(record, "authors")
        family = _KEY_SAFE.sub("", authors[0].split(",")[0]) if authors else "anon"
        key = f"{family or 'anon'}{_text(record, 'year')}_{record['record_id']}"
        values = {
            "title": _text(record, "title"),
            "author": " and ".join(authors),
            "year": _text(record, "year"),
            "journal": _text(record, "journal"),
            "volume": _text(record, "volume"),
            "number": _text(record, "issue"),
            "pages": _text(record, "pages").replace("-", "--"),
            "doi": _text(record, "doi"),
            "pmid": _text(record, "pmid"),
            "url": _text(record, "url"),
            "abstract": _text(record, "abstract"),
            "keywords": ", ".join(_list(record, "keywords")),
        }
        fields = [Field(k, _bibtex_value(v)) for k, v in values.items() if v]
        kind = BIBTEX_TYPES.get(_text(record, "doc_type").lower(), "article")
        library.add(Entry(kind, key, fields))
    return bibtexparser.write_string(library)


def _initials(given: str) -> str:
    return "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part)


def vancouver(record: dict[str, Any], *, max_authors: int = 6) -> str:
    """A Vancouver-style citation (ICMJE/NLM) of one record, as plain text.

    A work flagged ``retracted`` says so after its title.

    >>> vancouver({"authors": ["Edmondson, Amy C."], "title": "Psychological safety",
    ...            "journal": "Adm Sci Q", "year": 1999, "volume": "44", "issue": "2",
    ...            "pages": "350-383", "doi": "10.2307/2666999"})
    'Edmondson AC. Psychological safety. Adm Sci Q. 1999;44(2):350-383. doi:10.2307/2666999'
    """
    names = []
    for author in _list(record, "authors"):
        family, _, given = author.partition(",")
        names.append(f"{family.strip()} {_initials(given.strip())}".strip())
    if len(names) > max_authors:
        names = [*names[:max_authors], "et al"]
    parts = [", ".join(names)] if names else []
    parts.append(_text(record, "title").rstrip(". ") or "[No title]")
    if is_retracted(record):  # as NLM marks it: never left out of a citation
        parts[-1] += " [Retracted]"
    if _text(record, "journal"):
        parts.append(_text(record, "journal").rstrip(". "))
    where = _text(record, "year")
    if _text(record, "volume"):
        where += f";{_text(record, 'volume')}"
        if _text(record, "issue"):
            where += f"({_text(record, 'issue')})"
    if _text(record, "pages"):
        where += f":{_text(record, 'pages')}"
    if where:
        parts.append(where)
    text = ". ".join(p for p in parts if p) + "."
    if _text(record, "doi"):
        text += f" doi:{_text(record, 'doi')}"
    elif _text(record, "pmid"):
        text += f" PMID: {_text(record, 'pmid')}"
    return text


def link(record: dict[str, Any]) -> str:
    """The record's DOI link, else its PubMed link, else its URL, else ""."""
    if _text(record, "doi"):
        return f"https://doi.org/{_text(record, 'doi')}"
    if _text(record, "pmid"):
        return f"https://pubmed.ncbi.nlm.nih.gov/{_text(record, 'pmid')}/"
    return _text(record, "url")
