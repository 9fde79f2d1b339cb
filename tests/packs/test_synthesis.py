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
