"""Thresholds and limits of deduplication (the documented defaults)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DedupeParams:
    """Thresholds and limits of deduplication (the documented defaults).

    Two records without a shared identifier are merged when their titles are alike
    and enough other fields confirm it, and no field contradicts it. The closer the
    titles, the fewer confirmations are needed:

    ========================  ==================================================
    title similarity          confirmations needed (author, exact year, volume,
                              first page)
    ========================  ==================================================
    ``>= title_exact``        ``confirm_exact`` (default 2)
    ``>= title_close``        ``confirm_close`` (default 3)
    ``>= title_loose``        all four, and the same first author
    ========================  ==================================================

    A contradiction is a year more than ``year_slack`` apart, or a different volume
    or first page where both records have one; with near-identical titles a different
    first page (an e-locator against a printed page) only raises the confirmations
    needed to ``confirm_close``, unless the journal names cannot be the same journal
    (the same conference abstract in two journals' supplements). Where neither record
    has a page, a different issue number contradicts too (a column in every issue).
    A pair with a missing title goes to a person.

    Parameters
    ----------
    title_exact, title_close, title_loose : float
        Title similarity bands (rapidfuzz ratio of folded titles, 0-1).
    confirm_exact, confirm_close : int
        Confirmations needed in the first two bands.
    maybe : float
        Title similarity from which an unmerged pair is listed for review.
    year_slack : int
        Years apart that do not yet contradict (online versus print year).
    title_floor : float
        Below this title similarity a shared identifier is not trusted on its own;
        the pair goes to review instead.
    locator : bool
        Merge records with the same first author, year, volume and full page range
        (start and end) in compatible journals when their titles are at least
        ``title_floor`` alike, or one is a translated title in brackets.
    max_block : int
        Largest blocking group compared pair by pair; larger groups (a very common
        title such as "Editorial") are compared only on identifiers.
    prefix : int
        Characters of the folded title used as the prefix and suffix blocking keys.
    """

    title_exact: float = 0.98
    title_close: float = 0.93
    title_loose: float = 0.80
    confirm_exact: int = 2
    confirm_close: int = 3
    maybe: float = 0.90
    year_slack: int = 1
    title_floor: float = 0.60
    max_block: int = 60
    locator: bool = True
    prefix: int = 32
