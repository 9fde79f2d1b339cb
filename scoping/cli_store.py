"""``scoping store``: make, upgrade, inspect and copy a decision store (file or server).

A store is named by LOCATION, a file path or a ``postgresql://`` URL; without one,
the workspace's store (``store:`` in its ``scoping.yml``, else ``SCOPING_STORE_URL``,
else ``curation/decisions.sqlite``).
"""

from __future__ import annotations

from pathlib import Path

import click

from .curation.backends import Location, describe, is_server, open_log, parse_location
from .errors import InputError
from .workspace import Workspace

_WORKSPACE = click.option(
    "--workspace",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    show_default=True,
    help="The workspace whose store is meant when no LOCATION is given.",
)


def _location(location: str | None, workspace: Path) -> Location:
    return parse_location(location) if location else Workspace(workspace).store


@click.group("store")
def store() -> None:
    """Make, upgrade, inspect and copy the decision store (an SQLite file or a server)."""


@store.command("init")
@click.argument("location", required=False)
@_WORKSPACE
@click.option("--roles", help="Stem of the server's two group roles (default: the database name).")
def init(location: str | None, workspace: Path, roles: str | None) -> None:
    """Make a new, empty store at LOCATION (on a server: as the database's owner).

    On a server this creates the schema, the group roles STEM_reviewer and STEM_lead
    and their grants; then `scoping store add-reviewer` lets each person's login in.
    """
    where = _location(location, workspace)
    if is_server(where):
        from .curation import pgschema

        applied = pgschema.migrate(str(where), roles=roles, fresh=True)
        done = pgschema.status(str(where))
        click.echo(
            f"store made at {describe(where)}: schema version {applied[-1]} (migrations "
            f"{', '.join(map(str, applied))}); roles {done['roles']['reviewer_role']} and "
            f"{done['roles']['lead_role']}"
        )
        for group, logins in done["members"].items():
            if logins:  # roles made beforehand, members and all
                click.echo(
                    f"note: {group} has members already ({', '.join(logins)}), who may record "
                    f"in this store; remove one in psql: REVOKE {group} FROM LOGIN"
                )
        return
    if Path(where).exists():
        raise InputError(f"{where}: exists already; `scoping store upgrade` brings it up to date.")
    click.echo(f"store made at {where}: schema version {open_log(where).version()}")


@store.command("upgrade")
@click.argument("location", required=False)
@_WORKSPACE
def upgrade(location: str | None, workspace: Path) -> None:
    """Bring the store at LOCATION to this workbench's schema version."""
    where = _location(location, workspace)
    if is_server(where):
        from .curation import pgschema

        applied = pgschema.migrate(str(where))
        click.echo(
            f"{describe(where)}: "
            + (f"applied migrations {', '.join(map(str, applied))}; " if applied else "")
            + f"schema version {pgschema.status(str(where))['version']}"
        )
        return
    if not Path(where).is_file():
        raise InputError(f"{where}: no store here; make one with `scoping store init`.")
    click.echo(f"{where}: schema version {open_log(where).version()}")


@store.command("status")
@click.argument("location", required=False)
@_WORKSPACE
def status(location: str | None, workspace: Path) -> None:
    """Show the store's schema version, events, digest and, on a server, roles and blinding."""
    from .curation.store import open_store
    from .manifest import decision_log

    where = _location(location, workspace)
    if location is None and is_server(where):  # the workspace's: send what waits first
        _send_waiting(Workspace(workspace))
    opened = open_store(where)
    if opened is None:
        click.echo(f"{where}: no store yet (made with the first decision)")
        return
    log = decision_log(where)
    click.echo(f"{describe(where)}: {log['events']} events; digest {log['sha256'] or '-'}")
    role, name = opened.whoami()
    if role:
        click.echo(f"  connected as {role}" + (f", recording as {name}" if name else ""))
    if is_server(where):
        from .curation import pgschema

        found = pgschema.status(str(where))
        roles = found["roles"]
        click.echo(
            f"  schema version {found['version']}; group roles {roles['reviewer_role']} "
            f"(reviewers) and {roles['lead_role']} (leads)"
        )
        for group, logins in found["members"].items():
            click.echo(f"  members of {group}: {', '.join(logins) or 'none'}")
        for login, reviewer in found["reviewers"]:
            click.echo(f"  login {login} records as {reviewer}")
        click.echo(f"  blind stages: {', '.join(found['blind']) or 'none'}")


def _send_waiting(space: Workspace) -> None:
    """Send the decisions waiting in the workspace's outbox for its server; say how many."""
    from .curation.outbox import Outbox

    where = describe(space.store)
    waiting = len(Outbox(space.outbox).pending(where)) if space.outbox.is_file() else 0
    if waiting:
        space.decisions()  # opening the store sends them (or says why it cannot)
        click.echo(f"sent {waiting} decision(s) that waited in {space.outbox}")


@store.command("copy")
@click.argument("source")
@click.argument("dest")
def copy(source: str, dest: str) -> None:
    """Copy every event of SOURCE into the new or empty store DEST.

    Ids, times, order and identities are kept, so the decision log's digest (which the
    audit checks) is the same at both ends; it is checked after the copy.
    """
    from .curation.store import DecisionStore
    from .manifest import decision_log

    src, dst = parse_location(source), parse_location(dest)
    reader = DecisionStore(src, readonly=True)
    hidden = reader.hidden_stages()
    if hidden:
        click.echo(
            f"note: blind mode is on at {', '.join(hidden)}: the copy holds the events this "
            "login may read there; a lead or the store's owner copies the whole log."
        )
    count = len(reader.copy_to(dst).events())
    before, after = decision_log(src), decision_log(dst)
    if before["sha256"] != after["sha256"]:
        raise InputError(
            f"{describe(dst)}: the copy's digest differs from the source's; do not use it."
        )
    click.echo(
        f"copied {count} events from {describe(src)} to {describe(dst)}; "
        f"digest {after['sha256'] or '-'} at both ends"
    )


@store.command("add-reviewer")
@click.argument("location")
@click.argument("role")
@click.option("--name", help="The reviewer name this login records as (and only as).")
@click.option("--lead", is_flag=True, help="A lead: names logins, sets blind mode, sees all.")
def add_reviewer(location: str, role: str, name: str | None, lead: bool) -> None:
    """Let the server login ROLE record decisions in the store at LOCATION (a URL)."""
    from .curation import pgschema

    where = _server(location)
    pgschema.add_reviewer(where, role, name=name, lead=lead)
    click.echo(
        f"{describe(where)}: {role} may record decisions as {'a lead' if lead else 'a reviewer'}"
        + (
            f", as {name!r} only"
            if name
            else " under any name (give --name to bind one; the login is stamped on each event)"
        )
    )


@store.command("blind")
@click.argument("location")
@click.argument("stage")
@click.option("--off", is_flag=True, help="End blind mode (to reconcile): all see all.")
def blind(location: str, stage: str, off: bool) -> None:
    """Blind mode at STAGE on the server: each reviewer reads only their own decisions."""
    from .curation import pgschema
    from .curation.store import DECISIONS

    if stage not in DECISIONS:
        raise InputError(f"unknown stage {stage!r}; stages are {', '.join(DECISIONS)}.")
    where = _server(location)
    pgschema.set_blind(where, stage, not off)
    state = "off: every reviewer sees every decision" if off else "on: each sees only their own"
    click.echo(f"{describe(where)}: blind mode at {stage} is {state}")


def _server(location: str) -> str:
    where = parse_location(location)
    if not is_server(where):
        raise InputError(f"{location}: roles and blind mode belong to a server; give its URL.")
    return str(where)
