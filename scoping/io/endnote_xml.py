"""EndNote XML (written by EndNote, Zotero and Mendeley): ``<xml><records><record>``.

Text sits inside ``<style>`` wrappers in EndNote's own exports; :func:`text_of`
reads through them. Field meanings follow EndNote's XML export DTD.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import Entry
from .base import FieldPlan, FileNote, Reader, Rejection, Source
from .xmlutil import flatten, iter_records

#: Canonical field <- record paths, in priority order.
FIELD_PATHS: dict[str, tuple[str, ...]] = {
    "title": ("titles/title",),
    "abstract": ("abstract",),
    "authors": ("contributors/authors/author",),
    "year": ("dates/year", "dates/pub-dates/date"),
    "journal": (
        "periodical/full-title",
        "titles/secondary-title",
        "alt-periodical/full-title",
        "titles/alt-title",
        "periodical/abbr-1",
    ),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "pages": ("pages",),
    "doi": ("electronic-resource-num", "urls/related-urls/url"),
    "issn": ("isbn",),
    "keywords": ("keywords/keyword",),
    "doc_type": ("ref-type@name", "work-type"),
    "language": ("language",),
    "url": ("urls/related-urls/url", "urls/web-urls/url"),
    "publisher": ("publisher",),
    "notes": ("notes",),
}
_PLAN = FieldPlan(FIELD_PATHS, frozenset())


def _fields(raw: list[tuple[str, str]]) -> dict:
    fields = _PLAN.apply(raw)
    named = dict(raw)
    database = (
        f"{named.get('remote-database-provider', '')} {named.get('remote-database-name', '')}"
    )
    if re.search(r"pubmed|nlm|medline", database, re.IGNORECASE):
        fields["pmid"] = named.get("accession-num")
    return fields


class EndnoteXmlReader(Reader):
    """Reads EndNote XML exports (EndNote, Zotero, Mendeley)."""

    name = "endnote_xml"
    label = "EndNote XML"
    suffixes = (".xml",)

    def sniff(self, source: Source) -> str | None:
        """EndNote XML: ``<xml><records>``; the dialect is the writing program."""
        head = source.head[:4000]
        if not re.search(r"<xml>\s*<records>|<records>\s*<record>", head):
            return None
        app = re.search(r'<source-app name="([^"]+)"', head)
        if app:
            return app.group(1).lower()
        return "mendeley" if "mendeley" in head.lower() else "endnote"

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """One entry per ``<record>``."""
        for item in iter_records(source, ("record",)):
            if not isinstance(item, tuple):
                yield item
                continue
            line, element = item
            raw = flatten(element)
            names = dict(raw)
            database = names.get("remote-database-name") or names.get("remote-database-provider")
            yield Entry(
                fields=_fields(raw), raw=raw, line=line, database=database, author_order="as_is"
            )
