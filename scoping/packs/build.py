"""Briefing packs built: data computed, template run by papermill, rendered, exported.

``scoping pack`` builds one pack from parameters, or every pack of a ``packs.yml``
matrix. Each pack lands in ``reports/<pack-name>/``:

- ``pack.ipynb``: the executed template (volatile papermill timings removed);
- ``pack.html``: a self-contained report without code (nbconvert; no CDN links);
- ``pack.pdf``: the same report as PDF (WeasyPrint, pure Python, no browser);
- ``evidence.xlsx`` and ``evidence.csv``, ``references.ris`` and ``references.bib``,
  ``trace.json`` (the record ids behind every number), written from the pack's data
  (:mod:`scoping.packs.exports`), whatever the template does;
- ``manifest.json``: what the pack was built from (:func:`write_manifest`).
"""

from __future__ import annotations

import html
import multiprocessing
import os
import pickle
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat

from .. import __version__, manifest, resources
from ..atomic import replacing_folder, write_text
from ..errors import InputError, ScopingError
from ..tags import load_codebook
from ..topics import METHOD_WORDS
from ..workspace import Workspace
from . import exports
from .data import NEEDED, changes, compute
from .matrix import PackSpec
from .sections import STAGED_DATA

#: The pack template and the default matrix shipped with the workbench.
TEMPLATE = resources.path(resources.TEMPLATE)
DEFAULT_PACKS = resources.path(resources.PACKS)
#: Files each pack folder holds when it is built.
OUTPUTS = ("pack.ipynb", "pack.html", "pack.pdf", *exports.NAMES)
#: Stage outputs a pack reads when they exist (charting, drafts), besides those it needs.
OPTIONAL = ("charted.csv", "drafts.csv")
STYLE = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-center { content: "Page " counter(page) " of " counter(pages);
                         font-size: 8pt; color: #555; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt;
       line-height: 1.4; color: #1a1a1a; max-width: 980px; margin: 0 auto; padding: 1em; }
h1 { font-size: 20pt; color: #003087; margin-top: 0.2em; }
h2 { font-size: 14pt; color: #003087; border-bottom: 2px solid #005eb8; margin-top: 1.6em;
     break-after: avoid; }
h3 { font-size: 11pt; margin-bottom: 0.2em; break-after: avoid; }
p.lead { font-size: 11pt; }
p.synthetic { border: 3px solid #d5281b; background: #fde8e6; color: #8a1c12; padding: 0.6em;
              font-weight: bold; font-size: 11pt; }
p.unscreened { border: 2px solid #ffb81c; background: #fff4cc; padding: 0.5em;
               font-size: 10.5pt; }
span.status { font-size: 8pt; font-weight: bold; padding: 0 3px; border-radius: 2px;
              background: #fde8e6; color: #8a1c12; }
span.status.included { background: #d5ecd4; color: #1e5b1a; }
p.definition { font-style: italic; color: #444; }
span.flag { color: #d5281b; font-weight: normal; font-size: 9pt; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 8.5pt; width: 100%; }
th, td { border: 1px solid #ccc; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #e8edee; }
td.n { text-align: right; }
td.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; word-break: break-all; }
table.evidence td { font-size: 7.5pt; }
ul.refs li { margin-bottom: 0.25em; font-size: 8.5pt; }
p.ref { margin: 0 0 0.25em 0; font-size: 8.5pt; }
a { color: #005eb8; word-break: break-all; }
figure { margin: 0.8em 0; break-inside: avoid; }
figure img { max-width: 100%; }
figcaption { font-size: 8.5pt; color: #444; }
"""


# papermill, nbconvert and WeasyPrint are imported where they are used: loading them
# costs seconds that `scoping pack --help` and the CLI's error paths need not pay.


def template_parameters(template: str | Path = TEMPLATE) -> dict[str, Any]:
    """The names and default literals of a template's ``parameters`` cell."""
    import papermill

    found = papermill.inspect_notebook(str(template))
    return {name: info["default"] for name, info in found.items()}


#: Times a pack's kernel is started before its failure to start is an error.
KERNEL_STARTS = 3


def started_again(run: Callable[[], Any], starts: int = KERNEL_STARTS) -> Any:
    """``run()``, started again when its kernel died before it answered.

    Packs built side by side start kernels in separate processes, and each process
    picks its kernel's ports alone: now and then two pick the same free port, and the
    second kernel dies at start ("Address already in use"), before any cell ran. That is
    bad luck, not a broken pack, so the run is started again (up to ``starts`` times).
    """
    for attempt in range(1, starts + 1):
        try:
            return run()
        except RuntimeError as exc:
            if "Kernel died before replying" not in str(exc) or attempt == starts:
                raise


def _execute(template: Path, out: Path, params: dict[str, Any]) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    known = template_parameters(template)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise InputError(
            f"{template}: no parameter(s) {', '.join(unknown)}; its parameters are "
            f"{', '.join(known)}."
        )
    try:
        started_again(
            lambda: papermill.execute_notebook(
                str(template),
                str(out / "pack.ipynb"),
                parameters=params,
                kernel_name="python3",
                language="python",
                cwd=str(out),
                progress_bar=False,
                log_output=False,
                # the kernel's own log is noise for a pack's reader: "running over TCP
                # without encryption" on a local socket at start-up, and now and then
                # "KeyboardInterrupt caught in kernel" (logged as an error) while it shuts
                # down. A failing cell still raises PapermillExecutionError below.
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        )
    except PapermillExecutionError as exc:
        if exc.ename in ("InputError", "ScopingError", "FormatError"):
            raise InputError(str(exc.evalue).splitlines()[0]) from None
        raise ScopingError(
            f"{out / 'pack.ipynb'}: the pack template failed at cell {exc.exec_count} "
            f"({exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}); open "
            "the executed notebook to see where."
        ) from None


def _scrub(path: Path) -> nbformat.NotebookNode:
    """Remove papermill's times, paths and random cell id: same run, same bytes."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.get("papermill", {}).pop("start_time", None)
    notebook.metadata.get("papermill", {}).pop("end_time", None)
    notebook.metadata.get("papermill", {}).pop("duration", None)
    if "papermill" in notebook.metadata:  # absolute paths differ between workspaces
        notebook.metadata.papermill["input_path"] = Path(
            notebook.metadata.papermill.get("input_path", "")
        ).name
        notebook.metadata.papermill["output_path"] = path.name
    for cell in notebook.cells:
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill draws a random id
    nbformat.write(notebook, path)
    return notebook


def render_html(notebook: nbformat.NotebookNode, title: str) -> str:
    """A self-contained HTML report of an executed notebook, without code or prompts."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    exporter = HTMLExporter(
        config=config,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(notebook)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"{body}</body></html>\n"
    )


def render_pdf(html_text: str, path: Path) -> None:
    """The HTML report as PDF, with WeasyPrint; fixed metadata for identical bytes.

    Embedded font subsets carry a modification time; fontTools takes it from
    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when that is set, so it
    is fixed here unless the caller has set it.
    """
    import logging
    import os

    from weasyprint import HTML

    os.environ.setdefault("SOURCE_DATE_EPOCH", "946684800")

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=html_text, base_url=str(path.parent)).write_pdf(
        path, uncompressed_pdf=False, custom_metadata=False
    )


def _pack_title(notebook: nbformat.NotebookNode) -> str:
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            found = re.search(r"<h1>(.*?)</h1>", "".join(text), re.S)
            if found:
                return html.unescape(found.group(1))
    return "Evidence briefing"


def _reports(workspace: Path, reports: str | Path | None) -> Path:
    return Path(reports).resolve() if reports else workspace / "reports"


def pack_key(spec: PackSpec, workspace: Path, template: Path) -> str:
    """Hash of everything a pack is built from: template, parameters, stage outputs.

    With the words its own topic model leaves out: the shipped list and the workspace's.
    """
    space = Workspace(workspace)
    return manifest.key(
        "pack",
        spec.params.as_dict(),
        METHOD_WORDS,
        space.topic_stop_words(),
        template,
        *(space.build / n for n in (*NEEDED, *OPTIONAL)),
        space.codebook,
        space.charting,
    )


def is_fresh(
    spec: PackSpec,
    workspace: str | Path,
    *,
    reports: str | Path | None = None,
    template: str | Path = TEMPLATE,
) -> bool:
    """Whether the pack was built from exactly these inputs and its outputs are intact."""
    workspace = Path(workspace).resolve()
    out = _reports(workspace, reports) / spec.name
    recorded = manifest.read(out / manifest.MANIFEST)
    if recorded is None or not isinstance(recorded.get("outputs"), dict):
        return False
    return recorded.get("key") == pack_key(spec, workspace, Path(template)) and all(
        (out / name).is_file() and manifest.sha256(out / name) == digest
        for name, digest in recorded["outputs"].items()
    )


def build_pack(
    spec: PackSpec,
    workspace: str | Path = ".",
    *,
    reports: str | Path | None = None,
    template: str | Path = TEMPLATE,
    baseline: dict[str, Any] | None = None,
) -> Path:
    """Build one pack into ``<reports>/<name>/`` (default ``<workspace>/reports``).

    ``baseline`` is the trace the changes are measured against; by default the trace of
    the pack's previous build (kept while that build says the same as this one, so a
    rebuild does not erase what changed since the last briefing).

    The pack is built in a staging folder beside its final place (outputs, then
    ``manifest.json``: inputs, parameters, versions, output hashes and times) and
    renamed into place only when complete, so a failed or killed build leaves the
    previous pack whole, or no pack: never a mix. A pack whose inputs have not
    changed is not rebuilt.
    """
    started = time.time()
    workspace = Path(workspace).resolve()
    out = _reports(workspace, reports) / spec.name
    spec.params.check_themes(load_codebook(Workspace(workspace).codebook))
    if is_fresh(spec, workspace, reports=reports, template=template):
        return out
    data = compute(spec.params, workspace)
    if baseline is None:
        baseline = _baseline(out, data)
    data = replace(data, changes=changes(data, baseline))
    with replacing_folder(out) as staging:
        # staging and final folder are siblings: the same relative way to the workspace
        relative = Path(os.path.relpath(workspace, staging)).as_posix()
        params = {"workspace": relative, "output": ".", **spec.params.as_dict()}
        with open(staging / STAGED_DATA, "wb") as handle:  # the template renders this data
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        _execute(Path(template), staging, params)  # every parameter, defaults included
        (staging / STAGED_DATA).unlink()
        exports.write(data, staging, baseline)  # after the template: cells cannot change them
        notebook = _scrub(staging / "pack.ipynb")
        html_text = render_html(notebook, _pack_title(notebook))
        write_text(staging / "pack.html", html_text)
        render_pdf(html_text, staging / "pack.pdf")
        missing = [name for name in OUTPUTS if not (staging / name).is_file()]
        if missing:
            raise ScopingError(f"{out}: the pack lacks {', '.join(missing)}; see pack.ipynb.")
        write_manifest(
            staging,
            name=spec.name,
            workspace=workspace,
            relative=relative,
            params=params,
            started=started,
            key=pack_key(spec, workspace, Path(template)),
            source=spec.source,
        )
    return out


def _baseline(folder: Path, data: Any) -> dict[str, Any] | None:
    """The trace to measure changes against.

    The previous build's trace, or that build's own baseline when it already said what
    this one says.
    """
    previous = manifest.read(folder / "trace.json")
    if previous is None:
        return None
    if previous.get("numbers") == {k: data.numbers[k] for k in sorted(data.numbers)}:
        kept = manifest.read(folder / "baseline.json")
        return kept or None
    return previous


def write_manifest(
    folder: Path,
    *,
    name: str,
    workspace: Path,
    relative: str,
    params: dict[str, Any],
    started: float,
    key: str,
    source: str,
) -> dict[str, Any]:
    """Write ``folder/manifest.json`` for a built pack and return it."""
    space = Workspace(workspace)
    run = manifest.read(space.build / manifest.MANIFEST) or {}
    recorded = {
        "kind": "briefing pack",
        "pack": name,
        "key": key,
        "source": source,
        "command": manifest.command(),
        "workspace": relative,
        "parameters": params,
        "seeds": {"pipeline": run.get("seed"), "pack": params.get("seed")},
        "workbench": {"version": __version__, **manifest.git_state()},
        "packages": manifest.packages(),
        "inputs": manifest.input_hashes(workspace),
        "decision_log": manifest.decision_log(space.store),
        "outputs": {name: manifest.sha256(folder / name) for name in OUTPUTS},
        "times": {
            "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.time() - started, 1),
        },
    }
    manifest.write(folder / manifest.MANIFEST, recorded)
    return recorded


def build_all(
    specs: list[PackSpec],
    workspace: str | Path = ".",
    *,
    reports: str | Path | None = None,
    template: str | Path = TEMPLATE,
    progress: bool = True,
    jobs: int | None = None,
    baselines: dict[str, dict[str, Any] | None] | None = None,
) -> list[Path]:
    """Build every pack of a matrix, ``jobs`` at a time, with a progress bar.

    ``baselines`` gives packs the trace to measure their changes against (the audit
    passes the ones the packs were built with).

    Each pack is built in its own worker process (its kernel is another process), so
    one pack's notebook can run while another's PDF renders. Packs do not depend on
    each other, and the outputs do not depend on ``jobs``. The first failure stops
    the build and is reported.

    Workers are forked where the system can (so a script or notebook that calls this
    needs no ``if __name__ == "__main__"`` guard); a pack's own topic model therefore
    runs in one process (``n_jobs=1``), since joblib's worker pool, once started by
    an earlier stage, cannot be used again from a forked copy of its process.
    """
    from tqdm.auto import tqdm

    jobs = jobs or min(2, os.cpu_count() or 1)
    bar = tqdm(total=len(specs), desc="packs", unit="pack", disable=not progress)
    built: dict[str, Path] = {}
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {
            pool.submit(
                build_pack,
                spec,
                workspace,
                reports=reports,
                template=template,
                baseline=(baselines or {}).get(spec.name),
            ): spec
            for spec in specs
        }
        for future in as_completed(futures):
            spec = futures[future]
            built[spec.name] = future.result()
            bar.set_postfix_str(spec.name)
            bar.update()
    bar.close()
    return [built[spec.name] for spec in specs]
