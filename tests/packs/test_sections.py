"""Pack content: parameters are checked, records are selected and traced, text is escaped."""

import pytest

from scoping.errors import InputError
from scoping.packs.sections import open_pack


@pytest.fixture
def demo(demo_built):
    return demo_built


def test_a_theme_the_codebook_lacks_is_refused(demo):
    with pytest.raises(InputError, match=r"unknown theme.*'burnot'.*burnout"):
        open_pack(workspace=str(demo), themes=["burnot"])


def test_filters_select_and_trace_records(demo):
    pack = open_pack(
        workspace=str(demo),
        themes=["burnout"],
        settings="social care",
        stage="included",
        year_from=2012,
        year_to=2022,
    )
    ids = list(pack.data.records["record_id"])
    assert ids and pack.data.numbers["records in this pack"] == ids
    assert set(ids) <= set(pack.data.flow["records"]["included"])
    assert all(pack.data.tags.at[r, "burnout"] for r in ids)
    social = ["social_care", "care_homes", "domiciliary_care"]
    assert all(any(pack.data.tags.at[r, s] for s in social) for r in ids)
    assert pack.data.records["year"].between(2012, 2022).all()
    sizes = [len(step_ids) for _, step_ids in pack.data.funnel]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == len(ids)
    assert [step for step, _ in pack.data.funnel][1:] == [
        "included at title and abstract screening",
        "included at full text, or its full text still awaited",
        "tagged Staff burnout and distress",
        "in a social care setting",
        "published from 2012 to 2022",
    ]


def test_sections_are_generated_from_the_data(demo):
    pack = open_pack(workspace=str(demo), themes=["psychological_safety"], audience="leaders")
    cover = str(pack.cover())
    assert cover.index("SYNTHETIC DEMONSTRATION") < cover.index("<h1>")
    assert f"brings together {len(pack.data.records)} records" in cover
    lead = str(pack.audience_section())
    assert lead.startswith("<h2>Organisational outcomes, cost and culture</h2>")
    n = len(pack.data.numbers["Organisational outcomes and cost: records"])
    assert f"{n} of the {len(pack.data.records)} records" in lead
    table = pack.evidence_table()
    assert list(table["record_id"]) == list(pack.data.records["record_id"])
    # included, at full text or (its full text awaited) at title and abstract
    assert set(table["screening decision"]) <= {"include", "included at title and abstract"}
    assert (table["exclusion reason"] != "").sum() == (
        table["screening decision"] == "exclude"
    ).sum()
    refs = str(pack.reference_list())
    assert refs.count("<p class='ref'>") == len(pack.data.records)
    assert "The counts add up" in str(pack.prisma())
    assert str(pack.evidence_map()).count("<img src='data:image/png;base64,") == 5
    cells = {
        k: v for k, v in pack.data.numbers.items() if k.startswith("figure, theme x setting: ")
    }
    assert cells and all(
        set(ids) <= set(pack.data.numbers[f"figure, theme: {k.split(': ', 1)[1].split(' x ')[0]}"])
        for k, ids in cells.items()
    )
    frontline = open_pack(workspace=str(demo), themes=["burnout"], audience="frontline")
    assert str(frontline.audience_section()).startswith("<h2>What staff can do and try</h2>")


def test_record_text_is_escaped(demo):
    pack = open_pack(workspace=str(demo), themes=["burnout"])
    first = pack.data.records.index[0]
    pack.data.records.loc[first, "title"] = "<script>alert('x')</script> & <b>bold</b>"
    html = str(pack.reference_list()) + str(pack.evidence_html())
    assert "<script>" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in html


def test_small_packs_have_no_topic_model(demo):
    pack = open_pack(workspace=str(demo), themes=["incivility"], year_from=2024)
    assert pack.data.topic_info is None and len(pack.data.records) < 40
    assert "topics are modelled from 40 records upwards" in str(pack.topics_section())


def test_the_topics_section_says_when_facets_were_joined(demo):
    from dataclasses import replace

    from scoping.packs.sections import Pack

    pack = open_pack(workspace=str(demo), themes=["psychological_safety"])
    info = pack.data.topic_info
    assert info is not None and info.fitted == info.k
    assert "joined" not in str(pack.topics_section())
    joined = Pack(replace(pack.data, topic_info=replace(info, fitted=info.k + 2)))
    text = str(joined.topics_section())
    assert f"finds {info.k} topics" in text
    assert f"of the {info.k + 2} topics fitted, those that turn up in the same records" in text
    one_k = Pack(replace(pack.data, topic_info=replace(info, k_range=(3, 3))))
    assert "(k = 3: with" in str(one_k.topics_section())  # not "over k = 3 to 3"
    assert "over k = 3 to 5" in str(
        Pack(replace(pack.data, topic_info=replace(info, k_range=(3, 5)))).topics_section()
    )


def test_a_packs_topics_leave_out_the_workspaces_stop_words_and_the_demo_marker(demo_copy):
    from scoping.packs.build import TEMPLATE, pack_key
    from scoping.packs.matrix import PackSpec

    pack = open_pack(workspace=str(demo_copy), themes=["psychological_safety"])
    words = {
        w for terms in pack.data.topics["top_terms"] for t in terms.split("; ") for w in t.split()
    }
    assert "silence" in words and not words & {"demo", "synthetic"}
    spec = PackSpec("safety", {"themes": ["psychological_safety"]})
    before = pack_key(spec, demo_copy, TEMPLATE)
    config = demo_copy / "scoping.yml"
    before_text = config.read_text() if config.is_file() else ""
    config.write_text(before_text + "topics:\n  stop_words: [silence]\n")
    again = open_pack(workspace=str(demo_copy), themes=["psychological_safety"])
    assert not any("silence" in terms for terms in again.data.topics["top_terms"])
    assert pack_key(spec, demo_copy, TEMPLATE) != before  # the pack is rebuilt


def test_packs_cite_only_included_records_by_default(demo):
    pack = open_pack(workspace=str(demo), themes=["burnout"], audience="frontline")
    included = set(pack.data.flow["records"]["included"])
    assert set(pack.data.records["record_id"]) <= included and not pack.data.shows_unincluded
    assert "[excluded" not in str(pack.audience_section()) + str(pack.reference_list())


def test_a_pack_of_all_records_says_each_ones_status(demo):
    pack = open_pack(workspace=str(demo), themes=["burnout"], stage="all")
    assert pack.data.shows_unincluded
    refs = str(pack.reference_list())
    assert refs.count("<span class='status") == len(pack.data.records)
    excluded = pack.evidence_table()["screening decision"].eq("exclude").sum()
    assert refs.count("[excluded: ") == excluded > 0
    assert "also shows works the scoping group has not (or not yet) included" in str(pack.cover())


def test_the_prisma_figure_keeps_maybe_and_unscreened_out_of_excluded(demo):
    from scoping import plots

    pack = open_pack(workspace=str(demo), themes=["burnout"])
    texts = [t.get_text() for t in plots.prisma_flow(pack.data.flow["counts"]).texts]
    excluded = next(t for t in texts if t.startswith("Records excluded"))
    waiting, assessing = [t for t in texts if t.startswith("Awaiting a decision")]
    assert "aybe" not in excluded and "not yet screened" not in excluded
    c = pack.data.flow["counts"]
    assert f"maybe {c['maybe']}; not yet screened {c['not_yet_screened']}" in waiting
    assert f"maybe {c['full_text_maybe']}; not yet assessed {c['awaiting_assessment']}" in assessing
    full_text_excluded = next(t for t in texts if t.startswith("Reports excluded"))
    assert "aybe" not in full_text_excluded


def test_retrieved_and_assessed_reports_are_separate_boxes(demo):
    from dataclasses import replace

    from scoping import plots
    from scoping.packs.sections import Pack

    pack = open_pack(workspace=str(demo), themes=["burnout"])
    counts = dict(pack.data.flow["counts"])
    assert counts["retrieved"] == counts["assessed"]  # the demo has assessed every one
    # two retrieved reports not yet assessed: assessed is two fewer than retrieved
    counts.update(
        assessed=counts["assessed"] - 2,
        full_text_maybe=counts["full_text_maybe"] - 2,
        awaiting_assessment=counts["awaiting_assessment"] + 2,
    )
    shown = Pack(replace(pack.data, flow={**pack.data.flow, "counts": counts}))
    table = str(shown._prisma_table())
    assert f"<td>Reports retrieved</td><td class='n'>{counts['retrieved']}</td>" in table
    assert (
        f"<td>Reports assessed for eligibility</td><td class='n'>{counts['assessed']}</td>"
    ) in table
    assert "retrieved = assessed + not yet assessed" in table
    texts = [t.get_text() for t in plots.prisma_flow(counts).texts]
    assert f"assessed for eligibility: {counts['assessed']}" in "\n".join(texts)


def test_the_gap_map_sentence_counts_pairs_not_rows(demo):
    pack = open_pack(workspace=str(demo), themes=["burnout"])
    grid = pack.data.gap_map
    pairs = grid.groupby(["intervention", "outcome"])["n_studies"].sum()
    assert len(grid[grid["n_studies"] > 0]) > (pairs > 0).sum()  # a pair spans rows
    text = str(pack.gap_map())
    assert f"{(pairs == 0).sum()} pairs have no study yet (gaps). " in text
    assert f" {(pairs > 0).sum()} pairs hold studies." in text


def test_an_empty_search_log_is_not_called_missing(demo):
    from dataclasses import replace

    from scoping.packs.sections import Pack

    pack = open_pack(workspace=str(demo), themes=["burnout"])
    assert pack.data.search_log == "searches.yml" and pack.data.searches
    empty = str(Pack(replace(pack.data, searches=[])).scope())
    assert "The search log (searches.yml) lists no searches yet" in empty
    assert "No search log" not in empty
    none = str(Pack(replace(pack.data, searches=[], search_log="")).scope())
    assert "No search log (corpus/searches.yml) was given" in none


def test_a_pack_with_no_records_says_so_first(demo):
    empty = open_pack(workspace=str(demo), themes=["burnout"], year_from=1900, year_to=1901)
    assert empty.data.records.empty
    cover = str(empty.cover())
    assert cover.index("No record of the corpus meets this pack's filters") < cover.index("<h1>")
    full = str(open_pack(workspace=str(demo), themes=["burnout"]).cover())
    assert "No record of the corpus" not in full
