"""The decision store: an append-only log of curation events in SQLite.

Every decision (a screening include/exclude/maybe, a dedup "same"/"not the same") is
an event: who, when, which record or group, which stage, what, why. Nothing is ever
updated or deleted (triggers refuse it); a changed mind is a new event, and the current
state is derived from the log (the latest event per reviewer, target and stage). An
undo is an event too (:data:`RETRACT`): it withdraws the reviewer's latest standing
decision on that target at that stage, so the one before it (if any) stands again.

The database runs in WAL mode with ``synchronous=FULL`` and a generous busy timeout:
several notebooks or people can write at once, each event is its own transaction, and
a process killed mid-write leaves the store consistent. The log exports to and imports
from CSV and JSON Lines, so it can be versioned and audited; an import skips events
the store already has (by ``event_id``).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

#: Decisions allowed at each stage (charting: any field of the charting form, which
#: the charting module checks against the form before it records a value).
DECISIONS: dict[str, tuple[str, ...] | None] = {
    "title_abstract": ("include", "exclude", "maybe"),
    "retrieval": ("retrieved", "not retrieved"),
    "full_text": ("include", "exclude", "maybe"),
    "charting": None,
    "dedupe": ("same", "different", "related", "not related"),
}
#: The event that undoes a reviewer's latest standing decision on a target and stage.
RETRACT = "retract"
#: Which decision of a stage needs a reason from the stage's list.
NEEDS_REASON = {"exclude", "not retrieved"}
#: Default exclusion reasons at title and abstract (a workspace can give its own list).
DEFAULT_REASONS: tuple[str, ...] = (
    "wrong population",
    "wrong setting",
    "wrong topic",
    "wrong study design",
    "wrong publication type",
    "not in English",
    "duplicate",
    "no full text",
    "other",
)
#: Default reasons at each stage that takes them (JBI scoping reviews: population,
#: concept, context); a workspace's scoping.yml can give its own under ``reasons:``.
STAGE_REASONS: dict[str, tuple[str, ...]] = {
    "title_abstract": DEFAULT_REASONS,
    "full_text": (
        "wrong population",
        "wrong concept",
        "wrong context",
        "wrong study design",
        "wrong publication type",
        "not in English",
        "no full text",
        "duplicate",
        "other",
    ),
    "retrieval": (
        "not found",
        "requested, not received",
        "paywalled, not requested",
        "retracted",
        "other",
    ),
}
COLUMNS = (
    "seq",
    "event_id",
    "recorded_at",
    "reviewer",
    "target",
    "target_kind",
    "stage",
    "decision",
    "reason",
    "tags",
    "note",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL,
    reviewer TEXT NOT NULL CHECK (length(reviewer) > 0),
    target TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    note TEXT
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only: record a new event instead'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only: nothing is deleted'); END;
CREATE TRIGGER IF NOT EXISTS events_no_replace BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id OR seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only: that event exists already'); END;
CREATE INDEX IF NOT EXISTS events_target ON events (stage, target, reviewer, seq);
"""


class DecisionStore:
    """An append-only decision log in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file (created with its folder if missing, unless ``readonly``).
    reasons : iterable of str, or mapping of stage to iterable of str, optional
        Allowed reasons: one list for every stage that takes reasons, or a list per
        stage; :data:`STAGE_REASONS` for any stage not given.
    readonly : bool
        Open an existing store for reading only (``mode=ro``): nothing is created or
        written, so a read-only workspace can still be read and audited.

    Raises
    ------
    InputError
        When the file is not a decision store, or fails SQLite's ``quick_check``.
    """

    def __init__(
        self, path: str | Path, reasons: Iterable[str] | None = None, *, readonly: bool = False
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.stage_reasons = _stage_reasons(reasons)
        self.reasons = self.stage_reasons["title_abstract"]
        if readonly and not self.path.is_file():
            raise InputError(f"{self.path}: no decision store here; no decision is recorded yet.")
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as db:
                if not readonly:
                    db.executescript(_SCHEMA)
                self._verify(db)
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"{self.path}: not a usable decision store ({exc}); restore it from a copy "
                "or an exported log (DecisionStore.import_log)."
            ) from None

    def _verify(self, db: sqlite3.Connection) -> None:
        """Refuse a damaged file, or one that is not a decision store, on opening."""
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {verdict}")
        found = {r[1] for r in db.execute("PRAGMA table_info(events)")}
        if set(COLUMNS) - found:
            raise sqlite3.DatabaseError("it has no table of decision events")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode, closed when the block ends."""
        if self.readonly:
            db = _open_readonly(self.path)
        else:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            if not self.readonly:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.execute("PRAGMA recursive_triggers=ON")
            db.execute("PRAGMA busy_timeout=60000")
            yield db
        finally:
            db.close()

    def copy_to(self, path: str | Path) -> DecisionStore:
        """An exact copy of the whole log (ids, times, order) in a new file at ``path``."""
        path = Path(path)
        if path.exists():
            raise InputError(f"{path}: exists already; copy the decision log to a new file.")
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as source:
            target = sqlite3.connect(path, isolation_level=None)
            try:
                source.backup(target)
            finally:
                target.close()
        return DecisionStore(path, self.stage_reasons)

    def _check(self, reviewer: str, stage: str, decision: str, reason: str | None) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("a reviewer name is required with every decision.")
        if stage not in DECISIONS:
            raise InputError(f"unknown stage {stage!r}; stages are {', '.join(DECISIONS)}.")
        allowed = DECISIONS[stage]
        if decision == RETRACT:
            return
        if (allowed is None and not decision) or (allowed and decision not in allowed):
            raise InputError(
                f"decision {decision!r} is not allowed at stage {stage}; "
                f"use one of {', '.join(allowed or ('a charting field',))}."
            )
        reasons = self.stage_reasons.get(stage, ())
        if decision in NEEDS_REASON and reason not in reasons:
            what = "an exclusion" if decision == "exclude" else f"'{decision}'"
            raise InputError(
                f"{what} needs a reason from the list: {', '.join(map(repr, reasons))} "
                f"(got {reason!r})."
            )

    def record(
        self,
        *,
        reviewer: str,
        target: str,
        stage: str,
        decision: str,
        reason: str | None = None,
        tags: Iterable[str] = (),
        note: str | None = None,
        target_kind: str = "record",
    ) -> dict[str, Any]:
        """Append one decision; returns the stored event."""
        (event,) = self.record_many(
            [
                {
                    "reviewer": reviewer,
                    "target": target,
                    "stage": stage,
                    "decision": decision,
                    "reason": reason,
                    "tags": tags,
                    "note": note,
                    "target_kind": target_kind,
                }
            ]
        )
        return event

    def retract(self, *, reviewer: str, target: str, stage: str) -> dict[str, Any]:
        """Undo ``reviewer``'s latest standing decision on ``target`` at ``stage``.

        Appends a :data:`RETRACT` event (the log stays append-only) and returns the
        decision it withdrew.

        Raises
        ------
        InputError
            When the reviewer has no standing decision there to undo.
        """
        log = self.events()
        mine = effective(
            log[(log["stage"] == stage) & (log["target"] == target) & (log["reviewer"] == reviewer)]
        )
        if mine.empty:
            raise InputError(f"{reviewer} has no decision on {target} at {stage} to undo.")
        undone = mine.sort_values("seq").iloc[-1].to_dict()
        kind = undone["target_kind"]
        self.record(
            reviewer=reviewer, target=target, stage=stage, decision=RETRACT, target_kind=kind
        )
        return undone

    def reviewers(self) -> list[str]:
        """The names of everyone who has recorded an event, sorted."""
        with self._connect() as db:
            return sorted(r[0] for r in db.execute("SELECT DISTINCT reviewer FROM events"))

    def record_many(self, decisions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append several decisions (keyword dictionaries of :meth:`record`) at once.

        All are checked first and stored in one transaction: either every one is in the
        log or none is, even when the process is killed part-way.
        """
        events = []
        for given in decisions:
            self._check(given["reviewer"], given["stage"], given["decision"], given.get("reason"))
            events.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "recorded_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                    "reviewer": given["reviewer"].strip(),
                    "target": given["target"],
                    "target_kind": given.get("target_kind", "record"),
                    "stage": given["stage"],
                    "decision": given["decision"],
                    "reason": given.get("reason"),
                    "tags": json.dumps(sorted(set(given.get("tags", ())))),
                    "note": given.get("note"),
                }
            )
        seqs = self._insert([tuple(e[c] for c in COLUMNS[1:]) for e in events])
        for event, seq in zip(events, seqs, strict=True):
            event["seq"] = seq
        return events

    def _insert(self, rows: list[tuple[Any, ...]]) -> list[int]:
        """Insert event rows (columns ``COLUMNS[1:]``) in one transaction; their seqs."""
        query = (
            f"INSERT INTO events ({', '.join(COLUMNS[1:])}) VALUES "
            f"({', '.join('?' * (len(COLUMNS) - 1))})"
        )
        seqs = []
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:
                    seqs.append(db.execute(query, row).lastrowid)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return seqs

    def events(self, until_seq: int | None = None) -> pd.DataFrame:
        """The log in order (up to and including ``until_seq``)."""
        query = f"SELECT {', '.join(COLUMNS)} FROM events"
        params: tuple = ()
        if until_seq is not None:
            query, params = query + " WHERE seq <= ?", (until_seq,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY seq", params).fetchall()
        return pd.DataFrame(rows, columns=list(COLUMNS))

    def current(self, stage: str, reviewer: str | None = None) -> pd.DataFrame:
        """Each reviewer's latest decision on each target at ``stage``."""
        log = self.events()
        log = log[log["stage"] == stage]
        if reviewer is not None:
            log = log[log["reviewer"] == reviewer]
        found = latest(log, ("reviewer", "target"))
        return found.sort_values(["target", "reviewer"]).reset_index(drop=True)

    def export(self, path: str | Path) -> int:
        """Write the log as ``.csv`` or ``.jsonl``; returns the number of events."""
        path = Path(path)
        log = self.events()
        if path.suffix == ".csv":
            log.to_csv(path, index=False)
        elif path.suffix == ".jsonl":
            log.to_json(path, orient="records", lines=True, force_ascii=False)
        else:
            raise InputError(f"{path}: export to a .csv or .jsonl file.")
        return len(log)

    def import_log(self, path: str | Path) -> int:
        """Add the events of an exported log that the store lacks; returns how many.

        Events whose ``event_id`` the store (or an earlier line of the file) already
        has are skipped. Every other line must be a valid event; one that is not
        stops the import with its line number, and nothing is imported (one
        transaction).
        """
        path = Path(path)
        with self._connect() as db:
            known = {r[0] for r in db.execute("SELECT event_id FROM events")}
        rows = []
        for line, raw in _log_lines(path):
            try:
                event = _event(raw)
                self._check(event["reviewer"], event["stage"], event["decision"], event["reason"])
            except InputError as exc:
                raise InputError(f"{path} line {line}: {exc}; nothing was imported.") from None
            if event["event_id"] not in known:
                known.add(event["event_id"])
                rows.append(tuple(event[c] for c in COLUMNS[1:]))
        self._insert(rows)  # all or nothing: one transaction
        return len(rows)


def _log_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The events of an exported log (CSV or JSON Lines), each with its line number."""
    if path.suffix not in (".csv", ".jsonl"):
        raise InputError(f"{path}: import a .csv or .jsonl file written by export.")
    if not path.is_file():
        raise InputError(f"{path}: not found; give a log written by DecisionStore.export.")
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix == ".csv":
            reader = csv.DictReader(handle)
            missing = set(COLUMNS[1:]) - set(reader.fieldnames or ())
            if missing:
                raise InputError(
                    f"{path}: not a decision log (no column {', '.join(sorted(missing))})."
                )
            for row in reader:
                yield reader.line_num, row
            return
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{path} line {line}: not JSON ({exc.msg}); nothing was imported."
                ) from None
            if not isinstance(row, dict):
                raise InputError(f"{path} line {line}: expected one event object per line.")
            yield line, row


def _event(row: dict[str, Any]) -> dict[str, Any]:
    """One imported event with every value checked and in the store's types."""
    missing = [c for c in COLUMNS[1:] if c not in row]
    if missing:
        raise InputError(f"event lacks {', '.join(missing)}")
    event = {}
    for column in COLUMNS[1:]:
        value = row[column]
        if column == "tags":
            value = _tags(value)
        elif value is None or value == "" or (isinstance(value, float) and value != value):
            value = None
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            value = str(value)
        else:
            raise InputError(f"{column} must be text, not {type(value).__name__} {value!r}")
        event[column] = value
    for column in ("event_id", "recorded_at", "reviewer", "target", "target_kind", "stage"):
        if event[column] is None:
            raise InputError(f"{column} is empty")
    try:
        datetime.fromisoformat(event["recorded_at"])
    except ValueError:
        raise InputError(f"recorded_at {event['recorded_at']!r} is not an ISO time") from None
    return event


def _tags(value: Any) -> str:
    """Tags as the store keeps them: a JSON list of sorted unique strings."""
    if value is None or value == "":
        return "[]"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise InputError(f"tags {value!r} is not a JSON list") from None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise InputError(f"tags must be a list of text, not {value!r}")
    return json.dumps(sorted(set(value)))


def _stage_reasons(
    reasons: Iterable[str] | Mapping[str, Iterable[str]] | None,
) -> dict[str, tuple[str, ...]]:
    """The allowed reasons of every stage, from what the caller gave."""
    if reasons is None:
        return dict(STAGE_REASONS)
    if isinstance(reasons, Mapping):
        return {**STAGE_REASONS, **{k: tuple(v) for k, v in reasons.items()}}
    given = tuple(reasons)
    return {stage: given for stage in STAGE_REASONS}


def _open_readonly(path: Path) -> sqlite3.Connection:
    """Open ``path`` without writing to it or beside it.

    ``mode=ro`` reads a store in WAL mode when its ``-shm`` file exists or can be made;
    in a read-only folder with neither, SQLite can only read the file as immutable.
    """
    uri = path.resolve().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)


def open_store(path: str | Path) -> DecisionStore | None:
    """The store at ``path`` opened for reading, or None when there is none yet."""
    return DecisionStore(path, readonly=True) if Path(path).is_file() else None


def effective(log: pd.DataFrame) -> pd.DataFrame:
    """The log without undone decisions.

    Each :data:`RETRACT` removes itself and the latest standing decision of its
    reviewer on its target and stage before it.

    >>> log = pd.DataFrame({"seq": [1, 2, 3, 4], "reviewer": "Ann", "target": "r1",
    ...     "stage": "title_abstract", "decision": ["include", "exclude", "retract", "maybe"]})
    >>> effective(log)["decision"].tolist()
    ['include', 'maybe']
    """
    undos = log["decision"] == RETRACT
    if not undos.any():
        return log
    log = log.sort_values("seq")
    keys = ["reviewer", "target", "stage"]
    touched = log[undos].set_index(keys).index.unique()
    inside = log.set_index(keys).index.isin(touched)
    gone: list[int] = []
    for _, events in log[inside].groupby(keys, sort=False):
        standing: list[int] = []
        for seq, decision in zip(events["seq"], events["decision"], strict=True):
            if decision != RETRACT:
                standing.append(seq)
            elif standing:
                gone += [standing.pop(), seq]
            else:
                gone.append(seq)  # an undo with nothing before it (imported): no effect
    return log[~log["seq"].isin(gone)]


def latest(log: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """The last standing event (in log order) for each value of the columns ``by``.

    ``("reviewer", "target")``: each reviewer's current decision on each record;
    ``("target",)``: the final word on each record, whoever gave it. Undone decisions
    (:func:`effective`) never count.
    """
    return effective(log).sort_values("seq").groupby(list(by), sort=True).tail(1)


def pair_target(a: str, b: str) -> str:
    """How a pair of records is named in the log: the two ids, sorted, joined by ``|``."""
    return "|".join(sorted((a, b)))


def pair_decisions(store: DecisionStore) -> dict[frozenset[str], str]:
    """The latest decision on each pair, whoever made it.

    "same" / "different" (one work or two), or "related" / "not related" (two reports
    of one study, or a link that is wrong).
    """
    log = store.events()
    final = latest(log[log["stage"] == "dedupe"], ("target",))
    return {
        frozenset(t.split("|")): d for t, d in zip(final["target"], final["decision"], strict=True)
    }
