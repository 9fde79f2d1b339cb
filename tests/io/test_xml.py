import pytest

from scoping.io import read
from scoping.io.base import inspect
from scoping.io.xmlutil import record_lines


def test_entity_expansion_is_refused_and_counted(data):
    result = read(data / "entity_bomb.xml")
    assert result.records == []
    (problem,) = result.problems
    assert problem.severity == "error" and "unsafe XML refused" in problem.reason
    assert result.records_in_file == 1


def test_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not leak")
    xml = tmp_path / "xxe.xml"
    xml.write_text(
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
        "<xml><records><record><titles><title>&s;</title></titles></record>"
        "</records></xml>"
    )
    result = read(xml)
    assert result.records == [] and result.rejected == 1


def test_truncated_xml_keeps_records_before_the_break(tmp_path):
    xml = tmp_path / "cut.xml"
    xml.write_text(
        "<xml><records>\n<record><titles><title>One</title></titles></record>\n"
        "<record><titles><title>Two</title></titles></record>\n"
        "<record><titles><title>Thr"
    )
    result = read(xml)
    assert [r.title for r in result.records] == ["One", "Two"]
    assert result.rejected == 1 and result.problems[0].line == 4


@pytest.mark.parametrize(
    ("path", "dialect", "count"),
    [
        pytest.param(
            "bib_dedupe_benchmark/respiratory/Respiratory_endnote.xml",
            "endnote",
            1988,
            id="endnote",
        ),
        pytest.param("asysd_testdata/zotero_export.xml", "zotero", 1233, id="zotero"),
        pytest.param("asysd_testdata/mendeley_export.xml", "mendeley", 1233, id="mendeley"),
    ],
)
def test_endnote_xml_writers(shared, path, dialect, count):
    result = read(shared / path)
    assert (result.format, result.dialect, len(result.records)) == ("endnote_xml", dialect, count)
    titled = sum(1 for r in result.records if r.title)
    assert titled / count > 0.99
    assert sum(1 for r in result.records if r.year) / count > 0.95


def test_endnote_style_wrappers_are_read_through(shared):
    first = read(shared / "bib_dedupe_benchmark/respiratory/Respiratory_endnote.xml").records[0]
    assert first.title and "<" not in first.title
    assert first.authors and all("," in a for a in first.authors)


def test_pubmed_xml(shared):
    result = read(shared / "format_samples/pubmed_xml/pubmed_result_pubMR.xml")
    assert (result.format, len(result.records)) == ("pubmed_xml", 93)
    with_abstract = [r for r in result.records if r.abstract]
    assert len(with_abstract) == 92
    first = result.records[0]
    assert first.pmid and first.pmid.isdigit()
    assert first.subjects
    assert all(r.provenance.line for r in result.records)
    lines = [r.provenance.line for r in result.records]
    assert lines == sorted(lines) and len(set(lines)) == 93


@pytest.mark.parametrize("chunk", [7, 64, 8 * 1024 * 1024])
def test_record_lines_stream_across_chunk_boundaries(tmp_path, chunk):
    text = (
        "<xml><records>\n"
        + "".join(
            f'<record n="{i}">\n<titles><title>T{i}</title></titles>\n</record>\n'
            for i in range(50)
        )
        + "<recordsx/></records></xml>\n"
    )
    path = tmp_path / "lines.xml"
    path.write_text(text)
    lines = record_lines(inspect("lines.xml", path=path), "record", chunk)
    assert lines == [2 + 3 * i for i in range(50)]
