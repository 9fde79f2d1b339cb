"""No input crashes the readers with anything but the project's own error type, and
whatever is read is accounted for (read + rejected = found)."""

import codecs
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoping.errors import ScopingError
from scoping.io import formats, read

# Pieces of every supported format, so that generated inputs reach deep into the readers.
FRAGMENTS = [
    "TY  - JOUR\n",
    "ER  - \n",
    "TI  - ",
    "AU  - ",
    "PY  - 2020\n",
    "KW  - ",
    "1.\n",
    "PMID- 123\n",
    "TI  - ",
    "FAU - ",
    "      continued\n",
    "LID - 10.1/x [doi]\n",
    "FN Clarivate Analytics Web of Science\n",
    "PT J\n",
    "AU ",
    "   ",
    "ER\n",
    "EF\n",
    "PT\tAU\tTI\n",
    "J\tA\tB\n",
    "@article{k,",
    "title={",
    "}",
    '@string{a="b"}',
    " # ",
    '<?xml version="1.0"?>',
    "<xml><records>",
    "<record>",
    "<titles><title>",
    "</title>",
    "</record>",
    "<PubmedArticleSet>",
    "<PubmedArticle>",
    '<!DOCTYPE x [<!ENTITY e "e">]>',
    "&e;",
    "[",
    "]",
    "{",
    '"title":',
    '"issued":{"date-parts":[[2020]]}',
    ",",
    '"abstract_inverted_index":{"a":[0]}',
    "https://openalex.org/W1",
    "Title,Authors,Year\n",
    '"a,b",c,2020\n',
    '"unclosed,',
    "\ufeff",
    "\x00",
    "\r\n",
    "é",
    "\x93",
    "\u2028",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map(
    "".join
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


def _check(path, **kwargs):
    try:
        result = read(path, **kwargs)
    except ScopingError:
        return
    assert result.records_in_file == len(result.records) + result.rejected
    assert all(r.record_id for r in result.records)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts, encoding=encodings)
def test_structured_noise_never_crashes(tmp_path_factory, text, encoding):
    path = tmp_path_factory.mktemp("p") / "input.txt"
    path.write_bytes(text.encode(encoding, errors="replace"))
    _check(path)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400), fmt=st.sampled_from(sorted(formats())))
def test_any_bytes_with_any_forced_reader(tmp_path_factory, data, fmt):
    path = tmp_path_factory.mktemp("b") / "input.bin"
    path.write_bytes(data)
    _check(path, format=fmt)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts, fmt=st.sampled_from(sorted(formats())))
def test_structured_noise_with_any_forced_reader(tmp_path_factory, text, fmt):
    path = tmp_path_factory.mktemp("f") / "input.txt"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8", errors="replace"))
    _check(path, format=fmt)


@st.composite
def _array_with_one_broken_item(draw):
    """A JSON array of CSL-JSON-like records, compact or indented, one item broken by
    deleting, doubling or inserting one character inside it."""
    n = draw(st.integers(min_value=3, max_value=30))
    items = [
        {
            "type": "article-journal",
            "title": f"Invented record {i}",
            "author": [{"family": "Lee", "given": "K"}],
            "note": draw(st.text(st.characters(exclude_categories=("Cs",)), max_size=12)),
        }
        for i in range(n)
    ]
    indent = draw(st.sampled_from([None, 1, 2]))
    texts = [json.dumps(item, indent=indent, ensure_ascii=draw(st.booleans())) for item in items]
    broken = draw(st.integers(min_value=0, max_value=n - 1))
    text = texts[broken]
    at = draw(st.integers(min_value=1, max_value=len(text) - 1))
    how = draw(st.sampled_from(["delete", "double", "insert"]))
    char = draw(st.sampled_from(['"', "{", "}", "[", "]", ",", ":", "\\", "x"]))
    texts[broken] = {
        "delete": text[:at] + text[at + 1 :],
        "double": text[:at] + text[at] + text[at:],
        "insert": text[:at] + char + text[at:],
    }[how]
    separator = ",\n" if indent else ", "
    # A "{" inserted inside an item gives the same text as an item that lost its "}"
    # with the next one starting there: the file cannot say which, so one more record
    # (the part after the break, read as its own) is as right as n.
    ambiguous = how == "insert" and char == "{"
    return "[" + separator.join(texts) + "]", n, broken, ambiguous


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(_array_with_one_broken_item())
def test_a_json_array_with_one_broken_item_reads_every_other_item(tmp_path_factory, case):
    text, n, broken, ambiguous = case
    path = tmp_path_factory.mktemp("json") / "records.json"
    path.write_text(text, encoding="utf-8")
    result = read(path, format="csl_json")
    titles = {r.title for r in result.records}
    others = {f"Invented record {i}" for i in range(n) if i != broken}
    assert others <= titles  # every other item is read
    # and the broken one is counted, read or rejected
    assert result.records_in_file in ((n, n + 1) if ambiguous else (n,))
