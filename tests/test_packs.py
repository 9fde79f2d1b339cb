"""Packs built for real: papermill runs the template, nbconvert and WeasyPrint render it."""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from scoping.errors import InputError
from scoping.packs import DEFAULT_PACKS, OUTPUTS, TEMPLATE, PackSpec, build_pack, load_matrix
from scoping.pipeline import run_stages


@pytest.fixture(scope="module")
def demo(demo_built):
    return demo_built


def _hashes(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in OUTPUTS}


def test_default_matrix_is_each_theme_for_each_audience():
    specs = load_matrix(DEFAULT_PACKS)
    names = [s.name for s in specs]
    assert len(names) == 6 * 2 + 1 and len(set(names)) == len(names)
    assert "psychological-safety-leaders" in names and "burnout-frontline" in names
    first = specs[0]
    assert first.params["themes"] == ["psychological_safety"] and first.params["seed"] == 2026


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("matrix: {audience: [leaders]}\nextra: 1\n", "unknown section.*extra"),
        ("matrix: {audiense: [leaders]}\n", "pack leaders: unknown pack parameter.*audiense"),
        ("packs: [{audience: leaders}]\n", "pack 1 under 'packs' needs a name"),
        ("packs: [{name: a}, {name: A}]\n", "pack name.*used twice: a"),
        ("matrix: {audience: [leaders]\n", "line 2: not valid YAML"),
        ("defaults: {seed: 1}\n", "no packs"),
        ("- a\n- b\n", "expected sections defaults, matrix and packs"),
        ("matrix: {audience: leaders}\n", "matrix audience must be a list"),
    ],
)
def test_packs_file_errors_name_the_pack_and_the_fix(tmp_path, text, message):
    path = tmp_path / "packs.yml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_matrix(path)


@pytest.fixture(scope="module")
def built(demo):
    spec = PackSpec("burnout-frontline", {"themes": ["burnout"], "audience": "frontline"})
    out = build_pack(spec, demo)
    return spec, out, _hashes(out)


def test_a_pack_has_every_output_and_no_code(built):
    _, out, _ = built
    page = (out / "pack.html").read_text(encoding="utf-8")
    assert "from scoping.briefing import" not in page and "Briefing.load(" not in page
    assert "<script" not in page and "<link" not in page  # self-contained, nothing fetched
    assert "Evidence briefing pack (template)" not in page  # the template's own note
    assert page.count("data:image/png;base64,") >= 4
    assert (out / "pack.pdf").read_bytes()[:5] == b"%PDF-"
    table = pd.read_csv(out / "evidence.csv", encoding="utf-8-sig")
    trace = json.loads((out / "trace.json").read_text())
    assert list(table["record_id"]) == trace["numbers"]["records in this pack"]
    assert (out / "references.ris").read_text().count("TY  - ") == len(table)
    assert (out / "references.bib").read_text().count("\n@") + 1 == len(table)
    book = openpyxl.load_workbook(out / "evidence.xlsx").active
    assert book.max_row == len(table) + 1


def test_two_builds_give_identical_bytes(built, demo):
    spec, out, first = built
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").unlink()  # without it the pack is rebuilt, not skipped
    assert build_pack(spec, demo) == out
    assert _hashes(out) == first
    again = json.loads((out / "manifest.json").read_text())
    assert again["outputs"] == manifest["outputs"] == first
    assert {k: v for k, v in again.items() if k != "times"} == {
        k: v for k, v in manifest.items() if k != "times"
    }


def test_record_text_cannot_run_in_a_browser_or_a_spreadsheet(tmp_path, data):
    raw = tmp_path / "corpus" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(data / "hostile_titles.ris", raw)
    run_stages(tmp_path, progress=False)
    out = build_pack(PackSpec("hostile", {}), tmp_path)
    page = (out / "pack.html").read_text(encoding="utf-8")
    assert "<svg" not in page and "<among" not in page
    assert 'Burnout &amp; "joy" &lt;among nurses' in page
    table = pd.read_csv(out / "evidence.csv", encoding="utf-8-sig", dtype=str)
    starts = table["citation"].str[:1].tolist() + table["link"].fillna("").str[:1].tolist()
    assert not set(starts) & {"=", "+", "-", "@"}
    sheet = openpyxl.load_workbook(out / "evidence.xlsx").active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [v for v in values if v[:1] in "=+-@"]
    assert "SYNTHETIC" not in page  # a user's own corpus is not called synthetic


def test_unknown_parameter_on_the_command_line_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scoping.cli", "pack", "--name", "x", "-p", "audiense=leaders"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "did you mean 'audience'" in result.stderr and "Traceback" not in result.stderr


def test_template_passes_nbval_with_its_default_parameters(demo, tmp_path):
    # the template's defaults read the workspace one level up, as from notebooks/
    folder = demo / "notebooks"
    folder.mkdir(exist_ok=True)
    shutil.copy(TEMPLATE, folder)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            str(folder / TEMPLATE.name),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert " passed" in result.stdout


def test_pack_from_real_multi_database_exports_adds_up(shared, tmp_path):
    raw = tmp_path / "corpus" / "raw"
    raw.mkdir(parents=True)
    for path in sorted(
        (shared / "citesource_multisource" / "gambling_harms_by_source").glob("*.ris")
    ):
        shutil.copy(path, raw)
    run_stages(tmp_path, progress=False)
    out = build_pack(PackSpec("gambling-leaders", {"audience": "leaders"}), tmp_path)
    flow = json.loads((tmp_path / "build" / "prisma.json").read_text())
    c = flow["counts"]
    identified = sum(c["identified"].values())
    assert len(c["identified"]) >= 5 and c["duplicates_removed"] > 0
    assert identified == c["duplicates_removed"] + c["screened"]
    excluded = sum(c["excluded"].values())
    assert c["screened"] == excluded + c["included"] + c["maybe"] + c["not_yet_screened"]
    table = pd.read_csv(out / "evidence.csv", encoding="utf-8-sig")
    assert len(table) == c["screened"]  # all screened works, no filters
    page = (out / "pack.html").read_text(encoding="utf-8")
    assert "The counts add up" in page and "SYNTHETIC" not in page
    assert re.search(rf"Identified, total</td><td class=.n.>{identified:,}<", page)


def test_a_failing_template_cell_is_reported_with_its_cell(tmp_path):
    """The kernel's log is silenced, but a cell that fails still stops the pack."""
    import nbformat

    from scoping.errors import ScopingError
    from scoping.packs import _execute

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    parameters = nbformat.v4.new_code_cell("theme = 'burnout'")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell("raise ValueError('no records')")]
    template = tmp_path / "template.ipynb"
    nbformat.write(notebook, template)
    with pytest.raises(ScopingError, match=r"failed at cell \d+ \(ValueError: no records\)"):
        _execute(template, tmp_path, {"theme": "joy in work"})
