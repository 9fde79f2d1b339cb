from scoping.io import read


def test_plain_text_core_collection(shared):
    result = read(shared / "format_samples/metaknowledge/wos_plaintext.txt")
    assert (result.format, result.dialect) == ("wos", "core collection")
    first = result.records[0]
    assert first.title == (
        "EXPERIMENTS IN PHENOMENOLOGICAL ELECTRODYNAMICS AND THE "
        "ELECTROMAGNETIC ENERGY-MOMENTUM TENSOR"
    )
    assert first.authors == ("BREVIK, I",)
    assert first.provenance.database == "Web of Science"


def test_ris_named_file_that_is_wos_plain_text(shared):
    result = read(shared / "format_samples/rispy/example_wos.ris")
    assert result.format == "wos"
    assert len(result.records) == 2


def test_zoological_record(shared):
    result = read(shared / "format_samples/synthesisr/zoorec_wos_woodpecker.txt")
    assert result.records[0].provenance.database == "Zoological Record"


def test_tab_delimited_utf16(data):
    result = read(data / "wos_tab_utf16.txt")
    assert (result.format, result.encoding) == ("wos_tab", "UTF-16")
    first, second = result.records
    assert first.authors == ("Nembhard, Ingrid M.", "Edmondson, Amy C.")
    assert first.keywords == ("psychological safety", "leadership")
    assert first.pages == "941-966"
    assert first.doi == "10.1002/job.413"
    assert second.abstract is None
    assert [r.provenance.line for r in result.records] == [2, 3]


def test_a_book_chapter_with_only_book_authors_has_them(data):
    (record,) = read(data / "wos_chapter_tab.txt").records
    assert record.authors == ("Smith, Jane",)
    assert record.provenance.database == "Web of Science"
