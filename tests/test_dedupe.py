import pandas as pd
import pytest

from scoping.dedupe import DedupeParams, deduplicate, evaluate, fold, prepare, run
from scoping.errors import InputError
from scoping.ingest import SCHEMA, ingest


@pytest.fixture
def built(tmp_path, data):
    ingest([data / "dedupe_rules.ris"], tmp_path, progress=False)
    return tmp_path


def _groups(result):
    titles = result.records["title"]
    out = {}
    for rid, group in result.group_of.items():
        out.setdefault(group, []).append(titles[rid])
    return sorted(sorted(g) for g in out.values())


def _together(result, a_title, b_title):
    titles = result.records["title"]
    ids = {t: rid for rid, t in titles.items()}
    return result.group_of[ids[a_title]] == result.group_of[ids[b_title]]


def test_same_paper_with_and_without_doi_is_merged_and_the_abstract_kept(built):
    result = run(built)
    assert _together(
        result,
        "Psychological safety and learning behaviour in work teams",
        "Psychological Safety and Learning Behavior in Work Teams.",
    )
    unique = pd.read_parquet(built / "unique.parquet")
    merged = unique[unique["title"].str.startswith("Psychological safety")].iloc[0]
    assert merged["abstract"] == "The abstract is only on this copy."
    assert merged["doi"] == "10.2307/2666999"
    assert len(merged["member_ids"]) == 2
    dups = pd.read_csv(built / "duplicates.csv")
    assert len(dups) == 8 and dups["is_primary"].sum() == len(unique)


def test_conflicting_dois_veto_a_title_match(built):
    result = run(built)
    same_title = "Burnout among community nurses: a national survey"
    titles = result.records["title"]
    ids = sorted(titles[titles == same_title].index)
    assert result.group_of[ids[0]] != result.group_of[ids[1]]
    (pair,) = [p for p in result.pairs if {p.a, p.b} == set(ids)]
    assert pair.decision == "maybe" and pair.rule.endswith("conflicting DOIs")
    assert "doi" in pair.disagreed


def test_erratum_is_not_merged_with_its_paper(built):
    result = run(built)
    assert not _together(
        result,
        "Just culture in ambulance services: a qualitative study",
        "Correction to: Just culture in ambulance services: a qualitative study",
    )


def test_preprint_is_linked_not_merged(built):
    result = run(built)
    titles = result.records["title"]
    ids = sorted(titles[titles.str.startswith("Compassionate leadership")].index)
    assert result.group_of[ids[0]] != result.group_of[ids[1]]
    (pair,) = [p for p in result.pairs if {p.a, p.b} == set(ids)]
    assert pair.decision == "related" and "preprint" in pair.rule
    related = pd.read_csv(built / "related.csv")
    (link,) = related[related["relation"] == "version_of"].to_dict("records")
    assert {link["record_id"], link["related_id"]} == set(ids)
    assert (
        "preprint" in titles[link["record_id"]].lower()
        or "rxiv" in str(result.records.loc[link["record_id"], "journal"]).lower()
    )
    assert link["status"] == "linked"


def test_order_does_not_change_groups_or_primaries(built):
    records = pd.read_parquet(built / "records.parquet")
    first = deduplicate(records)
    second = deduplicate(records.sample(frac=1, random_state=3))
    assert first.group_of == second.group_of
    assert first.primary_of == second.primary_of


def test_a_persons_decision_overrides(built):
    records = pd.read_parquet(built / "records.parquet")
    merged = run(built)
    a, b = sorted(
        rid for rid, g in merged.group_of.items() if list(merged.group_of.values()).count(g) == 2
    )
    pd.DataFrame([{"a": a, "b": b, "decision": "different", "reviewer": "JS"}]).to_csv(
        built / "dedupe_decisions.csv", index=False
    )
    again = run(built)
    assert again.group_of[a] != again.group_of[b]
    assert deduplicate(records).group_of[a] == deduplicate(records).group_of[b]


def test_bad_decisions_file(built):
    (built / "dedupe_decisions.csv").write_text("a,b,decision\nx,y,perhaps\n")
    with pytest.raises(InputError, match=r"line 2: decision must be one of 'same', 'different'"):
        run(built)


def test_missing_records(tmp_path):
    with pytest.raises(InputError, match=r"records.parquet: not found; run `scoping ingest"):
        run(tmp_path)


def test_thresholds_are_parameters(built):
    records = pd.read_parquet(built / "records.parquet")
    strict = deduplicate(
        records, DedupeParams(title_exact=1.01, title_close=1.01, title_loose=1.01)
    )
    assert len(set(strict.group_of.values())) == 8  # only identifier matches could merge
    assert len(set(deduplicate(records).group_of.values())) == 7


def test_evaluate_counts_pairs():
    score = evaluate([["a", "b", "c"], ["d"]], [["a", "b"], ["c", "d"]])
    assert (score.correct_pairs, score.predicted_pairs, score.true_pairs) == (1, 3, 2)
    assert score.precision == pytest.approx(1 / 3) and score.recall == 0.5
    assert score.false_merges == [("a", "c"), ("b", "c")] and score.missed == [("c", "d")]


def test_fold():
    assert fold("Café <b>Burnout</b> &amp; joy") == "cafe burnout joy"
    assert fold(None) == ""


def test_planted_demo_duplicates_are_grouped(tmp_path):
    from scoping.demo import generate

    ingest([generate(tmp_path / "demo")], tmp_path / "build", progress=False)
    result = run(tmp_path / "build")
    records = result.records
    works = records["title"].str.removeprefix("[Synthetic demo] ").str.lower().str.rstrip(".")
    by_work = dict(zip(records.index, works, strict=True))
    groups = {}
    for rid, group in result.group_of.items():
        groups.setdefault(group, set()).add(by_work[rid])
    assert all(len(titles) == 1 for titles in groups.values())  # no false merges
    assert len(groups) <= works.nunique() + 5  # nearly every planted copy found


def test_journal_issue_and_page_rules(tmp_path, data):
    ingest([data / "dedupe_locators.ris"], tmp_path, progress=False)
    result = run(tmp_path)
    groups = _groups(result)
    # a recurring column: same title, author, year and volume, another issue, no pages
    assert ["Editor's Comments"] in groups and groups.count(["Editor's Comments"]) == 2
    # one abstract in two journals' supplements: different pages and journals
    assert not _together_at(result, "Joy in work", "Diabetologia", "Diabetes")
    # an e-locator against a printed page in the same journal, abbreviated: merged
    assert _together_at(result, "Compassionate", "J Clin Nurs", "Journal of Clinical Nursing")
    # with pages on both, a running number in the issue field does not contradict
    assert _together_at(result, "Learning from", "BMJ Quality & Safety", "BMJ Qual Saf")
    # a translated title in brackets: same first author, year, volume and page range
    assert _together_at(result, "[Compassion", "Pflege", "Pflege", "Mitgefuehl")
    # the same locator with two unrelated titles and no translation: two papers
    assert not _together_at(
        result, "Algorithmic", "Care Work Review", "Care Work Review", "Platform"
    )
    # a note that MEDLINE appends to a title does not hide the duplicate
    assert _together_at(result, "Just culture", "Safety Science", "Saf Sci")
    # overlapping page ranges (a mistyped first page) and a subtitle: one article
    care_home = "Psychological safety in care home teams"
    assert _together(result, care_home, care_home + ": a mixed-methods study")
    # the same title on one page later in the volume (a correction): kept apart
    assert not _together(result, care_home, care_home + ".")
    # corrections titled with the citation of the paper (Web of Science, Embase): the two
    # notices are one record, and neither is merged with the paper
    burnout = "Burnout among social workers in child protection"
    wos, embase = (
        f"{burnout} (vol 31, pg 220, 2020)",
        f"{burnout} (Child and Family Social Work (2020) 31 (220-231))",
    )
    assert _together(result, wos, embase)
    assert not _together(result, burnout, wos)
    # an export with its volume and issue a column late (no volume, issue 26, pages 9
    # for 26(9):1746): one abstract; the same title in 26(11):1790 is another item
    kindness = result.records[result.records["title"] == "Kindness in paediatric wards"]
    shifted, page_1746, page_1790 = (
        result.group_of[rid] for rid in kindness.sort_values("pages", key=_first_page).index
    )
    assert shifted == page_1746 != page_1790


def _first_page(pages):
    return pages.map(lambda p: int(p.split("-")[0]))


def _together_at(result, title_start, journal_a, journal_b, other_start=None):
    """Whether the record titled ``title_start...`` in journal_a and the one titled
    ``other_start...`` (default: the same start) in journal_b were grouped."""
    titles = result.records["title"]

    def find(start, journal):
        hit = result.records[titles.str.startswith(start) & (result.records["journal"] == journal)]
        (rid,) = hit.index
        return rid

    a, b = find(title_start, journal_a), find(other_start or title_start, journal_b)
    assert a != b
    return result.group_of[a] == result.group_of[b]


@pytest.mark.parametrize(
    ("title", "doc_type", "kind"),
    [
        ("Burnout in nursing homes - Reply", "Journal Article", "comment"),
        ("Reply rates of care home managers to a survey", "Journal Article", ""),
        ("Burnout in nursing homes (vol 12, pg 40, 2019)", None, "erratum"),
        ("Burnout in nursing homes (Age Ageing (2019) 12 (40-48))", None, "erratum"),
        ("Burnout in nursing homes (2019)", None, ""),
        ("Burnout in nursing homes", "Conference Abstract", "conference abstract"),
    ],
)
def test_kind_of_a_record_from_its_title_and_type(title, doc_type, kind):
    row = dict.fromkeys(SCHEMA.names) | {"record_id": "r1", "authors": []}
    records = pd.DataFrame([row | {"title": title, "doc_type": doc_type}], dtype=object)
    assert prepare(records)["kind"].tolist() == [kind]


def test_a_persons_different_keeps_records_apart_however_pairs_chain(built):
    records = pd.read_parquet(built / "records.parquet")
    plain = deduplicate(records)
    titles = records.set_index("record_id")["title"]
    a, c = sorted(titles[titles.str.startswith("Psychological")].index)  # merged by a rule
    assert plain.group_of[a] == plain.group_of[c]
    b = sorted(titles[titles.str.startswith("Burnout among")].index)[0]
    # "same" on a pair whose fields all differ, "not the same" on its sibling: before,
    # the chain merged all three silently
    decided = deduplicate(
        records, decisions={frozenset((a, b)): "same", frozenset((b, c)): "different"}
    )
    assert decided.group_of[a] == decided.group_of[b] != decided.group_of[c]
    back = [p for p in decided.review if {p.a, p.b} == {a, c}]
    assert back and f"a person said {min(b, c)} and {max(b, c)} differ" in back[0].rule
    assert [(p.a, p.b) for p in decided.person_merges] == [tuple(sorted((a, b)))]
    line = decided.summary(built)
    assert f"1 merged by a person's decision ({min(a, b)} = {max(a, b)})" in line
    assert "0 merged by a person's decision" in plain.summary(built)


def test_a_persons_contradictory_same_is_not_applied(built):
    records = pd.read_parquet(built / "records.parquet")
    ids = sorted(records["record_id"])[:3]
    x, y, z = ids
    said = {
        frozenset((x, y)): "same",
        frozenset((y, z)): "same",
        frozenset((x, z)): "different",
    }
    result = deduplicate(records, decisions=said)
    assert result.group_of[x] != result.group_of[z]  # the "different" holds
    assert any("differ" in p.rule for p in result.review)  # the contradiction goes back


def test_a_folder_of_no_records_dedupes_to_no_works(tmp_path):
    (tmp_path / "header_only.csv").write_text("title,year\n")
    ingest([tmp_path / "header_only.csv"], tmp_path, progress=False)
    result = run(tmp_path)
    assert len(result.records) == 0 and not result.group_of
    assert pd.read_parquet(tmp_path / "unique.parquet").empty


def test_a_maybe_pair_already_joined_through_other_records_is_not_asked_about(shared, tmp_path):
    files = sorted((shared / "citesource_multisource" / "gambling_harms_by_source").glob("*.ris"))
    ingest(files, tmp_path, progress=False)
    result = deduplicate(pd.read_parquet(tmp_path / "records.parquet"))
    maybe = [p for p in result.pairs if p.decision == "maybe"]
    joined = [p for p in maybe if result.group_of[p.a] == result.group_of[p.b]]
    assert joined  # the real search has such pairs (6 of its 23)
    asked = {(p.a, p.b) for p in result.review}
    assert asked and not asked & {(p.a, p.b) for p in joined}
