"""Text preparation shared by tagging, topics and screening.

Everything here works without downloaded NLTK data (none can be fetched on locked-down
machines): tokens come from a regular expression, stems from NLTK's Porter stemmer
(pure code, no data files), and stop words from scikit-learn's built-in English list.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Any

from .records import MARKUP_TAG

_TOKEN = re.compile(r"[a-z0-9]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PUNCT = re.compile(r"[^\w\s]|_")


def _plain(text: str) -> str:
    """Markup removed and entities decoded."""
    return html.unescape(MARKUP_TAG.sub(" ", text))


def _ascii_lower(text: str) -> str:
    """Accents dropped (NFKD, then ASCII only), lower case."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def normalise(text: str | None) -> str:
    """Lower-case ASCII text with markup removed and accents dropped.

    >>> normalise("Burn-out in <i>Care Homes</i> &amp; café")
    'burn-out in care homes & cafe'
    """
    return _ascii_lower(_plain(text)) if text else ""


def fold(text: Any) -> str:
    """Lower-case ASCII letters and digits only, words separated by one space.

    What titles are compared on: punctuation of any script separates words, and is
    removed before accents are, so nothing joins two words.

    >>> fold("Burnout in <i>Nurses</i>: a Café-based Study")
    'burnout in nurses a cafe based study'
    >>> fold("Hemolytic\u2013uremic syndrome")  # an en dash separates words too
    'hemolytic uremic syndrome'
    """
    if not isinstance(text, str) or not text:
        return ""
    text = _PUNCT.sub(" ", unicodedata.normalize("NFC", _plain(text)))
    return _NON_ALNUM.sub(" ", _ascii_lower(text)).strip()


def tokens(text: str | None) -> list[str]:
    """Word tokens; hyphens and punctuation split words ("burn-out" -> burn, out).

    >>> tokens("Nurses' burn-out: a 'just culture'")
    ['nurses', 'burn', 'out', 'a', 'just', 'culture']
    """
    return _TOKEN.findall(normalise(text))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Porter stem of one lower-case word (cached: vocabularies repeat).

    >>> stem("burnout"), stem("nurses"), stem("speaking")
    ('burnout', 'nurs', 'speak')
    """
    return _stemmer().stem(word)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    """NLTK's Porter stemmer, made on first use.

    Importing NLTK loads all of it (2.8 to 4 s here, measured); a process that never stems (a pack's
    kernel, most commands) should not pay for it, so it is imported here, not above.
    """
    from nltk.stem import PorterStemmer

    return PorterStemmer()


def shorten(text: str, width: int = 90) -> str:
    """``text`` cut at a word to at most ``width`` characters, "…" marking the cut.

    >>> shorten("Huddles, speaking up and psychological safety on wards", 30)
    'Huddles, speaking up and…'
    """
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def said(value: object) -> bool:
    """Whether a stored value is text with something in it (not None, NaN or blanks).

    >>> said("staffing"), said("  "), said(float("nan")), said(None)
    (True, False, False, False)
    """
    return isinstance(value, str) and bool(value.strip())
