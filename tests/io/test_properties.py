"""No input crashes the readers with anything but the project's own error type, and
whatever is read is accounted for (read + rejected = found)."""

import codecs

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
