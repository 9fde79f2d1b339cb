"""PubMed XML (efetch / "Save as XML"): ``<PubmedArticleSet><PubmedArticle>``.

Paths and meanings follow NLM's PubMed DTD (pubmed_250101.dtd and earlier).
Structured abstracts keep their section labels; inline markup (``<i>``, ``<sup>``)
is read through.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

from ..records import Entry
from .base import FieldPlan, FileNote, Reader, Rejection, Source
from .xmlutil import flatten, iter_records, text_of

_ART = "MedlineCitation/Article/"
#: Canonical field <- record paths (attributes that qualify a path in brackets).
FIELD_PATHS: dict[str, tuple[str, ...]] = {
    "title": (
        _ART + "ArticleTitle",
        _ART + "VernacularTitle",
        "BookDocument/ArticleTitle",
        "BookDocument/Book/BookTitle",
    ),
    "year": (
        _ART + "Journal/JournalIssue/PubDate/Year",
        _ART + "Journal/JournalIssue/PubDate/MedlineDate",
        _ART + "ArticleDate/Year",
        "BookDocument/Book/PubDate/Year",
    ),
    "journal": (_ART + "Journal/Title", _ART + "Journal/ISOAbbreviation"),
    "volume": (_ART + "Journal/JournalIssue/Volume",),
    "issue": (_ART + "Journal/JournalIssue/Issue",),
    "pages": (_ART + "Pagination/MedlinePgn", _ART + "Pagination/StartPage"),
    "end_page": (_ART + "Pagination/EndPage",),
    "doi": ("PubmedData/ArticleIdList/ArticleId[doi]", _ART + "ELocationID[doi]"),
    "pmid": ("MedlineCitation/PMID", "BookDocument/PMID"),
    "pmcid": ("PubmedData/ArticleIdList/ArticleId[pmc]",),
    "issn": (_ART + "Journal/ISSN[Print]", _ART + "Journal/ISSN[Electronic]"),
    "keywords": ("MedlineCitation/KeywordList/Keyword",),
    "subjects": ("MedlineCitation/MeshHeadingList/MeshHeading/DescriptorName",),
    "doc_type": (_ART + "PublicationTypeList/PublicationType",),
    "language": (_ART + "Language",),
    "publisher": ("BookDocument/Book/Publisher/PublisherName",),
}
_PLAN = FieldPlan(FIELD_PATHS, frozenset())
#: Attributes that name what a repeated element holds.
QUALIFIERS = ("IdType", "EIdType", "IssnType")


def _authors(article: Element | None) -> list[str]:
    names = []
    for author in article.iterfind(".//AuthorList/Author") if article is not None else ():
        last = author.findtext("LastName")
        given = author.findtext("ForeName") or author.findtext("Initials")
        collective = text_of(author.find("CollectiveName"))
        if last:
            names.append(f"{last}, {given}" if given else last)
        elif collective:
            names.append(collective)
    return names


def _abstract(element: Element) -> str:
    parts = []
    for section in element.iterfind(".//Abstract/AbstractText"):
        label = section.get("Label")
        text = text_of(section)
        parts.append(f"{label}: {text}" if label and text else text)
    return " ".join(p for p in parts if p)


def _fields(element: Element, raw: list[tuple[str, str]]) -> dict:
    fields = _PLAN.apply(raw)
    article = element.find("MedlineCitation/Article")
    if article is None:
        article = element.find("BookDocument")
    fields["authors"] = _authors(article)
    fields["abstract"] = _abstract(element)
    return fields


class PubmedXmlReader(Reader):
    """Reads PubMed XML (PubmedArticleSet)."""

    name = "pubmed_xml"
    label = "PubMed XML"
    suffixes = (".xml",)

    def sniff(self, source: Source) -> str | None:
        """PubMed XML when the head names a PubmedArticleSet or PubmedArticle."""
        head = source.head[:4000]
        return "pubmed" if "<PubmedArticleSet" in head or "<PubmedArticle>" in head else None

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """One entry per ``<PubmedArticle>`` or ``<PubmedBookArticle>``."""
        for item in iter_records(source, ("PubmedArticle", "PubmedBookArticle")):
            if not isinstance(item, tuple):
                yield item
                continue
            line, element = item
            raw = flatten(element, QUALIFIERS)
            yield Entry(
                fields=_fields(element, raw),
                raw=raw,
                line=line,
                database="PubMed",
                author_order="as_is",
            )
