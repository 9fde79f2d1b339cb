"""Our RIS tokeniser against rispy, the reference parser, on every real RIS export.

rispy merges a record whose ER is missing into the next one and keeps no lines, which
is why the record loop is our own; on well-formed files the two must agree on every
record's fields.
"""

import pytest
import rispy

from scoping.io import read
from scoping.records import (
    clean_text,
    normalise_author,
    normalise_year,
    split_terms,
    strip_markup,
)

from .test_shared_exports import EXPORTS


def _first(entry, *keys):
    return next((entry[k] for k in keys if entry.get(k)), None)


@pytest.mark.parametrize("rel", EXPORTS["ris"], ids=EXPORTS["ris"])
def test_fields_agree_with_rispy(shared, rel):
    path = shared / rel
    ours = read(path).records
    theirs = rispy.load(path, encoding="utf-8-sig")
    assert len(ours) == len(theirs)
    for mine, ref in zip(ours, theirs, strict=True):
        assert mine.title == strip_markup(clean_text(_first(ref, "title", "primary_title")))
        names = (ref.get("authors") or []) + (ref.get("first_authors") or [])  # AU, then A1
        assert list(mine.authors) == [a for a in map(normalise_author, names) if a]
        assert list(mine.keywords) == list(dict.fromkeys(split_terms(ref.get("keywords"))))
        assert mine.year == normalise_year(_first(ref, "year", "publication_year", "date"))
