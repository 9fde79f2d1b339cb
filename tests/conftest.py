"""Shared fixtures: the tiny quirk fixtures in tests/data and the third-party exports
in ../shared/data (skipped, with the reason, where that folder is absent)."""

from __future__ import annotations

import compileall
import html
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))


def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile the package once, before any test worker starts.

    The suite starts hundreds of Python processes (commands, audits, notebook kernels).
    Where ``PYTHONDONTWRITEBYTECODE`` is set, as on these machines, none of them keeps
    what it compiles, and each compiled the package again (about 0.7 s a process).
    """
    if not hasattr(config, "workerinput"):  # the controller, not each xdist worker
        compileall.compile_dir(REPO / "scoping", quiet=2)


@pytest.fixture(scope="session", autouse=True)
def private_config(tmp_path_factory) -> Path:
    """Per-user settings (the remembered reviewer name) go to a test folder, never to
    the home folder of whoever runs the tests; kernels and servers inherit it."""
    folder = tmp_path_factory.mktemp("config")
    os.environ["XDG_CONFIG_HOME"] = str(folder)
    return folder


@pytest.fixture
def data() -> Path:
    """The folder of hand-made quirk fixtures."""
    return DATA


@pytest.fixture
def shared() -> Path:
    """The third-party exports, or a clean skip that says where they were looked for."""
    if not SHARED.is_dir():
        pytest.skip(f"third-party exports not found at {SHARED}; set SCOPING_SHARED_DATA")
    return SHARED


@pytest.fixture(scope="session")
def demo_built(tmp_path_factory) -> Path:
    """The demonstration workspace after every stage, built once for the whole session.

    Shared by every test that reads a built workspace: treat it as read-only, and
    copy it (``demo_copy``) to change anything but its reports/.
    """
    from scoping.pipeline import run_stages

    workspace = tmp_path_factory.mktemp("demo")
    run_stages(workspace, progress=False)
    return workspace


@pytest.fixture
def demo_copy(demo_built, tmp_path) -> Path:
    """A private copy of the built demonstration workspace, free to change."""
    target = tmp_path / "ws"
    shutil.copytree(demo_built, target, ignore=shutil.ignore_patterns("reports"))
    return target


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The quirk fixtures, for fixtures wider than a function."""
    return DATA


def _flags_every_retracted_citation(folder: Path, workspace: Path) -> int:
    """Check a built pack: each retracted work it cites is flagged wherever it is cited.

    Returns how many retracted works the pack cites.
    """
    unique = pd.read_parquet(workspace / "build" / "unique.parquet")
    titles = dict(zip(unique["record_id"], unique["title"], strict=True))
    evidence = pd.read_csv(folder / "evidence.csv", dtype=str).fillna("")
    flagged = evidence[evidence["retracted"] != ""]
    page = (folder / "pack.html").read_text(encoding="utf-8")
    for rid, citation in zip(flagged["record_id"], flagged["citation"], strict=True):
        assert "[Retracted]" in citation
        title = html.escape(titles[rid].rstrip(". "), quote=False)
        assert page.count(title) == page.count(f"{title} [Retracted]") > 0, folder.name
    assert (
        not evidence.loc[evidence["retracted"] == "", "citation"]
        .str.contains("[Retracted]", regex=False)
        .any()
    )
    return len(flagged)


@pytest.fixture(scope="session")
def retracted_flags():
    """The check that a built pack flags every retracted work wherever it cites it."""
    return _flags_every_retracted_citation


# ------------------------------------------------------------------ PostgreSQL
sys.path.insert(0, str(Path(__file__).parent))  # the throwaway-cluster helper beside us


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server for the session (skipped, with the reason, where
    PostgreSQL is not installed; a failure instead with SCOPING_REQUIRE_POSTGRES=1)."""
    import pgcluster

    bindir = pgcluster.find_bin()
    if bindir is None:
        reason = (
            "PostgreSQL's server programs (initdb, pg_ctl) not found: install Debian's "
            "postgresql package, or set SCOPING_PG_BIN"
        )
        if os.environ.get("SCOPING_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = pgcluster.Cluster(bindir)
    try:
        cluster.start()
        for role in ("scribe", "ann", "bo", "cy", "lee"):
            cluster.login(role)
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def pg_store(pg_cluster) -> Callable[..., str]:
    """A maker of new decision stores on the server: each call makes a database, runs
    ``scoping store init`` as its owner, and returns a URL to connect as ``user``
    (a reviewer role, named, unless ``user="postgres"``: the owner)."""
    from scoping.curation import pgschema

    def make(user: str = "scribe", *, lead: bool = False, name: str | None = None) -> str:
        database = pg_cluster.new_database()
        pgschema.migrate(pg_cluster.url(database=database), fresh=True)
        if user != "postgres":
            pgschema.add_reviewer(pg_cluster.url(database=database), user, name=name, lead=lead)
        return pg_cluster.url(user, database)

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request, tmp_path) -> Callable[..., str | Path]:
    """A maker of new, empty decision store locations on each backend in turn.

    ``owner=True`` connects as the store's owner (who alone may copy a log in).
    """
    if request.param == "sqlite":
        count = iter(range(1000))
        return lambda owner=False: tmp_path / f"store{next(count)}.sqlite"
    make = request.getfixturevalue("pg_store")
    return lambda owner=False: make("postgres" if owner else "scribe")
