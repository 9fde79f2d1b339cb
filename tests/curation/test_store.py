import json
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


def test_changed_mind_is_a_new_event(tmp_path, new_store):
    store = DecisionStore(new_store())
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
def test_bad_decisions_are_refused(tmp_path, kwargs, match, new_store):
    store = DecisionStore(new_store())
    args = {"reviewer": "Ann", "target": "r1", "stage": "title_abstract", "decision": "include"}
    with pytest.raises(InputError, match=match):
        store.record(**(args | kwargs))
    assert store.events().empty


def test_configurable_reasons(tmp_path, new_store):
    store = DecisionStore(new_store(), reasons=["not health or social care"])
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
def test_export_import_round_trip(tmp_path, suffix, new_store):
    store = DecisionStore(new_store())
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
    other = DecisionStore(new_store())
    assert other.import_log(tmp_path / f"log{suffix}") == 2
    assert other.import_log(tmp_path / f"log{suffix}") == 0  # nothing twice
    cols = ["event_id", "reviewer", "target", "stage", "decision", "note"]
    assert other.events()[cols].equals(store.events()[cols])


def test_import_refuses_a_bad_line(tmp_path, new_store):
    (tmp_path / "log.csv").write_text(
        "event_id,recorded_at,reviewer,target,target_kind,stage,decision,reason,tags,note\n"
        "e0,2026-11-25T09:00:00,Ann,r0,record,title_abstract,include,,[],\n"
        "e1,2026-11-25T10:00:00,Ann,r1,record,title_abstract,exclude,,[],\n"
    )
    store = DecisionStore(new_store())
    with pytest.raises(InputError, match=r"line 3: an exclusion needs a reason.*nothing was"):
        store.import_log(tmp_path / "log.csv")
    assert store.events().empty  # the good line before it was not imported either


def test_two_processes_writing_at_once_lose_nothing(new_store):
    path = new_store()
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


def test_decisions_follow_records_through_reingest(tmp_path, data, new_store):
    import shutil

    from scoping.ingest import ingest

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(data / "multiline_abstract.ris", raw)
    ingest([raw], tmp_path / "build", progress=False)
    (record_id,) = pd.read_parquet(tmp_path / "build" / "records.parquet")["record_id"]
    store = DecisionStore(new_store())
    store.record(reviewer="Ann", target=record_id, stage="title_abstract", decision="include")
    shutil.copy(data / "bom_crlf.ris", raw / "new_search.ris")
    ingest([raw], tmp_path / "build", progress=False)
    records = pd.read_parquet(tmp_path / "build" / "records.parquet")
    decided = records.merge(store.current("title_abstract"), left_on="record_id", right_on="target")
    assert len(records) == 2 and decided["decision"].tolist() == ["include"]


EVENT = (
    "e1",
    "2026-11-25T10:00:00+00:00",
    "Mallory",
    "r1",
    "record",
    "title_abstract",
    "exclude",
    "wrong population",
    "[]",
    None,
)


@pytest.mark.parametrize(
    "verb",
    [
        pytest.param("REPLACE INTO", id="replace"),
        pytest.param("INSERT OR REPLACE INTO", id="insert-or-replace"),
        pytest.param("INSERT INTO", id="insert-same-id"),
    ],
)
def test_an_existing_event_cannot_be_replaced(tmp_path, verb):
    """REPLACE deletes without firing delete triggers unless recursive_triggers is on;
    a BEFORE INSERT trigger refuses an event whose id the log already holds."""
    store = DecisionStore(tmp_path / "d.sqlite")
    event = store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    db = sqlite3.connect(tmp_path / "d.sqlite")  # a plain connection: no pragmas of ours
    columns = "event_id, recorded_at, reviewer, target, target_kind, stage, decision, reason, "
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(
            f"{verb} events ({columns}tags, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (event["event_id"], *EVENT[1:]),
        )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(
            f"{verb} events (seq, {columns}tags, note) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (event["seq"], *EVENT),
        )
    db.commit()
    (kept,) = store.events().to_dict("records")
    assert (kept["event_id"], kept["decision"]) == (event["event_id"], "include")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        pytest.param(b"this is not a database at all" * 100, "not a usable decision", id="garbage"),
        pytest.param(b"SQLite format 3\x00" + b"\x00" * 84, "not a usable", id="header-only"),
    ],
)
def test_a_file_that_is_not_a_store_is_one_clear_error_on_opening(tmp_path, content, match):
    path = tmp_path / "decisions.sqlite"
    path.write_bytes(content)
    for readonly in (False, True):
        with pytest.raises(InputError, match=match):
            DecisionStore(path, readonly=readonly)


def test_a_damaged_store_is_noticed_on_opening_not_at_the_next_write(tmp_path):
    path = tmp_path / "d.sqlite"
    store = DecisionStore(path)
    store.record_many(
        [
            {"reviewer": "Ann", "target": f"r{i}", "stage": "title_abstract", "decision": "maybe"}
            for i in range(3000)
        ]
    )
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096  # a damaged page
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="not a usable decision store"):
        DecisionStore(path, readonly=True)


def test_record_many_is_all_or_nothing(tmp_path, new_store):
    store = DecisionStore(new_store())
    good = {"reviewer": "Ann", "target": "r1", "stage": "title_abstract", "decision": "include"}
    with pytest.raises(InputError, match="exclusion needs a reason"):
        store.record_many([good, {**good, "target": "r2", "decision": "exclude"}])
    assert store.events().empty


def test_a_reader_opens_read_only_and_creates_nothing(tmp_path):
    from scoping.curation.store import open_store

    assert open_store(tmp_path / "missing.sqlite") is None
    assert not (tmp_path / "missing.sqlite").exists()
    DecisionStore(tmp_path / "d.sqlite").record(
        reviewer="Ann", target="r1", stage="title_abstract", decision="include"
    )
    reader = open_store(tmp_path / "d.sqlite")
    assert len(reader.events()) == 1
    with pytest.raises(InputError, match="opened read-only"):
        reader.record(reviewer="Ann", target="r2", stage="title_abstract", decision="include")
    event = {c: "x" for c in ("event_id", "recorded_at", "reviewer", "target", "target_kind")}
    event |= {"stage": "title_abstract", "decision": "include", "reason": None, "tags": "[]"}
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # the file refuses too
        reader._log.insert([{**event, "note": None}])


def test_copy_keeps_every_event_exactly(tmp_path, new_store):
    store = DecisionStore(new_store(), reasons=["not about staff"])
    store.record(
        reviewer="Ann",
        target="r1",
        stage="title_abstract",
        decision="exclude",
        reason="not about staff",
    )
    target = new_store(owner=True)
    copy = store.copy_to(target)
    assert copy.events().equals(store.events())
    with pytest.raises(InputError, match=r"exists already|holds events already"):
        store.copy_to(target)
    back = copy.copy_to(tmp_path / "back.sqlite")  # and to a file: the same again
    assert back.events().equals(store.events())


HEADER = "event_id,recorded_at,reviewer,target,target_kind,stage,decision,reason,tags,note\n"


def test_import_counts_what_it_added_and_skips_repeats_in_the_file(tmp_path, new_store):
    (tmp_path / "log.csv").write_text(
        HEADER
        + "e0,2026-11-25T09:00:00,Ann,r0,record,title_abstract,include,,[],\n"
        + "e0,2026-11-25T09:00:00,Ann,r0,record,title_abstract,include,,[],\n"
        + "e1,2026-11-25T09:01:00,Ann,r1,record,title_abstract,maybe,,[],\n"
    )
    store = DecisionStore(new_store())
    assert store.import_log(tmp_path / "log.csv") == 2
    assert len(store.events()) == 2
    assert store.import_log(tmp_path / "log.csv") == 0


def test_import_of_json_lines_with_numbers_and_lists(tmp_path, new_store):
    line = {
        "event_id": "e9",
        "recorded_at": "2026-11-25T09:00:00+00:00",
        "reviewer": "Ann",
        "target": 12345,  # a PMID written as a number by another tool
        "target_kind": "record",
        "stage": "title_abstract",
        "decision": "include",
        "reason": None,
        "tags": ["burnout", "burnout", "acute"],
        "note": None,
    }
    (tmp_path / "log.jsonl").write_text(json.dumps(line) + "\n")
    store = DecisionStore(new_store())
    assert store.import_log(tmp_path / "log.jsonl") == 1
    (event,) = store.events().to_dict("records")
    assert event["target"] == "12345" and event["tags"] == '["acute", "burnout"]'


def _event_line(**changes) -> str:
    """One exported event as a JSON line, valid but for ``changes``."""
    event = {
        "event_id": "e1",
        "recorded_at": "2026-11-25",
        "reviewer": "Ann",
        "target": "r1",
        "target_kind": "record",
        "stage": "title_abstract",
        "decision": "include",
        "reason": None,
        "tags": [],
        "note": None,
    }
    return json.dumps(event | changes)


@pytest.mark.parametrize(
    ("line", "match"),
    [
        pytest.param('{"event_id": ', "line 1: not JSON", id="broken-json"),
        pytest.param("[1, 2]", "line 1: expected one event object", id="a-list"),
        pytest.param('{"event_id": "e1"}', "line 1: event lacks recorded_at", id="missing"),
        pytest.param(
            _event_line(recorded_at="yesterday"),
            "recorded_at 'yesterday' is not an ISO time",
            id="bad-time",
        ),
        pytest.param(
            _event_line(reviewer={"name": "Ann"}),
            "reviewer must be text, not dict",
            id="object-value",
        ),
    ],
)
def test_import_refuses_a_bad_json_line_with_its_number(tmp_path, line, match, new_store):
    (tmp_path / "log.jsonl").write_text(line + "\n")
    store = DecisionStore(new_store())
    with pytest.raises(InputError, match=match):
        store.import_log(tmp_path / "log.jsonl")
    assert store.events().empty


def test_an_undo_is_an_appended_event_and_the_decision_before_it_stands_again(tmp_path, new_store):
    from scoping.curation.store import latest

    store = DecisionStore(new_store())
    said = dict(reviewer="Ann", target="r1", stage="title_abstract")
    store.record(**said, decision="include")
    store.record(**said, decision="exclude", reason="wrong topic")
    store.record(reviewer="Bo", target="r1", stage="title_abstract", decision="maybe")
    undone = store.retract(**said)
    assert (undone["decision"], undone["reason"]) == ("exclude", "wrong topic")
    assert store.events()["decision"].tolist() == ["include", "exclude", "maybe", "retract"]
    now = store.current("title_abstract").set_index("reviewer")["decision"].to_dict()
    assert now == {"Ann": "include", "Bo": "maybe"}  # Bo's decision is untouched
    store.retract(**said)
    assert store.current("title_abstract", "Ann").empty
    # the final word on the record is Bo's: an undone decision never counts
    assert latest(store.events(), ("target",))["reviewer"].tolist() == ["Bo"]
    with pytest.raises(InputError, match="Ann has no decision on r1 at title_abstract to undo"):
        store.retract(**said)


def test_an_undone_decision_leaves_no_conflict(tmp_path, new_store):
    from scoping.curation.assign import conflicts

    store = DecisionStore(new_store())
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    store.record(reviewer="Bo", target="r1", stage="title_abstract", decision="maybe")
    assert len(conflicts(store)) == 1
    store.retract(reviewer="Bo", target="r1", stage="title_abstract")
    assert conflicts(store).empty


def test_reviewers_are_the_names_in_the_log(tmp_path, new_store):
    store = DecisionStore(new_store())
    assert store.reviewers() == []
    store.record(reviewer="Bo", target="r1", stage="title_abstract", decision="maybe")
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="maybe")
    assert store.reviewers() == ["Ann", "Bo"]


OPENER = """
import sys
from scoping.curation import DecisionStore
DecisionStore(sys.argv[1]).record(reviewer=sys.argv[2], target="r1", stage="title_abstract",
                                  decision="include")
"""


def test_processes_opening_a_new_file_at_once_each_make_or_find_the_same_schema(tmp_path):
    path = tmp_path / "new.sqlite"  # each opening runs the migrations: once, not four times
    openers = [
        subprocess.Popen([sys.executable, "-c", OPENER, str(path), name], stderr=subprocess.PIPE)
        for name in ("Ann", "Bo", "Cy", "Dee")
    ]
    assert [o.wait(timeout=300) for o in openers] == [0, 0, 0, 0]
    assert sorted(DecisionStore(path).events()["reviewer"]) == ["Ann", "Bo", "Cy", "Dee"]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (2,)


def test_a_store_made_before_schema_versions_is_read_as_it_is_and_upgraded_on_writing(tmp_path):
    from scoping.curation.backends import SQLITE_MIGRATIONS
    from scoping.curation.store import open_store

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(SQLITE_MIGRATIONS[0][2])  # the schema as version 0.2 made it
    db.execute(
        "INSERT INTO events (event_id, recorded_at, reviewer, target, target_kind, stage, "
        "decision) VALUES ('e1', '2026-11-01T09:00:00', 'Ann', 'r1', 'record', "
        "'title_abstract', 'include')"
    )
    db.commit()
    db.close()
    (event,) = open_store(path).events().to_dict("records")  # read-only: left as it is
    assert (event["event_id"], event["identity"]) == ("e1", None)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (0,)
    store = DecisionStore(path)  # opened to write: upgraded, the event kept
    store.record(reviewer="Bo", target="r1", stage="title_abstract", decision="maybe")
    assert store.events()["event_id"].iloc[0] == "e1" and len(store.events()) == 2
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (2,)
