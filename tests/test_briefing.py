"""Pack content: parameters are checked, records are selected and traced, text is escaped."""

import ast

import pytest

from scoping.briefing import PARAMETERS, Briefing, check_parameters
from scoping.errors import InputError
from scoping.packs import template_parameters


@pytest.fixture
def demo(demo_built):
    return demo_built


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"audiense": "leaders"}, r"'audiense' \(did you mean 'audience'\?\); valid parameters"),
        ({"audience": "managers"}, "audience='managers' is not one of 'leaders', 'frontline'"),
        ({"settings": "hospital"}, "settings='hospital' is not one of"),
        ({"stage": "full_text"}, "stage='full_text' is not one of 'all', 'included'"),
        ({"n_topics": 1}, "n_topics=1 must be 'auto' or 2 or more"),
        ({"year_from": "2010"}, "year_from='2010' must be a whole number"),
    ],
)
def test_bad_parameters_name_what_is_valid(params, message):
    with pytest.raises(InputError, match=message):
        check_parameters(params)


def test_template_parameters_cell_matches_the_library():
    found = template_parameters()
    assert list(found) == list(PARAMETERS)
    for name, default in found.items():
        if name not in ("workspace", "output"):  # the template's are relative to notebooks/
            assert ast.literal_eval(default) == PARAMETERS[name], name


def test_a_theme_the_codebook_lacks_is_refused(demo):
    with pytest.raises(InputError, match=r"unknown theme.*'burnot'.*burnout"):
        Briefing.load(workspace=str(demo), themes=["burnot"])


def test_filters_select_and_trace_records(demo):
    pack = Briefing.load(
        workspace=str(demo),
        themes=["burnout"],
        settings="social care",
        stage="included",
        year_from=2012,
        year_to=2022,
    )
    ids = list(pack.records["record_id"])
    assert ids and pack.trace["records in this pack"] == ids
    assert set(ids) <= set(pack.flow["records"]["included"])
    assert all(pack.tags.at[r, "burnout"] for r in ids)
    social = ["social_care", "care_homes", "domiciliary_care"]
    assert all(any(pack.tags.at[r, s] for s in social) for r in ids)
    assert pack.records["year"].between(2012, 2022).all()
    sizes = [len(step_ids) for _, step_ids in pack.funnel]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == len(ids)
    assert [step for step, _ in pack.funnel][1:] == [
        "included at title and abstract screening",
        "tagged Staff burnout and distress",
        "in a social care setting",
        "published from 2012 to 2022",
    ]


def test_sections_are_generated_from_the_data(demo):
    pack = Briefing.load(workspace=str(demo), themes=["psychological_safety"], audience="leaders")
    cover = str(pack.cover())
    assert cover.index("SYNTHETIC DEMONSTRATION") < cover.index("<h1>")
    assert f"brings together {len(pack.records)} records" in cover
    lead = str(pack.audience_section())
    assert lead.startswith("<h2>Organisational outcomes, cost and culture</h2>")
    n = len(pack.trace["Organisational outcomes and cost: records"])
    assert f"{n} of the {len(pack.records)} records" in lead
    table = pack.evidence_table()
    assert list(table["record_id"]) == list(pack.records["record_id"])
    assert set(table["screening decision"]) <= {"include", "exclude", "maybe", "not yet screened"}
    assert (table["exclusion reason"] != "").sum() == (
        table["screening decision"] == "exclude"
    ).sum()
    refs = str(pack.reference_list())
    assert refs.count("<p class='ref'>") == len(pack.records)
    assert "The counts add up" in str(pack.prisma())
    assert str(pack.evidence_map()).count("<img src='data:image/png;base64,") == 5
    cells = {k: v for k, v in pack.trace.items() if k.startswith("figure, theme x setting: ")}
    assert cells and all(
        set(ids) <= set(pack.trace[f"figure, theme: {k.split(': ', 1)[1].split(' x ')[0]}"])
        for k, ids in cells.items()
    )
    frontline = Briefing.load(workspace=str(demo), themes=["burnout"], audience="frontline")
    assert str(frontline.audience_section()).startswith("<h2>What staff can do and try</h2>")


def test_record_text_is_escaped(demo):
    pack = Briefing.load(workspace=str(demo), themes=["burnout"])
    first = pack.records.index[0]
    pack.records.loc[first, "title"] = "<script>alert('x')</script> & <b>bold</b>"
    html = str(pack.reference_list()) + str(pack.evidence_html())
    assert "<script>" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in html


def test_small_packs_have_no_topic_model(demo):
    pack = Briefing.load(workspace=str(demo), themes=["incivility"], year_from=2024)
    assert pack.topic_model is None and len(pack.records) < 40
    assert "topics are modelled from 40 records upwards" in str(pack.topics_section())
