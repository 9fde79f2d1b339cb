"""Where the decision log lives: an SQLite file for one person, PostgreSQL for a team.

Both backends keep the same append-only table of events and give the store
(:class:`scoping.curation.store.DecisionStore`) the same few operations: insert events
(idempotent by ``event_id``, so a retry never stores a decision twice), read the log in
order, copy a whole log in keeping ids, times and order. The schema of each is made
and upgraded by numbered migrations (``scoping store init`` / ``scoping store upgrade``).

On PostgreSQL the server enforces what the workbench promises: the reviewers' roles
may insert and read, never update or delete (grants, and triggers that refuse even the
owner); each event is stamped with the role that connected (``identity``); a role
bound to a reviewer's name cannot record under another name; and a stage in blind mode
shows each reviewer only their own decisions until the lead turns it off. Every query
is a constant or composed with :mod:`psycopg.sql`; values always travel as parameters.
"""

from __future__ import annotations

import getpass
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import InputError
from .locations import (
    Location,
    LoginRefused,
    Unreachable,
    connection_error,
    describe,
    first_line,
    is_server,
    parse_location,
)

__all__ = [
    "COLUMNS",
    "IDENTITY",
    "STORED",
    "Location",
    "LoginRefused",
    "PostgresLog",
    "SqliteLog",
    "Unreachable",
    "describe",
    "first_line",
    "is_server",
    "open_log",
    "parse_location",
]

#: The columns of an event, in the log's order (``seq`` is the store's own number).
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
#: Who connected when the event was stored: the database role on PostgreSQL; empty in
#: an SQLite file, which has no login of its own.
IDENTITY = "identity"
#: Every stored column: the event and its identity.
STORED = (*COLUMNS, IDENTITY)


def open_log(location: Location, *, readonly: bool = False) -> SqliteLog | PostgresLog:
    """The backend holding the log at ``location``."""
    if is_server(location):
        return PostgresLog(str(location), readonly=readonly)
    return SqliteLog(Path(location), readonly=readonly)


# ============================================================================= SQLite
_SQLITE_V1 = """
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
#: SQLite's migrations, applied when a store is opened for writing (``user_version``).
#: A store made before versions were kept (version 0) has version 1's table already;
#: each later migration is one statement.
SQLITE_MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "the append-only event log", _SQLITE_V1),
    (2, "who connected, beside the reviewer's name", "ALTER TABLE events ADD COLUMN identity TEXT"),
)
_SQLITE_INSERT = (
    "INSERT INTO events (event_id, recorded_at, reviewer, target, target_kind, stage, "
    "decision, reason, tags, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_SELECT = (
    "SELECT seq, event_id, recorded_at, reviewer, target, target_kind, stage, decision, "
    "reason, tags, note, identity FROM events"
)
#: A store of version 1 opened read-only (so not upgraded): no identity column yet.
_SQLITE_SELECT_V1 = _SQLITE_SELECT.replace("identity FROM", "NULL FROM")
_SQLITE_COPY = (
    "INSERT INTO events (seq, event_id, recorded_at, reviewer, target, target_kind, stage, "
    "decision, reason, tags, note, identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class SqliteLog:
    """The log in one SQLite file (WAL mode, ``synchronous=FULL``).

    Parameters
    ----------
    path : Path
        The database file (created with its folder if missing, unless ``readonly``).
    readonly : bool
        Open an existing file for reading only: nothing is created or written.
    """

    kind = "sqlite"

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path, self.readonly = path, readonly
        if readonly and not path.is_file():
            raise InputError(f"{path}: no decision store here; no decision is recorded yet.")
        if not readonly:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as db:
                if not readonly:
                    self._migrate(db)
                self._verify(db)
                self._identity = "identity" in {
                    r[1] for r in db.execute("PRAGMA table_info(events)")
                }
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"{path}: not a usable decision store ({exc}); restore it from a copy "
                "or an exported log (DecisionStore.import_log)."
            ) from None

    @property
    def where(self) -> str:
        """The file, for messages."""
        return str(self.path)

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        """Bring the file to the latest version; safe when several processes open it.

        Version 1's script only creates what is missing; each later step re-reads the
        version inside its own write transaction, so it runs once whoever gets there first.
        """
        db.executescript(SQLITE_MIGRATIONS[0][2])
        for number, _, statement in SQLITE_MIGRATIONS[1:]:
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("PRAGMA user_version").fetchone()[0] < number:
                    db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number:d}")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _verify(db: sqlite3.Connection) -> None:
        """Refuse a damaged file, or one that is not a decision store, on opening."""
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {verdict}")
        found = {r[1] for r in db.execute("PRAGMA table_info(events)")}
        if set(COLUMNS) - found:
            raise sqlite3.DatabaseError("it has no table of decision events")

    def version(self) -> int:
        """The schema version (``PRAGMA user_version``)."""
        with self._connect() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

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

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def insert(self, events: list[dict[str, Any]]) -> list[int]:
        """Store events in one transaction; an event already stored is kept, not doubled.

        Returns each event's ``seq`` (the stored one for an event seen before).
        """
        seqs = []
        with self._transaction() as db:
            for event in events:
                found = db.execute(
                    "SELECT seq FROM events WHERE event_id = ?", (event["event_id"],)
                ).fetchone()
                row = tuple(event[c] for c in COLUMNS[1:])
                seqs.append(found[0] if found else db.execute(_SQLITE_INSERT, row).lastrowid)
        return seqs

    def rows(self, until_seq: int | None = None) -> list[tuple[Any, ...]]:
        """Every stored event (``STORED`` columns) in log order, up to ``until_seq``."""
        query = _SQLITE_SELECT if self._identity else _SQLITE_SELECT_V1
        with self._connect() as db:
            if until_seq is None:
                return db.execute(query + " ORDER BY seq").fetchall()
            return db.execute(query + " WHERE seq <= ? ORDER BY seq", (until_seq,)).fetchall()

    def reviewers(self) -> list[str]:
        """The names of everyone who has recorded an event, sorted."""
        with self._connect() as db:
            return sorted(r[0] for r in db.execute("SELECT DISTINCT reviewer FROM events"))

    def copy_in(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Add a whole log (``STORED`` columns) to this empty store, keeping every value."""
        rows = list(rows)
        with self._transaction() as db:
            if db.execute("SELECT count(*) FROM events").fetchone()[0]:
                raise InputError(f"{self.path}: holds events already; copy into a new store.")
            db.executemany(_SQLITE_COPY, rows)
        return len(rows)

    def whoami(self) -> tuple[str | None, str | None]:
        """The connection's identity and bound reviewer name: none in a file."""
        return None, None

    def hidden_stages(self) -> list[str]:
        """Stages in blind mode on the server: none in a file (the widget hides others)."""
        return []

    def close(self) -> None:
        """Nothing to close: every operation opens and closes its own connection."""


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


# ========================================================================= PostgreSQL
class PostgresLog:
    """The log on a PostgreSQL server, in the schema ``scoping``.

    One connection per store, opened on first use and opened again after it drops;
    a write that fails on a dropped connection is sent once more (it is idempotent),
    and :class:`Unreachable` is raised when the server cannot be reached at all.

    Parameters
    ----------
    url : str
        ``postgresql://role@host[:port]/database`` (a password from ``~/.pgpass`` or
        ``PGPASSWORD`` rather than the URL).
    readonly : bool
        Every transaction read-only.
    """

    kind = "postgresql"

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        from . import pgschema  # imports the driver: only where a server is used

        self.url, self.readonly, self._schema = url, readonly, pgschema
        self._db: Any = None
        found = self._run(pgschema.installed_version)
        if found == 0:
            raise InputError(
                f"{self.where}: no decision store in this database; the database owner "
                f"makes one with `scoping store init {self.where}`."
            )
        if found < pgschema.LATEST:
            raise InputError(
                f"{self.where}: the store's schema is version {found}, this workbench needs "
                f"{pgschema.LATEST}; the owner runs `scoping store upgrade {self.where}`."
            )
        if found > pgschema.LATEST:
            raise InputError(
                f"{self.where}: the store's schema (version {found}) is newer than this "
                "workbench knows; upgrade the workbench."
            )

    @property
    def where(self) -> str:
        """The URL without its password, for messages."""
        return describe(self.url)

    def _connection(self) -> Any:
        import psycopg

        if self._db is None or self._db.closed:
            self._db = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            if self.readonly:
                self._db.execute("SET default_transaction_read_only = on")
        return self._db

    def _run(self, work: Callable[[Any], Any]) -> Any:
        """Run ``work(connection)``; once more on a fresh connection if it dropped."""
        import psycopg

        for attempt in (1, 2):
            try:
                return work(self._connection())
            except psycopg.OperationalError as exc:
                self.close()
                if attempt == 2:
                    raise connection_error(self.where, exc) from None
            except psycopg.errors.RaiseException as exc:
                raise InputError(f"{self.where}: {exc.diag.message_primary}") from None
            except psycopg.errors.InsufficientPrivilege as exc:
                user = psycopg.conninfo.conninfo_to_dict(self.url).get("user") or _default_user()
                raise InputError(
                    f"{self.where}: the server refused ({exc.diag.message_primary}): {user} "
                    "is not a reviewer of this store yet; ask the lead to run "
                    f"`scoping store add-reviewer URL {user}`."
                ) from None
            except psycopg.DatabaseError as exc:
                message = exc.diag.message_primary or str(exc)
                raise InputError(f"{self.where}: the server refused: {message}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def insert(self, events: list[dict[str, Any]]) -> list[int]:
        """Store events in one transaction; an event already stored is kept, not doubled."""
        return self._run(lambda db: self._schema.insert(db, events))

    def rows(self, until_seq: int | None = None) -> list[tuple[Any, ...]]:
        """Every event this role may read (``STORED`` columns) in log order."""
        return self._run(lambda db: self._schema.select(db, until_seq))

    def reviewers(self) -> list[str]:
        """The names of everyone whose events this role may read, sorted."""
        return self._run(self._schema.reviewers)

    def copy_in(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Add a whole log to this empty store, keeping every value (the owner only)."""
        rows = list(rows)
        return self._run(lambda db: self._schema.copy_in(db, rows, self.where))

    def version(self) -> int:
        """The schema version installed in the database."""
        return self._run(self._schema.installed_version)

    def whoami(self) -> tuple[str | None, str | None]:
        """The role this store connects as, and the reviewer name bound to it (if any)."""
        return self._run(self._schema.whoami)

    def hidden_stages(self) -> list[str]:
        """The stages in blind mode for this login: there it reads only its own decisions."""
        return self._run(self._schema.hidden_stages)

    def close(self) -> None:
        """Close the connection (a later operation opens a new one)."""
        if self._db is not None:
            try:
                self._db.close()
            finally:
                self._db = None

    def __del__(self) -> None:
        # A store dropped without close() (a reader opened for one count) closes its
        # connection quietly rather than leave the server a session until it times out.
        self.close()


def _default_user() -> str:
    """The login libpq uses when a URL names none: ``PGUSER``, else the account's name."""
    return os.environ.get("PGUSER") or getpass.getuser()
