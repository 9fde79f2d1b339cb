from scoping.io import read


def test_medline_fields(shared):
    result = read(shared / "format_samples/metaknowledge/pubmed_medline.txt")
    assert (result.format, result.dialect) == ("medline", "pubmed")
    first = result.records[0]
    assert first.pmid == "26524502"
    assert first.title == "Bioinformatic survey of ABC transporters in dermatophytes."
    assert first.doi == "10.1016/j.gene.2015.10.064"
    assert first.pages == "466-475"
    assert first.year == 2016
    assert "1879-0038" in first.issn
    assert first.provenance.database == "PubMed"
    assert first.provenance.line == 2
    assert all("," in a for a in first.authors)


def test_medline_continuation_lines_join(shared):
    records = read(shared / "format_samples/synthesisr/PubMed_example.txt").records
    assert all(r.abstract and "\n" not in r.abstract and "  " not in r.abstract for r in records)
    assert records[0].subjects == ()  # an in-process citation: not indexed yet
    assert records[1].subjects[:2] == ("Animals", "Ecosystem")
