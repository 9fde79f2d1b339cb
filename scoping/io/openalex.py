"""OpenAlex Work objects (API responses, snapshots, SYNERGY ``works_*.json``).

The abstract is rebuilt from ``abstract_inverted_index`` by word position. Author
names are ``display_name`` (given name first). Field meanings follow the OpenAlex
Work object documentation; both the older ``host_venue`` and the newer
``primary_location`` layouts are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..records import Entry
from .base import FileNote, Reader, Rejection, Source
from .jsonutil import iter_items, raw_pairs


def rebuild_abstract(index: dict[str, list[int]] | None) -> str | None:
    """Words of an inverted index put back in position order.

    >>> rebuild_abstract({"burnout": [1], "Staff": [0], "rises": [2]})
    'Staff burnout rises'
    """
    if not index:
        return None
    slots = sorted((pos, word) for word, positions in index.items() for pos in positions)
    return " ".join(word for _, word in slots)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def fields_of(work: dict[str, Any]) -> dict:
    """Canonical fields of one Work."""
    source = _get(work, "primary_location", "source") or {}
    venue = work.get("host_venue") or {}
    biblio = work.get("biblio") or {}
    issn = source.get("issn") or venue.get("issn") or []
    keywords = [
        k.get("display_name") if isinstance(k, dict) else k for k in work.get("keywords") or []
    ]
    return {
        "title": work.get("title") or work.get("display_name"),
        "abstract": rebuild_abstract(work.get("abstract_inverted_index")),
        "authors": [_get(a, "author", "display_name") for a in work.get("authorships") or []],
        "year": work.get("publication_year"),
        "journal": source.get("display_name") or venue.get("display_name"),
        "volume": biblio.get("volume"),
        "issue": biblio.get("issue"),
        "pages": biblio.get("first_page"),
        "end_page": biblio.get("last_page"),
        "doi": work.get("doi") or _get(work, "ids", "doi"),
        "pmid": _get(work, "ids", "pmid"),
        "pmcid": _get(work, "ids", "pmcid"),
        "issn": issn if isinstance(issn, list) else [issn],
        "keywords": [k for k in keywords if k],
        "subjects": [m.get("descriptor_name") for m in work.get("mesh") or []]
        + [c.get("display_name") for c in work.get("concepts") or []],
        "doc_type": work.get("type"),
        "language": work.get("language"),
        "url": work.get("id"),
        "publisher": source.get("host_organization_name") or venue.get("publisher"),
    }


class OpenAlexReader(Reader):
    """Reads OpenAlex Work JSON (an array, or an API page with ``results``)."""

    name = "openalex"
    label = "OpenAlex JSON"
    suffixes = (".json",)

    def sniff(self, source: Source) -> str | None:
        """OpenAlex when the head has Work ids or an inverted-index abstract."""
        head = source.head.lstrip()[:20000]
        if head.startswith(("[", "{")) and re.search(
            r'openalex\.org/W\d+|"abstract_inverted_index"', head
        ):
            return "works"
        return None

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """One entry per Work."""
        for item in iter_items(source):
            if not isinstance(item, tuple):
                yield item
                continue
            line, work = item
            yield Entry(
                fields=fields_of(work),
                raw=raw_pairs(work),
                line=line,
                database="OpenAlex",
                author_order="given_first",
            )
