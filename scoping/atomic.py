"""Outputs that are never half-written: atomic files and all-or-nothing sets of files.

A stage that writes several files (ingest's records and report, dedup's three tables)
must leave either the previous complete set or the new complete set, never a mix, even
when it fails or is killed. :class:`Outputs` does this in three steps:

1. every output is written under a hidden staging folder beside its target
   (``<folder>/.staging/``), on the same file system;
2. a journal (``<folder>/.commit.json``) listing the renames and removals is written
   atomically: from that moment the new set is committed;
3. the renames are applied and the journal removed.

A process killed before step 2 leaves the previous outputs untouched (its staging
folder is cleared by the next writer); one killed during step 3 leaves a journal that
:func:`recover` completes, and every writer and reader of the folder calls
:func:`recover` first. A single file is written with :func:`replacing`: to a temporary
name in its folder, flushed to disk, then renamed over the target (``os.replace`` is
atomic on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

STAGING = ".staging"
JOURNAL = ".commit.json"
#: The process's umask, so a replaced file gets the mode a plain write would give it.
_UMASK = os.umask(0)
os.umask(_UMASK)


def _fsync_dir(folder: Path) -> None:
    """Make renames in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over ``path`` when the block succeeds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with replacing(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private (0600)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def recover(folder: str | Path) -> bool:
    """Complete an interrupted commit in ``folder`` and clear abandoned staging files.

    Returns True when a committed set of outputs had to be completed.
    """
    folder = Path(folder)
    journal = folder / JOURNAL
    completed = False
    if journal.is_file():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            plan = None  # never fully written: the commit did not happen
        if isinstance(plan, dict):
            _apply(folder, plan)
            completed = True
        journal.unlink(missing_ok=True)
    for leftover in folder.glob(f".*{os.extsep}tmp"):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(folder / STAGING, ignore_errors=True)
    return completed


def _apply(folder: Path, plan: dict[str, list[str]]) -> None:
    for staged, target in plan.get("moves", []):
        source = folder / staged
        if source.is_file():
            os.replace(source, folder / target)
    for name in plan.get("remove", []):
        (folder / name).unlink(missing_ok=True)
    _fsync_dir(folder)


class Outputs:
    """A set of output files in one folder, swapped in together or not at all.

    Use as a context manager: write each output to ``outputs.path(name)``; when the
    block ends without an error, the files replace the folder's current ones together
    (and ``remove`` names are deleted in the same commit); on an error nothing in the
    folder changes.

    Parameters
    ----------
    folder : str or Path
        The folder the outputs belong in (created if missing).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with Outputs(folder) as out:
    ...     _ = out.path("a.txt").write_text("a")
    ...     _ = out.path("b.txt").write_text("b")
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt', 'b.txt']
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        recover(self.folder)
        self.staging = Path(tempfile.mkdtemp(prefix="set-", dir=self._staging_root()))
        self.names: list[str] = []
        self.removals: list[str] = []

    def _staging_root(self) -> Path:
        root = self.folder / STAGING
        root.mkdir(exist_ok=True)
        return root

    def path(self, name: str) -> Path:
        """Where to write the output called ``name`` (a file name in the folder)."""
        if Path(name).name != name:
            raise ValueError(f"{name!r}: an output is a plain file name in {self.folder}.")
        if name not in self.names:
            self.names.append(name)
        return self.staging / name

    def remove(self, *names: str) -> None:
        """Delete these files of the folder in the same commit (outputs made stale)."""
        self.removals += [n for n in names if n not in self.names]

    def commit(self) -> list[Path]:
        """Swap the written outputs in; returns their final paths."""
        missing = [n for n in self.names if not (self.staging / n).is_file()]
        if missing:
            raise FileNotFoundError(f"outputs never written: {', '.join(missing)}")
        for name in self.names:
            _fsync_file(self.staging / name)
        moves = [[(self.staging / n).relative_to(self.folder).as_posix(), n] for n in self.names]
        write_text(self.folder / JOURNAL, json.dumps({"moves": moves, "remove": self.removals}))
        recover(self.folder)
        return [self.folder / n for n in self.names]

    def abort(self) -> None:
        """Discard the staged outputs; the folder keeps what it had."""
        shutil.rmtree(self.staging, ignore_errors=True)
        with contextlib.suppress(OSError):  # another writer may be staging there too
            self.staging.parent.rmdir()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


@contextmanager
def replacing_folder(path: str | Path) -> Iterator[Path]:
    """A staging folder that replaces the folder ``path`` when the block succeeds.

    The old folder is moved aside, the new one renamed into place, and the old one
    removed: at every moment ``path`` is the previous complete folder, nothing, or the
    new complete folder. Leftovers of an interrupted swap are cleared by the next call.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging, aside = path.with_name(f".building-{path.name}"), path.with_name(f".old-{path.name}")
    for leftover in (staging, aside):
        shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if path.exists():
        os.replace(path, aside)
    os.replace(staging, path)
    _fsync_dir(path.parent)
    shutil.rmtree(aside, ignore_errors=True)
