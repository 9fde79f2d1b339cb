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
    assert not result.problems


def test_rows_on_a_second_sheet_are_reported_not_lost_without_a_word(tmp_path):
    path = tmp_path / "two_sheets.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Search 1"
    book.active.append(["Title", "Year"])
    book.active.append(["Joy in work framework", 2017])
    second = book.create_sheet("Search 2")
    second.append(["Title", "Year"])
    second.append(["Learning from excellence toolkit", 2019])
    book.create_sheet("Empty")
    book.save(path)
    result = read(path)
    assert [r.title for r in result.records] == ["Joy in work framework"]
    assert [p.reason for p in result.problems] == [
        "sheet 'Search 2' (2 rows) was not read: only the first sheet, 'Search 1', is. "
        "Save each sheet as a file of its own."
    ]


def test_older_scopus_author_lists_are_split_into_surname_initials_pairs(data):
    first, second = read(data / "scopus_old_authors.csv").records
    # before: split at every comma, 8 pieces, the repeated initial "Y." dropped
    assert first.authors == ("Pan, Y.", "Yu, C.", "Okafor, N.", "Park, Y.")
    assert second.authors == ("Lee, K.", "Moss, A.-M.")


def test_openalex_and_springer_tables_are_read_without_a_column_map(data):
    first, second = read(data / "openalex_works.csv").records
    assert first.title == "Invented joy in work study"
    assert first.authors == ("Example, Ann", "Sample, Bo")
    assert (first.doi, first.year, first.journal) == (
        "10.5555/invented.0201",
        2021,
        "Journal of Invented Examples",
    )
    assert second.title == "Invented speaking-up study" and second.doi is None
    (springer,) = read(data / "springer_search.csv").records
    assert springer.title == "Invented learning from excellence report"
    assert springer.doi == "10.5555/invented.0301"


def test_a_table_without_a_title_names_its_columns_whole(tmp_path):
    table = tmp_path / "t.csv"
    names = [f"column_number_{n}" for n in range(20)]
    table.write_text(",".join(names) + "\n" + ",".join("x" * 20) + "\n")
    with pytest.raises(FormatError) as raised:
        read(table)
    message = str(raised.value)
    assert "column_number_0, column_number_1," in message and "and 8 more" in message
    assert "column_number_11)" not in message and "column_number_11 and 8 more" in message


def test_excel_rows_of_formulas_without_saved_values_are_counted_not_lost(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Title", "Authors", "Year"])
    sheet.append(["Invented huddles study", "Lee, K", 2020])
    sheet.append(['=UPPER("invented formula title")', '=CONCAT("Moss", ", A")', "=2019+1"])
    sheet.append(["Invented rounds study", "Moss, A", "=2020+1"])
    path = tmp_path / "formulas.xlsx"
    book.save(path)  # openpyxl saves formulas without values, as programs do
    result = read(path)
    assert [r.title for r in result.records] == ["Invented huddles study", "Invented rounds study"]
    assert result.records_in_file == 3 and result.rejected == 1  # before: 2 found, 0 rejected
    lines = {(p.line, p.severity) for p in result.problems}
    assert (3, "error") in lines and (4, "warning") in lines


def test_lens_names_given_first_are_written_family_first(data):
    (record,) = read(data / "lens_works.csv").records
    assert record.authors == ("Smith, Jane", "van Doe, John")  # before: "Jane Smith"
    assert record.provenance.database == "Lens.org" and record.doi == "10.5555/invented.0401"


def test_a_column_named_twice_in_the_header_is_one_line_not_a_silent_loss(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("title,authors,title,year\nA paper,Smith J,An abstract,2020\n")
    with pytest.raises(
        FormatError, match=r"export\.csv: line 1: .*'title' 2 times \(columns 1, 3\)"
    ):
        read(path)


def test_a_year_that_is_not_one_is_left_empty_with_a_warning(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("title,year\nA paper,twenty\nAnother,2020a\nA third,\n")
    result = read(path)
    assert [r.year for r in result.records] == [None, 2020, None]
    assert [(p.line, p.reason) for p in result.problems] == [
        (2, "year 'twenty' is not a year from 1500 to 2099; it is left empty.")
    ]


def test_an_unclosed_quotation_mark_that_joins_rows_is_reported(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('title,year\n"Open quote title,2020\nSecond,2021\nThird,2022\n')
    result = read(path)
    assert len(result.records) == 1
    (problem,) = result.problems
    assert problem.line == 2 and "runs over 3 lines inside quotation marks" in problem.reason


def test_a_semicolon_separated_table_is_read(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Title;Authors;Year;Abstract\n"
        "Burnout in care homes;Smith, J;2020;An abstract, with a comma.\n"
        '"A title; with a semicolon";Jones, K;2021;\n'
    )
    result = read(path)
    assert result.dialect == "semicolon"
    assert [(r.title, r.year, r.abstract) for r in result.records] == [
        ("Burnout in care homes", 2020, "An abstract, with a comma."),
        ("A title; with a semicolon", 2021, None),
    ]
