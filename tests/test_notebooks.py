"""The notebooks run for real, headless, through papermill."""

from pathlib import Path

import papermill as pm
import pytest

from scoping.curation import DecisionStore
from scoping.pipeline import run_all

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ws")
    run_all(folder, progress=False)
    return folder


def test_screening_notebook_runs_and_records_a_decision(workspace, tmp_path):
    out = tmp_path / "screening.ipynb"
    pm.execute_notebook(
        NOTEBOOKS / "screening.ipynb",
        out,
        kernel_name="python3",
        parameters={"workspace": str(workspace), "reviewer": "Test Reviewer"},
        progress_bar=False,
        cwd=str(NOTEBOOKS),
    )
    assert "screened of" in out.read_text()
    store = DecisionStore(workspace / "curation" / "decisions.sqlite")
    assert store.events().empty  # opening the notebook decides nothing


def test_screening_notebook_without_a_reviewer_says_so(workspace, tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="give your name as reviewer"):
        pm.execute_notebook(
            NOTEBOOKS / "screening.ipynb",
            tmp_path / "x.ipynb",
            kernel_name="python3",
            parameters={"workspace": str(workspace)},
            progress_bar=False,
            cwd=str(NOTEBOOKS),
        )


def test_notebooks_are_committed_without_outputs():
    import json

    for path in NOTEBOOKS.glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        assert not any(
            c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"
        ), path
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells), path


def test_dedupe_review_notebook_runs(workspace, tmp_path):
    out = tmp_path / "review.ipynb"
    pm.execute_notebook(
        NOTEBOOKS / "dedupe_review.ipynb",
        out,
        kernel_name="python3",
        parameters={"workspace": str(workspace), "reviewer": "Test Reviewer"},
        progress_bar=False,
        cwd=str(NOTEBOOKS),
    )
    assert "pairs decided" in out.read_text()
