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

from scoping.errors import InputError, ScopingError
from scoping.packs import (
    OUTPUTS,
    TEMPLATE,
    PackSpec,
    build_pack,
)
from scoping.pipeline import run_stages


@pytest.fixture(scope="module")
def demo(demo_built):
    return demo_built


def _hashes(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in OUTPUTS}


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
    from scoping.packs.build import _execute

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    parameters = nbformat.v4.new_code_cell("theme = 'burnout'")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell("raise ValueError('no records')")]
    template = tmp_path / "template.ipynb"
    nbformat.write(notebook, template)
    with pytest.raises(ScopingError, match=r"failed at cell \d+ \(ValueError: no records\)"):
        _execute(template, tmp_path, {"theme": "joy in work"})


@pytest.mark.parametrize("name", ["../../evil", "/tmp/evil", "a/b", "..", ".hidden", "Évil"])
def test_a_pack_name_cannot_leave_reports(name):
    with pytest.raises(InputError, match="cannot be a folder of reports/"):
        PackSpec(name, {})


def test_a_pack_name_leaving_reports_is_one_line_and_writes_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scoping.cli", "pack", "--no-stages", "--name", "../../evil"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stderr.startswith("error: pack name")
    assert not list(tmp_path.parent.glob("evil*")) and not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def unscreened(tmp_path_factory, data_dir):
    """A user's workspace with awkward titles and no screening decision yet."""
    workspace = tmp_path_factory.mktemp("unscreened")
    raw = workspace / "corpus" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(data_dir / "control_and_braces.ris", raw)
    shutil.copy(data_dir / "hostile_titles.ris", raw)
    shutil.copy(data_dir / "hostile_synthesis.ris", raw)
    run_stages(workspace, progress=False)
    return workspace, build_pack(PackSpec("all-records", {}), workspace)


def test_control_characters_do_not_stop_a_pack(unscreened):
    _, out = unscreened
    sheet = openpyxl.load_workbook(out / "evidence.xlsx").active
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Burnout among [31mhome care [0m workers" in v for v in cells)
    assert not any("\x07" in v or "\x1b" in v for v in cells)


def test_before_any_screening_every_record_is_shown_under_a_banner(unscreened):
    _, out = unscreened
    page = (out / "pack.html").read_text(encoding="utf-8")
    assert "Nothing has been screened yet" in page
    table = pd.read_csv(out / "evidence.csv", encoding="utf-8-sig")
    assert len(table) == 7 and set(table["screening decision"]) == {"not yet screened"}
    assert page.count("[not yet screened]") >= 7  # beside each citation


def test_csv_fields_are_all_quoted_so_no_separator_starts_a_formula(unscreened):
    _, out = unscreened
    text = (out / "evidence.csv").read_text(encoding="utf-8-sig")
    for separator in (",", ";", "\t"):
        cells = [c for line in text.splitlines() for c in _split_unquoted(line, separator)]
        assert not [c for c in cells if c.lstrip('"')[:1] in ("=", "+", "@")], separator


def _split_unquoted(line, separator):
    """Cells as a spreadsheet splits a line on ``separator``, honouring double quotes."""
    import csv

    return next(csv.reader([line], delimiter=separator))


def test_bibtex_braces_cannot_inject_a_field(unscreened):
    import bibtexparser

    _, out = unscreened
    text = (out / "references.bib").read_text(encoding="utf-8")
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks and len(library.entries) == 7
    for entry in library.entries:
        assert "note" not in entry.fields_dict
    depth = 0
    for char in text:  # as BibTeX itself counts: a backslash does not protect a brace
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    titles = [e.fields_dict["title"].value for e in library.entries]
    assert "Joy at work ), note = {injected} and a {balanced} word" in titles


def test_a_failed_rebuild_leaves_the_previous_pack_whole(unscreened, tmp_path):
    import nbformat

    workspace, out = unscreened
    before = _hashes(out)
    template = nbformat.read(TEMPLATE, as_version=4)
    template.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('PDF step failed')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(template, broken)
    with pytest.raises(ScopingError, match="PDF step failed"):
        build_pack(PackSpec("all-records", {"year_from": 2020}), workspace, template=broken)
    assert _hashes(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["all-records"]


def test_the_trace_does_not_depend_on_the_template_cells(built, demo, tmp_path):
    """Sections reordered and half of them dropped: trace.json and the exports are the same."""
    import nbformat

    spec, out, _ = built
    template = nbformat.read(TEMPLATE, as_version=4)
    head = [c for c in template.cells[:4]]
    sections = [c for c in template.cells[4:] if c.cell_type == "code"]
    template.cells = head + sections[::-2]
    changed = tmp_path / "reordered.ipynb"
    nbformat.write(template, changed)
    again = build_pack(spec, demo, reports=tmp_path / "reports", template=changed)
    for name in ("trace.json", "evidence.csv", "evidence.xlsx", "references.ris"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    assert (again / "pack.html").read_bytes() != (out / "pack.html").read_bytes()


def test_every_pack_has_its_synthesis_files(built):
    from pypdf import PdfReader

    _, out, _ = built
    for name in (
        "gap_map.html",
        "gap_map.csv",
        "summary.pdf",
        "summary.png",
        "pack.docx",
        "slides.pptx",
        "baseline.json",
    ):
        assert (out / name).stat().st_size > 0, name
    assert len(PdfReader(out / "summary.pdf").pages) == 1
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "pack.html").read_text(encoding="utf-8")
    assert page.index("Key messages") < page.index("What staff can do and try")
    assert "Evidence and gap map" in page


def test_record_text_is_inert_in_the_gap_map_word_and_slides(unscreened):
    import zipfile

    _, out = unscreened
    gap = (out / "gap_map.html").read_text(encoding="utf-8")
    assert "HYPERLINK(&quot;javascript:alert(1)&quot;" in gap  # the title, as text
    assert "<script" not in gap and "<img" not in gap and "href='javascript" not in gap
    assert "default-src 'none'" in gap  # nothing can be fetched or run from the page
    for name, member in (("pack.docx", "word/document.xml"), ("slides.pptx", None)):
        with zipfile.ZipFile(out / name) as office:
            names = [member] if member else [n for n in office.namelist() if "slides/slide" in n]
            xml = "".join(office.read(n).decode("utf-8") for n in names)
        assert "<script" not in xml and "<img" not in xml, name


def _office_opens(path, tmp_path):
    import os

    if not shutil.which("soffice"):
        if os.environ.get("SCOPING_REQUIRE_OFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required but not installed")
        pytest.skip("LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui")
    result = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    converted = tmp_path / (path.stem + ".pdf")
    assert result.returncode == 0 and converted.stat().st_size > 1000, result.stderr
    return converted


def test_word_and_slides_open_in_libreoffice(built, tmp_path):
    from pypdf import PdfReader

    _, out, _ = built
    document = _office_opens(out / "pack.docx", tmp_path)
    slides = _office_opens(out / "slides.pptx", tmp_path)
    assert len(PdfReader(document).pages) >= 2 and len(PdfReader(slides).pages) >= 5
    first = PdfReader(document).pages[0].extract_text()
    assert "Contents" in first and "Flow of records" in first and "Evidence table" in first
    assert "update this field" not in first  # the contents as saved, not a placeholder


def test_every_slide_says_synthetic_and_long_lists_go_on_over_the_next(built):
    from pptx import Presentation

    from scoping.packs.documents import SYNTHETIC_FOOT

    _, out, _ = built
    deck = Presentation(str(out / "slides.pptx"))
    texts = [
        [shape.text_frame.text for shape in s.shapes if shape.has_text_frame] for s in deck.slides
    ]
    assert all(SYNTHETIC_FOOT in "\n".join(t) for t in texts)  # a slide copied out says it
    titles = [t[0] for t in texts]
    for number, title in enumerate(titles):
        if title.endswith(" (continued)"):
            assert titles[number - 1] in (title.removesuffix(" (continued)"), title)


def test_what_changed_names_exactly_the_new_records(demo_copy):
    spec = PackSpec("burnout-frontline", {"themes": ["burnout"], "audience": "frontline"})
    first = json.loads((build_pack(spec, demo_copy) / "trace.json").read_text())
    assert first["changes"] == {}
    raw = demo_copy / "corpus" / "raw"
    shutil.copytree(demo_copy / "corpus" / "demo" / "raw", raw)
    shutil.copy(demo_copy / "corpus" / "demo" / "searches.yml", demo_copy / "corpus")
    (raw / "new_search.ris").write_text(
        "TY  - JOUR\nTI  - Burnout among porters: a new study\nAU  - New, Nia\nPY  - 2026\n"
        "ER  - \nTY  - JOUR\nTI  - Moral distress and burnout in hospices\nAU  - Two, Tam\n"
        "PY  - 2026\nER  - \n"
    )
    run_stages(demo_copy, progress=False)
    records = pd.read_parquet(demo_copy / "build" / "records.parquet")
    new = sorted(records.loc[records["source_file"].str.endswith("new_search.ris"), "record_id"])
    again = build_pack(spec, demo_copy)
    changes = json.loads((again / "trace.json").read_text())["changes"]
    assert changes["new records found"] == new and len(new) == 2
    assert "2 new records found" in (again / "pack.html").read_text(encoding="utf-8")
    baseline = json.loads((again / "baseline.json").read_text())
    assert baseline["numbers"] == first["numbers"]


def test_a_retracted_work_is_flagged_wherever_a_pack_cites_it(demo, tmp_path, retracted_flags):
    """A shipped pack that cites a retracted demo work flags it (every pack: the long test)."""
    from scoping.packs import DEFAULT_PACKS, load_matrix
    from scoping.packs.data import compute

    citing = [
        spec
        for spec in load_matrix(DEFAULT_PACKS)
        if compute(spec.params, demo).records["retracted"].any()
    ]
    assert citing, "no shipped pack cites one of the demo's retracted works"
    out = build_pack(citing[0], demo, reports=tmp_path)
    assert retracted_flags(out, demo) >= 1


def test_a_kernel_that_dies_at_start_is_started_again_and_nothing_else_is():
    from scoping.packs.build import started_again

    tries = []

    def flaky():  # the error nbclient raises when a kernel lost its port to another
        tries.append(1)
        if len(tries) < 3:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "built"

    assert started_again(flaky) == "built" and len(tries) == 3
    tries.clear()
    with pytest.raises(RuntimeError, match="Kernel died"):
        started_again(flaky, starts=2)  # still dead after the last start: the error
    assert len(tries) == 2

    def broken():
        tries.append(1)
        raise RuntimeError("something else")

    tries.clear()
    with pytest.raises(RuntimeError, match="something else"):
        started_again(broken)
    assert len(tries) == 1  # not a kernel start: never run again
