"""The decision store: an append-only log of curation events in SQLite.

Every decision (a screening include/exclude/maybe, a dedup "same"/"not the same") is
an event: who, when, which record or group, which stage, what, why. Nothing is ever
updated or deleted (triggers refuse it); a changed mind is a new event, and the current
state is derived from the log (the latest event per reviewer, target and stage).

The database runs in WAL mode with ``synchronous=FULL`` and a generous busy timeout:
several notebooks or people can write at once, each event is its own transaction, and
a process killed mid-write leaves the store consistent. The log exports to and imports
from CSV and JSON Lines, so it can be versioned and audited; an import skips events
the store already has (by ``event_id``).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

#: Decisions allowed at each stage.
DECISIONS: dict[str, tuple[str, ...]] = {
    "title_abstract": ("include", "exclude", "maybe"),
    "full_text": ("include", "exclude", "maybe"),
    "dedupe": ("same", "different"),
}
#: Default exclusion reasons (a workspace can give its own list).
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
CREATE INDEX IF NOT EXISTS events_target ON events (stage, target, reviewer, seq);
"""


class DecisionStore:
    """An append-only decision log in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file (created with its folder if missing).
    reasons : iterable of str, optional
        Allowed exclusion reasons; :data:`DEFAULT_REASONS` if omitted.
    """

    def __init__(self, path: str | Path, reasons: Iterable[str] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.reasons = tuple(reasons) if reasons is not None else DEFAULT_REASONS
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode, closed when the block ends."""
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=60000")
            yield db
        finally:
            db.close()

    def _check(self, reviewer: str, stage: str, decision: str, reason: str | None) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("a reviewer name is required with every decision.")
        if stage not in DECISIONS:
            raise InputError(f"unknown stage {stage!r}; stages are {', '.join(DECISIONS)}.")
        if decision not in DECISIONS[stage]:
            raise InputError(
                f"decision {decision!r} is not allowed at stage {stage}; "
                f"use one of {', '.join(DECISIONS[stage])}."
            )
        if decision == "exclude" and reason not in self.reasons:
            raise InputError(
                f"an exclusion needs a reason from the list: "
                f"{', '.join(self.reasons)} (got {reason!r})."
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
        self._check(reviewer, stage, decision, reason)
        event = {
            "event_id": uuid.uuid4().hex,
            "recorded_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "reviewer": reviewer.strip(),
            "target": target,
            "target_kind": target_kind,
            "stage": stage,
            "decision": decision,
            "reason": reason,
            "tags": json.dumps(sorted(set(tags))),
            "note": note,
        }
        with self._connect() as db:
            cursor = db.execute(
                f"INSERT INTO events ({', '.join(event)}) VALUES ({', '.join('?' * len(event))})",
                tuple(event.values()),
            )
            event["seq"] = cursor.lastrowid
        return event

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
        latest = log.sort_values("seq").groupby(["reviewer", "target"], sort=True).tail(1)
        return latest.sort_values(["target", "reviewer"]).reset_index(drop=True)

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
        """Add the events of an exported log that the store lacks; returns how many."""
        path = Path(path)
        if path.suffix == ".csv":
            log = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif path.suffix == ".jsonl":
            log = pd.read_json(path, lines=True, dtype=False)
        else:
            raise InputError(f"{path}: import a .csv or .jsonl file written by export.")
        missing = set(COLUMNS[1:]) - set(log.columns)
        if missing:
            raise InputError(f"{path}: not a decision log (missing {', '.join(sorted(missing))}).")
        rows = []
        with self._connect() as db:
            known = {r[0] for r in db.execute("SELECT event_id FROM events")}
        for line, row in enumerate(log.to_dict("records"), start=2):
            if row["event_id"] in known:
                continue
            try:
                self._check(row["reviewer"], row["stage"], row["decision"], row["reason"] or None)
            except InputError as exc:
                raise InputError(f"{path} line {line}: {exc}; nothing was imported.") from None
            rows.append([row[c] if row[c] != "" else None for c in COLUMNS[1:]])
        with self._connect() as db:  # all or nothing: one transaction
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(
                    f"INSERT OR IGNORE INTO events ({', '.join(COLUMNS[1:])}) VALUES "
                    f"({', '.join('?' * (len(COLUMNS) - 1))})",
                    rows,
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return len(rows)


def pair_target(a: str, b: str) -> str:
    """How a pair of records is named in the log: the two ids, sorted, joined by ``|``."""
    return "|".join(sorted((a, b)))


def pair_decisions(store: DecisionStore) -> dict[frozenset[str], str]:
    """The latest "same"/"different" decision on each pair, whoever made it."""
    log = store.events()
    log = log[log["stage"] == "dedupe"].sort_values("seq")
    latest = log.groupby("target", sort=True).tail(1)
    return {
        frozenset(t.split("|")): d
        for t, d in zip(latest["target"], latest["decision"], strict=True)
    }
