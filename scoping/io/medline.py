"""PubMed MEDLINE / .nbib tagged format (``PMID- `` starts each record).

Tags are up to four letters, padded, then ``- ``; long values continue on lines
indented by six spaces. Field meanings follow NLM's MEDLINE/PubMed data element
descriptions.
"""

from __future__ import annotations

import re

from .base import Source
from .tagged import TaggedReader

#: Canonical field <- MEDLINE tags, in priority order.
FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "BTI"),
    "abstract": ("AB",),
    "authors": ("FAU",),
    "year": ("DP", "DEP", "EDAT"),
    "journal": ("JT", "TA"),
    "volume": ("VI",),
    "issue": ("IP",),
    "pages": ("PG",),
    "pmid": ("PMID",),
    "pmcid": ("PMC",),
    "issn": ("IS",),
    "isbn": ("ISBN",),
    "keywords": ("OT",),
    "subjects": ("MH",),
    "doc_type": ("PT",),
    "language": ("LA",),
    "publisher": ("PB",),
    "notes": ("GN",),
}
#: Tags that repeat, one value each.
LIST_TAGS = frozenset({"FAU", "AU", "OT", "MH", "IS", "PT", "ISBN"})


class MedlineReader(TaggedReader):
    """Reads PubMed's MEDLINE format (PubMed "Save > PubMed format", .nbib)."""

    name = "medline"
    label = "PubMed MEDLINE/.nbib"
    suffixes = (".nbib", ".txt", ".medline")
    tag_line = re.compile(r"\n([A-Z][A-Z0-9]{0,3}) {0,3}- ?", re.MULTILINE)
    start_tag = "PMID"
    list_tags = LIST_TAGS
    field_tags = FIELD_TAGS

    def sniff(self, source: Source) -> str | None:
        """MEDLINE when a line starts with ``PMID-``."""
        return "pubmed" if re.search(r"^PMID- ?\d", source.head, re.MULTILINE) else None

    def database(self, raw: list[tuple[str, str]], dialect: str) -> str | None:
        """Every MEDLINE-format record comes from PubMed."""
        return "PubMed"

    def fix_fields(self, fields: dict, raw: list[tuple[str, str]]) -> dict:
        """Take the DOI from ``LID``/``AID`` values marked ``[doi]``.

        Short ``AU`` names stand in when the record has no ``FAU``.
        """
        doi = next((v for t, v in raw if t in ("LID", "AID") and v.endswith("[doi]")), None)
        if doi:
            fields["doi"] = doi
        if not fields.get("authors"):
            fields["authors"] = [v for t, v in raw if t == "AU"]
        return fields
