"""The duplicate-review widget driven from Python: differences shown, contradictions
refused, undo, and decisions applied by the next dedupe run."""

import re

import pandas as pd
import pytest

from scoping.curation import DecisionStore
from scoping.curation.pairs import PairReviewWidget, contradiction, open_pair_review
from scoping.dedupe import run as dedupe
from scoping.ingest import ingest


@pytest.fixture
def three():
    records = pd.DataFrame(
        {
            "record_id": ["A", "B", "C"],
            "title": ["Huddles in wards", "Huddles in Wards.", "Huddles on wards"],
            "authors": [["Lee, K"], ["Lee, K"], ["Lee, K"]],
            "year": [2020, 2020, 2021],
            "journal": ["BMJ", "BMJ", "BMJ Qual"],
        }
    )
    pairs = pd.DataFrame(
        {
            "a": ["A", "B"],
            "b": ["B", "C"],
            "decision": "maybe",
            "score": ["0.97", "0.91"],
            "rule": ["title 0.97; year agrees", "title 0.91; year differs"],
            "agreed": ["title;author;year", "author"],
            "disagreed": ["", "year"],
        }
    )
    return pairs, records


def test_the_card_shows_the_rule_score_and_the_fields_that_differ(three, tmp_path):
    widget = PairReviewWidget(*three, DecisionStore(tmp_path / "d.sqlite"), "Ann")
    card = widget.card.value
    assert "The titles are 97% alike. Agree: authors, year, journal." in card
    assert "Rule: title 0.97; year agrees" in card
    assert "<tr><th style='border" in card  # the same title: not shaded
    widget.buttons["same"].click()
    card = widget.card.value  # B-C: title and year and journal differ
    assert "The titles are 91% alike. Agree: authors. Differ: year, journal." in card
    assert re.search(
        r"<tr style='background:#fee2e2'><th[^>]*>year</th><td[^>]*>2020</td><td[^>]*>2021", card
    )


def test_a_contradicting_decision_is_refused_before_it_is_stored(three, tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    store.record(
        reviewer="Bo", target="A|C", target_kind="pair", stage="dedupe", decision="different"
    )
    widget = PairReviewWidget(*three, store, "Ann")
    widget.card.press("s")  # A-B same: fine so far
    assert widget.current is None  # B-C is settled: A = B, and Bo said A is not C
    widget.show(("B", "C"))  # looked at all the same
    widget.card.press("s")  # B-C same would chain A and C, which Bo said differ
    assert "Not stored: A and C were decided not the same" in widget.message.value
    assert store.events()["decision"].tolist() == ["different", "same"]
    assert widget.current == ("B", "C")
    widget.card.press("d")
    assert store.events()["decision"].tolist() == ["different", "same", "different"]


def test_undo_withdraws_the_last_pair_decision_and_shows_it_again(three, tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    widget = PairReviewWidget(*three, store, "Ann")
    widget.buttons["same"].click()
    assert widget.current == ("B", "C") and "1</b> of <b>2" in widget.progress.value
    widget.buttons["undo"].click()
    assert widget.current == ("A", "B") and "Undone: same work, on “" in widget.message.value
    assert "(A, B)" in widget.message.value and "0</b> of <b>2" in widget.progress.value
    assert store.current("dedupe").empty and store.events()["decision"].tolist() == [
        "same",
        "retract",
    ]


def test_contradiction_of_a_different_already_chained():
    said = {frozenset({"A", "B"}): "same", frozenset({"B", "C"}): "same"}
    assert "already chain A and C" in contradiction(said, "A", "C", "different")
    assert contradiction(said, "A", "C", "same") is None


def test_pair_review_decision_is_applied_by_the_next_dedupe_run(tmp_path, data):
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
    assert f"{burnout[0]} = {burnout[1]}" in after.summary(build)  # the merge is named
    assert open_pair_review(tmp_path, reviewer="Ann").current is None  # nothing asked twice


def test_related_and_not_related_are_stored_and_the_next_dedupe_links_or_unlinks(tmp_path, data):
    build = tmp_path / "build"
    ingest([data / "dedupe_rules.ris"], build, progress=False)
    store_path = tmp_path / "curation" / "decisions.sqlite"
    before = dedupe(build, store=store_path)
    titles = before.records["title"]
    burnout = sorted(titles[titles.str.startswith("Burnout among")].index)  # a "maybe" pair
    culture = sorted(titles[titles.str.contains("Just culture in ambulance")].index)
    assert not (
        (before.related["record_id"].isin(burnout)) & (before.related["related_id"].isin(burnout))
    ).any()
    store = DecisionStore(store_path)
    store.record(
        reviewer="Ann",
        target="|".join(burnout),
        target_kind="pair",
        stage="dedupe",
        decision="related",
    )
    store.record(
        reviewer="Ann",
        target="|".join(culture),
        target_kind="pair",
        stage="dedupe",
        decision="not related",
    )
    after = dedupe(build, store=store_path)
    links = {
        frozenset((a, b)): (r, s, rule)
        for a, b, r, s, rule in after.related[
            ["record_id", "related_id", "relation", "status", "rule"]
        ].itertuples(index=False)
    }
    assert links[frozenset(burnout)] == ("same_study", "linked", "person: related")
    assert frozenset(culture) not in links  # a person said the correction is not its paper's
    assert after.group_of[burnout[0]] != after.group_of[burnout[1]]  # linked, never merged


def test_the_related_button_stores_related(three, tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    widget = PairReviewWidget(*three, store, "Ann")
    widget.card.press("r")
    widget.buttons["not related"].click()
    assert store.events()["decision"].tolist() == ["related", "not related"]
    assert "not related" in widget.message.value


def test_a_pair_already_one_work_through_other_decisions_is_not_asked(three, tmp_path):
    pairs, records = three
    pairs = pd.concat([pairs, pd.DataFrame({"a": ["A"], "b": ["C"], "decision": ["maybe"]})])
    store = DecisionStore(tmp_path / "d.sqlite")
    widget = PairReviewWidget(pairs, records, store, "Ann", groups={"A": "g1", "C": "g1"})
    assert widget.current == ("A", "B")  # A-C: one work by the last run's groups
    assert "0</b> of <b>3</b> pairs decided; 1 settled by other decisions" in widget.progress.value
    widget.buttons["same"].click()  # A = B, and A = C: B-C is answered too
    assert widget.current is None and "No pairs left" in widget.card.value
    assert "1</b> of <b>3</b> pairs decided; 2 settled by other decisions" in widget.progress.value


def test_a_pair_kept_apart_by_another_decision_is_not_asked(three, tmp_path):
    pairs, records = three
    pairs = pd.concat([pairs, pd.DataFrame({"a": ["A"], "b": ["C"], "decision": ["maybe"]})])
    store = DecisionStore(tmp_path / "d.sqlite")
    widget = PairReviewWidget(pairs, records, store, "Ann", groups={"B": "g1", "C": "g1"})
    assert widget.current == ("A", "B")  # B-C: one work already (not asked)
    widget.buttons["different"].click()  # A is not B, so A is not C (one work with B)
    assert widget.current is None
    assert "1</b> of <b>3</b> pairs decided; 2 settled by other decisions" in widget.progress.value
