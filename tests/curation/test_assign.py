"""Assignment of records to reviewers, and conflicts for a third person."""

import subprocess
import sys

import pandas as pd
import pytest

from scoping.curation.assign import assign, assigned_to, conflicts, write_assignments
from scoping.curation.store import DecisionStore
from scoping.errors import InputError

IDS = [f"r{i:03d}" for i in range(100)]


def test_everyone_screens_everything_by_default():
    table = assign(IDS, ["Ann", "Bo"])
    assert len(table) == 200 and set(table.groupby("record_id").size()) == {2}


def test_a_share_with_overlap_is_balanced_seeded_and_complete():
    table = assign(IDS, ["Ann", "Bo", "Cy"], overlap=0.2, seed=3)
    per_record = table.groupby("record_id")["reviewer"].nunique()
    assert set(per_record.index) == set(IDS)  # every record assigned
    assert (per_record == 2).sum() == 20 and (per_record == 1).sum() == 80
    load = table["reviewer"].value_counts()
    assert load.max() - load.min() <= 1 and load.sum() == 120
    assert assign(IDS, ["Ann", "Bo", "Cy"], overlap=0.2, seed=3).equals(table)
    assert not assign(IDS, ["Ann", "Bo", "Cy"], overlap=0.2, seed=4).equals(table)


@pytest.mark.parametrize(
    ("reviewers", "overlap", "message"),
    [
        (["Ann", "Ann"], 0.5, "each reviewer once"),
        (["Ann"], 0.5, "two reviewers or more"),
        (["Ann", "Bo"], 1.5, "between 0 and 1"),
    ],
)
def test_bad_assignments_say_what_to_fix(reviewers, overlap, message):
    with pytest.raises(InputError, match=message):
        assign(IDS, reviewers, overlap=overlap)


def test_assignment_file_round_trip(tmp_path):
    path = write_assignments(assign(IDS, ["Ann", "Bo"], overlap=0.0), tmp_path / "a.csv")
    ann, bo = assigned_to(path, "Ann"), assigned_to(path, " Bo ")
    assert ann | bo == set(IDS) and not ann & bo and len(ann) == 50
    assert assigned_to(tmp_path / "none.csv", "Ann") is None
    pd.DataFrame({"id": ["x"]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match="record_id and reviewer"):
        assigned_to(tmp_path / "bad.csv", "Ann")


def test_conflicts_are_listed_until_a_third_person_decides(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    store.record(
        reviewer="Bo",
        target="r1",
        stage="title_abstract",
        decision="exclude",
        reason="wrong setting",
    )
    store.record(reviewer="Ann", target="r2", stage="title_abstract", decision="include")
    store.record(reviewer="Bo", target="r2", stage="title_abstract", decision="include")
    store.record(reviewer="Ann", target="r3", stage="title_abstract", decision="maybe")
    store.record(reviewer="Bo", target="r3", stage="title_abstract", decision="include")
    found = conflicts(store)
    assert list(found["record_id"]) == ["r1", "r3"] and not found["resolved"].any()
    assert found.iloc[0]["decisions"] == "Ann: include; Bo: exclude (wrong setting)"
    store.record(reviewer="Cy", target="r1", stage="title_abstract", decision="include")
    found = conflicts(store).set_index("record_id")
    assert found.loc["r1", "resolved"] and found.loc["r1", "resolution"] == "Cy: include"
    assert not found.loc["r3", "resolved"]


def test_assign_and_conflicts_commands(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    pd.DataFrame({"record_id": IDS}).to_parquet(build / "unique.parquet")

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "scoping.cli", *args, "--workspace", str(tmp_path)],
            capture_output=True,
            text=True,
        )

    made = cli("assign", "--reviewers", "Ann,Bo", "--overlap", "0.1")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("assign: 100 records, 10 screened twice or more; Ann 55, Bo 55")
    listed = cli("conflicts")
    assert listed.returncode == 0 and "conflicts at title_abstract: 0" in listed.stdout


def test_conflicts_command_names_titles_decisions_and_notes_and_writes_csv(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    pd.DataFrame(
        {"record_id": ["r1", "r2"], "title": ["Huddles and speaking up", "Burnout in care homes"]}
    ).to_parquet(build / "unique.parquet")
    store = DecisionStore(tmp_path / "curation" / "decisions.sqlite")
    store.record(
        reviewer="Ann", target="r1", stage="title_abstract", decision="include", note="staff voice"
    )
    store.record(
        reviewer="Bo",
        target="r1",
        stage="title_abstract",
        decision="exclude",
        reason="wrong setting",
    )
    store.record(reviewer="Ann", target="r2", stage="title_abstract", decision="include")
    listed = subprocess.run(
        [sys.executable, "-m", "scoping.cli", "conflicts", "--workspace", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "conflicts at title_abstract: 1, of which 1 await a third person" in out
    assert "[OPEN] r1 Huddles and speaking up" in out
    assert "Ann: include; Bo: exclude (wrong setting); notes: Ann: staff voice" in out
    table = pd.read_csv(build / "conflicts_title_abstract.csv")
    assert table.loc[0, ["record_id", "title", "resolved"]].tolist() == [
        "r1",
        "Huddles and speaking up",
        False,
    ]
