"""Works awaiting their full text: recorded as not retrieved, with a reason, and undone."""

import pandas as pd
import pytest

from scoping.curation import DecisionStore
from scoping.curation.fulltext import statuses
from scoping.curation.retrieval import RetrievalWidget


@pytest.fixture
def awaited():
    return pd.DataFrame(
        {
            "record_id": ["r1", "r2"],
            "title": ["Huddles and speaking up on night shifts", None],
            "status": ["awaiting retrieval", "awaiting retrieval"],
        }
    )


def test_not_retrieved_needs_a_reason_is_stored_and_can_be_undone(awaited, new_store):
    store = DecisionStore(new_store())
    widget = RetrievalWidget(awaited, store, "Ann")
    assert "<b>2</b> awaiting retrieval; <b>0</b> recorded" in widget.progress.value
    widget.works.value = "r1"
    widget.buttons["not retrieved"].click()
    assert "Choose a work and a reason first" in widget.message.value and store.events().empty
    widget.reason.value = "not found"
    widget.buttons["not retrieved"].click()
    assert "Not retrieved (not found): “Huddles" in widget.message.value
    assert "<b>1</b> awaiting retrieval; <b>1</b> recorded" in widget.progress.value
    assert widget.works.options[0][0].startswith("NOT RETRIEVED (not found): Huddles")
    located = pd.DataFrame({"record_id": ["r1", "r2"], "file": ["", ""], "url": ["", ""]})
    found = statuses(["r1", "r2"], located, store).set_index("record_id")
    assert found.at["r1", "status"] == "not retrieved" and found.at["r1", "reason"] == "not found"
    widget.buttons["undo"].click()
    assert "Undone: not retrieved" in widget.message.value
    found = statuses(["r1", "r2"], located, store).set_index("record_id")
    assert found.at["r1", "status"] == "awaiting retrieval"
    assert "(no title) (r2)" in widget.works.options[1][0]


def test_no_work_awaited_says_so(new_store):
    empty = pd.DataFrame(columns=["record_id", "title", "status"])
    widget = RetrievalWidget(empty, DecisionStore(new_store()), "Ann")
    assert "No work is awaiting its full text" in widget.progress.value


def test_works_included_since_the_last_run_are_named(new_store):
    empty = pd.DataFrame(columns=["record_id", "title", "status"])
    widget = RetrievalWidget(empty, DecisionStore(new_store()), "Ann", unlisted=2)
    assert "at the last <code>scoping run</code>" in widget.progress.value
    assert "<b>2</b> works included at title and abstract since then" in widget.progress.value
