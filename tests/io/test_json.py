import json

from scoping.io import read
from scoping.io.openalex import rebuild_abstract


def test_csl_json(shared):
    result = read(shared / "format_samples/csl_json_zotero/bibliography.json")
    assert (result.format, len(result.records)) == ("csl_json", 571)
    assert sum(1 for r in result.records if r.doi) == 492
    assert sum(1 for r in result.records if r.abstract) == 310
    first = result.records[0]
    assert first.provenance.line == 2


def test_malformed_json_keeps_what_came_before(data):
    result = read(data / "malformed.json")
    assert [r.title for r in result.records] == ["Burnout in paramedics"]
    assert result.problems[0].line == 4 and result.problems[0].severity == "error"


def test_openalex_zip_rebuilds_abstracts(shared):
    result = read(shared / "synergy_screening/Sep_2021/works_1.zip")
    assert (result.format, len(result.records)) == ("openalex", 271)
    assert sum(1 for r in result.records if r.abstract) == 270
    assert all(
        r.provenance.source_file.startswith(str(shared)) and "!" in r.provenance.source_file
        for r in result.records
    )
    names = [a for r in result.records for a in r.authors]
    assert all("," in a for a in names if " " in a)  # given-first names were turned round
    assert "Fanselow" in names  # a one-word name stays as it is


def test_rebuild_abstract_orders_by_position():
    assert rebuild_abstract({"b": [1, 3], "a": [0], "c": [2]}) == "a b c b"
    assert rebuild_abstract(None) is None


def test_a_short_doi_is_kept(data):
    (record,) = read(data / "csl_short_doi.json").records
    assert record.doi == "10/fqd6hj"


def _items(n):
    return [
        {"type": "article-journal", "title": f"Invented record {i}", "container-title": "J"}
        for i in range(n)
    ]


def test_one_malformed_item_in_a_hundred_costs_that_item_alone(tmp_path):
    texts = [json.dumps(item) for item in _items(100)]
    texts[50] = texts[50].replace('"title":', '"title"', 1)  # a missing colon
    path = tmp_path / "items.json"
    path.write_text("[\n" + ",\n".join(texts) + "\n]\n")
    result = read(path)
    assert (len(result.records), result.records_in_file) == (99, 100)  # before: 3 found
    (problem,) = result.problems
    assert problem.line == 52 and "it is skipped" in problem.reason


def test_an_item_nested_too_deeply_is_one_rejected_record(tmp_path):
    texts = [json.dumps(item) for item in _items(3)]
    deep = '{"title": "Too deep", "note": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = tmp_path / "deep.json"
    path.write_text("[" + ", ".join([texts[0], deep, texts[1], texts[2]]) + "]")
    result = read(path, format="csl_json")
    assert [r.title for r in result.records] == [f"Invented record {i}" for i in range(3)]
    assert result.records_in_file == 4 and "nested too deeply" in result.problems[0].reason


def test_a_top_level_object_nested_too_deeply_is_one_clear_rejection(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"title": ' + "[" * 200_000 + "]" * 200_000 + "}")
    result = read(path, format="csl_json")
    assert result.records_in_file == 1 and result.rejected == 1
    assert "nested too deeply" in result.problems[0].reason


def test_a_stray_bracket_after_the_last_record_is_no_record_lost(tmp_path):
    # found by the property test of tests/io/test_properties.py, unpinned: a doubled "}"
    # after the last item was counted as one more record, rejected ("6 found" of 5)
    path = tmp_path / "items.json"
    path.write_text(json.dumps(_items(5), indent=1)[:-1] + "}]")
    result = read(path)
    assert (len(result.records), result.records_in_file) == (5, 5)
    (problem,) = result.problems
    assert "stray text after the last record" in problem.reason and "no record is lost" in (
        problem.reason
    )


def test_csl_json_null_items_plain_author_strings_and_string_dates_are_not_lost(tmp_path):
    path = tmp_path / "refs.json"
    path.write_text(
        '[{"id": "a", "type": "article-journal", "title": "First",'
        ' "container-title": "J", "author": "Smith, J", "issued": "2020"},\n'
        " null,\n"
        ' {"id": "b", "type": "article-journal", "title": "Second",'
        ' "container-title": "J", "author": ["Jones, K"], "issued": {"date-parts": [[2021]]}}]\n'
    )
    result = read(path)
    assert [(r.title, r.authors, r.year) for r in result.records] == [
        ("First", ("Smith, J",), 2020),
        ("Second", ("Jones, K",), 2021),
    ]
    assert [(p.line, p.reason) for p in result.problems] == [
        (2, "array item null is not a record; ignored.")
    ]
