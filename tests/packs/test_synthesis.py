"""What the studies found: studies as charted or drafted, the gap map, key messages."""

import pytest

from scoping.packs import PackParams
from scoping.packs.data import compute
from scoping.packs.synthesis import gap_map, plural, studies


@pytest.fixture(scope="module")
def frontline(demo_built):
    return compute(PackParams(themes=("burnout",), audience="frontline"), demo_built)


def test_studies_take_charted_values_else_drafts(frontline):
    sources = {s.source for s in frontline.studies}
    assert sources <= {"charted", "draft", "codebook"} and "charted" in sources
    charted = [s for s in frontline.studies if s.source == "charted"]
    assert len(charted) == len(frontline.numbers["charted studies"]) > 0
    assert all(s.design for s in charted)


def test_the_gap_map_has_every_pair_and_traces_each_cell(frontline):
    table = frontline.gap_map
    pairs = set(zip(table["intervention"], table["outcome"], strict=True))
    assert len(pairs) == 12 * 7  # the form's interventions by its outcome domains
    gaps = table[table["n_studies"] == 0]
    assert len(gaps) and (gaps["record_ids"] == "").all()
    for (i, o), group in table[table["n_studies"] > 0].groupby(["intervention", "outcome"]):
        ids = {r for found in group["record_ids"] for r in found.split("; ")}
        assert sorted(ids) == frontline.numbers[f"gap map: {i} x {o}"]
        assert ids <= set(frontline.records["record_id"])


def test_frontline_packs_lead_with_change_ideas_and_every_message_is_traced(frontline):
    sections = [m.section for m in frontline.messages]
    assert sections[0] == "change ideas" and "improving" in sections
    for message in frontline.messages:
        assert frontline.numbers[message.key] == list(message.record_ids)
        assert set(message.record_ids) <= set(frontline.records["record_id"])


def test_leaders_packs_lead_with_organisational_outcomes(demo_built):
    leaders = compute(PackParams(themes=("burnout",), audience="leaders"), demo_built)
    assert leaders.messages[0].section == "lead"
    assert leaders.messages[0].text.split(":")[0] in (
        "Turnover and sickness absence",
        "Cost",
        "Psychological safety",
        "Patient safety",
    )


def test_checked_only_leaves_drafts_out(frontline, demo_built):
    assert any(m.draft for m in frontline.messages)
    checked = compute(
        PackParams(themes=("burnout",), audience="frontline", checked_only=True), demo_built
    )
    assert checked.messages and not any(m.draft for m in checked.messages)


def test_plural():
    assert plural("randomised controlled trial", 3) == "randomised controlled trials"
    assert plural("qualitative study", 1) == "qualitative study"


def test_no_charting_and_no_drafts_is_said_plainly(tmp_path):
    import pandas as pd

    records = pd.DataFrame({"record_id": ["r1"]})
    found = studies(records, tmp_path, {}, {}, PackParams())
    assert found[0].source == "codebook" and not found[0].outcomes
    assert gap_map((), ["A"], ["B"])["n_studies"].tolist() == [0]


def test_one_study_and_an_unknown_design_read_as_english(make_study):
    from dataclasses import replace

    from scoping.packs.synthesis import theme_messages

    study = make_study(
        interventions=("Peer support",), outcomes=("Wellbeing",), source="draft", checked=False
    )
    texts = [m.text for m in theme_messages("Burnout", [study, replace(study, record_id="r2")])]
    assert texts[0].startswith("2 studies looked at burnout (0 of them charted by the group): ")
    assert "2 of design not known" in texts[0] and "knowns" not in texts[0]
    placed = replace(study, settings=("Primary care",))
    where = theme_messages("Burnout", [placed, replace(placed, settings=("Care homes",)), placed])
    assert where[0].text.endswith(", most often in primary care (2), care homes (1).")
    one = [m.text for m in theme_messages("Burnout", [study])]
    assert one[0].startswith("1 study looked at burnout") and "1 of design not known" in one[0]
    assert one[1] == "Wellbeing: 1 not charted (of 1 study)."


def test_the_key_messages_say_what_a_draft_is(frontline):
    from scoping.packs.sections import Pack

    text = str(Pack(frontline).key_messages())
    assert "rests on at least one value no reviewer has checked" in text
    assert "one reviewer charted unchanged" in text


def test_a_message_is_a_draft_only_when_the_values_it_rests_on_are_unchecked():
    from scoping.packs.synthesis import Study, lead_messages

    study = Study(
        record_id="r1",
        interventions=(),
        outcomes=(),
        directions={},
        design="Policy or guidance document",
        settings=("Mental health services",),
        key_finding="Research funding should be independent.",
        change_ideas="Ask about gambling when patients present with debt.",
        source="charted",
        checked=False,  # the drafted key finding was charted unchanged by one reviewer
        charted={
            "change_ideas": ("Ask about gambling when patients present with debt.", True),
            "key_findings": ("Research funding should be independent.", False),
        },
    )
    assert not study.drafted(("change_ideas",)) and study.drafted(("key_findings",))
    assert study.drafted(("study_design",))  # from the codebook's tags: nobody checked it
    assert not study.drafted(("interventions",))  # empty: no value to be a draft
    (idea,) = lead_messages([study], "frontline")
    assert idea.text.startswith("Ask about gambling") and not idea.draft


def test_charted_design_and_setting_replace_the_codebook_tags_in_every_table(demo_built):
    params = PackParams(themes=("burnout",), audience="leaders")
    data = compute(params, demo_built)
    charted = {
        s.record_id: s for s in data.studies if {"study_design", "setting"} <= set(s.charted)
    }
    assert charted
    evidence = data.evidence.set_index("record_id")
    for rid, study in charted.items():
        assert evidence.at[rid, "design"] == study.charted["study_design"][0]
        assert evidence.at[rid, "setting"].split("; ") == sorted(
            study.charted["setting"][0], key=data.labels(data.group("setting")).index
        )
        designs = data.long("design")
        assert designs.loc[designs["record_id"] == rid, "design"].tolist() == [study.design]
    social = compute(PackParams(settings="social care", stage="all"), demo_built)
    care = {"Social care", "Care homes", "Domiciliary (home) care"}
    for study in social.studies:
        if "setting" in study.charted:  # chosen by its charted setting, not the abstract's words
            assert care & set(study.charted["setting"][0]), study.record_id


def test_a_change_idea_says_what_its_studies_found_and_tested_ideas_come_first(make_study):
    from dataclasses import replace

    from scoping.packs.synthesis import flag_retracted, lead_messages

    untested = make_study(
        outcomes=("Psychological safety", "Patient safety"),
        directions={"Psychological safety": "no change", "Patient safety": "worse"},
        change_ideas="Report one piece of excellent care each week.",
    )
    found = [
        untested,
        replace(untested, record_id="r2", directions={"Psychological safety": "no change"}),
        replace(
            untested,
            record_id="r3",
            directions={"Psychological safety": "improved"},
            change_ideas="Hold a monthly Schwartz Round.",
        ),
    ]
    ideas = [m for m in lead_messages(found, "frontline") if m.section == "change ideas"]
    assert [m.text for m in ideas] == [
        "Hold a monthly Schwartz Round.",  # one study, an improvement: first
        "Report one piece of excellent care each week.",  # two, none improved
    ]
    assert ideas[0].shown().endswith("(1 study suggests it: 1 reported an improvement.)")
    said = "(2 studies suggest it: none reported an improvement, 1 a worse outcome.)"
    assert ideas[1].shown().endswith(said)
    assert said in ideas[1].shown(40)  # kept whole however short the message is cut
    (flagged,) = flag_retracted([ideas[1]], {"r1": "Upton 2010"})
    assert flagged.shown().endswith(f"{said} 1 of them has been retracted (Upton 2010).")
