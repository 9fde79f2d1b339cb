import openpyxl
import pytest

from scoping.errors import FormatError
from scoping.io import read


def test_scopus_csv_ragged_funding_columns(shared):
    result = read(shared / "format_samples/litstudy/scopus_export.csv")
    assert (len(result.records), result.rejected) == (58, 0)
    third = result.records[2]
    assert (third.language, third.doc_type, third.pmid) == ("English", "Article", "35064163")
    assert third.authors[:2] == ("Gutowska, K.", "Kogut, D.")
    assert "known export quirk" in result.problems[0].reason


def test_latin1_csv_is_detected(shared):
    result = read(shared / "asysd_testdata/labelled_test_set.csv")
    assert result.encoding == "Windows-1252"
    assert len(result.records) == 1845


def test_unrecognised_table_asks_for_a_column_map(data):
    with pytest.raises(FormatError, match=r"no column is recognised as the title.*--column-map"):
        read(data / "grey_literature.csv")


def test_column_map(data):
    result = read(
        data / "grey_literature.csv",
        column_map={"title": "Report name", "abstract": "Summary", "publisher": "Organisation"},
    )
    assert [r.title for r in result.records] == [
        "Freedom to speak up: annual report",
        "Compassionate and inclusive leadership",
    ]
    assert result.records[0].publisher == "National Guardian's Office"
    assert [r.provenance.line for r in result.records] == [2, 3]


def test_column_map_names_a_missing_column(data):
    with pytest.raises(FormatError, match=r"no such column; its columns are: Report name"):
        read(data / "grey_literature.csv", column_map={"title": "Name"})


def test_excel_sheet(tmp_path):
    path = tmp_path / "grey.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Title", "Authors", "Year", "URL"])
    sheet.append(["Joy in work framework", "Perlo, J; Balik, B", 2017, "https://example.invalid"])
    sheet.append([None, None, None, None])
    sheet.append(["Learning from excellence toolkit", None, 2019, None])
    book.save(path)
    result = read(path)
    assert (result.format, result.dialect) == ("table", "excel")
    assert [r.title for r in result.records] == [
        "Joy in work framework",
        "Learning from excellence toolkit",
    ]
    assert result.records[0].authors == ("Perlo, J", "Balik, B")
    assert result.records[1].provenance.line == 4
