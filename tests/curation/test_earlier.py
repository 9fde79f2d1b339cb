"""Decisions of an earlier, related review, read from its workspace to train screening."""

import shutil

import pandas as pd
import pytest

from scoping.curation.earlier import earlier_of, read_earlier
from scoping.curation.status import final_decisions, work_of
from scoping.curation.store import DecisionStore
from scoping.errors import InputError
from scoping.workspace import Workspace


def test_the_earlier_reviews_final_decisions_are_read_with_their_texts(demo_built):
    earlier = read_earlier(demo_built)
    space = Workspace(demo_built)
    final = final_decisions(
        DecisionStore(space.store, readonly=True), "title_abstract", work_of(space.build)
    )
    assert len(earlier.labels) == len(final) > 0
    assert sum(earlier.labels) == sum(d == "include" for d, _ in final.values())
    unique = pd.read_parquet(space.build / "unique.parquet")
    first = sorted(final)[0]
    title = unique.loc[unique["record_id"] == first, "title"].iloc[0]
    assert earlier.texts[0].startswith(title)
    assert earlier.counts() == {
        "source": str(demo_built),
        "records": len(final),
        "included": sum(earlier.labels),
    }


def test_a_workspace_names_its_earlier_review_relative_to_itself(demo_built, tmp_path):
    shutil.copytree(demo_built, tmp_path / "2024", ignore=shutil.ignore_patterns("reports"))
    here = tmp_path / "2026"
    here.mkdir()
    config = here / "scoping.yml"
    assert earlier_of(Workspace(here)) is None
    config.write_text("screening:\n  earlier: ../2024\n", encoding="utf-8")
    assert Workspace(here).earlier_review() == (tmp_path / "2024").resolve()
    assert earlier_of(Workspace(here)).source == str((tmp_path / "2024").resolve())
    config.write_text("screening:\n  earlier: ../2026/\n", encoding="utf-8")
    with pytest.raises(InputError, match="names this workspace itself"):
        Workspace(here).earlier_review()
    for wrong in ("screening:\n  earlier: [a, b]\n", "screening: [../2024]\n"):
        config.write_text(wrong, encoding="utf-8")
        with pytest.raises(InputError, match="names the workspace folder of an earlier review"):
            Workspace(here).earlier_review()


def test_an_earlier_review_that_is_missing_or_not_built_is_one_line(tmp_path):
    with pytest.raises(InputError, match="is not a folder"):
        read_earlier(tmp_path / "nowhere")
    (tmp_path / "corpus").mkdir()
    with pytest.raises(InputError, match=r"^earlier review: .*run `scoping run`"):
        read_earlier(tmp_path)


def test_an_earlier_review_with_one_class_of_decision_is_refused(demo_copy):
    space = Workspace(demo_copy)
    space.store_file.unlink()
    store = space.decisions()
    works = sorted(set(work_of(space.build).values()))
    store.record(reviewer="Ann", target=works[0], stage="title_abstract", decision="include")
    with pytest.raises(InputError, match="at least one included and one excluded"):
        read_earlier(demo_copy)
