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
    data = path.read_bytes()
    try:
        return yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise InputError(f"{path}{where}: not valid YAML ({problem}); fix the {what}.") from None
    except ValueError as exc:  # read as a date that does not exist, e.g. 2026-13-45
        raise InputError(
            f"{path}{_bad_date_line(data)}: not a real date ({exc}); write dates as "
            f"year-month-day, e.g. 2026-10-01; fix the {what}."
        ) from None


def _bad_date_line(data: bytes) -> str:
    """Where a value YAML reads as a date cannot be built: ``" line N"``, or ``""``."""
    builder = yaml.constructor.SafeConstructor()
    pending = [yaml.compose(data, Loader=yaml.SafeLoader)]
    while pending:
        node = pending.pop(0)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:timestamp":
                try:
                    builder.construct_yaml_timestamp(node)
                except ValueError:
                    return f" line {node.start_mark.line + 1}"
        elif isinstance(node, yaml.MappingNode):
            pending += [part for pair in node.value for part in pair]
        elif node is not None:
            pending += list(node.value)
    return ""
