"""The screening notebook in a real browser: JupyterLab, headless Debian Chromium, Playwright.

The notebook is the shipped ``notebooks/screening.ipynb`` with a reviewer filled in; the
test clicks "Include" on the first record, types a note with the pointer resting over
the record (no key of it may decide), clicks the record and presses ``m`` (maybe) and
``u`` (undo), and checks that exactly those events reached the workspace's SQLite store.

It needs ``/usr/bin/chromium`` (Debian's ``chromium`` package; Playwright's own browser
download does not work offline). Without it the test is skipped with that reason, except
where ``SCOPING_REQUIRE_BROWSER=1`` (``.ci/run`` sets it after installing Chromium): there
a missing browser is a failure, so CI cannot pass by skipping.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from scoping import resources
from scoping.curation import DecisionStore
from scoping.ingest import ingest

CHROMIUM = Path("/usr/bin/chromium")
CONFIG = Path(__file__).resolve().parents[2] / "jupyter-config"
NOTEBOOKS = resources.path(resources.NOTEBOOKS)
REVIEWER = "Browser Tester"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def sync_playwright():
    """Playwright's sync API, or a skip (a failure under SCOPING_REQUIRE_BROWSER=1)."""
    reason = None
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} not found; install Debian's chromium (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright as api
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[test]')"
    if reason and os.environ.get("SCOPING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required but {reason}")
    if reason:
        pytest.skip(reason)
    return api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def workspace(tmp_path, data):
    """Two records ingested for real, and the screening notebook with a reviewer."""
    ingest(
        [data / "multiline_abstract.ris", data / "unknown_tag.ris"],
        tmp_path / "build",
        progress=False,
    )
    notebook = nbformat.read(NOTEBOOKS / "screening.ipynb", as_version=4)
    (cell,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    for default, value in (
        ('reviewer = ""', f'reviewer = "{REVIEWER}"'),
        ('order = "model"', 'order = "random"'),
    ):
        assert default in cell.source  # the shipped notebook's own parameter, filled in
        cell.source = cell.source.replace(default, value)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "corpus").mkdir()  # the notebook finds its workspace by looking upwards
    nbformat.write(notebook, tmp_path / "notebooks" / "screening.ipynb")
    return tmp_path


@contextlib.contextmanager
def running_lab(workspace):
    """JupyterLab on 127.0.0.1 serving the workspace; stopped with its kernels at the end."""
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={workspace}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (workspace / "lab.log").open("w")
    server = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # the configuration the package installs (an editable install does not install
        # it, so it is read from the checkout): notebooks saved without outputs
        env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1", "JUPYTER_CONFIG_PATH": str(CONFIG)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not start: {(workspace / 'lab.log').read_text()[-2000:]}")
        yield url, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def lab(workspace):
    """JupyterLab serving the two-record workspace."""
    with running_lab(workspace) as found:
        yield found


def _notebook(name, workspace, **values):
    """A shipped notebook with its parameters filled in, written into the workspace."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    (cell,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    for key, value in values.items():
        default = f"{key} = {'False' if isinstance(value, bool) else chr(34) * 2}"
        assert default in cell.source  # the shipped notebook's own parameter, filled in
        cell.source = cell.source.replace(default, f"{key} = {value!r}")
    (workspace / "notebooks").mkdir(exist_ok=True)
    nbformat.write(notebook, workspace / "notebooks" / name)


def _open(p, url, token, name):
    """Chromium showing the notebook ``name`` in JupyterLab, its cells set running."""
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, timeout=90_000)
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.set_default_timeout(90_000)  # the first Lab load on a cold machine is slow
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith("http://127.0.0.1") else route.abort()
        ),
    )
    # reset: the Lab's saved layout is dropped, so a notebook opened earlier in the same
    # server is not brought back beside this one (and run in its place)
    page.goto(f"{url}/lab/tree/notebooks/{name}?reset&token={token}")
    page.wait_for_function(
        f"window.jupyterapp?.shell.currentWidget?.context?.path === 'notebooks/{name}'"
    )
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()  # the kernel is connected
    # Started, not awaited: the command's promise settles only when every cell has run,
    # and evaluate() has no time limit of its own, so a stuck cell would hang the test.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    return browser, page


@contextlib.contextmanager
def notebook_in_browser(p, url, token, name):
    """The page of ``_open``; on failure, the notebook's error outputs join the message."""
    browser, page = _open(p, url, token, name)
    try:
        yield page
    except Exception as exc:
        errors = page.locator(".jp-OutputArea-output[data-mime-type*='stderr']").all_inner_texts()
        errors += page.locator(".jp-RenderedText[data-mime-type*='error']").all_inner_texts()
        raise AssertionError(f"{name}: {exc}\nnotebook errors: {errors[-3:]}") from exc
    finally:
        browser.close()


def _wait_for_events(store: DecisionStore, n: int, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = store.events()
        if len(events) >= n:
            return events
        time.sleep(0.25)
    return store.events()


def test_a_click_and_a_key_in_jupyterlab_reach_the_store(sync_playwright, workspace, lab):
    # sync_playwright comes first: without a browser, no JupyterLab is started at all
    url, token = lab
    store = DecisionStore(workspace / "curation" / "decisions.sqlite")
    with sync_playwright() as p, notebook_in_browser(p, url, token, "screening.ipynb") as page:
        include = page.locator("button", has_text="Include")
        include.wait_for(state="visible")
        progress = page.locator("text=screened of")
        assert "0 screened of 2" in progress.inner_text()
        include.click()
        page.locator("text=1 screened of 2").wait_for()
        # typing a note with the pointer resting over the record: text, never decisions
        note = page.locator(".widget-textarea textarea")
        note.click()
        page.locator(".scoping-card").hover()
        page.keyboard.type("check this is unclear, maybe exclude")
        time.sleep(1.5)
        assert len(store.events()) == 1  # "i", "e" and "m" in the note decided nothing
        assert note.input_value() == "check this is unclear, maybe exclude"
        assert "1 screened of 2" in progress.inner_text()
        markdown_cells = page.locator(".jp-MarkdownCell").count()
        page.locator(".scoping-card").click()  # the record itself: now keys decide
        page.keyboard.press("m")
        page.locator("text=2 screened of 2").wait_for()
        # the key went to the widget alone: JupyterLab did not turn a cell into Markdown
        assert page.locator(".jp-MarkdownCell").count() == markdown_cells
        page.keyboard.press("u")  # undo, from the keyboard too
        page.locator("text=1 screened of 2").wait_for()
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.locator(".jp-mod-dirty").wait_for(state="detached")
    saved = nbformat.read(workspace / "notebooks" / "screening.ipynb", as_version=4)
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert code and not any(c.outputs or c.execution_count for c in code)  # saved bare
    events = _wait_for_events(store, 3)
    assert events["reviewer"].tolist() == [REVIEWER] * 3
    assert events["decision"].tolist() == ["include", "maybe", "retract"]
    assert events.loc[1, "note"] == "check this is unclear, maybe exclude"  # kept with it
    assert events["target"].nunique() == 2


@pytest.fixture
def charting_workspace(demo_built, tmp_path):
    """The demonstration workspace (works included at full text, drafts) to chart."""
    target = tmp_path / "ws"
    shutil.copytree(demo_built, target, ignore=shutil.ignore_patterns("reports"))
    _notebook("charting.ipynb", target, reviewer=REVIEWER, new_reviewer=True)
    _notebook("fulltext_screening.ipynb", target, reviewer=REVIEWER, new_reviewer=True)
    return target


def _mine(store, stage):
    events = store.events()
    return events[(events["reviewer"] == REVIEWER) & (events["stage"] == stage)]


def test_charting_and_full_text_screening_in_jupyterlab(sync_playwright, charting_workspace):
    store = DecisionStore(charting_workspace / "curation" / "decisions.sqlite")
    with running_lab(charting_workspace) as (url, token), sync_playwright() as p:
        with notebook_in_browser(p, url, token, "charting.ipynb") as page:
            save = page.locator("button", has_text="Save and next")
            save.wait_for(state="visible")
            notes = page.get_by_placeholder("Anything else the group should know")
            notes.click()
            page.keyboard.type("n p check the sample again")  # typing is text, not keys
            time.sleep(1.5)
            assert _mine(store, "charting").empty  # no key acted while typing
            save.click()
            page.locator("text=Fill in the required fields first").wait_for()
            aims = page.get_by_placeholder("What the source set out to do")
            aims.fill("To test huddles in care homes (browser test).")
            save.click()
            page.locator("text=Saved").wait_for()
            page.locator("text=Work 2 of").wait_for()
        with notebook_in_browser(p, url, token, "fulltext_screening.ipynb") as page:
            include = page.locator("button", has_text="Include")
            include.wait_for(state="visible")
            include.click()
            page.locator("text=1 screened of").wait_for()
    charted = _mine(store, "charting").set_index("decision")
    assert charted.loc["aims", "note"] == '"To test huddles in care homes (browser test)."'
    assert charted.loc["notes", "note"] == '"n p check the sample again"'
    assert charted.loc["key_findings", "reason"] == "draft"  # accepted as drafted
    assert _mine(store, "full_text")["decision"].tolist() == ["include"]
