"""The notebooks' helpers: curation notebooks saved bare, other notebooks untouched."""

import copy

from scoping.notebook import curation_notebook, strip_outputs

NOTEBOOK = {
    "type": "notebook",
    "content": {
        "cells": [
            {"cell_type": "markdown", "source": "# Screening"},
            {"cell_type": "code", "outputs": [{"output_type": "error"}], "execution_count": 3},
        ]
    },
}


class Contents:
    """What the Jupyter server passes as ``contents_manager``: its root folder."""

    def __init__(self, root):
        self.root_dir = str(root)


def test_a_curation_notebook_is_saved_without_outputs(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "notebooks").mkdir()
    model = copy.deepcopy(NOTEBOOK)
    strip_outputs(model, path="notebooks/screening.ipynb", contents_manager=Contents(tmp_path))
    code = model["content"]["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert model["content"]["cells"][0] == NOTEBOOK["content"]["cells"][0]


def test_other_notebooks_are_saved_as_they_are(tmp_path):
    (tmp_path / "notebooks").mkdir()  # a notebooks folder, but not in a workspace
    model = copy.deepcopy(NOTEBOOK)
    strip_outputs(model, path="notebooks/analysis.ipynb", contents_manager=Contents(tmp_path))
    assert model == NOTEBOOK
    assert not curation_notebook(tmp_path / "analysis.ipynb")
    (tmp_path / "scoping.yml").write_text("workspace: 1\n")
    assert curation_notebook(tmp_path / "notebooks" / "analysis.ipynb")
