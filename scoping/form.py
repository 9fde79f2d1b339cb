"""The charting form as data: ``corpus/charting.yml`` read, checked and applied.

A form is a list of fields, each with a name, label, help text, type and whether it is
required. It knows what a valid value of each field is (:meth:`Field.check`), so a
value outside the allowed list is refused with one line before it is stored, and the
drafts (:mod:`scoping.drafts`) know which words find each value in a record's text
(the values' ``aliases``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import yaml

from . import yamlio
from .errors import InputError
from .tags import Codebook

#: Field types and what a value of each is.
TYPES = {
    "text": "one line of text",
    "long_text": "text",
    "choice": "one of the listed values",
    "multi_choice": "a list of the listed values",
    "number": "a whole number of 0 or more",
    "year": "a year from 1900 to 2100",
    "country": "a list of country names",
    "choice_per": "for each value of another field, one of the listed values",
}
#: How drafts can be made for a field (see scoping.drafts).
DRAFTS = ("objective", "conclusion", "country", "sample_size", "values", "codebook")
#: Keys a field may have.
KEYS = {"name", "label", "type", "required", "help", "values", "values_from", "per", "draft"}


@dataclass(frozen=True)
class Value:
    """An allowed value of a choice, with the words that find it in a text."""

    value: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    """One field of the form."""

    name: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    values: tuple[Value, ...] = ()
    per: str | None = None
    draft: str | None = None

    @property
    def allowed(self) -> tuple[str, ...]:
        """The allowed values of a choice field (empty for other types)."""
        return tuple(v.value for v in self.values)

    def check(self, value: Any) -> Any:
        """``value`` as stored (JSON-ready), or an InputError saying what is allowed."""
        if value is None or value == "" or value == []:
            return None
        kind = self.type
        if kind in ("text", "long_text"):
            if not isinstance(value, str):
                raise InputError(f"{self.name} is {TYPES[kind]}, not {value!r}.")
            return value.strip() if kind == "long_text" else " ".join(value.split())
        if kind in ("number", "year"):
            return self._number(value)
        if kind == "country":
            return sorted({_country(v, self.name) for v in _as_list(value)})
        if kind == "choice":
            return self._one(value)
        if kind == "multi_choice":
            return sorted({self._one(v) for v in _as_list(value)}, key=self.allowed.index)
        return self._per(value)

    def _one(self, value: Any) -> str:
        if not self.allowed:
            raise InputError(
                f"{self.name}: the field has no values to choose from (its codebook group "
                "has no tags); add them to the codebook or the form."
            )
        if value not in self.allowed:
            raise InputError(
                f"{self.name}: {value!r} is not an allowed value; use one of "
                f"{', '.join(self.allowed)} (or add it to the form's values)."
            )
        return str(value)

    def _number(self, value: Any) -> int:
        try:
            number = int(str(value).replace(",", "").strip())
        except ValueError:
            raise InputError(f"{self.name} is {TYPES[self.type]}, not {value!r}.") from None
        low, high = (1900, 2100) if self.type == "year" else (0, 10**9)
        if not low <= number <= high:
            raise InputError(f"{self.name} is {TYPES[self.type]}, not {value!r}.")
        return number

    def _per(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise InputError(
                f"{self.name} gives a value for each {self.per}, e.g. {{'Burnout': "
                f"'improved'}}; not {value!r}."
            )
        return {str(k): self._one(v) for k, v in sorted(value.items())}


@dataclass(frozen=True)
class Form:
    """A charting form: its version, fields, and the SHA-256 of its file."""

    version: str
    fields: tuple[Field, ...]
    sha256: str = ""
    path: str = ""
    by_name: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    def field(self, name: str) -> Field:
        """The field called ``name``; an unknown name is an error naming the fields."""
        if name not in self.by_name:
            raise InputError(
                f"no field {name!r} in the charting form {self.path}; its fields are "
                f"{', '.join(self.by_name)}."
            )
        return self.by_name[name]

    def check(self, name: str, value: Any) -> str:
        """The value of field ``name`` as the decision log stores it (JSON text)."""
        return json.dumps(self.field(name).check(value), ensure_ascii=False)

    def missing(self, values: dict[str, Any]) -> list[str]:
        """The required fields that ``values`` leaves empty."""
        return [
            f.name for f in self.fields if f.required and values.get(f.name) in (None, "", [], {})
        ]


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


#: Short names people use that ISO does not list as a country's name.
COUNTRY_NAMES = {
    "UK": "United Kingdom",
    "U.K.": "United Kingdom",
    "England": "United Kingdom",
    "Scotland": "United Kingdom",
    "Wales": "United Kingdom",
    "Northern Ireland": "United Kingdom",
    "Great Britain": "United Kingdom",
    "Britain": "United Kingdom",
    "USA": "United States",
    "U.S.": "United States",
    "US": "United States",
    "United States of America": "United States",
    "America": "United States",
    "South Korea": "Korea, Republic of",
    "Korea": "Korea, Republic of",
    "Iran": "Iran, Islamic Republic of",
    "Russia": "Russian Federation",
    "Taiwan": "Taiwan, Province of China",
    "Vietnam": "Viet Nam",
    "Turkey": "Türkiye",
    "The Netherlands": "Netherlands",
    "Holland": "Netherlands",
}


def _country(value: Any, name: str) -> str:
    text = str(value).strip()
    text = COUNTRY_NAMES.get(text, text)
    found = pycountry.countries.get(name=text) or pycountry.countries.get(common_name=text)
    if found is None:
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            raise InputError(
                f"{name}: {value!r} is not a country name (ISO 3166, e.g. United Kingdom)."
            ) from None
    return getattr(found, "common_name", None) or found.name


def load_form(path: str | Path, codebook: Codebook | None = None) -> Form:
    """Read and check a charting form; each error names the file, field and fix.

    Parameters
    ----------
    path : str or Path
        The form (``corpus/charting.yml``, else the shipped one).
    codebook : Codebook, optional
        For fields whose values come from the codebook (``values_from``).
    """
    path = Path(path)
    parsed = yamlio.load(path, what="charting form") or {}
    data = path.read_bytes()
    nodes = yaml.compose(data)  # parsed above: this cannot fail; it gives line numbers
    if not isinstance(parsed, dict) or not isinstance(parsed.get("fields"), list):
        raise InputError(f"{path}: expected a top-level 'fields:' list; see the shipped form.")
    lines = _field_lines(nodes)
    fields = tuple(
        _field(entry, number, f"{path} line {lines.get(number, '?')}", codebook)
        for number, entry in enumerate(parsed["fields"], start=1)
    )
    names = [f.name for f in fields]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"{path}: field name(s) used twice: {', '.join(twice)}.")
    for item in fields:
        if item.type == "choice_per" and item.per not in names:
            raise InputError(f"{path}: field {item.name}: per: {item.per!r} is not a field.")
    return Form(str(parsed.get("version", "")), fields, hashlib.sha256(data).hexdigest(), str(path))


def _field_lines(nodes: Any) -> dict[int, int]:
    """Line of each field entry (1-based position -> 1-based line)."""
    for key, value in getattr(nodes, "value", []):
        if getattr(key, "value", None) == "fields" and isinstance(value, yaml.SequenceNode):
            return {n: item.start_mark.line + 1 for n, item in enumerate(value.value, start=1)}
    return {}


def _field(entry: Any, number: int, where: str, codebook: Codebook | None) -> Field:
    if not isinstance(entry, dict) or not entry.get("name"):
        raise InputError(f"{where}: field {number} needs a name.")
    name = str(entry["name"])
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise InputError(
            f"{where}: field {name}: unknown key(s) {', '.join(unknown)}; keys are "
            f"{', '.join(sorted(KEYS))}."
        )
    kind = entry.get("type")
    if kind not in TYPES:
        raise InputError(
            f"{where}: field {name}: unknown type {kind!r}; types are {', '.join(TYPES)}."
        )
    if entry.get("draft") is not None and entry["draft"] not in DRAFTS:
        raise InputError(
            f"{where}: field {name}: unknown draft {entry['draft']!r}; drafts are "
            f"{', '.join(DRAFTS)}."
        )
    if not isinstance(entry.get("required", False), bool):
        raise InputError(
            f"{where}: field {name}: required is true or false, not {entry['required']!r}."
        )
    values = _values(entry, name, where, codebook)
    choice = kind in ("choice", "multi_choice", "choice_per")
    if choice and not values and not entry.get("values_from"):
        raise InputError(f"{where}: field {name}: a {kind} field needs values or values_from.")
    return Field(
        name=name,
        label=str(entry.get("label") or name.replace("_", " ").capitalize()),
        type=kind,
        required=entry.get("required", False),
        help=str(entry.get("help", "")),
        values=values,
        per=entry.get("per"),
        draft=entry.get("draft"),
    )


def _values(
    entry: dict[str, Any], name: str, where: str, codebook: Codebook | None
) -> tuple[Value, ...]:
    source = entry.get("values_from")
    if source:
        group = str(source).removeprefix("codebook:")
        if codebook is None:
            return ()
        # a codebook without tags of the group leaves the field with nothing to choose:
        # it is kept (the form stays the same) and any value is refused with the reason
        return tuple(Value(t.label, ()) for t in codebook.tags if t.group == group)
    out = []
    for item in entry.get("values") or []:
        if isinstance(item, dict) and item.get("value"):
            aliases = tuple(str(a) for a in item.get("aliases") or ())
            out.append(Value(str(item["value"]), aliases))
        elif isinstance(item, (str, int, float)):
            out.append(Value(str(item)))
        else:
            raise InputError(f"{where}: field {name}: a value is text or {{value, aliases}}.")
    return tuple(out)
