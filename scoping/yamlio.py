"""Reading the workspace's YAML files (codebook, search log, packs, charting form).

One place turns a YAML syntax error into the project's one-line error: the file, the
line where the parser stopped, and what to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError


def load(path: str | Path, *, what: str) -> Any:
    r"""The YAML document in ``path``; ``what`` names the file in the error messages.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "packs.yml"
    >>> _ = bad.write_text("matrix: {audience: [leaders]\n")
    >>> load(bad, what="packs file")
    Traceback (most recent call last):
    scoping.errors.InputError: ...packs.yml line 2: not valid YAML (...); fix the packs file.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: {what} not found.")
    try:
        return yaml.safe_load(path.read_bytes())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise InputError(f"{path}{where}: not valid YAML ({problem}); fix the {what}.") from None
