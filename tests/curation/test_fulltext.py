"""The full-text stage: texts found and read, retrieval and full-text decisions, and
the PRISMA 2020 full-text boxes that add up and trace to record ids."""

import json
import shutil

import pandas as pd
import pytest

from scoping.curation import DecisionStore
from scoping.curation.fulltext import extract, locate, statuses
from scoping.errors import InputError
from scoping.pipeline import run_stages
from scoping.prisma import check


def test_texts_are_read_and_a_bad_file_is_reported_not_fatal(data):
    folder = data / "fulltext"
    text, pages, problem = extract(folder / "readable.pdf")
    assert "86 care workers in Scotland" in text and pages == 1 and problem is None
    assert extract(folder / "encrypted.pdf")[2] == "encrypted: save a copy without a password"
    assert extract(folder / "not_a_pdf.pdf")[2].startswith("not a readable PDF")
    assert extract(folder / "fulltext.txt")[0].startswith("Methods: 120 nurses")


def test_files_are_matched_by_index_record_id_doi_or_pmid(tmp_path, data):
    folder = tmp_path / "fulltext"
    folder.mkdir()
    shutil.copy(data / "fulltext" / "readable.pdf", folder / "10.5555_synthetic-demo.0007.pdf")
    shutil.copy(data / "fulltext" / "fulltext.txt", folder / "r2.txt")
    shutil.copy(data / "fulltext" / "readable.pdf", folder / "paper.pdf")
    (folder / "index.csv").write_text("pmid,file,url\n123,paper.pdf,\n456,,https://x.org/a\n")
    works = pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3", "r4", "r5"],
            "doi": ["10.5555/synthetic-demo.0007", None, None, None, None],
            "pmid": [None, None, "123", "456", "789"],
        }
    )
    found = locate(folder, works).set_index("record_id")
    assert found.loc["r1", "matched_by"] == "file name (doi)"
    assert found.loc["r2", "file"] == "r2.txt"
    assert found.loc["r3", "file"] == "paper.pdf"
    assert found.loc["r4", "url"] == "https://x.org/a"
    assert pd.isna(found.loc["r5", "matched_by"])


def test_an_index_naming_a_missing_file_is_one_line(tmp_path):
    (tmp_path / "index.csv").write_text("record_id,file\nr1,gone.pdf\n")
    with pytest.raises(InputError, match=r"index.csv line 2: no file 'gone.pdf'"):
        locate(tmp_path, pd.DataFrame({"record_id": ["r1"], "doi": [None], "pmid": [None]}))


def test_the_later_of_the_retrieval_and_full_text_decisions_decides(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    for target, steps in {
        "a": [("retrieval", "not retrieved", "not found"), ("full_text", "include", None)],
        "b": [
            ("full_text", "include", None),
            ("retrieval", "not retrieved", "paywalled, not requested"),
        ],
        "c": [],  # no decision: the file found for it decides
        "d": [],
    }.items():
        for stage, decision, reason in steps:
            store.record(
                reviewer="Ann", target=target, stage=stage, decision=decision, reason=reason
            )
    located = pd.DataFrame(
        {"record_id": list("abcd"), "file": [None, "b.pdf", "c.pdf", None], "url": [None] * 4}
    )
    found = statuses(list("abcd"), located, store).set_index("record_id")
    assert found["status"].to_dict() == {
        "a": "retrieved",
        "b": "not retrieved",
        "c": "retrieved",
        "d": "awaiting retrieval",
    }
    assert found.loc["b", "reason"] == "paywalled, not requested"


@pytest.fixture
def screened(demo_copy, data):
    """The demo workspace with full texts for some included works, and decisions."""
    flow = json.loads((demo_copy / "build" / "prisma.json").read_text())
    included = flow["records"]["included"]
    folder = demo_copy / "corpus" / "fulltext"
    folder.mkdir(parents=True)
    for rid in included[:6]:
        shutil.copy(data / "fulltext" / "readable.pdf", folder / f"{rid}.pdf")
    shutil.copy(data / "fulltext" / "encrypted.pdf", folder / f"{included[6]}.pdf")
    store = DecisionStore(demo_copy / "curation" / "decisions.sqlite")
    store.record(
        reviewer="Ann",
        target=included[7],
        stage="retrieval",
        decision="not retrieved",
        reason="requested, not received",
    )
    for rid, decision, reason in [
        (included[0], "include", None),
        (included[1], "include", None),
        (included[2], "exclude", "wrong concept"),
        (included[3], "maybe", None),
    ]:
        store.record(
            reviewer="Ann", target=rid, stage="full_text", decision=decision, reason=reason
        )
    report = run_stages(demo_copy, progress=False)
    return demo_copy, included, report


def test_the_full_text_boxes_add_up_and_trace_to_records(screened):
    workspace, included, report = screened
    assert "fulltext" in report.ran and "prisma" in report.ran
    flow = json.loads((workspace / "build" / "prisma.json").read_text())
    c, boxes = flow["counts"], flow["records"]
    assert c["sought"] == len(included) == 143
    # The person's decisions made above win over the demo's synthetic ones.
    assert included[7] in boxes["not_retrieved"]["requested, not received"]
    assert set(included[:7]) <= set(boxes["retrieved"])
    assert set(included[:2]) <= set(boxes["studies_included"])
    assert included[2] in boxes["full_text_excluded"]["wrong concept"]
    assert included[3] in boxes["full_text_maybe"]
    assert included[7] not in boxes["retrieved"] + boxes["awaiting_retrieval"]
    # Every sought work sits in exactly one retrieval box, every retrieved one in one
    # assessment box, and the counts are the boxes' lengths.
    retrieval = boxes["retrieved"] + boxes["awaiting_retrieval"]
    retrieval += [w for ids in boxes["not_retrieved"].values() for w in ids]
    assert sorted(retrieval) == sorted(included)
    assessment = boxes["studies_included"] + boxes["full_text_maybe"]
    assessment += boxes["awaiting_assessment"]
    assessment += [w for ids in boxes["full_text_excluded"].values() for w in ids]
    assert sorted(assessment) == sorted(boxes["retrieved"])
    assert c["studies_included"] == len(boxes["studies_included"]) > 2
    assert check(flow) == []
    broken = dict(flow, counts=dict(c, retrieved=c["retrieved"] + 1))
    assert check(broken) != []


def test_an_unreadable_full_text_is_one_line_and_counts_as_retrieved(screened):
    workspace, included, report = screened
    lines = [line for line in report.lines if "encrypted" in line]
    assert lines == [
        f"  fulltext: corpus/fulltext/{included[6]}.pdf: encrypted: save a copy without a "
        f"password (work {included[6]})"
    ]
    table = pd.read_csv(workspace / "build" / "fulltext.csv", dtype=str, keep_default_na=False)
    row = table.set_index("record_id").loc[included[6]]
    assert row["status"] == "retrieved" and row["problem"].startswith("encrypted")


def test_full_text_reasons_come_from_the_workspace(tmp_path):
    (tmp_path / "scoping.yml").write_text("reasons:\n  full_text: [not in the UK]\n")
    from scoping.workspace import Workspace

    store = Workspace(tmp_path).decisions()
    store.record(
        reviewer="Ann", target="r1", stage="full_text", decision="exclude", reason="not in the UK"
    )
    with pytest.raises(InputError, match="an exclusion needs a reason from the list: 'not in"):
        store.record(
            reviewer="Ann",
            target="r1",
            stage="full_text",
            decision="exclude",
            reason="wrong concept",
        )
