import json
import shutil

import pandas as pd
import pytest

from scoping.errors import FormatError, InputError
from scoping.ingest import find_inputs, ingest


@pytest.fixture
def raw(tmp_path, data):
    folder = tmp_path / "corpus" / "raw"
    folder.mkdir(parents=True)
    for name in (
        "multiline_abstract.ris",
        "duplicate_keys.bib",
        "wos_tab_utf16.txt",
        "missing_end_tag.ris",
    ):
        shutil.copy(data / name, folder / name)
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / "README.md").write_text("notes")
    return folder


def test_ingest_writes_records_and_report(raw, tmp_path):
    result = ingest([raw], tmp_path / "out", progress=False)
    frame = pd.read_parquet(tmp_path / "out" / "records.parquet")
    report = json.loads((tmp_path / "out" / "ingest_report.json").read_text())
    assert [f["path"].rsplit("/", 1)[1] for f in report["files"]] == [
        "duplicate_keys.bib",
        "missing_end_tag.ris",
        "multiline_abstract.ris",
        "wos_tab_utf16.txt",
    ]
    assert len(frame) == report["totals"]["records_read"] == 8
    assert report["totals"]["records_in_files"] == 8
    for block in report["files"]:
        assert block["records_in_file"] == block["records_read"] + block["records_rejected"]
        assert len(block["sha256"]) == 64
    assert frame["record_number"].tolist() == [1, 2, 1, 2, 3, 1, 1, 2]
    assert frame["authors"].iloc[0].tolist() == ["Smith, Jo", "NHS England"]
    assert set(frame["source_format"]) == {"bibtex", "ris", "wos_tab"}
    assert result.totals["problems"] == 3


def test_ingest_is_byte_identical_on_rerun(raw, tmp_path):
    ingest([raw], tmp_path / "a", progress=False)
    ingest([raw], tmp_path / "b", progress=False)
    for name in ("records.parquet", "ingest_report.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_record_ids_survive_adding_an_export(raw, tmp_path, data):
    ingest([raw], tmp_path / "a", progress=False)
    before = pd.read_parquet(tmp_path / "a" / "records.parquet")
    shutil.copy(data / "bom_crlf.ris", raw / "aaa_new_search.ris")
    ingest([raw], tmp_path / "b", progress=False)
    after = pd.read_parquet(tmp_path / "b" / "records.parquet")
    assert set(before["record_id"]) < set(after["record_id"])
    assert len(after) == len(before) + 1


def test_search_log_is_checked(raw, tmp_path):
    (raw.parent / "searches.yml").write_text(
        "searches:\n"
        "  - {file: multiline_abstract.ris, database: CINAHL, interface: EBSCOhost,\n"
        "     date_searched: 2026-10-01, search_string: burnout, hits_reported: 1}\n"
        "  - {file: duplicate_keys.bib, database: Zotero, interface: Zotero,\n"
        "     date_searched: 2026-10-01, search_string: culture, hits_reported: 5}\n"
        "  - {file: gone.ris, database: PubMed, interface: PubMed,\n"
        "     date_searched: 2026-10-01, search_string: x, hits_reported: 3}\n"
    )
    result = ingest([raw], tmp_path / "out", progress=False)
    issues = {(i["file"], i["issue"]) for i in result.search_log["issues"]}
    assert issues == {
        ("duplicate_keys.bib", "count mismatch"),
        ("gone.ris", "missing file"),
        ("missing_end_tag.ris", "not logged"),
        ("wos_tab_utf16.txt", "not logged"),
    }
    assert result.search_log["searches"][0]["date_searched"] == "2026-10-01"
    # an export that does not name its database takes the one its log entry gives
    frame = pd.read_parquet(tmp_path / "out" / "records.parquet")
    names = frame["source_file"].str.rsplit("/", n=1).str[1]
    database = dict(zip(names, frame["database"], strict=True))
    assert database["multiline_abstract.ris"] == "CINAHL"
    assert database["duplicate_keys.bib"] == "Zotero"
    assert pd.isna(database["missing_end_tag.ris"])  # not logged: nothing to take


def test_an_export_described_twice_in_the_search_log_is_an_issue(raw, tmp_path):
    entry = _search("2026-10-01", "1").replace("a.ris", "multiline_abstract.ris")
    (raw.parent / "searches.yml").write_text(entry + entry.split("\n", 1)[1])
    result = ingest([raw], tmp_path / "out", progress=False)
    issues = {(i["file"], i["issue"]) for i in result.search_log["issues"]}
    assert ("multiline_abstract.ris", "listed twice") in issues


def test_a_quoted_date_in_the_search_log_is_read(raw, tmp_path):
    (raw.parent / "searches.yml").write_text(_search('"2026-10-01"', "1"))
    result = ingest([raw], tmp_path / "out", progress=False)
    assert result.search_log["searches"][0]["date_searched"] == "2026-10-01"


def _search(day: str, hits: str) -> str:
    return (
        "searches:\n  - {file: a.ris, database: CINAHL, interface: EBSCOhost,\n"
        f"     date_searched: {day}, search_string: burnout, hits_reported: {hits}}}\n"
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("searches: [\n", r"searches\.yml line \d+: not valid YAML", id="yaml"),
        pytest.param("files: []\n", r"expected a top-level 'searches:' list", id="shape"),
        pytest.param(
            "searches:\n  - {file: a.ris}\n", r"search 1 lacks database, interface", id="keys"
        ),
        pytest.param(
            _search("2026-10-01", "forty"), r"search 1 has hits_reported: 'forty'", id="hits"
        ),
        pytest.param(_search("2026-10-01", "41.5"), r"hits_reported: 41\.5", id="hits-float"),
        pytest.param(_search("yesterday", "1"), r"date_searched: 'yesterday', not a", id="date"),
        pytest.param(
            _search("2026-02-30", "1"),
            r"searches\.yml line 3: not a real date \(day is out of range",
            id="no-such-day",
        ),
    ],
)
def test_bad_search_log(raw, tmp_path, text, match):
    (raw.parent / "searches.yml").write_text(text)
    with pytest.raises(InputError, match=match):
        ingest([raw], tmp_path / "out", progress=False)


def test_unreadable_file_stops_or_is_listed(raw, tmp_path, data):
    shutil.copy(data / "not_an_export.pdf", raw / "paper.pdf")
    with pytest.raises(FormatError, match=r"paper\.pdf: this is a PDF document"):
        ingest([raw], tmp_path / "out", progress=False)
    result = ingest([raw], tmp_path / "out", progress=False, keep_going=True)
    assert [u["path"].rsplit("/", 1)[1] for u in result.unreadable] == ["paper.pdf"]
    assert result.totals["files_unreadable"] == 1


def test_find_inputs_errors(tmp_path):
    with pytest.raises(InputError, match=r"no such file or folder"):
        find_inputs([tmp_path / "missing"])
    with pytest.raises(InputError, match=r"no export files found"):
        find_inputs([tmp_path])


def test_parquet_columns_match_the_record_row(raw, tmp_path, data):
    ingest([raw], tmp_path / "out", progress=False)
    frame = pd.read_parquet(tmp_path / "out" / "records.parquet")
    from scoping.io import read

    first = read(raw / "duplicate_keys.bib", name=(raw / "duplicate_keys.bib").as_posix())
    row = first.records[0].to_row()
    assert list(frame.columns) == list(row)
    stored = frame.iloc[0].to_dict()
    assert stored["record_id"] == row["record_id"] and stored["raw"] == row["raw"]
    assert list(stored["authors"]) == row["authors"] and stored["line"] == row["line"]


def test_reingest_removes_outputs_built_from_the_old_records(raw, tmp_path):
    from scoping.dedupe import run as dedupe

    out = tmp_path / "out"
    ingest([raw], out, progress=False)
    dedupe(out)
    assert (out / "unique.parquet").is_file()
    same = ingest([raw], out, progress=False)  # the same records: their outputs stand
    assert (out / "unique.parquet").is_file() and same.removed_stale == []
    (raw / "new.ris").write_text("TY  - JOUR\nTI  - A new record\nPY  - 2026\nER  - \n")
    again = ingest([raw], out, progress=False)
    assert not (out / "unique.parquet").exists() and not (out / "duplicates.csv").exists()
    assert "unique.parquet" in again.removed_stale
    assert any("removed outputs built from the previous records" in x for x in again.summary(out))


def _two_folders(tmp_path, data):
    raw = tmp_path / "raw"
    for folder in ("cinahl", "medline"):
        (raw / folder).mkdir(parents=True)
        shutil.copy(data / "multiline_abstract.ris", raw / folder / "export.ris")
    return raw


def test_same_named_exports_in_two_folders_give_different_ids(tmp_path, data):
    raw = _two_folders(tmp_path, data)
    ingest([raw], tmp_path / "out", progress=False)
    records = pd.read_parquet(tmp_path / "out" / "records.parquet")
    assert len(records) == 2 and records["record_id"].nunique() == 2  # before: one id
    # a file whose name is its own keeps the ids its name gives, wherever it is
    alone = tmp_path / "alone" / "deep"
    alone.mkdir(parents=True)
    shutil.copy(data / "multiline_abstract.ris", alone / "multiline_abstract.ris")
    ingest([tmp_path / "alone"], tmp_path / "a", progress=False)
    ingest([data / "multiline_abstract.ris"], tmp_path / "b", progress=False)
    ids = [pd.read_parquet(tmp_path / n / "records.parquet")["record_id"] for n in "ab"]
    assert ids[0].tolist() == ids[1].tolist()


def test_a_search_log_names_same_named_exports_by_their_folders(tmp_path, data):
    raw = _two_folders(tmp_path, data)
    entry = (
        "  - {{file: {name}, database: CINAHL, interface: EBSCOhost,\n"
        "     date_searched: 2026-10-01, search_string: burnout, hits_reported: 1}}\n"
    )
    log = tmp_path / "searches.yml"
    log.write_text("searches:\n" + entry.format(name="export.ris"))
    result = ingest([raw], tmp_path / "out", progress=False, searches=log)
    assert {(i["file"], i["issue"]) for i in result.search_log["issues"]} == {
        ("export.ris", "ambiguous")
    }
    log.write_text("searches:\n" + entry.format(name="cinahl/export.ris"))
    result = ingest([raw], tmp_path / "out2", progress=False, searches=log)
    assert {(i["file"], i["issue"]) for i in result.search_log["issues"]} == {
        ("medline/export.ris", "not logged")  # before: hidden behind its namesake
    }
