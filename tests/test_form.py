"""The charting form: read, checked, and the values it allows."""

import pytest

from scoping import resources
from scoping.errors import InputError
from scoping.form import load_form
from scoping.tags import load_codebook


@pytest.fixture
def form():
    return load_form(resources.path("charting.yml"), load_codebook(resources.path("codebook.yml")))


def test_the_shipped_form_has_the_collaboratives_fields(form):
    names = [f.name for f in form.fields]
    assert names[:3] == ["aims", "country", "setting"]
    assert {"interventions", "outcome_domains", "instruments", "direction_of_effect"} <= set(names)
    assert "Schwartz Rounds" in form.field("interventions").allowed
    assert "Care homes" in form.field("setting").allowed  # from the codebook
    assert form.missing({"aims": "x"}) == ["country", "setting", "study_design", "key_findings"]


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("sample_size", "1,204", "1204"),
        ("country", "England; Wales; Canada", '["Canada", "United Kingdom"]'),
        ("interventions", ["Team huddles", "Peer support"], '["Peer support", "Team huddles"]'),
        ("direction_of_effect", {"Burnout": "improved"}, '{"Burnout": "improved"}'),
        ("aims", "  To   explore ", '"To   explore"'),
    ],
)
def test_values_are_checked_and_stored_as_json(form, field, value, stored):
    assert form.check(field, value) == stored


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("interventions", ["Yoga"], r"'Yoga' is not an allowed value; use one of Schwartz Rounds"),
        ("sample_size", "many", "sample_size is a whole number of 0 or more, not 'many'"),
        ("country", "Narnia", "'Narnia' is not a country name"),
        ("direction_of_effect", "improved", "gives a value for each outcome_domains"),
        ("colour", "red", "no field 'colour' in the charting form"),
    ],
)
def test_a_value_outside_the_field_is_one_clear_line(form, field, value, match):
    with pytest.raises(InputError, match=match):
        form.check(field, value)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("fields:\n  - name: x\n    type: integer\n", r"line 2: field x: unknown type 'integer'"),
        ("fields:\n  - name: x\n    type: choice\n", "a choice field needs values"),
        ("fields:\n  - {name: x, type: text, required: maybe}\n", "required is true or false"),
        ("fields:\n  - {name: x, type: text}\n  - {name: x, type: text}\n", "used twice: x"),
        ("fields:\n  - {name: x, type: text, colour: red}\n", "unknown key.* colour"),
        ("fields: [\n", r"line \d+: not valid YAML"),
        ("- a\n", "expected a top-level 'fields:' list"),
    ],
)
def test_a_bad_form_is_one_clear_line_with_its_line(tmp_path, text, match):
    path = tmp_path / "charting.yml"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        load_form(path)
