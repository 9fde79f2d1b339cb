"""Notebook errors as one clear line: an IPython extension for the curation notebooks.

``%load_ext scoping.notebook`` (the notebooks' first import cell) makes a user's
mistake (an :class:`~scoping.errors.InputError`: no name given, no build yet, a
workspace not found) show as one red line saying what and what to do next, instead of
a traceback with the useful line at its bottom. The cell still fails, so "run all"
stops there and papermill reports the error. Any other exception keeps its full
traceback: that is a defect to report, and the traceback is what a developer needs.
"""

from __future__ import annotations

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
    """What ``%load_ext scoping.notebook`` calls."""
    ipython.set_custom_exc((InputError,), one_line)
