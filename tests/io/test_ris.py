import re

import pytest

from scoping.io import read


def test_bom_and_crlf(data):
    result = read(data / "bom_crlf.ris")
    assert result.encoding == "UTF-8 with BOM"
    (record,) = result.records
    assert record.title == "Psychological safety in ward teams"
    assert record.doi == "10.2307/2666999"
    assert record.authors == ("Edmondson, Amy C.",)
    assert record.provenance.line == 1
    assert result.problems == []


def test_continuation_lines_that_look_like_tags(data):
    (record,) = read(data / "tag_like_continuation.ris").records
    assert record.abstract == "Staff with TY 2 diabetes and PMID-like text stay in the abstract."


def test_multiline_values(data):
    (record,) = read(data / "multiline_abstract.ris").records
    assert record.title == "Burnout among care home staff: a longitudinal study"
    assert record.abstract.startswith("First paragraph of the abstract continues on this line.")
    assert record.abstract.endswith("Second paragraph.")
    assert record.keywords == ("burnout", "care homes", "social care")
    assert record.pages == "466-475"
    # raw is the record's own text, exactly as it stands in the file
    assert (
        "AB  - First paragraph of the abstract\ncontinues on this line.\nSecond paragraph.\n"
        in (record.raw)
    )


def test_unknown_tags_are_kept_raw(data):
    (record,) = read(data / "unknown_tag.ris").records
    tags = [line[:2] for line in record.raw.splitlines()]
    assert tags == ["TY", "TI", "ZZ", "X9", "PY", "ER"]


def test_missing_end_tags_are_reported_and_nothing_lost(data):
    result = read(data / "missing_end_tag.ris")
    assert [r.title for r in result.records] == [
        "First record, whose ER line was lost",
        "Second record",
        "Third record, file cut short",
    ]
    assert [(p.line, p.severity) for p in result.problems] == [(1, "warning"), (8, "warning")]
    assert "no end tag (ER)" in result.problems[0].reason
    assert result.records_in_file == 3


@pytest.mark.parametrize(
    ("name", "encoding", "title"),
    [
        pytest.param(
            "cp1252.ris",
            "Windows-1252",
            "Compassion in care: a réview of “kindness” in practice",
            id="cp1252",
        ),
        # a C1 control character (0x81) is no text: the raw field keeps it, the title not
        pytest.param("latin1.ris", "Latin-1", "Café conversations and care", id="latin1"),
    ],
)
def test_legacy_encodings(data, name, encoding, title):
    result = read(data / name)
    assert result.encoding == encoding
    assert result.records[0].title == title


@pytest.mark.parametrize(
    ("path", "dialect", "database"),
    [
        pytest.param(
            "format_samples/asreview/ovid_psycinfo.ris", "ovid", "APA PsycInfo (Ovid)", id="ovid"
        ),
        pytest.param(
            "citesource_multisource/gambling_harms_by_source/"
            "20221207_gambling-harms_psycinfo_124.ris",
            "ebsco",
            "APA PsycInfo",
            id="ebsco",
        ),
        pytest.param(
            "citesource_multisource/gambling_harms_by_source/"
            "20221207_gambling-harms_crimjust_41.ris",
            "ebsco",
            "Criminal Justice Abstracts",
            id="ebsco-code",
        ),
        pytest.param("format_samples/asreview/scopus.ris", "scopus", "Scopus", id="scopus"),
        pytest.param("asysd_testdata/wos_test.ris", "wos", "Web of Science", id="wos"),
        pytest.param("format_samples/asreview/proquest.ris", "proquest", "PTSDpubs", id="proquest"),
        pytest.param("format_samples/asreview/embase.ris", "embase", "Embase", id="embase"),
        pytest.param("format_samples/asreview/pubmed_endnote.txt", "pubmed", "NLM", id="pubmed"),
        pytest.param(
            "citesource_multisource/wildfire_impacts_by_stage/Dimensions_246.ris",
            "dimensions",
            "Dimensions",
            id="dimensions",
        ),
    ],
)
def test_vendor_dialects(shared, path, dialect, database):
    result = read(shared / path)
    assert result.format == "ris"
    assert result.dialect == dialect
    assert result.records[0].provenance.database == database


def test_ovid_trailing_lines_stay_with_their_record(shared):
    result = read(shared / "format_samples/asreview/ovid_psycinfo.ris")
    assert result.problems == []
    raw = result.records[0].raw
    assert raw.startswith("TY  - JOUR\nID  - 2019-65183-001")
    assert "\nNL  - Clin Psychol Psychother\n" in raw
    assert "\n\nLink to the Ovid Full Text or citation: " in raw
    assert not raw.endswith("2.")  # the next record's number is not part of this one


def test_scopus_ris_pmid_from_c2_and_pubmed_pmcid(shared):
    scopus = read(shared / "asysd_testdata/scopus.ris").records
    with_c2 = [(r, m.group(1)) for r in scopus if (m := re.search(r"^C2  - (\S+)", r.raw, re.M))]
    assert len(with_c2) == 5
    assert all(r.pmid == c2 for r, c2 in with_c2)
    pubmed = read(shared / "format_samples/asreview/pubmed_endnote.txt").records
    assert all(r.pmid and r.pmid.isdigit() for r in pubmed)


def test_ovid_doi_prefix_is_stripped(shared):
    (first, *_) = read(shared / "format_samples/synthesisr/Ovid_ris_example.ris").records
    assert first.doi == "10.4236/ojf.2020.101008"
    assert first.authors[0] == "Holmstrom, E."


def test_a_clarivate_collection_other_than_wos_is_named_and_pu_is_the_publisher(data):
    result = read(data / "wos_inspec.ris")
    (record,) = result.records
    assert result.dialect == "wos" and record.provenance.database == "Inspec"
    assert record.publisher == "INVENTED PRESS LTD"


@pytest.mark.parametrize(
    ("name", "dialect"), [("rayyan.ris", "rayyan"), ("zotero_ebsco_links.ris", "zotero")]
)
def test_a_tools_export_is_named_after_the_tool_not_a_databases_links(data, name, dialect):
    result = read(data / name)
    assert result.dialect == dialect and len(result.records) == 1


def test_embase_segments_are_one_database_and_keep_the_segment_in_raw(data):
    records = read(data / "embase_segments.ris").records
    assert {r.provenance.database for r in records} == {"Embase"}  # before: three
    assert "DB  - Embase Weekly Updates" in records[0].raw  # the segment, kept


def test_a_record_without_its_ty_line_is_rejected_not_merged_into_the_one_before(tmp_path):
    path = tmp_path / "export.ris"
    path.write_text(
        "TY  - JOUR\nTI  - First paper\nAU  - Smith, J\nPY  - 2020\nER  - \n\n"
        "TI  - Second paper\nAU  - Jones, K\nPY  - 2021\nER  - \n\n"
        "TY  - JOUR\nTI  - Third paper\nAU - Francis, P\nPY  - 2022\nER  - \n"
    )
    result = read(path)
    first, third = result.records
    assert first.title == "First paper"
    assert "Second paper" not in first.raw and first.raw.endswith("ER  -")
    assert third.title == "Third paper AU - Francis, P"  # kept where the grammar puts it
    assert result.records[0].authors == ("Smith, J",)
    rejected = [p for p in result.problems if p.rejects_record]
    assert [(p.line, p.reason.split(";")[0]) for p in rejected] == [
        (7, "a record with no TY line follows the ER line")
    ]
    notes = [p.reason for p in result.problems if not p.rejects_record]
    assert any("'AU - Francis, P' looks like a tag" in n for n in notes)
