"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb and pg_ctl in a
temporary folder, listening on a free local port, trusted logins, gone when stopped.

Debian keeps the server's programs in ``/usr/lib/postgresql/<version>/bin`` (not on
PATH); ``SCOPING_PG_BIN`` names another folder. initdb refuses to run as root, so as
root the cluster runs as the ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    given = os.environ.get("SCOPING_PG_BIN")
    candidates = [Path(given)] if given else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    on_path = shutil.which("initdb")
    candidates += [Path(on_path).parent] if on_path else []
    return next((c for c in candidates if (c / "initdb").is_file()), None)


#: Where the cluster's port is looked for: below the kernel's ephemeral range (Linux
#: hands out 32768 and up for port 0). A test that stops and restarts the server frees
#: its port for a moment; an ephemeral one could meanwhile be chosen for a Jupyter
#: kernel starting in another worker, which then dies with "Address already in use".
PORTS = range(20000, 32000)


def _free_port() -> int:
    """A port free now and outside the ephemeral range, in an order that varies by process."""
    start = os.getpid() % len(PORTS)
    for port in [*PORTS[start:], *PORTS[:start]]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for a throwaway PostgreSQL cluster")


class Cluster:
    """One PostgreSQL cluster in ``folder``; :meth:`start` and :meth:`stop` at will.

    The cluster's files are in a new folder of the system's temporary folder (one the
    ``postgres`` user can reach, which pytest's own, private to root, is not), removed
    by :meth:`destroy`.

    Parameters
    ----------
    bindir : Path
        Where initdb and pg_ctl are.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir, self.port = bindir, _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="scoping-pg-"))
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._as_owner(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres"])

    def _as_owner(self, command: list[str]) -> None:
        command = [str(self.bindir / command[0]), *command[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    def start(self) -> None:
        """Start the server (waits until it accepts connections)."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=on"
        log = str(self.folder / "log")
        self._as_owner(["pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "start", "-w"])

    def stop(self) -> None:
        """Stop the server at once (connections are dropped)."""
        self._as_owner(["pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", "-w"])

    def destroy(self) -> None:
        """Stop the server (if running) and remove its files."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, user: str = "postgres", database: str = "postgres") -> str:
        """A URL to connect as ``user`` to ``database``."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def run(self, statement: str, database: str = "postgres") -> None:
        """Run one statement as the superuser (set-up only: no values from outside)."""
        with psycopg.connect(self.url(database=database), autocommit=True) as db:
            db.execute(statement)

    def new_database(self, owner: str = "postgres") -> str:
        """A new empty database owned by ``owner``; its name."""
        name = f"review_{uuid.uuid4().hex[:10]}"
        self.run(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return name

    def login(self, role: str) -> None:
        """Make login role ``role`` if missing."""
        self.run(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "
            f'THEN CREATE ROLE "{role}" LOGIN; END IF; END $$'
        )
