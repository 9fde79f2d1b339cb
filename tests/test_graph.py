"""Connected components of pairs."""

import itertools

from scoping.graph import components


def test_a_chain_is_one_component_named_by_its_smallest_item_in_any_order():
    pairs = [("e", "d"), ("b", "c"), ("d", "c"), ("x", "y")]
    for order in itertools.permutations(pairs):
        found = components(order, items=["lone"])
        assert {found[i] for i in "bcde"} == {"b"}
        assert found["x"] == found["y"] == "x"
        assert found["lone"] == "lone"


def test_no_pairs_leaves_each_item_alone():
    assert components([], ["a", "b"]) == {"a": "a", "b": "b"}
    assert components([]) == {}
