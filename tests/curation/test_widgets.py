"""The screening widget driven from Python: its state and its button callbacks."""

import pandas as pd
import pytest

from scoping.curation import DecisionStore
from scoping.curation.widgets import ScreeningWidget, highlight
from scoping.errors import InputError
from scoping.tags import load_codebook

CODEBOOK = """
tags:
  - {name: burnout, group: theme, definition: Exhaustion., include: [burnout]}
"""


@pytest.fixture
def records():
    return pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3"],
            "title": ["Burnout in nurses", "<script>alert('x')</script> Soil fauna", "Joy in work"],
            "abstract": ["Burnout was common.", "Reed beds.", "Meaning at work."],
            "authors": [["Smith, J"], [], ["Lee, K"]],
            "year": [2020, 2019, 2021],
            "journal": ["BMJ", "Soil Biol", "Nurs Times"],
            "database": ["PubMed", "Scopus", "CINAHL Complete"],
        }
    )


@pytest.fixture
def store(tmp_path):
    return DecisionStore(tmp_path / "d.sqlite")


def test_reviewer_is_required(records, store):
    with pytest.raises(InputError, match="give your name as reviewer"):
        ScreeningWidget(records, store, reviewer=" ")


def test_clicking_records_a_decision_and_moves_on(records, store):
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", seed=1)
    first = widget.current
    assert "0</b> screened of <b>3" in widget.progress.value
    widget.tags.value = "burnout, nurses"
    widget.buttons["include"].click()
    (event,) = store.events().to_dict("records")
    assert (event["reviewer"], event["target"], event["decision"]) == ("Ann", first, "include")
    assert event["tags"] == '["burnout", "nurses"]'
    assert widget.current != first and "1</b> screened of <b>3" in widget.progress.value
    assert "1 included so far" in widget.progress.value
    assert widget.tags.value == ""


def test_exclude_needs_a_reason(records, store):
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random")
    widget.buttons["exclude"].click()
    assert store.events().empty and "needs a reason" in widget.message.value
    widget.reason.value = "wrong topic"
    widget.buttons["exclude"].click()
    assert store.events()["reason"].tolist() == ["wrong topic"]


def test_record_text_is_escaped_and_matches_highlighted(records, store, tmp_path):
    (tmp_path / "cb.yml").write_text(CODEBOOK)
    widget = ScreeningWidget(
        records, store, reviewer="Ann", codebook=load_codebook(tmp_path / "cb.yml"), order="random"
    )
    cards = {}
    while widget.current:
        cards[widget.current] = widget.card.value
        widget.buttons["maybe"].click()
    assert "<script>" not in cards["r2"] and "&lt;script&gt;" in cards["r2"]
    assert "<mark>Burnout</mark> in nurses" in cards["r1"]
    assert widget.card.value == "<i>Nothing to show.</i>"


def test_blind_mode_hides_conflicts_and_resolver_sees_them(records, store):
    views = [value for _, value in ScreeningWidget(records, store, reviewer="Ann").filter.options]
    assert "unscreened" in views and "conflicts" not in views
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    store.record(
        reviewer="Bo", target="r1", stage="title_abstract", decision="exclude", reason="wrong topic"
    )
    resolver = ScreeningWidget(records, store, reviewer="Cy", blind=False)
    resolver.filter.value = "conflicts"
    assert resolver.candidates() == ["r1"] and resolver.current == "r1"


def test_prioritised_order_follows_decisions(records, store):
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    store.record(
        reviewer="Ann",
        target="r2",
        stage="title_abstract",
        decision="exclude",
        reason="wrong topic",
    )
    widget = ScreeningWidget(records, store, reviewer="Ann")
    assert widget.candidates() == ["r3"]


def test_highlight_escapes_before_marking():
    assert highlight("a <b>burn-out</b> case", ["burn out"]) == (
        "a &lt;b&gt;<mark>burn-out</mark>&lt;/b&gt; case"
    )


def test_pair_review_decision_is_applied_by_the_next_dedupe_run(tmp_path, data):
    from scoping.curation.widgets import open_pair_review
    from scoping.dedupe import run as dedupe
    from scoping.ingest import ingest

    build = tmp_path / "build"
    ingest([data / "dedupe_rules.ris"], build, progress=False)
    store_path = tmp_path / "curation" / "decisions.sqlite"
    before = dedupe(build, store=store_path)
    titles = before.records["title"]
    burnout = sorted(titles[titles.str.startswith("Burnout among")].index)
    assert before.group_of[burnout[0]] != before.group_of[burnout[1]]  # conflicting DOIs

    widget = open_pair_review(tmp_path, reviewer="Ann")
    assert "0</b> of <b>" in widget.progress.value
    while widget.current and set(widget.current) != set(burnout):
        widget.buttons["different"].click()
    assert set(widget.current) == set(burnout)
    assert all(rid in widget.card.value for rid in burnout)
    widget.buttons["same"].click()
    event = DecisionStore(store_path).events().iloc[-1]
    assert (event["stage"], event["target"], event["decision"]) == (
        "dedupe",
        "|".join(burnout),
        "same",
    )

    after = dedupe(build, store=store_path)
    assert after.group_of[burnout[0]] == after.group_of[burnout[1]]
    assert open_pair_review(tmp_path, reviewer="Ann").current is None  # nothing asked twice


def test_a_reviewer_sees_only_the_records_assigned_to_them(records, tmp_path):
    from scoping.curation.assign import write_assignments
    from scoping.curation.widgets import open_screening

    (tmp_path / "build").mkdir()
    records.to_parquet(tmp_path / "build" / "unique.parquet")
    table = pd.DataFrame({"record_id": ["r1", "r3", "r2"], "reviewer": ["Ann", "Ann", "Bo"]})
    write_assignments(table, tmp_path / "curation" / "assignments.csv")
    ann = open_screening(tmp_path, "Ann", order="random")
    assert sorted(ann.records) == ["r1", "r3"] and "of <b>2</b>" in ann.progress.value
    assert sorted(open_screening(tmp_path, "Bo", order="random").records) == ["r2"]


def test_topics_from_the_build_folder_and_a_record_without_topic(records, store, tmp_path):
    from scoping.curation.widgets import open_screening

    build = tmp_path / "build"
    build.mkdir()
    records.to_parquet(build / "unique.parquet")
    pd.DataFrame({"topic": [0, 1], "label": ["burnout / nurses", "joy / work"]}).to_csv(
        build / "topics.csv", index=False
    )
    # r2 has no modelled words: topic -1, as scoping topics writes it
    pd.DataFrame({"record_id": ["r1", "r2", "r3"], "topic": [0, -1, 1], "weight": 1}).to_csv(
        build / "doc_topics.csv", index=False
    )
    widget = open_screening(tmp_path, "Ann", order="random")
    assert widget.topics == {"r1": "0: burnout / nurses", "r3": "1: joy / work"}
    widget.filter.value = "topic:0: burnout / nurses"
    assert widget.candidates() == ["r1"]


def _press(widget, key, **extra):
    """A keydown as ipyevents' front end sends it, through ipyevents' own dispatch."""
    content = {"event": "keydown", "type": "keydown", "key": key, "repeat": False}
    widget.shortcuts._handle_mouse_msg(None, {**content, **extra}, None)


def test_keyboard_shortcuts_decide_and_pick_the_reason(records, store):
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", seed=1)
    assert widget.shortcuts.source is widget.card and widget.shortcuts.watched_events == ["keydown"]
    first = widget.current
    _press(widget, "i")
    second = widget.current
    _press(widget, "e")  # no reason yet: refused, as the button is
    assert "reason" in widget.message.value and widget.current == second
    _press(widget, str(store.reasons.index("wrong population") + 1))
    assert widget.reason.value == "wrong population"
    _press(widget, "E")
    third = widget.current
    _press(widget, "m", repeat=True)  # a held key is not a second decision
    _press(widget, "m", ctrlKey=True)  # nor is a chord
    _press(widget, "x")  # nor an unbound key
    assert widget.current == third
    _press(widget, "M")
    got = store.events()[["target", "decision", "reason"]].fillna("").values.tolist()
    assert got == [
        [first, "include", ""],
        [second, "exclude", "wrong population"],
        [third, "maybe", ""],
    ]


def test_topic_and_source_filters(records, store):
    topics = {"r1": "0: burnout / nurses", "r3": "1: joy / work", "r2": "1: joy / work"}
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", topics=topics)
    labels = [label for label, _ in widget.filter.options]
    assert "topic: 1: joy / work" in labels and "source: Scopus" in labels
    widget.filter.value = "topic:1: joy / work"
    assert sorted(widget.candidates()) == ["r2", "r3"] and widget.current in ("r2", "r3")
    widget.filter.value = "source:CINAHL Complete"
    assert widget.candidates() == ["r3"] and widget.current == "r3"
    widget.buttons["include"].click()
    assert widget.candidates() == [] and widget.current is None  # screened: not shown again
