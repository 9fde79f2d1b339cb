"""Writers: what leaves the workbench can be read back, and cannot run formulas."""

import openpyxl
import pandas as pd
import pytest

from scoping.io import read
from scoping.io.writers import link, safe_cell, to_bibtex, to_ris, vancouver, write_csv, write_xlsx

RECORDS = [
    {
        "record_id": "r1",
        "title": "Psychological safety in teams: a review",
        "authors": ["Edmondson, Amy C.", "Lei, Zhike"],
        "year": 2014,
        "journal": "Annu Rev Organ Psychol",
        "volume": "1",
        "issue": "1",
        "pages": "23-43",
        "doi": "10.1146/annurev-orgpsych-031413-091305",
        "abstract": "An abstract.",
        "keywords": ["voice", "teams"],
        "doc_type": "Journal Article",
    },
    {
        "record_id": "r2",
        "title": '=HYPERLINK("http://evil")',
        "authors": [],
        "year": None,
        "pmid": "123",
        "doc_type": "Report",
    },
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 1234", "'+44 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Burnout", "Burnout"),
        (7, 7),
    ],
)
def test_formula_starts_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_ris_and_bibtex_read_back_with_our_own_readers(tmp_path):
    (tmp_path / "out.ris").write_text(to_ris(RECORDS), encoding="utf-8")
    (tmp_path / "out.bib").write_text(to_bibtex(RECORDS), encoding="utf-8")
    for name in ("out.ris", "out.bib"):
        result = read(tmp_path / name)
        assert result.rejected == 0, result.problems
        got = result.records
        assert [r.title for r in got] == [RECORDS[0]["title"], RECORDS[1]["title"]], name
        assert got[0].doi == RECORDS[0]["doi"] and got[0].authors[0] == "Edmondson, Amy C."
        assert got[0].year == 2014 and got[0].pages == "23-43", name


def test_spreadsheets_hold_text_not_formulas(tmp_path):
    table = pd.DataFrame({"title": [r["title"] for r in RECORDS], "n": [1, 2]})
    write_csv(table, tmp_path / "t.csv")
    write_xlsx(table, tmp_path / "t.xlsx")
    csv = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")
    assert csv["title"][1] == "'" + RECORDS[1]["title"]
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A3"]
    assert cell.data_type == "s" and cell.value == "'" + RECORDS[1]["title"]
    first = (tmp_path / "t.xlsx").read_bytes()
    write_xlsx(table, tmp_path / "t.xlsx")
    assert (tmp_path / "t.xlsx").read_bytes() == first  # same table, same bytes


def test_vancouver_and_links():
    assert vancouver(RECORDS[0]) == (
        "Edmondson AC, Lei Z. Psychological safety in teams: a review. Annu Rev Organ "
        "Psychol. 2014;1(1):23-43. doi:10.1146/annurev-orgpsych-031413-091305"
    )
    many = {**RECORDS[0], "authors": [f"A{i}, B" for i in range(8)]}
    assert vancouver(many).startswith("A0 B, A1 B, A2 B, A3 B, A4 B, A5 B, et al. ")
    assert link(RECORDS[0]).startswith("https://doi.org/10.1146/")
    assert link(RECORDS[1]) == "https://pubmed.ncbi.nlm.nih.gov/123/"
    assert vancouver(RECORDS[1]).endswith("PMID: 123")
