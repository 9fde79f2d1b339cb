import zipfile

import pytest

from scoping.errors import FormatError, StrictModeError
from scoping.io import formats, read
from scoping.io.base import inspect


def test_empty_file(data):
    with pytest.raises(FormatError, match=r"empty\.ris: is empty \(no records\)"):
        read(data / "empty.ris")


def test_binary_file_given_by_mistake(data):
    with pytest.raises(FormatError, match=r"this is a PDF document, not a bibliographic export"):
        read(data / "not_an_export.pdf")


def test_unknown_text_format_lists_supported(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Shopping list\nmilk\neggs\n")
    with pytest.raises(FormatError, match=r"not in a format this tool reads.*bibtex \(BibTeX\)"):
        read(path)


def test_a_search_strategy_among_the_exports_is_named_as_not_an_export(tmp_path):
    path = tmp_path / "search_strategy.txt"
    path.write_text("1. exp Burnout, Professional/\n2. burnout.tw.\n")
    with pytest.raises(FormatError, match=r"If it is not an export \(a search strategy"):
        read(path)


def test_unknown_format_name_lists_valid_ones(data):
    with pytest.raises(FormatError, match=r"unknown format 'riss'; the supported formats are"):
        read(data / "bom_crlf.ris", format="riss")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FormatError, match=r"does not exist"):
        read(tmp_path / "nope.ris")
    with pytest.raises(FormatError, match=r"is a folder"):
        read(tmp_path)


def test_strict_mode(data):
    with pytest.raises(StrictModeError, match=r"line 1: record has no end tag.*2 problem"):
        read(data / "missing_end_tag.ris", strict=True)
    assert read(data / "bom_crlf.ris", strict=True).records


def test_forced_format(data):
    assert read(data / "bom_crlf.ris", format="ris").format == "ris"


def test_damaged_zip(tmp_path):
    path = tmp_path / "bad.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(FormatError, match=r"damaged zip archive"):
        read(path)


def test_zip_of_exports(tmp_path, data):
    path = tmp_path / "batch.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(data / "bom_crlf.ris", "b.ris")
        archive.write(data / "multiline_abstract.ris", "a.ris")
    result = read(path)
    assert [r.provenance.source_file.rsplit("!", 1)[1] for r in result.records] == [
        "a.ris",
        "b.ris",
    ]
    assert result.records[0].provenance.source_sha256 != result.sha256


def test_formats_cover_the_issue():
    assert {
        "ris",
        "bibtex",
        "medline",
        "pubmed_xml",
        "wos",
        "wos_tab",
        "table",
        "endnote_xml",
        "csl_json",
        "openalex",
    } <= set(formats())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
@pytest.mark.parametrize("size", [1, 2, 3, 7, 4096])
def test_text_in_pieces_equals_the_text_read_whole(tmp_path, encoding, size):
    text = "TY  - JOUR\r\nTI  - Caf\u00e9 culture\rAB  - Joy\r\n\r\nER  - \n\u00e9\r"
    path = tmp_path / "pieces.ris"
    path.write_bytes(text.encode(encoding))
    source = inspect(str(path), path=path)
    with source.open_text() as handle:
        whole = handle.read()
    assert "".join(source.text_chunks(size)) == whole
    assert "\r" not in whole and whole.count("\n") == 6


def test_a_zip_bomb_is_one_clear_error_before_it_fills_the_memory(tmp_path):
    bomb = tmp_path / "exports.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("records.ris", b"\0" * (64 * 1024**2))  # packs to about 64 KB
    assert bomb.stat().st_size < 1024**2
    with pytest.raises(FormatError, match=r"times larger than it is packed .*zip bomb"):
        read(bomb)


def _ris(title):
    return f"TY  - JOUR\nTI  - {title}\nER  - \n\n"


def test_text_switching_from_utf8_to_cp1252_is_reported_with_its_line(tmp_path):
    path = tmp_path / "mixed.ris"
    # the first record written as UTF-8, the second as Windows-1252: the file is read
    # as Windows-1252 and the UTF-8 "é" comes out as "Ã©"
    path.write_bytes(_ris("Café culture").encode() + _ris("Naïve rounds").encode("cp1252"))
    result = read(path)
    assert len(result.records) == 2
    (problem,) = result.problems
    assert problem.line == 2 and "wrongly decoded" in problem.reason and "Ã©" in problem.reason


def test_a_shift_jis_file_read_as_latin1_is_reported(tmp_path):
    path = tmp_path / "japanese.ris"
    path.write_bytes(_ris("心理的安全性と看護師").encode("shift_jis"))
    result = read(path)
    assert any("wrongly decoded" in p.reason and p.line == 2 for p in result.problems)


def test_replacement_characters_are_reported(tmp_path):
    path = tmp_path / "damaged.ris"
    path.write_text(_ris("Burnout") + _ris("Psychological saf\ufffdty"), encoding="utf-8")
    (problem,) = read(path).problems
    assert problem.line == 6 and "1 line(s) like it" in problem.reason
