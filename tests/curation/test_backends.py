"""The store's backends: what the PostgreSQL server enforces (grants, triggers, identity,
blind mode, migrations), idempotent writes and the outbox, and copies between the two.

Run against a throwaway cluster (``pg_cluster`` in conftest.py); the tests that both
backends share are in test_store.py.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner

from scoping.cli import main
from scoping.curation import DecisionStore, pgschema
from scoping.curation.backends import LoginRefused, Unreachable, describe, parse_location
from scoping.curation.identity import choose_reviewer
from scoping.curation.retrieval import RetrievalWidget
from scoping.curation.widgets import ScreeningWidget
from scoping.errors import InputError
from scoping.manifest import decision_log
from scoping.pipeline import _caveats

INCLUDE = {"stage": "title_abstract", "decision": "include"}


def _database(url):
    return url.rsplit("/", 1)[1]


def test_update_delete_and_truncate_through_a_reviewer_role_are_refused(pg_store, pg_cluster):
    url = pg_store("ann")
    DecisionStore(url).record(reviewer="Ann", target="r1", **INCLUDE)
    with psycopg.connect(url, autocommit=True) as db:
        for statement in (
            "UPDATE scoping.events SET decision = 'exclude'",
            "DELETE FROM scoping.events",
            "TRUNCATE scoping.events",
            "INSERT INTO scoping.events (seq, event_id, recorded_at, reviewer, target, "
            "target_kind, stage, decision) VALUES (99, 'x', 't', 'Ann', 'r', 'record', 's', 'd')",
            "INSERT INTO scoping.events (identity, event_id, recorded_at, reviewer, target, "
            "target_kind, stage, decision) VALUES ('bo', 'x', 't', 'Ann', 'r', 'record', 's', 'd')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)
    owner = pg_cluster.url(database=_database(url))  # even the owner: the triggers refuse
    with psycopg.connect(owner, autocommit=True) as db:
        for statement in ("UPDATE scoping.events SET decision = 'exclude'",
                          "DELETE FROM scoping.events", "TRUNCATE scoping.events"):  # fmt: skip
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                db.execute(statement)
    assert DecisionStore(url).events()["decision"].tolist() == ["include"]


def test_each_event_carries_the_login_and_a_bound_login_records_only_as_its_name(pg_store):
    url = pg_store("ann", name="Ann Smith")
    store = DecisionStore(url)
    assert store.whoami() == ("ann", "Ann Smith")
    store.record(reviewer="Ann Smith", target="r1", **INCLUDE)
    with pytest.raises(InputError, match='connected as ann and record as "Ann Smith", not as "Bo"'):
        store.record(reviewer="Bo", target="r2", **INCLUDE)
    (event,) = store.events().to_dict("records")
    assert (event["reviewer"], event["identity"], event["seq"]) == ("Ann Smith", "ann", 1)


def test_a_name_is_one_logins_and_a_login_that_has_decided_keeps_its_name(pg_store, pg_cluster):
    url = pg_store("ann", name="Ann Smith")
    owner = pg_cluster.url(database=_database(url))
    pg_cluster.login("bo")
    pgschema.add_reviewer(owner, "bo", name="Bo Jnes")
    with pytest.raises(InputError, match="'Ann Smith' is the name of login ann"):
        pgschema.add_reviewer(owner, "bo", name="ann  SMITH")
    pgschema.add_reviewer(owner, "bo", name="Bo Jones")  # nothing decided yet: mended
    DecisionStore(url).record(reviewer="Ann Smith", target="r1", **INCLUDE)
    with pytest.raises(InputError, match=r"ann has recorded 1 event\(s\) as 'Ann Smith'"):
        pgschema.add_reviewer(owner, "ann", name="Ann Jones")
    pgschema.add_reviewer(owner, "ann", name="Ann Smith")  # the same name again: no change
    assert DecisionStore(url).whoami() == ("ann", "Ann Smith")


def test_a_bound_login_opens_the_notebooks_as_its_name_and_only_as_it(pg_store, tmp_path):
    url = pg_store("bo", name="Bo Jones")
    owner = url.replace("bo@", "postgres@")
    DecisionStore(owner).record(reviewer="Ann Smith", target="r1", **INCLUDE)
    store = DecisionStore(url)
    assert choose_reviewer(store, "bo  jones", tmp_path)[0] == "Bo Jones"
    assert choose_reviewer(store, "", tmp_path) == (
        "Bo Jones",
        "Deciding as Bo Jones (the name of login bo).",
    )
    with pytest.raises(InputError, match="connected as bo, which records only as 'Bo Jones'"):
        choose_reviewer(store, "Ann Smith", tmp_path)


def test_a_login_not_yet_added_is_told_to_ask_the_lead(pg_store, pg_cluster):
    url = pg_store("ann", name="Ann Smith")
    pg_cluster.login("eve")
    eve = pg_cluster.url("eve", _database(url))
    with pytest.raises(InputError, match=r"eve is not a reviewer.*add-reviewer URL eve`\.$"):
        DecisionStore(eve).events()


def test_an_owner_who_may_not_make_roles_is_told_what_to_ask_for(pg_cluster):
    pg_cluster.login("norole")
    database = pg_cluster.new_database(owner="norole")
    result = CliRunner().invoke(main, ["store", "init", pg_cluster.url("norole", database)])
    assert result.exit_code == 2, result.output
    assert "norole may not make the store's group roles" in result.output
    assert "ALTER ROLE norole CREATEROLE" in result.output


def test_group_roles_with_rights_in_another_database_are_refused(pg_cluster):
    first, second = pg_cluster.new_database(), pg_cluster.new_database()
    pgschema.migrate(pg_cluster.url(database=first), roles="team", fresh=True)
    result = CliRunner().invoke(
        main, ["store", "init", pg_cluster.url(database=second), "--roles", "team"]
    )
    assert result.exit_code == 2, result.output
    assert f"team_reviewer already has rights in database {first}" in result.output
    assert "--roles STEM" in result.output and "Traceback" not in result.output
    with psycopg.connect(pg_cluster.url(database=second), autocommit=True) as db:
        assert not db.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'scoping'").fetchone()
        db.execute("CREATE ROLE made_reviewer NOLOGIN; CREATE ROLE made_lead NOLOGIN")
        db.execute("GRANT made_reviewer TO ann")
    # roles an administrator made for this store, holding no rights elsewhere, are taken,
    # and whoever is in them already is named
    made = CliRunner().invoke(
        main, ["store", "init", pg_cluster.url(database=second), "--roles", "made"]
    )
    assert made.exit_code == 0, made.output
    assert "note: made_reviewer has members already (ann), who may record" in made.output
    assert "made_lead has members" not in made.output
    status = CliRunner().invoke(main, ["store", "status", pg_cluster.url(database=second)])
    assert "members of made_reviewer: ann" in status.output, status.output


def test_a_refused_decision_is_set_aside_never_sent_later_under_another_login(
    pg_store, pg_cluster, tmp_path
):
    url = pg_store("ann", name="Ann Smith")
    database, outbox = _database(url), tmp_path / "outbox.sqlite"
    pgschema.add_reviewer(pg_cluster.url(database=database), "bo", name="Bo Jones")
    ann = DecisionStore(url, outbox=outbox)
    with pytest.raises(InputError, match=r'record as "Ann Smith", not as "Bo Jones".*not stored'):
        ann.record(reviewer="Bo Jones", target="r1", **INCLUDE)
    ann.record(reviewer="ann  SMITH", target="r2", **INCLUDE)  # her name, typed loosely
    bo = DecisionStore(pg_cluster.url("bo", database), outbox=outbox)  # the same workspace
    bo.record(reviewer="Bo Jones", target="r3", **INCLUDE)
    log = bo.events()
    assert list(zip(log["reviewer"], log["target"], log["identity"], strict=True)) == [
        ("Ann Smith", "r2", "ann"),
        ("Bo Jones", "r3", "bo"),
    ]
    ((event, reason),) = ann.outbox.refused()
    assert event["reviewer"] == "Bo Jones" and "connected as ann" in reason
    assert ann.outbox.pending(ann.where) == []


def test_blind_mode_shows_each_reviewer_only_their_own_until_the_lead_ends_it(
    pg_store, pg_cluster, tmp_path
):
    url = pg_store("ann", name="Ann")
    database = _database(url)
    for role, lead in (("bo", False), ("lee", True)):
        pgschema.add_reviewer(pg_cluster.url(database=database), role, name=role.title(), lead=lead)
    ann, bo = DecisionStore(url), DecisionStore(pg_cluster.url("bo", database))
    lee = DecisionStore(pg_cluster.url("lee", database))
    ann.record(reviewer="Ann", target="r1", **INCLUDE)
    bo.record(reviewer="Bo", target="r1", stage="title_abstract", decision="exclude",
              reason="wrong setting")  # fmt: skip
    bo.record(reviewer="Bo", target="g1", stage="dedupe", decision="same")
    with pytest.raises(InputError, match="the server refused"):  # a reviewer cannot end it
        pgschema.set_blind(pg_cluster.url("bo", database), "title_abstract", False)
    pgschema.set_blind(pg_cluster.url("lee", database), "title_abstract", True)
    seen = {name: s.events() for name, s in (("ann", ann), ("bo", bo), ("lee", lee))}
    screening = {
        k: sorted(v.loc[v["stage"] == "title_abstract", "reviewer"]) for k, v in seen.items()
    }
    assert screening == {"ann": ["Ann"], "bo": ["Bo"], "lee": ["Ann", "Bo"]}
    assert (seen["ann"]["stage"] == "dedupe").sum() == 1  # a stage not in blind mode
    assert ann.reviewers() == ["Ann", "Bo"] and bo.current("title_abstract")[
        "reviewer"
    ].tolist() == ["Bo"]
    copied = CliRunner().invoke(
        main, ["store", "copy", pg_cluster.url("bo", database), str(tmp_path / "bo.sqlite")]
    )
    assert "note: blind mode is on at title_abstract" in copied.output
    assert "copied 2 events" in copied.output  # what Bo may read, and it says so
    (said,) = _caveats(pg_cluster.url("bo", database))  # the flow Bo builds says so too
    assert "keeps title_abstract blind from this login, so this flow counts only" in said
    (said,) = _caveats(pg_cluster.url("lee", database))  # the lead sees both, and no note
    assert "disagreeing" in said
    assert (bo.hidden_stages(), lee.hidden_stages()) == (["title_abstract"], [])
    assert CliRunner().invoke(main, ["init", str(tmp_path / "ws")]).exit_code == 0
    listed = {  # `scoping conflicts`: the note only to whom it is true
        who: CliRunner()
        .invoke(
            main,
            ["conflicts", "--workspace", str(tmp_path / "ws")],
            env={"SCOPING_STORE_URL": pg_cluster.url(who, database)},
        )
        .output
        for who in ("bo", "lee")
    }
    assert "note: blind mode is on" in listed["bo"] and "title_abstract: 0" in listed["bo"]
    assert "note:" not in listed["lee"] and "title_abstract: 1" in listed["lee"]
    assert pgschema.status(pg_cluster.url(database=database))["blind"] == ["title_abstract"]
    pgschema.set_blind(pg_cluster.url("lee", database), "title_abstract", False)
    assert len(ann.events()) == 3


def test_a_store_is_made_and_upgraded_by_numbered_migrations(pg_cluster):
    database = pg_cluster.new_database()
    owner = pg_cluster.url(database=database)
    assert pgschema.migrate(owner, to=1, fresh=True) == [1]
    with psycopg.connect(owner, autocommit=True) as db:
        db.execute(f'GRANT "{database}_reviewer" TO scribe')
    url = pg_cluster.url("scribe", database)
    with pytest.raises(InputError, match=r"version 1, this workbench needs 2.*store upgrade"):
        DecisionStore(url)
    result = CliRunner().invoke(main, ["store", "upgrade", owner])
    assert result.exit_code == 0 and "applied migrations 2; schema version 2" in result.output
    assert CliRunner().invoke(main, ["store", "upgrade", owner]).output.endswith("version 2\n")
    DecisionStore(url).record(reviewer="Scribe", target="r1", **INCLUDE)
    again = CliRunner().invoke(main, ["store", "init", owner])
    assert again.exit_code == 2 and "has a decision store already (version 2)" in again.output
    empty = pg_cluster.url("scribe", pg_cluster.new_database())
    with pytest.raises(InputError, match=r"no decision store in this database.*store init"):
        DecisionStore(empty)


def test_a_retried_write_is_stored_once(new_store):
    store = DecisionStore(new_store())
    (event,) = store.record_many([{"reviewer": "Ann", "target": "r1", **INCLUDE}])
    again = {k: v for k, v in event.items() if k != "seq"}
    assert store._log.insert([again, again]) == [event["seq"], event["seq"]]
    assert len(store.events()) == 1


def test_a_decision_made_while_the_server_is_down_is_kept_and_sent_when_it_is_back(
    pg_store, pg_cluster, tmp_path
):
    url = pg_store()
    (tmp_path / "scoping.yml").write_text(f"store: {url}\n")  # a workspace on the server
    outbox = tmp_path / "curation" / "outbox.sqlite"
    store = DecisionStore(url, outbox=outbox)
    store.record(reviewer="Ann", target="r1", **INCLUDE)
    assert len(store.events()) == 1
    pg_cluster.stop()
    try:
        with pytest.raises(
            Unreachable, match=r"cannot be reached.*kept on this machine \(1 waiting"
        ):
            store.record(reviewer="Ann", target="r2", **INCLUDE)
        offline = store.events()  # the log as last read, and what waits
        assert offline["target"].tolist() == ["r1", "r2"]
        with pytest.raises(Unreachable, match="cannot be reached"):
            DecisionStore(url, outbox=outbox)  # one clear line
    finally:
        pg_cluster.start()
    # the workspace's status sends what waited, and says so
    status = CliRunner().invoke(main, ["store", "status", "--workspace", str(tmp_path)])
    assert status.exit_code == 0 and status.output.startswith("sent 1 decision(s) that waited")
    assert DecisionStore(url).events()["target"].tolist() == ["r1", "r2"]
    assert store.outbox.pending(store.where) == []


def test_a_click_while_the_server_restarts_loses_nothing(pg_store, pg_cluster, tmp_path):
    records = pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3"],
            "title": ["Burnout", "Joy in work", "Just culture"],
            "abstract": ["", "", ""],
        }
    )
    url = pg_store()
    store = DecisionStore(url, outbox=tmp_path / "outbox.sqlite")
    widget = ScreeningWidget(records, store, reviewer="Ann", order="random", seed=1)
    clicked = [widget.current]
    widget.buttons["include"].click()
    pg_cluster.stop()
    try:
        clicked.append(widget.current)
        widget.buttons["maybe"].click()
        assert "Saved on this computer, not yet on the server" in widget.message.value
        assert "2</b> screened of <b>3" in widget.progress.value  # and screening goes on
        assert widget.current not in clicked
        widget.on_key("u")  # an undo while the server is down: kept, and said so
        assert widget.message.value.startswith("Undone: maybe on")
        assert "Saved on this computer" in widget.message.value
        assert widget.current == clicked[-1]
    finally:
        pg_cluster.start()
    widget.buttons["include"].click()
    log = DecisionStore(url).events()
    assert log["target"].tolist() == [clicked[0], *[clicked[1]] * 3]
    assert log["decision"].tolist() == ["include", "maybe", "retract", "include"]
    assert log["event_id"].is_unique


def test_an_undo_of_a_retrieval_while_the_server_is_down_is_kept_and_said(
    pg_store, pg_cluster, tmp_path
):
    url = pg_store()
    store = DecisionStore(url, outbox=tmp_path / "outbox.sqlite")
    awaited = pd.DataFrame(
        {"record_id": ["r1"], "title": ["Huddles"], "status": ["awaiting retrieval"]}
    )
    widget = RetrievalWidget(awaited, store, "Ann")
    widget.works.value, widget.reason.value = "r1", "not found"
    widget.buttons["not retrieved"].click()
    pg_cluster.stop()
    try:
        widget.buttons["undo"].click()
        assert widget.message.value.startswith("Undone: not retrieved, on “Huddles")
        assert "<span style='color:#8a4b00'>Saved on this computer" in widget.message.value
    finally:
        pg_cluster.start()
    DecisionStore(url, outbox=tmp_path / "outbox.sqlite")  # opening sends what waited
    assert DecisionStore(url).events()["decision"].tolist() == ["not retrieved", "retract"]


def test_copy_from_a_file_to_a_server_and_back_keeps_the_digest(pg_store, tmp_path):
    source = DecisionStore(tmp_path / "a.sqlite", reasons=["not about staff"])
    for n in range(30):
        source.record(reviewer=("Ann", "Bo")[n % 2], target=f"r{n % 7}", stage="title_abstract",
                      decision="exclude", reason="not about staff", tags=["b", "a"],
                      note=f"note {n} — ünïcode")  # fmt: skip
    source.retract(reviewer="Ann", target="r0", stage="title_abstract")
    server = pg_store("postgres")
    result = CliRunner().invoke(main, ["store", "copy", str(tmp_path / "a.sqlite"), server])
    assert result.exit_code == 0, result.output
    assert "copied 31 events" in result.output
    back = tmp_path / "back.sqlite"
    assert CliRunner().invoke(main, ["store", "copy", server, str(back)]).exit_code == 0
    digests = {
        decision_log(parse_location(x))["sha256"] for x in (tmp_path / "a.sqlite", server, back)
    }
    assert len(digests) == 1 and None not in digests
    assert DecisionStore(back).events().equals(source.events())
    into_full = CliRunner().invoke(main, ["store", "copy", str(back), server])
    assert into_full.exit_code == 2 and "holds events already" in into_full.output


def test_a_refused_login_and_a_misspelt_url_are_one_clear_line(pg_store, pg_cluster, tmp_path):
    url = pg_store()
    nobody = pg_cluster.url("nosuch", _database(url))
    with pytest.raises(InputError, match=r'refused the login \(.*role "nosuch" does not exist'):
        DecisionStore(nobody)
    with pytest.raises(LoginRefused, match=r"disagree on SSL \(.*SSL.*\); set sslmode"):
        DecisionStore(url + "?sslmode=require")  # the test server offers no SSL
    typo = url.replace("postgresql://", "postgressql://")
    result = CliRunner().invoke(main, ["store", "status", typo])
    assert result.exit_code == 2 and "not a store location" in result.output
    assert not any(tmp_path.iterdir()) and not any(Path().glob("postgres*"))  # nothing made


def test_a_url_is_printed_without_its_password_and_a_workspace_names_its_server(
    tmp_path, monkeypatch
):
    from scoping.workspace import Workspace

    assert describe("postgresql://ann:pw@h:5/db") == "postgresql://ann@h:5/db"
    space = Workspace(tmp_path)
    monkeypatch.delenv("SCOPING_STORE_URL", raising=False)
    assert space.store == tmp_path / "curation" / "decisions.sqlite"
    monkeypatch.setenv("SCOPING_STORE_URL", "postgresql://ann@h/db")
    assert space.store == "postgresql://ann@h/db"
    (tmp_path / "scoping.yml").write_text("store: shared/decisions.sqlite\n")
    assert space.store == tmp_path / "shared" / "decisions.sqlite"  # the workspace's word wins


WRITER = """
import sys
from scoping.curation import DecisionStore
url, reviewer, count, outbox = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = DecisionStore(url, outbox=outbox)  # sends what a killed run left waiting
done = set(store.current("title_abstract", reviewer)["target"])
for i in range(count):
    if f"{reviewer}-{i:04d}" not in done:
        store.record(reviewer=reviewer, target=f"{reviewer}-{i:04d}", stage="title_abstract",
                     decision="include")
"""


@pytest.mark.long
@pytest.mark.timeout(1200)
def test_four_writers_one_killed_and_restarted_lose_and_duplicate_nothing(pg_store, tmp_path):
    url = pg_store()

    def start(name):
        return subprocess.Popen(
            [sys.executable, "-c", WRITER, url, name, "1000", str(tmp_path / f"{name}.sqlite")]
        )

    writers = {name: start(name) for name in ("Ann", "Bo", "Cy", "Dee")}
    store = DecisionStore(url)
    deadline = time.monotonic() + 300
    while (store.current("title_abstract", "Cy").shape[0] < 300) and time.monotonic() < deadline:
        time.sleep(0.05)
    writers["Cy"].send_signal(signal.SIGKILL)
    writers["Cy"].wait(timeout=60)
    killed_at = store.current("title_abstract", "Cy").shape[0]
    writers["Cy"] = start("Cy")
    assert [w.wait(timeout=900) for w in writers.values()] == [0, 0, 0, 0]
    log = store.events()
    assert 300 <= killed_at < 1000
    assert len(log) == 4000 and log["event_id"].is_unique and log["seq"].is_unique
    assert log.groupby("reviewer")["target"].nunique().to_dict() == dict.fromkeys(
        ("Ann", "Bo", "Cy", "Dee"), 1000
    )
