"""Blocking: which pairs of records are compared at all.

Only records that share an identifier or a blocking key are compared, so time grows with
the number of records, not its square.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from .params import DedupeParams


def _blocks(keys: pd.DataFrame, params: DedupeParams) -> Iterator[tuple[str, pd.Series]]:
    """(rule, key per record) for every blocking rule; empty keys never block."""
    yield "doi", keys["doi"]
    yield "pmid", keys["pmid"]
    yield "pmcid", keys["pmcid"]
    long_title = keys["compact"].str.len() >= 12
    yield "title prefix", keys["compact"].str[: params.prefix].where(long_title, "")
    yield "title suffix", keys["compact"].str[-params.prefix :].where(long_title, "")
    has = (keys["author"] != "") & (keys["page"] != "") & keys["year"].notna()
    yield (
        "author+year+page",
        (keys["author"] + "|" + keys["year"].astype(str) + "|" + keys["page"]).where(has, ""),
    )
    has = (keys["journal"] != "") & (keys["volume"] != "") & (keys["page"] != "")
    yield (
        "journal+volume+page",
        (keys["journal"] + "|" + keys["volume"] + "|" + keys["page"]).where(has, ""),
    )


def candidate_pairs(keys: pd.DataFrame, params: DedupeParams) -> dict[tuple[int, int], str]:
    """Pairs of row positions (i < j) that share a blocking key, with the first rule."""
    pairs: dict[tuple[int, int], str] = {}
    if len(keys) < 2:  # no pair to find (and no text column for the keys below)
        return pairs
    for rule, key in _blocks(keys, params):
        exact = rule in ("doi", "pmid", "pmcid")
        keyed = key[key != ""]
        for positions in keyed.groupby(keyed, sort=True).indices.values():
            if len(positions) < 2 or (len(positions) > params.max_block and not exact):
                continue
            rows = sorted(int(i) for i in keyed.index[positions])  # positions in ``keys``
            for a_pos, a in enumerate(rows):
                for b in rows[a_pos + 1 :]:
                    pairs.setdefault((a, b), rule)
    return pairs
