"""Decisions kept on this machine until the decision server has them.

With a store on a server, every decision is first written here (a small SQLite file
in the workspace's ``curation/`` folder, on the local disk), then sent; it leaves the
outbox only once the server has stored it. A decision made while the connection is
down waits here and is sent with the next one, or when the store is next opened; a
process killed between sending and clearing sends it again, which the server ignores
(events are idempotent by ``event_id``). Several processes may share one outbox.

Each event waits for the store it was made for (the server's URL with its login), and
is only ever sent there: a workspace opened later by another login never sends
another person's decisions under its own name. An event the server refuses (a name
its login may not record as, say) is not sent again and not dropped: it moves to the
outbox's ``refused`` table with the server's reason.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    location TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (
    event_id TEXT PRIMARY KEY,
    location TEXT NOT NULL,
    event TEXT NOT NULL,
    reason TEXT NOT NULL
);
"""


class Outbox:
    """Events waiting to be sent, in the order they were made.

    Parameters
    ----------
    path : Path
        The outbox file (created with its folder when first needed).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The outbox's connection, opened once (a decision costs two small commits)."""
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
            self._db = db
        yield self._db

    def close(self) -> None:
        """Close the connection (the next use opens it again)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def add(self, events: list[dict[str, Any]], location: str) -> None:
        """Keep ``events`` (all or none) for ``location`` until the server has them."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT OR IGNORE INTO pending (event_id, location, event) VALUES (?, ?, ?)",
                [(e["event_id"], location, json.dumps(e, sort_keys=True)) for e in events],
            )
            db.execute("COMMIT")

    def pending(self, location: str) -> list[dict[str, Any]]:
        """The events waiting for ``location``, oldest first."""
        if self._db is None and not self.path.is_file():
            return []
        with self._connect() as db:
            found = db.execute(
                "SELECT event FROM pending WHERE location = ? ORDER BY n", (location,)
            )
            return [json.loads(e) for (e,) in found]

    def refuse(self, event: dict[str, Any], location: str, reason: str) -> None:
        """Set aside an event the server refused, with its reason (never sent again)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM pending WHERE event_id = ?", (event["event_id"],))
            db.execute(
                "INSERT OR REPLACE INTO refused (event_id, location, event, reason) "
                "VALUES (?, ?, ?, ?)",
                (event["event_id"], location, json.dumps(event, sort_keys=True), reason),
            )
            db.execute("COMMIT")

    def refused(self) -> list[tuple[dict[str, Any], str]]:
        """The events the server refused, each with its reason."""
        if self._db is None and not self.path.is_file():
            return []
        with self._connect() as db:
            found = db.execute("SELECT event, reason FROM refused ORDER BY rowid")
            return [(json.loads(e), reason) for e, reason in found]

    def remove(self, event_ids: list[str]) -> None:
        """Forget events the server has stored."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("DELETE FROM pending WHERE event_id = ?", [(i,) for i in event_ids])
            db.execute("COMMIT")
