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
