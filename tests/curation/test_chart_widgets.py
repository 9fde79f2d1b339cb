"""The charting and reconciliation widgets driven from Python."""

import pandas as pd
import pytest

from scoping import resources
from scoping.curation import DecisionStore
from scoping.curation.chart_widgets import ChartingWidget, ReconcileWidget
from scoping.curation.charting import record_values
from scoping.form import load_form
from scoping.tags import load_codebook


@pytest.fixture
def form():
    codebook = load_codebook(resources.path(resources.CODEBOOK))
    return load_form(resources.path(resources.CHARTING), codebook)


@pytest.fixture
def works():
    return pd.DataFrame(
        {
            "record_id": ["w1", "w2", "w3"],
            "title": ["Huddles on night shifts.", "Joy in work in care homes", "Civility"],
            "abstract": ["We tried huddles.", "Staff joy.", "Civility saves lives."],
            "authors": [["Lee, K"], ["Oni, B"], ["Khan, R"]],
            "year": [2020, 2021, 2022],
        }
    )


def test_charting_starts_at_the_first_work_not_yet_charted_and_says_what_it_saved(
    form, works, tmp_path
):
    store = DecisionStore(tmp_path / "d.sqlite")
    record_values(store, form, [("Ann", "w1", "aims", "To try huddles.", "entered")])
    widget = ChartingWidget(works, store, form, "Ann")
    assert widget.current == "w2" and "Work <b>2</b> of <b>3</b>" in widget.progress.value
    assert "Ctrl-click" in widget.children[3].value  # how to pick several in a list
    assert "no field is drafted from it" in widget.card.value  # no drafts given here
    widget.move(-1)
    widget.controls["aims"].value = "To try huddles before each shift."
    widget.controls["setting"].value = ("Acute hospital care",)
    widget.controls["study_design"].value = "Quality improvement report"
    widget.controls["country"].value = "United Kingdom"
    widget.controls["key_findings"].value = "Huddles were kept up for a year."
    widget.save_and_next()
    assert widget.current == "w2", widget.message.value
    assert "Saved 5 values for <i>Huddles on night shifts</i>." in widget.message.value


def test_reconciliation_shows_no_controls_without_a_disagreement(form, works, tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    idle = ReconcileWidget(store, form, "Cy", works)
    assert "No disagreement left" in idle.table.value
    assert idle.choice.layout.display == idle.save.layout.display == "none"
    record_values(
        store,
        form,
        [
            ("Ann", "w1", "study_design", "Quality improvement report", "entered"),
            ("Bo", "w1", "study_design", "Cross-sectional survey", "entered"),
        ],
    )
    idle.refresh()
    assert idle.choice.value == ("w1", "study_design") and idle.save.layout.display is None


def test_agreement_still_describes_the_blind_charting_after_a_reconciliation(form, works, tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    said = [
        ("Ann", "w1", "study_design", "Quality improvement report", "entered"),
        ("Bo", "w1", "study_design", "Cross-sectional survey", "entered"),
    ]
    record_values(store, form, said)
    widget = ReconcileWidget(store, form, "Ann", works)  # Ann reconciles her own conflict
    widget.agreed.value = "Quality improvement report"
    widget.resolve()
    assert "No disagreement left" in widget.table.value
    assert "Study design" in widget.scores.value and "0.0" in widget.scores.value


def test_a_drafts_sentence_is_highlighted_in_a_full_text_whose_lines_break_it(
    form, works, tmp_path
):
    drafts = pd.DataFrame(
        {
            "record_id": ["w1"],
            "field": ["aims"],
            "value": ["To test huddles before each night shift."],
            "evidence": ["We aimed to test huddles before each night shift."],
            "method": ["sentence"],
        }
    )
    texts = {"w1": "Background.\nWe aimed to test huddles\nbefore each night shift. Methods."}
    widget = ChartingWidget(works, DecisionStore(tmp_path / "d.sqlite"), form, "Ann",
                            drafts=drafts, texts=texts)  # fmt: skip
    assert "<mark>We aimed to test huddles\nbefore each night shift.</mark>" in widget.card.value
    assert "highlighted: where the drafts come from" in widget.card.value
