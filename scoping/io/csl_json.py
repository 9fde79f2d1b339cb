"""CSL-JSON (Zotero, Better BibTeX, Mendeley, citeproc), per the CSL 1.0.2 data schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..records import Entry
from .base import FileNote, Reader, Rejection, Source
from .jsonutil import iter_items, raw_pairs

#: Canonical field <- CSL variables, in priority order.
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract",),
    "journal": ("container-title", "collection-title", "event-title"),
    "volume": ("volume",),
    "issue": ("issue", "number"),
    "pages": ("page",),
    "doi": ("DOI",),
    "pmid": ("PMID",),
    "pmcid": ("PMCID",),
    "doc_type": ("type", "genre"),
    "language": ("language",),
    "url": ("URL",),
    "publisher": ("publisher",),
    "notes": ("note",),
}


def _person(name: dict[str, Any]) -> str:
    if name.get("literal"):
        return str(name["literal"])
    family = " ".join(str(name[k]) for k in ("non-dropping-particle", "family") if name.get(k))
    given = str(name.get("given", ""))
    return f"{family}, {given}" if given else family


def _year(item: dict[str, Any]) -> Any:
    for key in ("issued", "original-date", "published-print", "published-online"):
        date = item.get(key)
        if isinstance(date, dict):
            parts = date.get("date-parts") or [[None]]
            if parts and parts[0] and parts[0][0]:
                return parts[0][0]
            return date.get("raw") or date.get("literal")
        if isinstance(date, (str, int)) and date:  # "issued": "2020", as some tools write
            return date
    return item.get("year")


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in re.split(r"[,;]\s*", str(value)) if v] if value else []


def fields_of(item: dict[str, Any]) -> dict:
    """Canonical fields of one CSL-JSON item."""
    fields = {
        n: item[k]
        for n, keys in FIELD_KEYS.items()
        for k in reversed(keys)
        if item.get(k) not in (None, "", [])
    }
    authors = item.get("author") or []
    authors = [authors] if isinstance(authors, (str, dict)) else authors
    fields["authors"] = [_person(a) if isinstance(a, dict) else str(a) for a in authors if a]
    fields["year"] = _year(item)
    fields["issn"] = _list(item.get("ISSN"))
    fields["isbn"] = _list(item.get("ISBN"))
    fields["keywords"] = _list(item.get("keyword"))
    return fields


class CslJsonReader(Reader):
    """Reads CSL-JSON arrays."""

    name = "csl_json"
    label = "CSL-JSON"
    suffixes = (".json",)

    def sniff(self, source: Source) -> str | None:
        """A JSON array or object with CSL variables."""
        head = source.head.lstrip()[:20000]
        if not head.startswith(("[", "{")):
            return None
        csl = re.search(r'"(container-title|issued|citation-key)"\s*:', head)
        return "csl" if csl else None

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """One entry per array item."""
        for item in iter_items(source):
            if not isinstance(item, tuple):
                yield item
                continue
            line, obj = item
            yield Entry(fields=fields_of(obj), raw=raw_pairs(obj), line=line, author_order="as_is")
