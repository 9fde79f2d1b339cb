"""The matrix of packs: ``packs.yml`` read into one :class:`PackSpec` per pack.

A ``packs.yml`` has ``defaults`` (parameters for every pack), a ``matrix`` (each
combination of the listed values is a pack; a theme listed alone becomes
``themes: [theme]``) and optional ``packs`` (extra packs, each with a ``name``). Every
parameter of every pack is checked before any pack is built.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import yamlio
from ..errors import InputError
from .params import PackParams

#: What a pack name may hold: it becomes a folder name under reports/.
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")


@dataclass(frozen=True)
class PackSpec:
    """One pack to build: its folder name and its template parameters.

    The name becomes a folder of ``reports/``: lower-case letters, digits, ``.``,
    ``_`` and ``-``, starting with a letter or digit, so that no name can reach
    outside ``reports/`` (``../x``, ``/tmp/x``). Parameters given as a mapping are
    checked and typed (:meth:`PackParams.from_mapping`).
    """

    name: str
    params: PackParams
    source: str = "packs.yml"

    def __post_init__(self) -> None:
        if not isinstance(self.params, PackParams):
            object.__setattr__(self, "params", PackParams.from_mapping(self.params))
        if not NAME.fullmatch(self.name) or ".." in self.name:
            raise InputError(
                f"pack name {self.name!r} cannot be a folder of reports/: use lower-case "
                "letters, digits, '-', '_' and '.', starting with a letter or digit "
                "(e.g. burnout-frontline)."
            )


def _slug(value: Any) -> str:
    text = "-".join(value) if isinstance(value, list) else str(value)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "all"


def load_matrix(path: str | Path) -> list[PackSpec]:
    """The packs a ``packs.yml`` asks for; every parameter is checked before any runs."""
    path = Path(path)
    data = yamlio.load(path, what="packs file") or {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected sections defaults, matrix and packs.")
    unknown = set(data) - {"defaults", "matrix", "packs"}
    if unknown:
        raise InputError(
            f"{path}: unknown section(s) {', '.join(sorted(unknown))}; expected defaults, "
            "matrix, packs."
        )
    wanted = _wanted(path, data)
    names = [name for name, _ in wanted]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"{path}: pack name(s) used twice: {', '.join(twice)}.")
    if not wanted:
        raise InputError(f"{path}: no packs; give a matrix or a packs list.")
    specs = []
    for name, params in wanted:
        try:
            specs.append(PackSpec(name, params))
        except InputError as exc:
            raise InputError(f"{path}: pack {name}: {exc}") from None
    return specs


def _wanted(path: Path, data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each pack's name and parameters, as the file gives them."""
    defaults = data.get("defaults") or {}
    matrix = data.get("matrix") or {}
    packs = data.get("packs") or []
    for section, value, kind, example in (
        ("defaults", defaults, dict, "defaults: {settings: both}"),
        ("matrix", matrix, dict, "matrix: {themes: [burnout], audience: [leaders]}"),
        ("packs", packs, list, "packs: [{name: my-pack, themes: [burnout]}]"),
    ):
        if not isinstance(value, kind):
            raise InputError(f"{path}: '{section}' is not laid out as expected; e.g. {example}.")
    wanted = []
    keys = list(matrix)
    for key in keys:
        if not isinstance(matrix[key], list) or not matrix[key]:
            raise InputError(f"{path}: matrix {key} must be a list, e.g. {key}: [a, b].")
    for values in itertools.product(*(matrix[k] for k in keys)) if keys else ():
        params = {**defaults}
        for key, value in zip(keys, values, strict=True):
            params[key] = [value] if key == "themes" and isinstance(value, str) else value
        wanted.append(("-".join(_slug(v) for v in values), params))
    for number, extra in enumerate(packs, start=1):
        if not isinstance(extra, dict) or not extra.get("name"):
            raise InputError(f"{path}: pack {number} under 'packs' needs a name.")
        params = {**defaults, **{k: v for k, v in extra.items() if k != "name"}}
        wanted.append((_slug(extra["name"]), params))
    return wanted
