"""Reviewer names: one person whatever the case or spacing, new names added on purpose."""

import json

import pytest

from scoping.curation.identity import choose_reviewer, remembered_file, same_name
from scoping.curation.store import DecisionStore
from scoping.errors import InputError


@pytest.fixture
def store(tmp_path):
    return DecisionStore(tmp_path / "curation" / "decisions.sqlite")


def test_names_are_compared_without_case_or_spacing():
    assert same_name("ann  Librarian ") == same_name("Ann Librarian")
    assert same_name("Ann Librarian") != same_name("Anne Librarian")


def test_the_stores_spelling_is_used_and_said(store, tmp_path):
    store.record(reviewer="Ann Librarian", target="r1", stage="title_abstract", decision="maybe")
    name, line = choose_reviewer(store, "ann   librarian", tmp_path)
    assert name == "Ann Librarian" and "written 'ann librarian'" in line


def test_a_new_name_beside_known_ones_is_added_only_deliberately(store, tmp_path):
    store.record(reviewer="Ann Librarian", target="r1", stage="title_abstract", decision="maybe")
    with pytest.raises(
        InputError,
        match=r"'Anne Librarian' is not a reviewer .*Ann Librarian.*"
        r"new_reviewer = True",
    ):
        choose_reviewer(store, "Anne Librarian", tmp_path)
    name, line = choose_reviewer(store, "Anne Librarian", tmp_path, new=True)
    assert name == "Anne Librarian" and "new reviewer" in line


def test_the_name_is_remembered_per_workspace_outside_the_notebook(store, tmp_path):
    with pytest.raises(InputError, match="put your name in `reviewer`"):
        choose_reviewer(store, "", tmp_path)
    choose_reviewer(store, "Bo Nurse", tmp_path)
    assert choose_reviewer(store, "", tmp_path)[0] == "Bo Nurse"  # reopened, name empty
    kept = json.loads(remembered_file().read_text())
    assert kept[str(tmp_path.resolve())] == "Bo Nurse"
    assert not str(remembered_file()).startswith(str(tmp_path))  # not in the workspace
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(InputError):
        choose_reviewer(DecisionStore(other / "d.sqlite"), "", other)  # per workspace
