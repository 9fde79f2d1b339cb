"""The decision store's schema on PostgreSQL: numbered migrations, roles and queries.

Everything lives in the schema ``scoping``. Two group roles are made at ``init``
(named from the database unless given: ``<db>_reviewer`` and ``<db>_lead``); a
person's login role is made a member of one (``scoping store add-reviewer``):

- **reviewers** may read the log and insert events, naming only the event's own columns
  (never ``seq`` or ``identity``, which the server sets); nothing else;
- **leads** may also bind login roles to reviewer names and turn blind mode on or off
  per stage, and always see every decision;
- nobody, the owner included, can UPDATE, DELETE or TRUNCATE the log (triggers).

Inserts are taken one transaction at a time (an advisory lock in the insert trigger),
so the order of ``seq`` is the order in which events became visible: a reader never
sees a later event before an earlier one commits, and the audit's "events up to the
build" stays true.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from ..errors import InputError
from .locations import connection_error, describe

#: The latest schema version this workbench writes and reads.
LATEST = 2

_V1 = [
    "CREATE SCHEMA scoping",
    """CREATE TABLE scoping.schema_version (
        version integer PRIMARY KEY, description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())""",
    "CREATE TABLE scoping.settings (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE SEQUENCE scoping.events_seq",
    """CREATE TABLE scoping.events (
        seq bigint PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        recorded_at text NOT NULL,
        reviewer text NOT NULL CHECK (length(reviewer) > 0),
        target text NOT NULL,
        target_kind text NOT NULL,
        stage text NOT NULL,
        decision text NOT NULL,
        reason text,
        tags text NOT NULL DEFAULT '[]',
        note text,
        identity text)""",
    "CREATE INDEX events_target ON scoping.events (stage, target, reviewer, seq)",
    """CREATE FUNCTION scoping.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the decision log is append-only: % is refused; record a new event',
            TG_OP;
    END $$""",
    """CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON scoping.events
        FOR EACH ROW EXECUTE FUNCTION scoping.refuse_change()""",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON scoping.events
        FOR EACH STATEMENT EXECUTE FUNCTION scoping.refuse_change()""",
    """CREATE FUNCTION scoping.stamp() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, scoping AS $$
    BEGIN
        IF NEW.seq IS NULL THEN  -- a reviewer's insert (a copy by the owner keeps its own)
            PERFORM pg_advisory_xact_lock(hashtext('scoping.events'));
            NEW.seq := nextval('scoping.events_seq');
            NEW.identity := session_user;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER events_stamp BEFORE INSERT ON scoping.events
        FOR EACH ROW EXECUTE FUNCTION scoping.stamp()""",
    "GRANT USAGE ON SCHEMA scoping TO {reviewer}, {lead}",
    """GRANT SELECT ON scoping.events, scoping.schema_version, scoping.settings
        TO {reviewer}, {lead}""",
    """GRANT INSERT (event_id, recorded_at, reviewer, target, target_kind, stage, decision,
        reason, tags, note) ON scoping.events TO {reviewer}, {lead}""",
]
_V2 = [
    """CREATE TABLE scoping.reviewer_names (
        role name PRIMARY KEY, reviewer text NOT NULL UNIQUE CHECK (length(reviewer) > 0))""",
    "CREATE TABLE scoping.blinding (stage text PRIMARY KEY, blind boolean NOT NULL)",
    """CREATE OR REPLACE FUNCTION scoping.stamp() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, scoping AS $$
    DECLARE bound text;
    BEGIN
        IF NEW.seq IS NULL THEN
            SELECT r.reviewer INTO bound FROM scoping.reviewer_names r WHERE r.role = session_user;
            IF bound IS NOT NULL THEN  -- the bound name, however its case and spaces
                IF lower(regexp_replace(btrim(NEW.reviewer), '[[:space:]]+', ' ', 'g'))
                        <> lower(bound) THEN
                    RAISE EXCEPTION 'you are connected as % and record as "%", not as "%"',
                        session_user, bound, NEW.reviewer;
                END IF;
                NEW.reviewer := bound;
            END IF;
            PERFORM pg_advisory_xact_lock(hashtext('scoping.events'));
            NEW.seq := nextval('scoping.events_seq');
            NEW.identity := session_user;
        END IF;
        RETURN NEW;
    END $$""",
    "ALTER TABLE scoping.events ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY events_insert ON scoping.events FOR INSERT WITH CHECK (true)",
    # Blind mode: a reviewer reads their own decisions (by login, or by the name bound
    # to it) and, at a stage not in blind mode, everyone's; a lead reads every one.
    """CREATE POLICY events_read ON scoping.events FOR SELECT USING (
        identity = session_user
        OR reviewer = (SELECT r.reviewer FROM scoping.reviewer_names r
                       WHERE r.role = session_user)
        OR pg_has_role(session_user, (SELECT s.value FROM scoping.settings s
                                      WHERE s.key = 'lead_role')::name, 'MEMBER')
        OR NOT EXISTS (SELECT 1 FROM scoping.blinding b
                       WHERE b.stage = events.stage AND b.blind))""",
    "GRANT SELECT ON scoping.reviewer_names, scoping.blinding TO {reviewer}, {lead}",
    "GRANT INSERT, UPDATE, DELETE ON scoping.reviewer_names, scoping.blinding TO {lead}",
]
#: The migrations, in order: (version, what it adds, statements). ``{reviewer}`` and
#: ``{lead}`` are the group roles, filled in as identifiers.
MIGRATIONS: tuple[tuple[int, str, list[str]], ...] = (
    (1, "the append-only event log, its roles and grants", _V1),
    (2, "identity bound to reviewer names, and blind mode", _V2),
)
_INSERT = sql.SQL(
    "INSERT INTO scoping.events (event_id, recorded_at, reviewer, target, target_kind, stage, "
    "decision, reason, tags, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING seq"
)
_SELECT = sql.SQL(
    "SELECT seq, event_id, recorded_at, reviewer, target, target_kind, stage, decision, "
    "reason, tags, note, identity FROM scoping.events"
)
_CONTENT = ("event_id", "recorded_at", "reviewer", "target", "target_kind", "stage",
            "decision", "reason", "tags", "note")  # fmt: skip


# ------------------------------------------------------------------ what reviewers run
def installed_version(db: psycopg.Connection) -> int:
    """The schema version in the database (0: none)."""
    if db.execute("SELECT to_regclass('scoping.schema_version')").fetchone()[0] is None:
        return 0
    return db.execute("SELECT coalesce(max(version), 0) FROM scoping.schema_version").fetchone()[0]


def insert(db: psycopg.Connection, events: list[dict[str, Any]]) -> list[int]:
    """Insert events in one transaction; an event id already stored keeps its seq."""
    seqs = []
    with db.transaction():
        for event in events:
            found = db.execute(_INSERT, [event[c] for c in _CONTENT]).fetchone()
            if found is None:  # stored before (a retry): the stored event stands
                found = db.execute(
                    "SELECT seq FROM scoping.events WHERE event_id = %s", [event["event_id"]]
                ).fetchone()
            seqs.append(found[0])
    return seqs


def select(db: psycopg.Connection, until_seq: int | None = None) -> list[tuple[Any, ...]]:
    """The events this role may read, in log order (up to ``until_seq``)."""
    if until_seq is None:
        return db.execute(_SELECT + sql.SQL(" ORDER BY seq")).fetchall()
    return db.execute(_SELECT + sql.SQL(" WHERE seq <= %s ORDER BY seq"), [until_seq]).fetchall()


def reviewers(db: psycopg.Connection) -> list[str]:
    """The names in the events this role may read, sorted."""
    found = db.execute("SELECT DISTINCT reviewer FROM scoping.events")
    return sorted(name for (name,) in found)  # Python's order, as from a file


def whoami(db: psycopg.Connection) -> tuple[str, str | None]:
    """The connected role and the reviewer name bound to it."""
    return db.execute(
        "SELECT session_user::text, (SELECT reviewer FROM scoping.reviewer_names "
        "WHERE role = session_user)"
    ).fetchone()


def copy_in(db: psycopg.Connection, rows: list[tuple[Any, ...]], where: str) -> int:
    """Copy a whole log into an empty store, keeping seq, ids, times and identities."""
    with db.transaction():
        if db.execute("SELECT count(*) FROM scoping.events").fetchone()[0]:
            raise InputError(f"{where}: holds events already; copy into an empty store.")
        try:
            with db.cursor().copy(
                "COPY scoping.events (seq, event_id, recorded_at, reviewer, target, "
                "target_kind, stage, decision, reason, tags, note, identity) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.errors.InsufficientPrivilege:
            raise InputError(
                f"{where}: a copy keeps each event's number and identity, which only the "
                "store's owner may write; run it as the role that ran `scoping store init`."
            ) from None
        db.execute("SELECT setval('scoping.events_seq', greatest(max(seq), 1)) FROM scoping.events")
    return len(rows)


# ------------------------------------------------------------------ what the owner runs
def _roles(db: psycopg.Connection, prefix: str | None) -> dict[str, str]:
    """The two group roles: from the settings once made, else from ``prefix`` or the db."""
    if installed_version(db):
        found = dict(db.execute("SELECT key, value FROM scoping.settings").fetchall())
        return {"reviewer": found["reviewer_role"], "lead": found["lead_role"]}
    stem = prefix or re.sub(r"\W+", "_", db.info.dbname).lower().strip("_") or "scoping"
    return {"reviewer": f"{stem}_reviewer", "lead": f"{stem}_lead"}


def migrate(
    url: str, *, to: int = LATEST, roles: str | None = None, fresh: bool = False
) -> list[int]:
    """Apply the migrations after the installed version, up to ``to``; their numbers.

    Each migration is one transaction. ``fresh``: refuse a database that has a store
    already (``init``); otherwise refuse one that has none (``upgrade``).
    """
    applied = []
    with _admin(url) as db:
        found = installed_version(db)
        if fresh and found:
            raise InputError(f"{describe(url)}: has a decision store already (version {found}).")
        if not fresh and not found:
            raise InputError(f"{describe(url)}: no decision store here; run `scoping store init`.")
        names = _roles(db, roles)
        for number, description, statements in MIGRATIONS:
            if found < number <= to:
                with db.transaction():
                    if number == 1:
                        _make_roles(db, names)
                    idents = {k: sql.Identifier(v) for k, v in names.items()}
                    for statement in statements:
                        db.execute(sql.SQL(statement).format(**idents))
                    if number == 1:
                        _remember_roles(db, names)
                    db.execute(
                        "INSERT INTO scoping.schema_version (version, description) VALUES (%s, %s)",
                        [number, description],
                    )
                applied.append(number)
    return applied


def _make_roles(db: psycopg.Connection, names: dict[str, str]) -> None:
    """Make the group roles, or take ones made for this store (by an administrator).

    Roles belong to the whole server: a role that holds rights in another database (the
    store of another review named with the same stem) is refused, since its members
    would record in this store too.
    """
    for name in names.values():
        elsewhere = _used_elsewhere(db, name)
        if elsewhere:
            raise InputError(
                f"{db.info.dbname}: the group role {name} already has rights in database "
                f"{', '.join(elsewhere)}, so its members would reach this store too; give "
                "this store roles of its own: scoping store init URL --roles STEM."
            )
        if db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone():
            continue
        try:
            db.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))
        except psycopg.errors.InsufficientPrivilege:
            me = db.info.user  # the transaction has failed: no more queries in it
            raise InputError(
                f"{db.info.dbname}: {me} may not make the store's group roles ({name}); an "
                f"administrator runs, in psql: ALTER ROLE {me} CREATEROLE (or makes the "
                "roles: CREATE ROLE " + " NOLOGIN; CREATE ROLE ".join(names.values()) + " NOLOGIN)."
            ) from None


def _used_elsewhere(db: psycopg.Connection, name: str) -> list[str]:
    """The other databases in which role ``name`` holds rights or owns something.

    Read from the server-wide catalogue of what depends on a role (``pg_shdepend``).
    """
    found = db.execute(
        "SELECT DISTINCT d.datname FROM pg_shdepend s "
        "JOIN pg_roles r ON r.oid = s.refobjid JOIN pg_database d ON d.oid = s.dbid "
        "WHERE s.refclassid = 'pg_authid'::regclass AND r.rolname = %s "
        "AND d.datname <> current_database() ORDER BY 1",
        [name],
    )
    return [datname for (datname,) in found]


def _remember_roles(db: psycopg.Connection, names: dict[str, str]) -> None:
    for key, name in names.items():
        db.execute(
            "INSERT INTO scoping.settings (key, value) VALUES (%s, %s)", [f"{key}_role", name]
        )


def add_reviewer(url: str, role: str, *, name: str | None = None, lead: bool = False) -> None:
    """Let login ``role`` record decisions (as ``name``, when given), as reviewer or lead."""
    with _admin(url) as db, db.transaction():
        _need_store(db, url)
        if not db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            raise InputError(
                f"{describe(url)}: no login role {role!r}; make it first, e.g. in psql: "
                f"CREATE ROLE {role} LOGIN PASSWORD '...'"
            )
        group = _roles(db, None)["lead" if lead else "reviewer"]
        db.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))
        if name:
            name = " ".join(name.split())
            _check_name(db, url, role, name)
            db.execute(
                "INSERT INTO scoping.reviewer_names (role, reviewer) VALUES (%s, %s) "
                "ON CONFLICT (role) DO UPDATE SET reviewer = EXCLUDED.reviewer",
                [role, name],
            )


def _check_name(db: psycopg.Connection, url: str, role: str, name: str) -> None:
    """Refuse a name that is another login's, or a new name for a login that has decided.

    Names are compared without case; a login's decisions carry the name it had, so a
    second name would split one person's decisions between two reviewers.
    """
    other = db.execute(
        "SELECT role, reviewer FROM scoping.reviewer_names WHERE lower(reviewer) = lower(%s) "
        "AND role <> %s",
        [name, role],
    ).fetchone()
    if other:
        raise InputError(
            f"{describe(url)}: {other[1]!r} is the name of login {other[0]}; give {role} a "
            "name of its own (--name)."
        )
    bound = db.execute(
        "SELECT reviewer FROM scoping.reviewer_names WHERE role = %s", [role]
    ).fetchone()
    if bound and bound[0] != name:
        (events,) = db.execute(
            "SELECT count(*) FROM scoping.events WHERE identity = %s", [role]
        ).fetchone()
        if events:
            raise InputError(
                f"{describe(url)}: {role} has recorded {events} event(s) as {bound[0]!r}; a "
                f"new name would split them between two reviewers. {role} keeps "
                f"{bound[0]!r} (run add-reviewer without --name)."
            )


def set_blind(url: str, stage: str, blind: bool) -> None:
    """Turn blind mode on or off at ``stage`` (a lead or the owner)."""
    with _admin(url) as db, db.transaction():
        _need_store(db, url)
        db.execute(
            "INSERT INTO scoping.blinding (stage, blind) VALUES (%s, %s) "
            "ON CONFLICT (stage) DO UPDATE SET blind = EXCLUDED.blind",
            [stage, blind],
        )


def blind_stages(db: psycopg.Connection) -> list[str]:
    """The stages in blind mode."""
    return [r[0] for r in db.execute("SELECT stage FROM scoping.blinding WHERE blind ORDER BY 1")]


#: Whether this login reads every decision whatever the blinding: a lead, the log's
#: owner (row security does not bind a table's owner) or a role that bypasses it.
_SEES_ALL = """(
    pg_has_role(session_user, (SELECT s.value FROM scoping.settings s
                               WHERE s.key = 'lead_role')::name, 'MEMBER')
    OR pg_has_role(session_user, (SELECT c.relowner FROM pg_class c
                                  WHERE c.oid = 'scoping.events'::regclass), 'USAGE')
    OR (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.rolname = session_user))"""


def hidden_stages(db: psycopg.Connection) -> list[str]:
    """The stages in blind mode for this login: there it reads only its own decisions.

    None for a lead or the store's owner, who read every decision.
    """
    found = db.execute(
        f"SELECT stage FROM scoping.blinding WHERE blind AND NOT {_SEES_ALL} ORDER BY 1"
    )
    return [stage for (stage,) in found]


def status(url: str) -> dict[str, Any]:
    """The store's version, size, roles, their members, bound names and blind stages."""
    with _admin(url) as db:
        version = installed_version(db)
        if not version:
            return {"version": 0}
        settings = dict(db.execute("SELECT key, value FROM scoping.settings").fetchall())
        return {
            "version": version,
            "events": db.execute("SELECT count(*) FROM scoping.events").fetchone()[0],
            "roles": settings,
            "reviewers": db.execute(
                "SELECT role::text, reviewer FROM scoping.reviewer_names ORDER BY role"
            ).fetchall(),
            "blind": blind_stages(db),
            "members": _members(db, [settings["reviewer_role"], settings["lead_role"]]),
        }


def _members(db: psycopg.Connection, groups: list[str]) -> dict[str, list[str]]:
    """The logins in each group role (who may record in this store), sorted."""
    found = db.execute(
        "SELECT g.rolname::text, m.rolname::text FROM pg_auth_members a "
        "JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member "
        "WHERE g.rolname = ANY(%s) ORDER BY 1, 2",
        [groups],
    ).fetchall()
    return {group: [m for g, m in found if g == group] for group in groups}


def _need_store(db: psycopg.Connection, url: str) -> None:
    if installed_version(db) < LATEST:
        raise InputError(
            f"{describe(url)}: no decision store of version {LATEST} here; run `scoping store "
            "init` (or `upgrade`) first."
        )


@contextmanager
def _admin(url: str) -> Iterator[psycopg.Connection]:
    """A connection for the owner's and leads' commands, with one clear error on failure."""
    try:
        db = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise connection_error(describe(url), exc) from None
    try:
        yield db
    except psycopg.errors.InsufficientPrivilege as exc:
        raise InputError(
            f"{describe(url)}: the server refused ({exc.diag.message_primary}); run this as "
            "the store's owner (or, for names and blind mode, a lead)."
        ) from None
    finally:
        db.close()
