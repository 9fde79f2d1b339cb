import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoping.records import (
    clean_text,
    make_record_id,
    normalise_author,
    normalise_doi,
    normalise_issn,
    normalise_pages,
    normalise_pmcid,
    normalise_pmid,
    normalise_year,
    strip_markup,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "https://doi.org/10.1002/CPP.2398.", "10.1002/cpp.2398", id="resolver-case-dot"
        ),
        pytest.param(
            "http://dx.doi.org/10.4236/ojf.2020.101008", "10.4236/ojf.2020.101008", id="dx"
        ),
        pytest.param("doi:10.1000/XYZ123;", "10.1000/xyz123", id="label-semicolon"),
        pytest.param(
            "10.1016/j.gene.2015.10.064 [doi]", "10.1016/j.gene.2015.10.064", id="medline"
        ),
        pytest.param(
            "https://doi.org/10.4103%2F2303-9027.138783",
            "10.4103/2303-9027.138783",
            id="url-escaped",
        ),
        pytest.param("S0378-1119(15)01297-4 [pii]", None, id="pii-not-doi"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_normalise_doi(raw, expected):
    assert normalise_doi(raw) == expected


@pytest.mark.parametrize(
    ("raw", "order", "expected"),
    [
        pytest.param("Liu R.", "family_first", "Liu, R.", id="embase"),
        pytest.param("Adler D.G.", "family_first", "Adler, D.G.", id="scopus"),
        pytest.param("Edmondson,  Amy C.", "family_first", "Edmondson, Amy C.", id="comma"),
        pytest.param("E J Reimer", "family_first", "Reimer, E J", id="initials-first"),
        pytest.param(
            "World Health Organization", "family_first", "World Health Organization", id="corporate"
        ),
        pytest.param("NHS England", "as_is", "NHS England", id="corporate-structured"),
        pytest.param("Rens van de Schoot", "given_first", "van de Schoot, Rens", id="particle"),
        pytest.param("Amy Edmondson", "given_first", "Edmondson, Amy", id="openalex"),
        pytest.param("  ", "family_first", None, id="blank"),
    ],
)
def test_normalise_author(raw, order, expected):
    assert normalise_author(raw, order) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("466-75", None, "466-475"),
        ("206", "217", "206-217"),
        ("e1234", None, "e1234"),
        ("1535–41", None, "1535-1541"),
        ("12", "12", "12"),
        ("491-04", None, "491-504"),  # the kept digits cross a hundred
        ("898", "17", "898-917"),
        ("91-07", None, "91-107"),
        ("91-85", None, "91-85"),  # a range written backwards is left as it is
        (None, None, None),
    ],
)
def test_normalise_pages(first, last, expected):
    assert normalise_pages(first, last) == expected


def test_small_normalisers():
    assert normalise_year("2016/09//") == 2016
    assert normalise_year("1999.0") == 1999
    assert normalise_year("no date") is None
    assert normalise_year(3021) is None
    assert normalise_issn("01678809") == "0167-8809"
    assert normalise_issn("1879-0038 (Electronic)") == "1879-0038"
    assert normalise_pmid("https://pubmed.ncbi.nlm.nih.gov/12345678") == "12345678"
    assert normalise_pmid("WOS:000070998500012") is None
    assert normalise_pmcid("pmc 998877") == "PMC998877"
    assert strip_markup("Effects of <i>IL-6</i> &amp; stress") == "Effects of IL-6 & stress"
    # markup goes, comparisons in real text stay (nothing of the text is lost)
    assert strip_markup("p<0.05 in those with BMI>30") == "p<0.05 in those with BMI>30"
    assert strip_markup("aged <65 and >18 years") == "aged <65 and >18 years"
    assert strip_markup("H<sub>2</sub>O <mml:mi>x</mml:mi><!-- n --> <br/>") == "H2O x"
    # markup written as entities (OpenAlex titles): "&lt;p&gt;" is markup once decoded
    assert strip_markup("&lt;p&gt;Emicizumab &lt;i&gt;in&lt;/i&gt; children&lt;/p&gt;") == (
        "Emicizumab in children"
    )
    assert strip_markup("aged &lt;65 years") == "aged <65 years"
    assert strip_markup("aged &amp;lt;65 years") == "aged <65 years"  # escaped twice


def test_record_id_is_stable_and_distinguishes_repeats():
    first = make_record_id("a.ris", '[["TI","x"]]')
    assert first == make_record_id("a.ris", '[["TI","x"]]')
    assert first != make_record_id("b.ris", '[["TI","x"]]')
    assert make_record_id("a.ris", '[["TI","x"]]', 2) == f"{first}~2"


_SPACES_AND_MORE = "ab \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\xad\u2009\u2028\u3000é"


@given(st.text(alphabet=st.sampled_from(_SPACES_AND_MORE), max_size=20))
def test_clean_text_fast_path_equals_split_join(text):
    assert clean_text(text) == (" ".join(text.split()) or None)


def test_clean_text_collapses_every_kind_of_white_space():
    spaces = [c for c in map(chr, range(0x110000)) if c.isspace()]
    assert len(spaces) == 29  # Python's own list; the fast path relies on all of them
    for space in spaces:
        assert clean_text(f"{space}caf\u00e9{space}{space}au{space}lait") == "caf\u00e9 au lait"
