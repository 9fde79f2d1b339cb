"""The notebooks run for real, headless, through papermill."""

import json
from pathlib import Path

import papermill as pm
import pytest

from scoping import resources
from scoping.curation import DecisionStore

NOTEBOOKS = resources.path(resources.NOTEBOOKS)


@pytest.fixture
def workspace(demo_built):
    return demo_built


def _run(name, out, cwd=NOTEBOOKS, **parameters):
    pm.execute_notebook(
        NOTEBOOKS / name,
        out,
        kernel_name="python3",
        parameters=parameters,
        progress_bar=False,
        cwd=str(cwd),
    )
    return Path(out).read_text()


def test_screening_notebook_runs_and_decides_nothing_by_itself(workspace, tmp_path):
    store = DecisionStore(workspace / "curation" / "decisions.sqlite")
    before = len(store.events())
    text = _run(
        "screening.ipynb",
        tmp_path / "s.ipynb",
        workspace=str(workspace),
        reviewer="Test Reviewer",
        new_reviewer=True,
    )
    assert "screened of" in text
    assert len(store.events()) == before


def test_screening_notebook_without_a_reviewer_says_so(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nobody"))  # no name remembered
    with pytest.raises(pm.PapermillExecutionError, match="put your name in `reviewer`"):
        _run("screening.ipynb", tmp_path / "x.ipynb", workspace=str(workspace))


def test_a_users_mistake_in_a_notebook_is_one_red_line_with_the_next_step(tmp_path):
    (tmp_path / "corpus").mkdir()  # a workspace, not yet built
    with pytest.raises(pm.PapermillExecutionError) as raised:
        _run("screening.ipynb", tmp_path / "x.ipynb", workspace=str(tmp_path), reviewer="Ann")
    cells = json.loads((tmp_path / "x.ipynb").read_text())["cells"]
    (error,) = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    (line,) = error["traceback"]  # one line, no traceback
    assert line.startswith("\x1b[1;31m") and "no records to screen yet; run `scoping run`" in line
    assert "Traceback" not in str(raised.value)


def test_the_readmes_headless_command_finds_the_workspace_from_the_project_folder(
    workspace, tmp_path
):
    # papermill run from the project folder, workspace left empty, as the README says
    text = _run(
        "screening.ipynb",
        tmp_path / "h.ipynb",
        cwd=workspace,
        reviewer="Headless Reviewer",
        new_reviewer=True,
    )
    assert "screened of" in text and "Deciding as Headless Reviewer" in text


def test_dedupe_review_notebook_runs(workspace, tmp_path):
    text = _run(
        "dedupe_review.ipynb",
        tmp_path / "r.ipynb",
        workspace=str(workspace),
        reviewer="Test Reviewer",
        new_reviewer=True,
    )
    assert "pairs decided" in text


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        assert not any(
            c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"
        ), path
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells), path


def test_full_text_screening_and_charting_notebooks_run(workspace, tmp_path):
    store = DecisionStore(workspace / "curation" / "decisions.sqlite")
    before = len(store.events())
    text = _run(
        "fulltext_screening.ipynb",
        tmp_path / "f.ipynb",
        workspace=str(workspace),
        reviewer="Test Reviewer",
        new_reviewer=True,
    )
    assert "screened of" in text and "awaiting retrieval" in text
    text = _run(
        "charting.ipynb",
        tmp_path / "c.ipynb",
        workspace=str(workspace),
        reviewer="Test Reviewer",
        new_reviewer=True,
    )
    assert "charted by Test Reviewer" in text and "Agreement per field" in text
    assert len(store.events()) == before
