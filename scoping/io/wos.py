"""Web of Science exports: plain text (``FN``/``PT``...``ER``) and tab-delimited.

Both use the same two-letter field tags (Clarivate's "Web of Science Core Collection
field tags"); the plain-text form puts one tag a line with continuation lines indented
by three spaces, and the tab-delimited form has the tags as column headers.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator

from ..records import Entry
from .base import FieldPlan, FileNote, Reader, Rejection, Source
from .tagged import TaggedReader

#: Canonical field <- WoS tags, in priority order.
FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("TI",),
    "abstract": ("AB",),
    "authors": ("AF", "AU"),
    "year": ("PY", "EA", "PD"),
    "journal": ("SO", "SE", "J9"),
    "volume": ("VL",),
    "issue": ("IS",),
    "pages": ("BP", "AR"),
    "end_page": ("EP",),
    "doi": ("DI", "D2"),
    "pmid": ("PM",),
    "issn": ("SN", "EI"),
    "isbn": ("BN",),
    "keywords": ("DE", "ID"),
    "subjects": ("WC", "SC"),
    "doc_type": ("DT", "PT"),
    "language": ("LA",),
    "publisher": ("PU",),
}
#: Tags whose continuation lines are separate values.
LIST_TAGS = frozenset({"AU", "AF", "CR", "C1", "BE", "CA", "BA", "BF"})
#: The Clarivate platform's other collections, by accession-number prefix (``UT`` in
#: plain text, ``AN`` in RIS): a file from Inspec is not from Web of Science Core.
COLLECTIONS: dict[str, str] = {
    "WOS": "Web of Science",
    "ZOOREC": "Zoological Record",
    "INSPEC": "Inspec",
    "MEDLINE": "MEDLINE (Web of Science)",
    "BCI": "BIOSIS Citation Index",
    "BIOSIS": "BIOSIS Previews",
    "CABI": "CAB Abstracts",
    "CCC": "Current Contents Connect",
    "DIIDW": "Derwent Innovations Index",
    "KJD": "KCI-Korean Journal Database",
    "SCIELO": "SciELO Citation Index",
    "RSCI": "Russian Science Citation Index",
    "GRANTS": "Grants Index",
    "PPRN": "Preprint Citation Index",
}


def collection(accession: str) -> str | None:
    """The collection an accession number (``INSPEC:1234``) is from, if known.

    >>> collection("INSPEC:18812345"), collection("WOS:000123"), collection("")
    ('Inspec', 'Web of Science', None)
    """
    prefix = accession.split(":", 1)[0].strip().upper() if ":" in accession else ""
    return COLLECTIONS.get(prefix)


class WosReader(TaggedReader):
    """Reads Web of Science plain-text exports (also .ciw and Zoological Record)."""

    name = "wos"
    label = "Web of Science plain text"
    suffixes = (".txt", ".ciw", ".isi")
    tag_line = re.compile(r"\n([A-Z][A-Z0-9])(?: |$)", re.MULTILINE)
    start_tag = "PT"
    end_tag = "ER"
    header_tags = frozenset({"FN", "VR", "EF"})
    list_tags = LIST_TAGS
    field_tags = FIELD_TAGS

    def sniff(self, source: Source) -> str | None:
        """WoS plain text: an ``FN`` header or a ``PT x`` line followed by ``AU``."""
        head = source.head
        if re.search(r"^FN (Thomson Reuters|Clarivate)", head, re.MULTILINE) or re.search(
            r"^PT [A-Z]\s*\n(?:[A-Z][A-Z0-9] .*\n|   .*\n)*?(AU|TI) ", head, re.MULTILINE
        ):
            return "zoological record" if "Zoological Record" in head else "core collection"
        return None

    def database(self, raw: list[tuple[str, str]], dialect: str) -> str | None:
        """The collection its accession number names (Web of Science when none)."""
        ut = next((v for t, v in raw if t == "UT"), "")
        return collection(ut) or "Web of Science"

    def fix_fields(self, fields: dict, raw: list[tuple[str, str]]) -> dict:
        """Authors: AF (full names) over AU, else the book's (BF over BA).

        A book chapter may carry its authors only as the book's.
        """
        for tag in ("AF", "AU", "BF", "BA"):
            names = [n for t, v in raw if t == tag for n in v.split("\n") if n.strip()]
            if names:
                fields["authors"] = names
                break
        return fields


_PLAIN = WosReader()
_TAB_PLAN = FieldPlan(FIELD_TAGS, LIST_TAGS)


class WosTabReader(Reader):
    """Reads Web of Science tab-delimited exports (a header row of WoS tags)."""

    name = "wos_tab"
    label = "Web of Science tab-delimited"
    suffixes = (".txt", ".tsv")

    def sniff(self, source: Source) -> str | None:
        """A header row whose first columns are WoS tags."""
        first = source.head.split("\n", 1)[0]
        return "tab-delimited" if re.match(r"^PT\tAU\t", first) else None

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """One entry per data row; rows of the wrong width are rejected."""
        csv.field_size_limit(sys.maxsize)
        with source.open_text() as handle:
            rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = [h.strip() for h in next(rows, [])]
            while header and not header[-1]:
                header.pop()
            for row in rows:
                line = rows.line_num
                if not any(cell.strip() for cell in row):
                    continue
                cells = row[: len(header)] if not any(row[len(header) :]) else row
                if len(cells) != len(header):
                    yield Rejection(
                        line,
                        f"row has {len(row)} cells but the header has "
                        f"{len(header)}; re-export the file as tab-delimited.",
                    )
                    continue
                raw = [(t, v) for t, v in zip(header, cells, strict=True) if v.strip()]
                yield self._entry(raw, line)

    def _entry(self, raw: list[tuple[str, str]], line: int) -> Entry:
        split = [(t, v.replace("; ", "\n")) if t in LIST_TAGS else (t, v) for t, v in raw]
        fields = _PLAIN.fix_fields(_TAB_PLAN.apply(split), split)
        return Entry(fields=fields, raw=raw, line=line, database=_PLAIN.database(raw, ""))
