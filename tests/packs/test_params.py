"""Pack parameters: typed, checked once, unknown names answered with the valid ones."""

import ast

import pytest

from scoping.errors import InputError
from scoping.packs import PARAMETERS, PackParams, template_parameters


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"audiense": "leaders"}, r"'audiense' \(did you mean 'audience'\?\); valid parameters"),
        ({"audience": "managers"}, "audience='managers' is not one of 'leaders', 'frontline'"),
        ({"settings": "hospital"}, "settings='hospital' is not one of"),
        ({"stage": "full_text"}, "stage='full_text' is not one of 'included', 'all'"),
        ({"n_topics": 1}, "n_topics=1 must be 'auto' or 2 or more"),
        ({"year_from": "2010"}, "year_from='2010' must be a whole number"),
        ({"year_from": 2030, "year_to": 2000}, "year_from=2030 is after year_to=2000"),
        ({"seed": -1}, "seed=-1 must be from 0 to 4294967295"),
    ],
)
def test_bad_parameters_name_what_is_valid(params, message):
    with pytest.raises(InputError, match=message):
        PackParams.from_mapping(params)


def test_template_parameters_cell_matches_the_library():
    found = template_parameters()
    assert list(found) == list(PARAMETERS)
    for name, default in found.items():
        if name not in ("workspace", "output"):  # the template's are relative to notebooks/
            assert ast.literal_eval(default) == PARAMETERS[name], name


def test_parameters_survive_a_round_trip_through_plain_values():
    params = PackParams.from_mapping({"themes": "burnout", "year_from": 2015, "workspace": ".."})
    assert params.themes == ("burnout",)
    assert PackParams.from_mapping(params.as_dict()) == params
