"""The one-page summary, Word file and slides: what they say in words."""

from types import SimpleNamespace

from scoping.packs.documents import flow_line


def _data(**counts):
    flow = {
        "identified": {"MEDLINE": 300, "CINAHL": 126},
        "screened": 261,
        "included": 143,
        "maybe": 0,
        "not_yet_screened": 0,
    }
    return SimpleNamespace(flow={"counts": flow | counts}, records=[None] * 39)


def test_the_flow_line_says_how_many_works_are_not_yet_screened():
    assert "261 unique works screened; 143 included" in flow_line(_data())
    line = flow_line(_data(maybe=20, not_yet_screened=30))
    assert line.startswith("426 records found in 2 sources; 261 unique works: 231 screened ")
    assert "(20 of them marked maybe), 30 not yet screened; 143 included" in line
    assert "261 unique works screened" not in line
    assert line.endswith("; 39 in this pack.")


def test_a_summary_carries_each_themes_result_on_the_outcome_it_names(make_study):
    from scoping.packs.documents import headline
    from scoping.packs.synthesis import theme_messages

    study = make_study(
        outcomes=("Wellbeing", "Patient safety", "Burnout"),
        directions={"Burnout": "improved", "Wellbeing": "mixed", "Patient safety": "mixed"},
        design="Randomised controlled trial",
    )
    messages = theme_messages("Staff burnout and distress", [study])
    assert [m.headline for m in messages] == [False, True, False, False]
    assert messages[1].text == "Burnout: 1 improved (of 1 study)."  # named: first of the outcomes
    (shown,) = headline(SimpleNamespace(messages=messages))
    assert shown is messages[1]
    joy = theme_messages("Joy in work", [study])  # names no outcome: its first message
    assert headline(SimpleNamespace(messages=joy))[0].text.startswith("1 study looked at joy")
