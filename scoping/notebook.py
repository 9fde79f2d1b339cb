"""The curation notebooks' helpers: errors as one clear line, and saving without outputs.

``%reload_ext scoping.notebook`` (the notebooks' first import cell) makes a user's
mistake (an :class:`~scoping.errors.InputError`: no name given, no build yet, a
workspace not found) show as one red line saying what and what to do next, instead of
a traceback with the useful line at its bottom. The cell still fails, so "run all"
stops there and papermill reports the error. Any other exception keeps its full
traceback: that is a defect to report, and the traceback is what a developer needs.

:func:`strip_outputs` is a Jupyter server pre-save hook, which this module, as a
Jupyter server extension, registers; the package installs the file that enables the
extension (``etc/jupyter/jupyter_server_config.d/scoping-workbench.json``). A
curation notebook (one in a workspace's ``notebooks/`` folder) is saved without its
outputs, since the widgets and any error mean nothing once the kernel is gone and a
tracked notebook must not change as people screen. Other notebooks are saved as they
are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import InputError

RED, RESET = "\x1b[1;31m", "\x1b[0m"


def one_line(shell: Any, kind: type, error: BaseException, tb: Any, tb_offset: Any = None) -> list:
    """IPython's custom handler: show the error's message alone, in red.

    IPython leaves the showing to the handler; ``_showtraceback`` is the shell's own
    way to send an error (in a kernel, an ``error`` message whose traceback is this
    one line), so the cell is marked failed as with any exception.
    """
    lines = [f"{RED}{error}{RESET}"]
    shell._showtraceback(kind, error, lines)
    return lines


def load_ipython_extension(ipython: Any) -> None:
    """What ``%reload_ext scoping.notebook`` calls (``%load_ext`` too)."""
    ipython.set_custom_exc((InputError,), one_line)


def strip_outputs(
    model: dict[str, Any], path: str = "", contents_manager: Any = None, **_: Any
) -> None:
    """Before a curation notebook is saved, clear its code cells' outputs and counts.

    ``path`` is the notebook's path under the server's ``root_dir``; a notebook outside
    a workspace's ``notebooks/`` folder is left as it is.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    root = Path(getattr(contents_manager, "root_dir", "."))
    if not curation_notebook(root / path):
        return
    for cell in model["content"].get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None


def curation_notebook(path: Path) -> bool:
    """Whether ``path`` is a notebook in a workspace's ``notebooks/`` folder.

    >>> curation_notebook(Path("/nowhere/notebooks/screening.ipynb"))
    False
    """
    folder = path.resolve().parent
    workspace = folder.parent
    return folder.name == "notebooks" and (
        (workspace / "scoping.yml").is_file() or (workspace / "corpus").is_dir()
    )


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter server: this module is a server extension (see the module docstring)."""
    return [{"module": "scoping.notebook"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Jupyter server: curation notebooks are saved without outputs."""
    serverapp.contents_manager.register_pre_save_hook(strip_outputs)
