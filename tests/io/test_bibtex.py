import json

from scoping.io import read


def test_duplicate_keys_keep_both_entries(data):
    result = read(data / "duplicate_keys.bib")
    first, second = result.records
    assert first.journal == "BMJ Quality & Safety"  # @string macro, LaTeX decoded
    assert first.authors == ("Smith, Jo", "NHS England")  # braced group kept whole
    assert first.title == "Just culture and NHS incident reporting"
    assert second.authors == ("Kelly, N.", "Müller, Hans")
    assert ("ID", "smith2020") in [tuple(p) for p in json.loads(second.raw)]
    (problem,) = result.problems
    assert (problem.line, problem.severity) == (11, "warning")
    assert "used twice" in problem.reason


def test_malformed_entry_is_rejected_and_the_rest_reads(data):
    result = read(data / "malformed_entry.bib")
    assert [r.title for r in result.records] == [
        "Psychological safety and speaking up",
        "Compassionate leadership",
    ]
    (problem,) = result.problems
    assert (problem.line, problem.severity, problem.record_number) == (6, "error", 2)
    assert result.records_in_file == 3


def test_better_bibtex_export_names_its_broken_entry(shared):
    result = read(shared / "format_samples/csl_json_zotero/references.bib")
    assert result.records_in_file == 584
    (problem,) = [p for p in result.problems if p.severity == "error"]
    assert problem.line == 543


def test_field_names_are_case_blind_as_bibtex_says(data):
    # Web of Science writes Author = {...}: every author was lost before
    first, second = read(data / "wos_capitals.bib").records
    assert first.authors == ("Pan, Y.", "Yu, C.", "Okafor, Ngozi")
    assert (first.journal, first.year, first.doi) == (
        "JOURNAL OF INVENTED EXAMPLES",
        2021,
        "10.5555/invented.0001",
    )
    assert second.authors == ("Lee, K.",)


def test_maths_in_a_title_is_read_as_text(data):
    _, second = read(data / "wos_capitals.bib").records
    # before: "5$^th$" and "$\Sigma$$\Delta$"
    assert second.title == "Burnout after the 5th wave: ΣΔ scores in invented teams"


def test_string_macros_joined_with_hash_are_expanded_and_an_undefined_one_is_noted(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(
        '@string{jnl = "Journal of Care"}\n'
        "@article{a1, title = {First}, journal = jnl, year = 2020}\n"
        '@article{a2, title = {Second}, journal = jnl # " Research", year = {2021}}\n'
        "@article{a3, title = {Third}, journal = nosuchmacro, year = {2022}}\n"
    )
    result = read(path)
    assert [r.journal for r in result.records] == [
        "Journal of Care",
        "Journal of Care Research",
        "nosuchmacro",
    ]
    assert [r.year for r in result.records] == [2020, 2021, 2022]
    assert [(p.line, p.reason.split(",")[0]) for p in result.problems] == [
        (4, "field journal names 'nosuchmacro'")
    ]
