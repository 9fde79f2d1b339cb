import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest

from scoping.curation import DecisionStore
from scoping.errors import InputError

WRITER = """
import sys
from scoping.curation import DecisionStore
store = DecisionStore(sys.argv[1])
for i in range(int(sys.argv[3])):
    store.record(reviewer=sys.argv[2], target=f"r{i:05d}", stage="title_abstract",
                 decision="include" if i % 2 else "exclude", reason="wrong setting")
"""


def test_changed_mind_is_a_new_event(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    store.record(
        reviewer="Ann",
        target="r1",
        stage="title_abstract",
        decision="exclude",
        reason="wrong population",
        tags=["burnout"],
        note="on second reading",
    )
    assert len(store.events()) == 2
    (latest,) = store.current("title_abstract").to_dict("records")
    assert (latest["decision"], latest["reason"], latest["tags"]) == (
        "exclude",
        "wrong population",
        '["burnout"]',
    )


def test_log_is_append_only(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    db = sqlite3.connect(tmp_path / "d.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE events SET decision = 'exclude'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM events")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"reviewer": " "}, "a reviewer name is required", id="reviewer"),
        pytest.param({"stage": "abstracts"}, "unknown stage 'abstracts'; stages are", id="stage"),
        pytest.param({"decision": "yes"}, "use one of include, exclude, maybe", id="decision"),
        pytest.param(
            {"decision": "exclude"}, "an exclusion needs a reason from the list", id="reason"
        ),
    ],
)
def test_bad_decisions_are_refused(tmp_path, kwargs, match):
    store = DecisionStore(tmp_path / "d.sqlite")
    args = {"reviewer": "Ann", "target": "r1", "stage": "title_abstract", "decision": "include"}
    with pytest.raises(InputError, match=match):
        store.record(**(args | kwargs))
    assert store.events().empty


def test_configurable_reasons(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite", reasons=["not health or social care"])
    store.record(
        reviewer="Ann",
        target="r1",
        stage="title_abstract",
        decision="exclude",
        reason="not health or social care",
    )
    with pytest.raises(InputError, match="not health or social care"):
        store.record(
            reviewer="Ann",
            target="r2",
            stage="title_abstract",
            decision="exclude",
            reason="wrong setting",
        )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_import_round_trip(tmp_path, suffix):
    store = DecisionStore(tmp_path / "a.sqlite")
    store.record(
        reviewer="Ann",
        target="r1",
        stage="title_abstract",
        decision="maybe",
        note="check, the abstract is cut short",
    )
    store.record(
        reviewer="Bo", target="g1", target_kind="group", stage="dedupe", decision="different"
    )
    assert store.export(tmp_path / f"log{suffix}") == 2
    other = DecisionStore(tmp_path / "b.sqlite")
    assert other.import_log(tmp_path / f"log{suffix}") == 2
    assert other.import_log(tmp_path / f"log{suffix}") == 0  # nothing twice
    cols = ["event_id", "reviewer", "target", "stage", "decision", "note"]
    assert other.events()[cols].equals(store.events()[cols])


def test_import_refuses_a_bad_line(tmp_path):
    (tmp_path / "log.csv").write_text(
        "event_id,recorded_at,reviewer,target,target_kind,stage,decision,reason,tags,note\n"
        "e0,2026-11-25T09:00:00,Ann,r0,record,title_abstract,include,,[],\n"
        "e1,2026-11-25T10:00:00,Ann,r1,record,title_abstract,exclude,,[],\n"
    )
    store = DecisionStore(tmp_path / "d.sqlite")
    with pytest.raises(InputError, match=r"line 3: an exclusion needs a reason.*nothing was"):
        store.import_log(tmp_path / "log.csv")
    assert store.events().empty  # the good line before it was not imported either


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "d.sqlite"
    DecisionStore(path)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "1000"])
        for name in ("Ann", "Bo")
    ]
    assert [w.wait(timeout=600) for w in writers] == [0, 0]
    log = DecisionStore(path).events()
    assert len(log) == 2000
    assert log.groupby("reviewer")["target"].nunique().to_dict() == {"Ann": 1000, "Bo": 1000}
    assert log["seq"].is_unique and log["event_id"].is_unique


def test_killed_writer_leaves_the_store_consistent(tmp_path):
    path = tmp_path / "d.sqlite"
    store = DecisionStore(path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), "Ann", "100000"])
    deadline = time.monotonic() + 120
    while len(store.events()) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=60)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    log = store.events()
    assert (
        len(log) >= 200 and log[["event_id", "reviewer", "target", "decision"]].notna().all().all()
    )
    assert log["target"].tolist() == [f"r{i:05d}" for i in range(len(log))]  # no gaps
    store.record(reviewer="Bo", target="r1", stage="title_abstract", decision="include")
    assert len(store.events()) == len(log) + 1


def test_decisions_follow_records_through_reingest(tmp_path, data):
    import shutil

    from scoping.ingest import ingest

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(data / "multiline_abstract.ris", raw)
    ingest([raw], tmp_path / "build", progress=False)
    (record_id,) = pd.read_parquet(tmp_path / "build" / "records.parquet")["record_id"]
    store = DecisionStore(tmp_path / "d.sqlite")
    store.record(reviewer="Ann", target=record_id, stage="title_abstract", decision="include")
    shutil.copy(data / "bom_crlf.ris", raw / "new_search.ris")
    ingest([raw], tmp_path / "build", progress=False)
    records = pd.read_parquet(tmp_path / "build" / "records.parquet")
    decided = records.merge(store.current("title_abstract"), left_on="record_id", right_on="target")
    assert len(records) == 2 and decided["decision"].tolist() == ["include"]
