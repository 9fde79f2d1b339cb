"""The screening widget driven from Python: its state and its button callbacks."""

import re

import pandas as pd
import pytest

from scoping.curation import DecisionStore
from scoping.curation.prioritise import queue
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
def store(new_store):
    """A store on each backend in turn: the widget behaves the same on both."""
    return DecisionStore(new_store())


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
    # the stopping aid, above the record: screened since the last inclusion, and why
    # there is no estimate yet
    assert "0 screened since the last inclusion" in widget.advice.value
    assert "unknown before 50 decisions" in widget.advice.value
    assert list(widget.children).index(widget.advice) < list(widget.children).index(widget.card)


def test_exclude_needs_a_reason_chosen_first_and_the_message_goes_with_the_view(records, store):
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random")
    children = list(widget.children)
    buttons = next(c for c in children if widget.buttons["include"] in getattr(c, "children", ()))
    assert children.index(widget.reason) < children.index(buttons)  # set first, so above
    widget.buttons["exclude"].click()
    assert store.events().empty and "Choose the reason first" in widget.message.value
    assert "None" not in widget.message.value
    widget.filter.value = "all"
    assert widget.message.value == ""  # a message belongs to the view it was given in
    widget.filter.value = "unscreened"
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
    assert '<mark style="background:#fde68a">Burnout</mark> in nurses' in cards["r1"]
    assert "You have screened all 3 records here" in widget.card.value


def test_blind_mode_hides_conflicts_and_resolver_sees_them(records, store):
    views = [value for _, value in ScreeningWidget(records, store, reviewer="Ann").filter.options]
    assert "unscreened" in views and "conflicts" not in views
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    store.record(
        reviewer="Bo", target="r1", stage="title_abstract", decision="exclude", reason="wrong topic"
    )
    store.record(
        reviewer="Ann",
        target="r1",
        stage="title_abstract",
        decision="include",
        note="nurses in a hospice count",
    )
    resolver = ScreeningWidget(records, store, reviewer="Cy", blind=False)
    resolver.filter.value = "conflicts"
    assert resolver.candidates() == ["r1"] and resolver.current == "r1"
    card = resolver.card.value  # who decided what, side by side, with reason and note
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", card)
    assert cells[:3] == ["Ann", cells[1], "nurses in a hospice count"]
    assert cells[1].startswith("include, ") and cells[4].startswith("exclude (wrong topic), ")
    resolver.buttons["include"].click()  # the resolution: one action
    assert resolver.candidates() == [] and "Nothing to show" in resolver.card.value
    # a resolution is counted as one, not as the resolver's own screening
    assert "<b>0</b> screened of <b>3</b>; 0 included so far (Cy); 1 disagreement resolved" in (
        resolver.progress.value
    )
    resolver.filter.value = "unscreened"
    resolver.buttons["include"].click()  # Cy screens a record of her own
    assert "<b>1</b> screened of <b>3</b>; 1 included so far (Cy); 1 disagreement" in (
        resolver.progress.value
    )


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
    widget.buttons["maybe"].click()  # the last record, in the model's order: the end
    assert "3</b> screened of <b>3" in widget.progress.value
    assert widget.current is None and "You have screened all 3 records" in widget.card.value


def test_highlight_escapes_before_marking():
    assert highlight("a <b>burn-out</b> case", ["burn out"]) == (
        "a &lt;b&gt;<mark>burn-out</mark>&lt;/b&gt; case"
    )


def test_highlights_are_coloured_by_kind_with_the_groups_own_keywords():
    marked = highlight("Huddles for nurses", {"huddles": "#86efac", "nurses": "#ddd6fe"})
    assert marked == (
        '<mark style="background:#86efac">Huddles</mark> for '
        '<mark style="background:#ddd6fe">nurses</mark>'
    )
    # a word inside one already marked is not marked again (no nested marks)
    assert highlight("burn out", {"burn out": "#fde68a", "burn": "#fca5a5"}).count("<mark") == 1


def _burnout_evidence(ids, terms):
    """Rows of the tag stage's evidence: the codebook's burnout tag on ``ids``."""
    return pd.DataFrame(
        {
            "record_id": ids,
            "tag": "burnout",
            "group": "theme",
            "applied": True,
            "matched_terms": terms,
        }
    )


def test_filters_are_grouped_by_kind_with_counts_and_read_from_the_tag_output(
    records, store, tmp_path
):
    (tmp_path / "cb.yml").write_text(CODEBOOK)
    # the tag stage's evidence says r3 is about burnout, whatever its text: the filter
    # follows the stage's output, never re-tags per decision
    evidence = _burnout_evidence(["r1", "r3"], ["burnout", "meaning"])
    widget = ScreeningWidget(
        records,
        store,
        reviewer="Ann",
        codebook=load_codebook(tmp_path / "cb.yml"),
        evidence=evidence,
        order="random",
        keywords={"exclude": ["soil"]},
    )
    labels = [label for label, _ in widget.filter.options]
    assert labels[:2] == ["Status · Not yet screened by you", "Status · All records"]
    assert "Theme · burnout (2)" in labels and "Source · Scopus (1)" in labels
    widget.filter.value = "tag:burnout"
    assert sorted(widget.candidates()) == ["r1", "r3"]
    widget.filter.value = "source:Scopus"
    assert '<mark style="background:#fca5a5">Soil</mark>' in widget.card.value
    legend = [c.value for c in widget.children if isinstance(getattr(c, "value", None), str)]
    assert any("Include keyword" in v for v in legend)  # the legend


def test_undo_previous_and_the_decided_state(records, store):
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", seed=1)
    assert "Not yet decided by you" in widget.card.value
    first = widget.current
    widget.buttons["include"].click()
    title = widget.records[first]["title"]
    assert title[:10] in widget.message.value and "Undo" in widget.message.value
    second = widget.current
    widget.buttons["maybe"].click()
    widget.buttons["previous"].click()  # back to the one decided last
    assert widget.current == second and "You decided: maybe" in widget.card.value
    widget.buttons["previous"].click()
    assert widget.current == first and "You decided: include" in widget.card.value
    widget.buttons["undo"].click()  # undoes the last decision (on second), shows it again
    assert widget.current == second and "Not yet decided by you" in widget.card.value
    assert "Undone: maybe" in widget.message.value
    log = store.events()
    assert log["decision"].tolist() == ["include", "maybe", "retract"]  # nothing deleted
    assert store.current("title_abstract", "Ann")["target"].tolist() == [first]
    widget.card.press("u")
    assert store.current("title_abstract", "Ann").empty
    widget.card.press("u")
    assert "Nothing to undo" in widget.message.value


def test_the_counts_after_an_undo_and_when_nothing_is_left(records, store):
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", seed=1)
    for _ in range(3):
        widget.buttons["maybe"].click()
    assert "You have screened all 3 records here" in widget.card.value
    widget.buttons["undo"].click()
    assert "<b>2</b> screened of <b>3</b>" in widget.progress.value
    assert widget.advice.value.startswith("<small>2 screened, 0 included")  # not 3


def test_full_text_with_no_work_yet_says_what_to_do_and_has_no_stopping_rule(records, store):
    empty = ScreeningWidget(records.iloc[:0], store, reviewer="Ann", stage="full_text")
    assert "No work to screen at full text yet" in empty.card.value
    assert "corpus/fulltext/" in empty.card.value
    empty.buttons["include"].click()  # nothing shown: said, not silently ignored
    assert "nothing to decide" in empty.message.value and store.events().empty
    linked = records.assign(full_text="Full text: https://doi.org/10.1/joy?a=1&b=2")
    widget = ScreeningWidget(linked, store, reviewer="Ann", stage="full_text")
    assert widget.current in widget.records and widget.advice.value == ""
    link = "https://doi.org/10.1/joy?a=1&amp;b=2"
    assert f'<a href="{link}" target="_blank" rel="noopener">{link}</a>' in widget.card.value


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


def _press(widget, key):
    """A key as the card's front end sends it (a message with the key), through the
    widget's own message dispatch."""
    widget.card._handle_custom_msg({"key": key}, None)


def test_keyboard_shortcuts_decide_and_pick_the_reason(records, store):
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", seed=1)
    first = widget.current
    _press(widget, "i")
    second = widget.current
    _press(widget, "e")  # no reason yet: refused, as the button is
    assert "reason" in widget.message.value and widget.current == second
    _press(widget, str(store.reasons.index("wrong population") + 1))
    assert widget.reason.value == "wrong population"
    _press(widget, "E")
    third = widget.current
    _press(widget, "x")  # an unbound key does nothing
    widget.card._handle_custom_msg({"key": "Enter"}, None)  # nor a named key
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
    assert "Topic · 1: joy / work (2)" in labels and "Source · Scopus (1)" in labels
    widget.filter.value = "topic:1: joy / work"
    assert sorted(widget.candidates()) == ["r2", "r3"] and widget.current in ("r2", "r3")
    widget.filter.value = "source:CINAHL Complete"
    assert widget.candidates() == ["r3"] and widget.current == "r3"
    widget.buttons["include"].click()
    assert widget.candidates() == [] and widget.current is None  # screened: not shown again


def test_a_codebooks_own_kind_of_tag_has_its_filters(records, store, tmp_path):
    (tmp_path / "cb.yml").write_text(
        CODEBOOK + "  - {name: students, group: population_group, definition: Students.,"
        " include: [students], label: Students}\n"
    )
    widget = ScreeningWidget(
        records,
        store,
        reviewer="Ann",
        codebook=load_codebook(tmp_path / "cb.yml"),
        order="random",
    )
    labels = [label for label, _ in widget.filter.options]
    assert labels.index("Theme · burnout (1)") < labels.index("Population group · Students (0)")


def test_filter_counts_are_of_the_records_shown(records, store, tmp_path):
    (tmp_path / "cb.yml").write_text(CODEBOOK)
    evidence = _burnout_evidence(
        ["r1", "r9"], "burnout"
    )  # r9 is in the tag stage's output but not among the records screened here
    widget = ScreeningWidget(
        records,
        store,
        reviewer="Ann",
        codebook=load_codebook(tmp_path / "cb.yml"),
        evidence=evidence,
        order="random",
    )
    assert "Theme · burnout (1)" in [label for label, _ in widget.filter.options]


def test_a_retracted_work_is_flagged_and_its_linked_reports_listed_and_decided_together(store):
    records = pd.DataFrame(
        {
            "record_id": ["p", "n", "q"],
            "title": ["Joy in work on wards", "Retraction notice to: Joy in work", "Kindness"],
            "abstract": ["", "", ""],
            "retracted": [True, False, False],
            "retraction": ["p: retraction notice n in the corpus", "", ""],
        }
    )
    related = pd.DataFrame(
        {
            "record_id": ["n"],
            "related_id": ["p"],
            "relation": ["retraction_of"],
            "status": ["linked"],
        }
    )
    from scoping.curation.linked import links_by_work

    links = links_by_work(related, records)
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", links=links)
    widget.show("p")
    assert "RETRACTED." in widget.card.value and "retraction notice n" in widget.card.value
    assert "Retraction notice of this work: Retraction notice to: Joy in work" in widget.card.value
    assert "not yet decided by you" in widget.card.value
    widget.show("n")
    assert "RETRACTED." not in widget.card.value  # the notice is not itself retracted
    assert "The work this notice retracts: Joy in work on wards" in widget.card.value
    widget.apply_linked.value = True
    widget.reason.value = widget.reasons[0]
    widget.buttons["exclude"].click()  # on the notice, and the same on its paper
    events = store.events()
    assert sorted(events["target"]) == ["n", "p"] and set(events["decision"]) == {"exclude"}
    assert "and 1 linked report" in widget.message.value
    widget.show("p")
    assert "(n; you decided: exclude)" in widget.card.value
    widget.undo()  # one undo takes back the decision and the one given to its link
    assert "and on 1 linked report" in widget.message.value and widget.current == "n"
    assert store.current("title_abstract").empty


def test_the_demo_retracted_works_show_their_flag_when_screened(demo_copy):
    from scoping.curation.widgets import open_screening

    widget = open_screening(demo_copy, "Retraction tester", new_reviewer=True, order="random")
    retracted = [rid for rid, r in widget.records.items() if r.get("retracted")]
    assert len(retracted) == 3
    for rid in retracted:
        widget.show(rid)
        assert "RETRACTED." in widget.card.value and "Retraction notice of this work" in (
            widget.card.value
        )


def test_the_order_learns_from_the_earlier_review_the_workspace_names(
    records, demo_built, tmp_path
):
    from scoping.curation.earlier import read_earlier
    from scoping.curation.widgets import open_screening

    (tmp_path / "build").mkdir()
    records.to_parquet(tmp_path / "build" / "unique.parquet")
    (tmp_path / "scoping.yml").write_text(f"screening:\n  earlier: {demo_built}\n")
    widget = open_screening(tmp_path, "Ann")
    earlier = read_earlier(demo_built)
    told = f"learns from {len(earlier.labels)} decisions ({sum(earlier.labels)} included)"
    assert told in widget.advice.value and "0 screened" in widget.advice.value
    assert widget.queue.order == queue(widget.texts, [], earlier=earlier).order
    assert widget.current == widget.queue.order[0] != "r2"  # not the soil fauna record
    assert widget.queue.order[-1] == "r2"
    calibrating = open_screening(tmp_path, "Ann", order="random")  # random: nothing learnt
    assert "learns from" not in calibrating.advice.value


def test_screening_opens_without_an_earlier_review_whose_server_is_down(records, tmp_path):
    from scoping.curation.widgets import open_screening

    earlier = tmp_path / "earlier"
    (earlier / "build").mkdir(parents=True)
    # port 1 on this machine: nothing listens, so the server is down
    (earlier / "scoping.yml").write_text("store: postgresql://ann@127.0.0.1:1/review\n")
    records.to_parquet(earlier / "build" / "unique.parquet")
    pd.DataFrame({"record_id": ["r1"], "group_id": ["g1"], "is_primary": [True]}).to_csv(
        earlier / "build" / "duplicates.csv", index=False
    )
    here = tmp_path / "here"
    (here / "build").mkdir(parents=True)
    records.to_parquet(here / "build" / "unique.parquet")
    (here / "scoping.yml").write_text("screening:\n  earlier: ../earlier\n")
    widget = open_screening(here, "Ann")
    assert widget.earlier is None and widget.current is not None
    assert "decisions could not be read" in widget.message.value
    assert "learns from" not in widget.advice.value


def test_changing_a_mind_keeps_the_note_and_tags(records, store):
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", seed=1)
    first = widget.current
    widget.note.value, widget.tags.value = "ask the team about this one", "huddles"
    widget.buttons["maybe"].click()
    assert widget.note.value == "" and widget.current != first
    widget.buttons["previous"].click()  # back to the maybe: its note and tags are shown
    assert widget.current == first and widget.note.value == "ask the team about this one"
    assert widget.tags.value == "huddles"
    widget.buttons["include"].click()
    final = store.current("title_abstract", "Ann").set_index("target")
    assert final.at[first, "decision"] == "include"
    assert final.at[first, "note"] == "ask the team about this one"
    assert widget.note.value == ""  # the next record starts empty
