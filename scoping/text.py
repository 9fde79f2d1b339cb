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

from nltk.stem import PorterStemmer

from .records import MARKUP_TAG

_TOKEN = re.compile(r"[a-z0-9]+")
_STEMMER = PorterStemmer()


def normalise(text: str | None) -> str:
    """Lower-case ASCII text with markup removed and accents dropped.

    >>> normalise("Burn-out in <i>Care Homes</i> &amp; café")
    'burn-out in care homes & cafe'
    """
    if not text:
        return ""
    text = html.unescape(MARKUP_TAG.sub(" ", text))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.lower()


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
    return _STEMMER.stem(word)
