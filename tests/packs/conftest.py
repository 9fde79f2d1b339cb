"""Shared makers for the packs' tests."""

import pytest


@pytest.fixture
def make_study():
    """A maker of one study as charted: an empty one, with the fields given."""
    from scoping.packs.synthesis import Study

    def make(**fields):
        empty = {
            "record_id": "r1",
            "interventions": (),
            "outcomes": (),
            "directions": {},
            "design": "",
            "settings": (),
            "key_finding": "",
            "change_ideas": "",
            "source": "charted",
            "checked": True,
        }
        return Study(**(empty | fields))

    return make
