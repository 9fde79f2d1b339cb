"""A pack's parameters, typed: what a pack selects and for whom.

:class:`PackParams` is what ``packs.yml``, ``scoping pack -p``, the manifests and the
audit pass around. Every value is checked once, when the parameters are made, and an
unknown or misspelt name is an error that names the valid ones (papermill itself only
warns).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, get_args

from ..errors import InputError
from ..tags import Codebook

Audience = Literal["leaders", "frontline"]
Settings = Literal["health", "social care", "both"]
Stage = Literal["included", "all"]
Colour = Literal["design", "direction"]
Retracted = Literal["flag", "leave out"]
#: What each audience's pack leads with: a heading and the codebook tags of its lens.
AUDIENCES: dict[str, dict[str, Any]] = {
    "leaders": {
        "label": "organisational leaders",
        "heading": "Organisational outcomes, cost and culture",
        "lens": ("organisational_outcomes", "culture"),
    },
    "frontline": {
        "label": "frontline staff",
        "heading": "What staff can do and try",
        "lens": ("staff_actions",),
    },
}
#: Settings choices and the codebook sectors each keeps.
SETTINGS: dict[str, tuple[str, ...]] = {
    "health": ("health",),
    "social care": ("social care",),
    "both": ("health", "social care"),
}
#: Template parameters that say where, not what: not part of a pack's content.
LOCATION = ("workspace", "output")


@dataclass(frozen=True)
class PackParams:
    """What a pack selects and for whom.

    Parameters
    ----------
    title : str
        The pack's title; empty makes one from the themes and audience.
    themes : tuple of str
        Codebook theme names; empty for every record.
    audience : {"leaders", "frontline"}
    settings : {"health", "social care", "both"}
    year_from, year_to : int or None
        First and last year of publication kept.
    stage : {"included", "all"}
        ``included``: the works included at title and abstract (every work, flagged,
        until the first decision); ``all``: every work, each with its status.
    n_topics : int or "auto"
        Topics of the pack's own model.
    seed : int
        Seed of every random step.
    checked_only : bool
        Leave out of the key messages the findings no reviewer has checked (drafts).
    gap_map_colour : {"design", "direction"}
        What colours the bubbles of the evidence and gap map.
    retracted : {"flag", "leave out"}
        Retracted works: cited with the flag "[Retracted]" (always, wherever cited), or
        left out of the pack (the funnel says how many).
    """

    title: str = ""
    themes: tuple[str, ...] = ()
    audience: Audience = "leaders"
    settings: Settings = "both"
    year_from: int | None = None
    year_to: int | None = None
    stage: Stage = "included"
    n_topics: int | Literal["auto"] = "auto"
    seed: int = 2026
    checked_only: bool = False
    gap_map_colour: Colour = "design"
    retracted: Retracted = "flag"

    def __post_init__(self) -> None:
        choices = (
            ("audience", Audience),
            ("settings", Settings),
            ("stage", Stage),
            ("gap_map_colour", Colour),
            ("retracted", Retracted),
        )
        for name, kind in choices:
            allowed = get_args(kind)
            if getattr(self, name) not in allowed:
                raise InputError(
                    f"pack parameter {name}={getattr(self, name)!r} is not one of "
                    f"{', '.join(map(repr, allowed))}."
                )
        if self.n_topics != "auto" and not (_whole(self.n_topics) and self.n_topics >= 2):
            raise InputError(
                f"pack parameter n_topics={self.n_topics!r} must be 'auto' or 2 or more."
            )
        for name in ("year_from", "year_to", "seed"):
            value = getattr(self, name)
            if value is not None and not _whole(value):
                raise InputError(f"pack parameter {name}={value!r} must be a whole number.")
        if self.seed is not None and not 0 <= self.seed < 2**32:
            raise InputError(f"pack parameter seed={self.seed!r} must be from 0 to {2**32 - 1}.")
        if None not in (self.year_from, self.year_to) and self.year_from > self.year_to:
            raise InputError(
                f"pack parameter year_from={self.year_from} is after year_to={self.year_to}; "
                "no work could be in the pack."
            )
        if not isinstance(self.checked_only, bool):
            raise InputError(
                f"pack parameter checked_only={self.checked_only!r} must be true or false."
            )
        if not isinstance(self.title, str):
            raise InputError(f"pack parameter title={self.title!r} must be text.")

    @classmethod
    def from_mapping(cls, params: Mapping[str, Any]) -> PackParams:
        """Parameters from a mapping (``packs.yml``, ``-p``, a manifest).

        The location keys (``workspace``, ``output``) are ignored; any other unknown
        name is an error that names the valid ones.
        """
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(params) - set(known) - set(LOCATION))
        if unknown:
            hints = [
                f"{name!r} (did you mean {close[0]!r}?)"
                if (close := difflib.get_close_matches(name, known, n=1))
                else repr(name)
                for name in unknown
            ]
            raise InputError(
                f"unknown pack parameter(s) {', '.join(hints)}; valid parameters: "
                f"{', '.join(known)}."
            )
        given = {k: v for k, v in params.items() if k in known}
        themes = given.get("themes", ())
        themes = [themes] if isinstance(themes, str) else themes
        if not isinstance(themes, (list, tuple)) or not all(isinstance(t, str) for t in themes):
            raise InputError(f"pack parameter themes={themes!r} must be a list of theme names.")
        return cls(**{**given, "themes": tuple(themes)})

    def as_dict(self) -> dict[str, Any]:
        """Plain values (themes as a list), for papermill, JSON and YAML."""
        data = asdict(self)
        data["themes"] = list(self.themes)
        return data

    def check_themes(self, codebook: Codebook) -> PackParams:
        """Refuse theme names the codebook does not define, naming the ones it does."""
        known = [t.name for t in codebook.tags if t.group == "theme"]
        bad = [t for t in self.themes if t not in known]
        if bad:
            raise InputError(
                f"unknown theme(s) {', '.join(map(repr, bad))}; the codebook's themes are "
                f"{', '.join(known)}."
            )
        return self


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: The template's parameters and their defaults (its parameters cell holds the same
#: literals; a test checks that they agree).
PARAMETERS: dict[str, Any] = {"workspace": "", "output": "", **PackParams().as_dict()}
