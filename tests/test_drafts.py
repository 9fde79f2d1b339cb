"""Drafts from a record's own text: sections, the key finding, sample size, countries,
the form's values; and the stage that writes drafts.csv."""

import pandas as pd
import pytest

from scoping import resources
from scoping.drafts import (
    ConclusionModel,
    conclusion,
    countries,
    draft_records,
    objective,
    sample_size,
    sections,
    sentences,
    token_f1,
    unlabelled,
    value_matches,
)
from scoping.form import load_form
from scoping.tags import load_codebook

STRUCTURED = (
    "BACKGROUND: Burnout is common among care home staff. OBJECTIVE: To test team huddles. "
    "METHODS: A cluster trial in 12 homes in Scotland with 412 care workers, measured with "
    "the Maslach Burnout Inventory (MBI). RESULTS: Emotional exhaustion fell (p < 0.01). "
    "CONCLUSIONS: Daily huddles reduced burnout. Managers could try them."
)


@pytest.fixture
def form():
    return load_form(resources.path("charting.yml"), load_codebook(resources.path("codebook.yml")))


def test_sections_of_a_structured_abstract():
    assert [s.kind for s in sections(STRUCTURED)] == [
        "background",
        "objective",
        "methods",
        "results",
        "conclusion",
    ]
    assert unlabelled(STRUCTURED).startswith("Burnout is common among care home staff.\nTo test")
    assert sections("Burnout is common. We asked nurses why.") == []


def test_a_labelled_conclusion_is_the_key_finding():
    model = ConclusionModel().fit([])
    found, method = conclusion(STRUCTURED, model)
    assert found == "Daily huddles reduced burnout. Managers could try them."
    assert method == "labelled conclusion"
    assert objective(STRUCTURED) == ("To test team huddles.", "labelled objective")


@pytest.mark.parametrize(
    "notice",
    [
        "(PsycInfo Database Record (c) 2020 APA, all rights reserved)",
        "(PsycINFO Database Record (c) 2016 APA, all rights reserved)",
        "Copyright of Journal of Gambling Studies is the property of Springer Nature.",
        "\u00a9 2022, The Author(s).",
    ],
)
def test_a_closing_copyright_notice_is_not_part_of_the_finding(notice):
    rules = ConclusionModel().fit([])
    labelled = f"{STRUCTURED} {notice}"
    assert (
        conclusion(labelled, rules)[0] == "Daily huddles reduced burnout. Managers could try them."
    )
    plain = f"Staff were tired. Huddles reduced harm. {notice}"
    assert unlabelled(plain) == "Staff were tired. Huddles reduced harm."
    assert "Database Record" not in rules.predict_one(plain)


def test_an_unlabelled_conclusion_is_found_at_the_end():
    rules = ConclusionModel().fit([])  # nothing to learn from: the rules
    assert not rules.learned_
    text = unlabelled(STRUCTURED)
    assert rules.predict_one(text).endswith("Managers could try them.")
    learned = ConclusionModel(min_abstracts=2).fit([STRUCTURED, STRUCTURED.replace("12", "9")])
    assert learned.learned_ and learned.n_abstracts_ == 2
    assert (
        token_f1(
            learned.predict_one(text), "Daily huddles reduced burnout. Managers could try them."
        )
        > 0.5
    )


def test_sentences_keep_abbreviations_and_decimals():
    assert sentences("Scores fell (p < 0.05; et al. 2020). Dr. Ray agreed. Done.") == [
        "Scores fell (p < 0.05; et al. 2020).",
        "Dr. Ray agreed.",
        "Done.",
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("We surveyed 83 men and 131 women (214 students).", 214, id="total-wins"),
        pytest.param("Sixty-three boys took part.", 63, id="in-words"),
        pytest.param("Patients (n = 86) were randomised.", 86, id="n-equals"),
        pytest.param("A review of 42 studies from 2019.", None, id="studies-are-not-people"),
        pytest.param("Cases rose by 5 million people in 2020.", None, id="millions"),
        pytest.param("Of the staff, 62% were nurses.", None, id="percent"),
    ],
)
def test_sample_size(text, value):
    assert sample_size(text)[0] == value


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("Nurses in England and Wales.", ["United Kingdom"], id="nations"),
        pytest.param("Women in New South Wales took part.", [], id="inside-another-name"),
        pytest.param("Rates among American Indian women fell.", [], id="demonym-before-name"),
        pytest.param("We used the Italian version of the scale.", [], id="language"),
        pytest.param("Department of Nursing, University of Leeds, England.", [], id="affiliation"),
        pytest.param("A study of guinea pigs.", [], id="guinea"),
        pytest.param("Canadian nurses replied.", ["Canada"], id="demonym"),
    ],
)
def test_countries_placed_by_context(text, found):
    assert [c for c, _ in countries(text)] == found


def test_an_acronym_defined_otherwise_is_not_the_instrument(form):
    field = form.field("instruments")
    assert value_matches(field, "Burnout was measured with the MBI.")[0][0] == (
        "Maslach Burnout Inventory"
    )
    assert value_matches(field, "A mindfulness-based intervention (MBI) for stress.") == []
    assert value_matches(field, "The Seattle Angina Questionnaire (SAQ) was used.") == []


def test_drafts_have_evidence_and_a_method_for_every_field_that_says_how(form):
    records = pd.DataFrame(
        [{"record_id": "r1", "title": "Huddles in care homes", "abstract": STRUCTURED}]
    )
    table = draft_records(records, form, ConclusionModel().fit([]))
    by_field = {f: g for f, g in table.groupby("field")}
    assert by_field["sample_size"]["value"].tolist() == ["412"]
    assert by_field["country"]["value"].tolist() == ["United Kingdom"]
    assert by_field["instruments"]["value"].tolist() == ["Maslach Burnout Inventory"]
    assert "Team huddles" in by_field["interventions"]["value"].tolist()
    assert by_field["key_findings"]["method"].tolist() == ["labelled conclusion"]
    assert (table["evidence"] != "").all() and (table["method"] != "").all()
    assert "change_ideas" not in by_field  # no draft: the form says none


def test_the_drafts_stage_writes_drafts_csv(demo_copy):
    from scoping.drafts import run

    table = run(demo_copy / "build", resources.path("charting.yml"), resources.path("codebook.yml"))
    on_disk = pd.read_csv(demo_copy / "build" / "drafts.csv", dtype=str, keep_default_na=False)
    assert len(on_disk) == len(table) and set(on_disk.columns) == {
        "record_id",
        "field",
        "value",
        "evidence",
        "method",
    }
    assert on_disk["record_id"].nunique() == 261
