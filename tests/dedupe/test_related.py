"""Related reports: notices linked to their papers, never merged; retractions flagged."""

import json

import pandas as pd

from scoping.dedupe import deduplicate, evaluate, score_links
from scoping.dedupe.related import registry_numbers
from scoping.ingest import SCHEMA
from scoping.io import read

_EMPTY = {name: None for name in SCHEMA.names}


def _record(rid, title, **fields):
    row = {**_EMPTY, "record_id": rid, "title": title, "raw": "[]"}
    row.update(authors=fields.pop("authors", ["Nguyen, A"]), year=fields.pop("year", 2020))
    row.update(fields)
    for name in ("issn", "isbn", "keywords", "subjects"):
        row[name] = row[name] or []
    return row


def _run(*rows):
    result = deduplicate(pd.DataFrame(rows, columns=SCHEMA.names))
    links = result.related
    return result, {
        (a, b): (relation, status)
        for a, b, relation, status in zip(
            links["record_id"], links["related_id"], links["relation"], links["status"], strict=True
        )
    }


def test_notices_are_linked_by_kind_and_never_merged():
    paper = dict(journal="BMJ Open", volume="10", pages="e1-e9")
    result, links = _run(
        _record("p", "Joy in work among ward nurses: a survey", **paper, doi="10.1/p"),
        _record(
            "e",
            "Erratum: Joy in work among ward nurses: a survey",
            journal="BMJ Open",
            volume="11",
            pages="e77",
            year=2021,
            doi="10.1/e",
        ),
        _record(
            "c",
            "Correction to: Joy in work among ward nurses: a survey",
            journal="BMJ Open",
            volume="12",  # a second notice, a year later
            pages="e80",
            year=2022,
        ),
        _record(
            "r",
            "Reply to: Joy in work among ward nurses: a survey",
            authors=["Oni, B"],
            journal="BMJ Open",
            volume="11",
            pages="e90",
            year=2021,
        ),
        _record(
            "m",
            "Comment on: Joy in work among ward nurses: a survey",
            authors=["Lee, C"],
            journal="BMJ Open",
            volume="11",
            pages="e95",
            year=2021,
        ),
        _record(
            "x",
            "Retraction notice to: Joy in work among ward nurses: a survey",
            journal="BMJ Open",
            volume="12",
            pages="e1",
            year=2022,
        ),
    )
    assert len(set(result.group_of.values())) == 6  # nothing merged
    assert links[("e", "p")] == ("erratum_of", "linked")
    assert links[("c", "p")] == ("correction_of", "linked")
    assert links[("r", "p")] == ("reply_to", "linked")
    assert links[("m", "p")] == ("comment_on", "linked")
    assert links[("x", "p")] == ("retraction_of", "linked")
    assert "retraction notice x" in result.retracted["p"]
    assert "x" not in result.retracted  # the notice is not itself retracted


def test_one_title_twice_is_one_study_when_distinctive_and_by_the_same_first_author():
    title = "Psychological safety and speaking up among junior doctors on night shifts"
    volume = dict(journal="BMJ Quality and Safety", volume="30")
    result, links = _run(
        _record("paper", title, **volume, pages="401-409"),
        _record("notice", title, **volume, pages="988"),  # printed later in the volume
        _record("other", title, **volume, pages="1012", authors=["Khan, R"]),
        _record("ed1", "Editorial Notes", **volume, pages="1-2"),
        _record("ed2", "Editorial Notes", **volume, pages="211"),
        _record("abstract", title, journal="Intensive Care Medicine", volume="46", pages="S12"),
        _record("later", title, journal="Critical Care", volume="25", pages="77", year=2021),
    )
    assert len(set(result.group_of.values())) == 7  # nothing merged
    assert links[("notice", "paper")] == ("same_study", "linked")
    assert links[("abstract", "paper")] == ("same_study", "linked")  # two journals, one year
    assert links[("ed1", "ed2")] == ("same_study", "review")  # a recurring heading
    assert links[("other", "paper")] == ("same_study", "review")  # another first author
    assert not any("later" in pair for pair in links)  # two journals, two years


def test_links_from_export_fields_registry_numbers_and_cited_pages():
    medline = "PMID- 222\nTI  - Burnout in paramedics.\nEIN - Emerg Med J. 2021;38:5. PMID: 333"
    xml = json.dumps(
        [
            ["MedlineCitation/PMID", "444"],
            ["MedlineCitation/CommentsCorrectionsList/CommentsCorrections@RefType", "RetractionOf"],
            ["MedlineCitation/CommentsCorrectionsList/CommentsCorrections/PMID", "555"],
        ]
    )
    result, links = _run(
        _record("a", "Burnout in paramedics", pmid="222", raw=medline),
        _record("b", "Notice", pmid="333", year=2021),
        _record("c", "Withdrawal of a paper", pmid="444", raw=xml, year=2022),
        _record("d", "Moral injury in care homes", pmid="555"),
        _record(
            "t",
            "Schwartz rounds trial",
            abstract="Registered as NCT01234567.",
            url="https://clinicaltrials.gov/study/NCT01234567",
            year=2019,
        ),
        _record(
            "u",
            "Effect of Schwartz rounds on burnout",
            abstract="Trial NCT01234567.",
            journal="BMJ",
            volume="370",
            pages="m1",
        ),
        _record(
            "w",
            "Team reflection in ICU (vol 45, pg 210, 2019)",
            journal="Crit Care Med",
            volume="46",
            pages="1001",
        ),
        _record(
            "z",
            "Team reflection in intensive care units",
            journal="Crit Care Med",
            volume="45",
            pages="210-218",
            year=2019,
        ),
    )
    assert links[("b", "a")] == ("erratum_of", "linked")
    assert links[("c", "d")] == ("retraction_of", "linked")
    assert links[("t", "u")] == ("registration_of", "linked")
    assert links[("w", "z")] == ("erratum_of", "linked")
    assert "retraction notice c" in result.retracted["d"]


def test_ovid_title_notes_link_the_item_they_cite_and_only_that_item():
    journal = dict(journal="Journal of Advanced Nursing", volume="77", year=2021)
    note = "[Erratum appears in J Adv Nurs. 2021 Sep;77(9):3990]"
    cut = "Joy in work on acute medical wards.[Erratum appears in J Adv Nurs. 2021 Jul;77(7"
    result, links = _run(
        _record("a", f"Civility and speaking up in theatres {note}", **journal, pages="10-19"),
        _record("b", "Correction", **journal, issue="9", pages="3990"),
        _record("c", "Another paper", **journal, issue="9", pages="3991-3999"),
        _record("d", cut, **journal, issue="1", pages="100-109"),
        _record("e", "Joy in work on acute medical wards", **journal, issue="7", pages="3101"),
        _record("f", "Joy in care homes", **journal, issue="7", pages="3102-3110"),
        _record("g", "Kindness in hospices [Retraction in: Nurs Ethics. 2022;29(2):500]"),
        _record("h", "Burnout in midwives [Erratum appears in Midwifery. 2020;81:102]"),
        _record("i", "Erratum", journal="Midwifery", volume="81", pages="102", year=2019),
    )
    assert links[("b", "a")] == ("erratum_of", "linked")  # the page locates it
    assert links[("e", "d")] == ("erratum_of", "linked")  # cut before its page: issue and title
    assert not any("c" in pair or "f" in pair for pair in links)
    assert ("i", "h") not in links  # the note says 2020
    assert result.retracted["g"].startswith("title note: Retraction in")


def test_a_particle_taken_for_the_family_name_is_still_the_same_first_author():
    title = "Anti-factor H autoantibodies in a fifth renal transplant recipient with aHUS"
    volume = dict(journal="American Journal of Transplantation", volume="9")
    _, links = _run(
        _record("paper", title, **volume, pages="1223-1229", authors=["Le, Quintrec M."]),
        _record("notice", title, **volume, pages="2205", authors=["Le Quintrec, M."]),
    )
    assert links[("notice", "paper")] == ("same_study", "linked")


def test_a_record_that_says_it_is_retracted_is_flagged_and_still_merges_with_its_copies():
    openalex = json.dumps([["id", "W1"], ["is_retracted", "true"]])
    result, _ = _run(
        _record("a", "RETRACTED: Compassion fatigue in hospices", doi="10.1/h"),
        _record("b", "Compassion fatigue in hospices", doi="10.1/h"),
        _record("c", "Civility in theatres", doc_type="Journal Article; Retracted Publication"),
        _record("d", "Kindness on wards", raw=openalex),
        _record("e", "Withdrawn drugs in nursing homes"),
    )
    assert result.group_of["a"] == result.group_of["b"]
    assert set(result.retracted) == {"a", "c", "d"}
    assert "RETRACTED" in result.retracted["a"] and "OpenAlex" in result.retracted["d"]


def test_registry_numbers():
    assert registry_numbers("NCT01234567 and ISRCTN12345678", None, "EudraCT 2004-123456-12") == {
        "NCT01234567",
        "ISRCTN12345678",
        "2004-123456-12",
    }
    assert registry_numbers("NCT0123 is too short", "a bare 2004-123456-12") == set()


def test_score_links_counts_gold_pairs_merged_or_linked():
    result, _ = _run(
        _record("p", "Joy in work among ward nurses", journal="BMJ Open", volume="10", pages="1-9"),
        _record(
            "e",
            "Erratum: Joy in work among ward nurses",
            journal="BMJ Open",
            volume="11",
            pages="77",
            year=2021,
        ),
        _record("q", "Kindness on wards"),
    )
    ids = pd.Series({"p": "1", "e": "2", "q": "3"})
    gold = [["1", "2"], ["3"]]
    assert evaluate([["1"], ["2"], ["3"]], gold).recall == 0.0  # merged only: missed
    score = score_links(result, ids, gold)
    assert (score.true_pairs, score.merged, score.linked) == (1, 0, 1)
    assert score.recall() == 1.0 and score.link_precision == 1.0


def test_planted_notices_beside_real_records_are_linked_not_merged(shared):
    """Errata, replies and comments planted beside 60 real records (own DOI, later issue)."""
    records = [
        r.to_row()
        for r in read(shared / "bib_dedupe_benchmark/stroke/records_pre_merged.csv").records
    ]
    papers = [r for r in records if r["journal"] and r["title"] and r["volume"]][:60]
    planted, expected = [], {}
    for n, paper in enumerate(papers):
        prefix, relation = [
            ("Erratum: ", "erratum_of"),
            ("Reply to: ", "reply_to"),
            ("Comment on: ", "comment_on"),
        ][n % 3]
        rid = f"planted{n:03d}"
        planted.append(
            {
                **paper,
                "record_id": rid,
                "title": prefix + paper["title"],
                "doi": f"10.9999/planted.{n}",
                "pmid": None,
                "pmcid": None,
                "abstract": None,
                "pages": str(900 + n),
                "year": (paper["year"] or 2000) + 1,
                "authors": paper["authors"] if relation == "erratum_of" else ["Planted, A"],
            }
        )
        expected[rid] = (paper["record_id"], relation)
    result = deduplicate(pd.DataFrame(papers + planted, columns=SCHEMA.names))
    merged = [
        rid for rid, (pid, _) in expected.items() if result.group_of[rid] == result.group_of[pid]
    ]
    assert merged == []
    links = result.related
    found = {
        (a, b, relation)
        for a, b, relation in zip(
            links["record_id"], links["related_id"], links["relation"], strict=True
        )
    }
    right = sum((rid, pid, relation) in found for rid, (pid, relation) in expected.items())
    assert right / len(expected) >= 0.9, (
        f"{right} of {len(expected)} linked with the right relation"
    )
