"""RIS exports, in every vendor's and reference manager's dialect.

Vendors: Ovid, EBSCO/CINAHL, Scopus, Web of Science, ProQuest, Embase, PubMed, Lens,
Dimensions; reference managers: Zotero, EndNote, Mendeley.

The tag-line grammar is rispy's (``RisParser.parse_line``) and the list tags are
``rispy.LIST_TYPE_TAGS``. The record loop is the shared one in :mod:`.tagged`, not
rispy's: rispy merges a record that lacks its ``ER`` line into the next one without
saying so and keeps no line numbers, and a Python loop per line is too slow for the
ingest target. ``tests/io/test_ris_parity.py`` checks that both agree, record for
record, on every real RIS export.

Dialects differ in a few tags only, so a dialect is a small override of the field
table (:data:`DIALECT_FIELDS`), never a branch in the loop.
"""

from __future__ import annotations

import re

import rispy

from .base import Source
from .tagged import TaggedReader
from .wos import collection

#: Canonical field <- RIS tags, in priority order (first non-empty wins; list fields
#: take every tag's values).
FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "T1", "CT", "BT"),
    "abstract": ("AB", "N2"),
    "authors": ("AU", "A1"),
    "year": ("PY", "Y1", "DA"),
    "journal": ("T2", "JF", "JO", "J2", "JA", "T3"),
    "volume": ("VL",),
    "issue": ("IS",),
    "pages": ("SP",),
    "end_page": ("EP",),
    "doi": ("DO", "L2", "UR"),
    "issn": ("SN",),
    "keywords": ("KW",),
    "doc_type": ("M3", "TY"),
    "language": ("LA",),
    "url": ("UR", "L2"),
    "publisher": ("PB",),
    "notes": ("N1",),
    "pmcid": ("C2",),
}

#: Per-dialect changes to :data:`FIELD_TAGS`.
DIALECT_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "pubmed": {"pmid": ("AN",)},
    "scopus": {"pmid": ("C2",)},
    "endnote": {"pmid": ("AN",)},
    "ovid": {"pmid": ("AN",), "doc_type": ("TY",)},
    "wos": {"publisher": ("PB", "PU")},  # Web of Science writes its publisher as PU
}

#: Tags whose continuation lines are separate values (one keyword a line).
LIST_TAGS: frozenset[str] = frozenset(rispy.LIST_TYPE_TAGS) | {"SN"}

#: Dialect signatures over the file's first 64 KB; the first that matches wins. The
#: database's own tags come first, then what a reference manager or screening tool
#: writes, and only then links to a database's site, which a record keeps wherever it
#: is exported from (a Zotero library of EBSCO records has ebscohost.com links).
DIALECTS: tuple[tuple[str, str], ...] = (
    ("ovid", r"^\d+\.\s*$|^(?:DB|DP)  - Ovid|ovidsp\."),
    ("ebsco", r"^DP  - EBSCOhost"),
    ("embase", r"^DB  - Embase"),
    ("scopus", r"^DB  - Scopus"),
    ("wos", r"^AN  - WOS:|^(?:WE|J9|JI)  - "),
    ("proquest", r"^DB  - ProQuest"),
    ("pubmed", r"^DP  - NLM|^DB  - PubMed"),
    ("rayyan", r"RAYYAN-(?:INCLUSION|LABELS|EXCLUSION)"),
    ("mendeley", r"mendeley|^N1  - From Duplicate"),
    ("zotero", r"^DA  - \d{4}/\d{0,2}/\d{0,2}/"),
    ("endnote", r"internal-pdf://|^ID  - \d+\s*$"),
    ("ebsco", r"ebscohost\.com"),
    ("embase", r"embase\.com"),
    ("scopus", r"scopus\.com/inward"),
    ("proquest", r"proquest\.com"),
    ("lens", r"lens\.org/"),
    ("dimensions", r"dimensions\.ai"),
)

#: Database of origin when a dialect always means one database.
DIALECT_DATABASE: dict[str, str] = {
    "scopus": "Scopus",
    "wos": "Web of Science",
    "embase": "Embase",
    "pubmed": "PubMed",
    "lens": "Lens.org",
    "dimensions": "Dimensions",
}

#: Ovid database codes (the ``D=`` of Ovid's links), by prefix.
OVID_DATABASES: dict[str, str] = {
    "psyc": "APA PsycInfo (Ovid)",
    "medl": "Ovid MEDLINE",
    "prem": "Ovid MEDLINE",
    "mesz": "Ovid MEDLINE",
    "emed": "Embase (Ovid)",
    "emez": "Embase (Ovid)",
    "hmic": "HMIC (Ovid)",
    "cin": "CINAHL (Ovid)",
    "amed": "AMED (Ovid)",
    "socabs": "Sociological Abstracts (Ovid)",
    "ssa": "Social Services Abstracts (Ovid)",
    "coch": "Cochrane Library (Ovid)",
}
_OVID_CODE = re.compile(r"[?&]D=([a-z]+)")

#: EBSCOhost database codes (the ``DB`` tag) and the databases they name.
EBSCO_DATABASES: dict[str, str] = {
    "rzh": "CINAHL Complete",
    "c8h": "CINAHL with Full Text",
    "ccm": "CINAHL",
    "jlh": "CINAHL Plus with Full Text",
    "psyh": "APA PsycInfo",
    "pdh": "APA PsycArticles",
    "mdc": "MEDLINE Complete",
    "cmedm": "MEDLINE",
    "mnh": "MEDLINE with Full Text",
    "a9h": "Academic Search Complete",
    "aph": "Academic Search Premier",
    "i3h": "Criminal Justice Abstracts",
    "egh": "Environment Index",
    "ecn": "EconLit",
    "bth": "Business Source Premier",
    "eric": "ERIC",
    "swh": "Social Work Abstracts",
    "sih": "SocINDEX",
    "hch": "Health Business Elite",
    "ddh": "Health Policy Reference Center",
}


#: Ovid names the segment of a database a record came from ("Embase Weekly Updates",
#: "APA PsycInfo 1806 to November Week 3 2026"): for the PRISMA flow, the database.
#: The segment stays in the record's raw tags.
SEGMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Embase\b", re.I), "Embase"),
    (re.compile(r"^(?:Ovid )?MEDLINE\b", re.I), "Ovid MEDLINE"),
    (re.compile(r"^(?:APA )?PsycInfo\b", re.I), "APA PsycInfo"),
    (re.compile(r"^(?:HMIC|Health Management Information Consortium)\b", re.I), "HMIC"),
    (re.compile(r"^(?:AMED|Allied and Complementary Medicine)\b", re.I), "AMED"),
)


def segment_database(name: str) -> str:
    """The database an Ovid segment belongs to (other names as they are).

    >>> segment_database("Embase Weekly Updates"), segment_database("Scopus")
    ('Embase', 'Scopus')
    """
    return next((db for pattern, db in SEGMENTS if pattern.search(name)), name)


class RisReader(TaggedReader):
    """Reads RIS exports; every ``TY`` line starts one record and ``ER`` ends it."""

    name = "ris"
    label = "RIS"
    suffixes = (".ris", ".txt")
    #: rispy's tag-line grammar (``RisParser.parse_line``): two characters, the first a
    #: capital letter, then ``"  -"``.
    tag_line = re.compile(r"\n([A-Z][A-Z0-9])  -(?: |$)", re.MULTILINE)
    start_tag = "TY"
    end_tag = "ER"
    list_tags = LIST_TAGS
    field_tags = FIELD_TAGS
    dialect_fields = DIALECT_FIELDS
    dialects = DIALECTS
    preamble = re.compile(r"^\s*(\d+\.)?\s*$")
    record_tags = frozenset({"TI", "T1", "AU", "A1", "AB", "N2", "PY", "Y1", "DO", "JO", "JF"})
    near_tag = re.compile(r"([A-Za-z][A-Za-z0-9]) {1,3}-(?: |$)")

    def sniff(self, source: Source) -> str | None:
        """Return the dialect when the head has a RIS start tag."""
        if not re.search(r"^TY  -", source.head, re.MULTILINE):
            return None
        return self.sniff_dialect(source.head)

    def database(self, raw: list[tuple[str, str]], dialect: str) -> str | None:
        """The ``DB``/``DP`` tag (EBSCO codes spelt out), else the dialect's database."""
        for tag, value in raw:
            if tag in ("DB", "DP") and value and value != "EBSCOhost":
                return segment_database(EBSCO_DATABASES.get(value, value))
        if dialect == "wos":
            accession = next((v for t, v in raw if t == "AN"), "")
            return collection(accession) or DIALECT_DATABASE["wos"]
        if dialect == "ovid":
            for _, value in raw:
                if code := _OVID_CODE.search(value):
                    return next(
                        (n for p, n in OVID_DATABASES.items() if code.group(1).startswith(p)), None
                    )
        return DIALECT_DATABASE.get(dialect)
