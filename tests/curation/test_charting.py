"""Charting: values checked against the form and stored as events; blind dual charting,
reconciliation, agreement per field, and the chart table."""

import pandas as pd
import pytest

from scoping import resources
from scoping.curation import DecisionStore
from scoping.curation.charting import (
    agreement,
    chart_table,
    charted,
    consensus,
    disagreements,
    record_value,
)
from scoping.errors import InputError
from scoping.form import load_form
from scoping.tags import load_codebook


@pytest.fixture
def form():
    return load_form(resources.path("charting.yml"), load_codebook(resources.path("codebook.yml")))


@pytest.fixture
def store(tmp_path):
    return DecisionStore(tmp_path / "d.sqlite")


def _chart(store, form, reviewer, rid, **values):
    for field, value in values.items():
        record_value(store, form, reviewer=reviewer, record_id=rid, field=field, value=value)


def test_a_value_outside_the_form_is_refused_and_nothing_is_stored(store, form):
    with pytest.raises(InputError, match="'Yoga' is not an allowed value"):
        record_value(
            store, form, reviewer="Ann", record_id="r1", field="interventions", value=["Yoga"]
        )
    assert store.events().empty


def test_blind_dual_charting_agreement_and_reconciliation(store, form):
    _chart(store, form, "Ann", "r1", sample_size=412, study_design="Randomised controlled trial")
    _chart(store, form, "Bo", "r1", sample_size=410, study_design="Randomised controlled trial")
    _chart(store, form, "Ann", "r2", sample_size=30, study_design="Qualitative study")
    _chart(store, form, "Bo", "r2", sample_size=30, study_design="Cross-sectional survey")
    values = charted(store)
    assert set(values["reviewer"]) == {"Ann", "Bo"} and len(values) == 8
    table = consensus(values).set_index(["record_id", "field"])
    assert table.loc[("r1", "study_design"), "status"] == "agreed"
    assert table.loc[("r1", "sample_size"), "status"] == "conflict"
    conflicts = disagreements(values)
    assert sorted(set(zip(conflicts["record_id"], conflicts["field"], strict=True))) == [
        ("r1", "sample_size"),
        ("r2", "study_design"),
    ]
    record_value(
        store,
        form,
        reviewer="Cy",
        record_id="r1",
        field="sample_size",
        value=412,
        source="reconciled",
    )
    table = consensus(charted(store)).set_index(["record_id", "field"])
    assert table.loc[("r1", "sample_size"), ["value", "status"]].tolist() == [412, "reconciled"]
    scores = agreement(charted(store), form).set_index("field")
    assert scores.loc["sample_size", ["works_compared", "works_agreeing"]].tolist() == [2, 1]
    assert scores.loc["study_design", "percent_agreement"] == 50.0
    assert scores.loc["study_design", "kappa"] is not None


def test_a_changed_mind_is_a_new_event_and_the_latest_counts(store, form):
    _chart(store, form, "Ann", "r1", country="Wales")
    _chart(store, form, "Ann", "r1", country="Scotland; Ireland")
    assert len(store.events()) == 2
    (value,) = charted(store)["value"]
    assert value == ["Ireland", "United Kingdom"]


def test_the_chart_table_has_a_row_per_work_and_a_column_per_field(store, form):
    _chart(
        store,
        form,
        "Ann",
        "r1",
        aims="To test huddles",
        country="England",
        key_findings="Huddles helped.",
        setting=["Care homes"],
    )
    record_value(
        store, form, reviewer="Ann", record_id="r2", field="aims", value="Drafted", source="draft"
    )
    agreed = consensus(charted(store))
    works = pd.DataFrame({"record_id": ["r1", "r2"], "citation": ["Ann A. Huddles.", "B."]})
    table = chart_table(form, agreed, works).set_index("record_id")
    assert table.loc["r1", "Country"] == "United Kingdom"
    assert table.loc["r1", "Setting"] == "Care homes"
    assert table.loc["r1", "required fields empty"] == "study_design"
    assert table.loc["r1", "citation"] == "Ann A. Huddles."
    assert list(table.columns[-4:]) == [
        "charted by",
        "reconciled",
        "fields in conflict",
        "required fields empty",
    ]
    checked = agreed.set_index(["record_id", "field"])["checked"]
    assert checked[("r1", "aims")] and not checked[("r2", "aims")]  # an accepted draft alone
