import json
import shutil

import pytest

from scoping.curation import DecisionStore
from scoping.errors import InputError
from scoping.prisma import check, flow, write


@pytest.fixture
def demo(demo_built):
    return demo_built


def test_demo_flow_adds_up_and_uses_the_search_log_names(demo):
    result = flow(demo / "build", search_log=demo / "corpus" / "demo" / "searches.yml")
    counts = result["counts"]
    assert set(counts["identified"]) == {
        "CINAHL Complete",
        "PubMed",
        "APA PsycInfo",
        "Scopus",
        "Grey literature (hand-searched)",
    }
    assert sum(counts["identified"].values()) == 426
    assert counts["screened"] == 261 and counts["duplicates_removed"] == 165
    assert counts["not_yet_screened"] == 261 and check(result) == []


def test_decisions_on_any_copy_count_for_the_work(demo, tmp_path):
    build = demo / "build"
    store = DecisionStore(tmp_path / "d.sqlite")
    result = flow(build)
    copy = result["records"]["duplicates_removed"][0]  # a duplicate, not a primary
    works = result["records"]["screened"]
    store.record(reviewer="Ann", target=copy, stage="title_abstract", decision="include")
    store.record(
        reviewer="Ann",
        target=works[1],
        stage="title_abstract",
        decision="exclude",
        reason="wrong setting",
    )
    store.record(
        reviewer="Bo",
        target=works[2],
        stage="title_abstract",
        decision="exclude",
        reason="wrong topic",
    )
    store.record(reviewer="Cy", target=works[2], stage="title_abstract", decision="maybe")
    decided = flow(build, store=tmp_path / "d.sqlite")
    c = decided["counts"]
    assert (c["included"], c["excluded"], c["maybe"]) == (1, {"wrong setting": 1}, 1)
    assert c["not_yet_screened"] == 261 - 3 and check(decided) == []
    assert decided["records"]["excluded"]["wrong setting"] == [works[1]]


def test_write_and_a_broken_identity_is_reported(demo, tmp_path):
    shutil.copytree(demo / "build", tmp_path / "build")
    result = write(tmp_path / "build")
    saved = json.loads((tmp_path / "build" / "prisma.json").read_text())
    assert saved["counts"] == result["counts"] and saved["checks"][0].startswith("identified")
    result["counts"]["screened"] += 1
    assert len(check(result)) == 2


def test_needs_a_built_workspace(tmp_path):
    with pytest.raises(InputError, match=r"records.parquet: not found; run `scoping run`"):
        flow(tmp_path)


def test_real_multi_database_search_adds_up(shared, tmp_path):
    from scoping.dedupe import run as dedupe
    from scoping.ingest import ingest

    ingest([shared / "citesource_multisource/gambling_harms_by_source"], tmp_path, progress=False)
    dedupe(tmp_path)
    result = flow(tmp_path)
    assert check(result) == []
    assert sum(result["counts"]["identified"].values()) == 645
    assert result["counts"]["duplicates_removed"] > 100  # the five databases overlap


def test_linked_reports_of_one_study_count_once_among_studies(tmp_path):
    from scoping.prisma import studies

    (tmp_path / "related.csv").write_text(
        "record_id,related_id,relation,rule,evidence,status\n"
        "e1,p1,erratum_of,r,x,linked\n"  # an included paper and its included erratum
        "v1,p2,version_of,r,x,linked\n"  # a preprint of a paper that was not included
        "c1,p3,comment_on,r,x,review\n"  # a link waiting for a person joins nothing
    )
    works = {"e1": "e1", "p1": "p1", "p1b": "p1", "v1": "v1", "p2": "p2", "c1": "c1", "p3": "p3"}
    assert studies(tmp_path, works, ["c1", "e1", "p1", "p3", "v1"]) == ["c1", "e1", "p3", "v1"]
    (tmp_path / "related.csv").unlink()
    assert studies(tmp_path, works, ["e1", "p1"]) == ["e1", "p1"]
