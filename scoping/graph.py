"""Connected components: which items a set of pairs joins, through any chain of pairs."""

from __future__ import annotations

from collections.abc import Iterable


def components(pairs: Iterable[tuple[str, str]], items: Iterable[str] = ()) -> dict[str, str]:
    """Each item -> the smallest item of its component.

    Parameters
    ----------
    pairs : iterable of (str, str)
        Pairs of items that belong together (an erratum and its paper, two records
        decided the same).
    items : iterable of str
        Items that may have no pair; each is then its own component.

    Returns
    -------
    dict
        Every item of ``pairs`` and ``items``, mapped to the smallest item it is joined to.

    Examples
    --------
    >>> components([("b", "c"), ("c", "a")], ["d"])
    {'d': 'd', 'b': 'a', 'c': 'a', 'a': 'a'}
    """
    parent = {item: item for item in items}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]  # halve the path as it is walked
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in parent}
