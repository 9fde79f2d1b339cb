"""Outputs are never half-written: a failure or a kill leaves the old set or the new set."""

import json
import os
import signal
import subprocess
import sys

import pytest

from scoping.atomic import JOURNAL, STAGING, Outputs, recover, replacing, replacing_folder


def _files(folder):
    return {p.name: p.read_text() for p in folder.iterdir() if not p.name.startswith(".")}


def test_a_failure_inside_the_block_leaves_the_previous_outputs(tmp_path):
    with Outputs(tmp_path) as out:
        out.path("a.txt").write_text("old a")
        out.path("b.txt").write_text("old b")
    with pytest.raises(RuntimeError), Outputs(tmp_path) as out:
        out.path("a.txt").write_text("new a")
        raise RuntimeError("reading failed half-way")
    assert _files(tmp_path) == {"a.txt": "old a", "b.txt": "old b"}
    assert not (tmp_path / STAGING).exists() or not any((tmp_path / STAGING).iterdir())


def test_stale_files_go_in_the_same_commit(tmp_path):
    (tmp_path / "later.csv").write_text("built from the old records")
    with Outputs(tmp_path) as out:
        out.path("a.txt").write_text("new")
        out.remove("later.csv")
    assert _files(tmp_path) == {"a.txt": "new"}


def test_an_output_never_written_is_an_error_and_nothing_moves(tmp_path):
    (tmp_path / "a.txt").write_text("old")
    with pytest.raises(FileNotFoundError, match=r"never written: b\.txt"), Outputs(tmp_path) as out:
        out.path("a.txt").write_text("new")
        out.path("b.txt")
    assert _files(tmp_path) == {"a.txt": "old"}


def test_a_committed_journal_is_completed_by_the_next_writer(tmp_path):
    """A kill during the renames leaves a journal; recovery finishes the commit."""
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b.txt").write_text("old b")
    staged = tmp_path / STAGING / "set-x"
    staged.mkdir(parents=True)
    (staged / "b.txt").write_text("new b")  # a.txt was already moved before the kill
    (tmp_path / "a.txt").write_text("new a")
    moves = [[f"{STAGING}/set-x/a.txt", "a.txt"], [f"{STAGING}/set-x/b.txt", "b.txt"]]
    (tmp_path / JOURNAL).write_text(json.dumps({"moves": moves, "remove": ["c.txt"]}))
    (tmp_path / "c.txt").write_text("stale")
    assert recover(tmp_path) is True
    assert _files(tmp_path) == {"a.txt": "new a", "b.txt": "new b"}
    assert not (tmp_path / JOURNAL).exists()


def test_a_half_written_journal_means_no_commit(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / JOURNAL).write_text('{"moves": [["x", ')
    assert recover(tmp_path) is False
    assert _files(tmp_path) == {"a.txt": "old a"}


def test_replacing_keeps_the_old_file_on_failure_and_the_usual_mode(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_text("{}")
    with pytest.raises(ValueError), replacing(target) as tmp:
        tmp.write_text("{half")
        raise ValueError
    assert target.read_text() == "{}" and [p.name for p in tmp_path.iterdir()] == [target.name]
    with replacing(target) as tmp:
        tmp.write_text('{"done": 1}')
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_folder_is_replaced_whole_or_not_at_all(tmp_path):
    pack = tmp_path / "reports" / "p"
    with replacing_folder(pack) as staging:
        (staging / "evidence.csv").write_text("104 rows")
        (staging / "pack.pdf").write_text("104 rows")
    with pytest.raises(RuntimeError), replacing_folder(pack) as staging:
        (staging / "evidence.csv").write_text("105 rows")
        raise RuntimeError("the PDF failed")
    assert _files(pack) == {"evidence.csv": "104 rows", "pack.pdf": "104 rows"}
    assert sorted(p.name for p in pack.parent.iterdir()) == ["p"]


KILLED_WRITER = """
import sys, time
from scoping.atomic import Outputs
with Outputs(sys.argv[1]) as out:
    out.path("a.txt").write_text("new a")
    print("staged", flush=True)
    time.sleep(60)
    out.path("b.txt").write_text("new b")
"""


def test_a_writer_killed_before_its_commit_changes_nothing(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b.txt").write_text("old b")
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "staged"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert _files(tmp_path) == {"a.txt": "old a", "b.txt": "old b"}
    with Outputs(tmp_path):  # the next writer clears what the killed one staged
        pass
    assert not (tmp_path / STAGING).exists()
