"""Theme tagging with a curated codebook, keeping the evidence for every tag.

A codebook (``corpus/codebook.yml``) lists tags. Each has a name, a group (theme,
setting, staff group, study design...), a definition, ``include`` terms, optional
``exclude`` terms, and the fields it reads. A term is a word or a phrase:

- a plain word matches any word with the same Porter stem ("nurses" matches
  "nurse", "nursing" does not: its stem differs);
- a word ending in ``*`` is a prefix ("speak*" matches "speaking", "speaks up");
- a phrase matches its words in a row, each by the rules above ("speak* up").

A record gets a tag when an include term matches in one of the tag's fields and no
exclude term does. The matched words, as written in the record, are kept as the
evidence, so a person can see why a record sits in a theme.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import yamlio
from .atomic import Outputs
from .errors import InputError
from .text import stem, tokens

#: Record fields a tag may read.
FIELDS = ("title", "abstract", "keywords", "subjects", "journal", "doc_type")
DEFAULT_FIELDS = ("title", "abstract", "keywords", "subjects")
_TAG_KEYS = {
    "name",
    "label",
    "group",
    "definition",
    "include",
    "exclude",
    "fields",
    "source",
    "sector",
}


@dataclass(frozen=True)
class Term:
    """One include or exclude term, compiled to word patterns."""

    text: str
    words: tuple[tuple[str, bool], ...]  # (stem or prefix, is_prefix)

    @classmethod
    def parse(cls, text: str) -> Term:
        """Compile ``text`` ("speak* up", "burnout")."""
        words = []
        for raw in str(text).split():
            prefix = raw.endswith("*")
            for word in tokens(raw.rstrip("*")):
                words.append((word, prefix) if prefix else (stem(word), False))
        return cls(str(text), tuple(words))

    def find(self, text: PreparedText) -> list[str]:
        """The places the term matches, as the record spelt them."""
        if not self.words:
            return []
        first, prefix = self.words[0]
        toks, stems, n = text.tokens, text.stems, len(self.words)
        starts = (
            [i for i, t in enumerate(toks) if t.startswith(first)]
            if prefix
            else text.positions.get(first, ())
        )
        found = []
        for start in starts:
            if start + n <= len(toks) and all(
                toks[start + i].startswith(w) if is_prefix else stems[start + i] == w
                for i, (w, is_prefix) in enumerate(self.words[1:], start=1)
            ):
                found.append(" ".join(toks[start : start + n]))
        return found


@dataclass(frozen=True)
class PreparedText:
    """A field's tokens, their stems, and where each stem occurs."""

    tokens: list[str]
    stems: list[str]
    positions: dict[str, list[int]]

    @classmethod
    def of(cls, text: str) -> PreparedText:
        """Tokenise, stem and index ``text``."""
        toks = tokens(text)
        stems = [stem(t) for t in toks]
        positions: dict[str, list[int]] = {}
        for i, s in enumerate(stems):
            positions.setdefault(s, []).append(i)
        return cls(toks, stems, positions)


@dataclass(frozen=True)
class Tag:
    """A codebook entry."""

    name: str
    label: str
    group: str
    definition: str
    include: tuple[Term, ...]
    exclude: tuple[Term, ...]
    fields: tuple[str, ...]
    sector: str = ""


@dataclass(frozen=True)
class Codebook:
    """A loaded codebook, with the checksum of its file (for audit)."""

    version: str
    tags: tuple[Tag, ...]
    sha256: str


def _tag(entry: Any, number: int, path: Path) -> Tag:
    where = f"{path}: tag {number}"
    if not isinstance(entry, dict):
        raise InputError(
            f"{where}: each tag must be a mapping with name, group, definition, include."
        )
    unknown = set(entry) - _TAG_KEYS
    if unknown:
        raise InputError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: "
            f"{', '.join(sorted(_TAG_KEYS))}."
        )
    missing = [k for k in ("name", "group", "definition", "include") if not entry.get(k)]
    if missing:
        raise InputError(f"{where} ({entry.get('name', '?')}): missing {', '.join(missing)}.")
    given = entry.get("fields") or DEFAULT_FIELDS
    fields = tuple(given) if isinstance(given, (list, tuple)) else (given,)
    bad = [f for f in fields if f not in FIELDS]
    if bad:
        raise InputError(
            f"{where} ({entry['name']}): unknown field(s) {', '.join(bad)}; "
            f"fields are {', '.join(FIELDS)}."
        )
    return Tag(
        name=str(entry["name"]),
        label=str(entry.get("label") or entry["name"]),
        group=str(entry["group"]),
        definition=" ".join(str(entry["definition"]).split()),
        include=tuple(Term.parse(t) for t in entry["include"]),
        exclude=tuple(Term.parse(t) for t in entry.get("exclude") or ()),
        fields=fields,
        sector=str(entry.get("sector") or ""),
    )


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook file; errors name the tag and what to fix."""
    path = Path(path)
    parsed = yamlio.load(path, what="codebook") or {}
    if not isinstance(parsed, dict) or not isinstance(parsed.get("tags"), list):
        raise InputError(f"{path}: expected 'version:' and a 'tags:' list.")
    tags = tuple(_tag(e, n, path) for n, e in enumerate(parsed["tags"], start=1))
    names = [t.name for t in tags]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"{path}: tag name(s) used twice: {', '.join(twice)}.")
    return Codebook(
        str(parsed.get("version", "")), tags, hashlib.sha256(path.read_bytes()).hexdigest()
    )


def _field_text(record: dict[str, Any], field: str) -> str:
    value = record.get(field)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    return " ; ".join(str(v) for v in value)


def tag_record(record: dict[str, Any], codebook: Codebook) -> list[dict[str, Any]]:
    """Evidence rows for one record: each tag that matched, applied or vetoed."""
    prepared: dict[str, PreparedText] = {}
    rows = []
    for tag in codebook.tags:
        matched, fields_hit, excluded = [], [], []
        for field in tag.fields:
            if field not in prepared:
                prepared[field] = PreparedText.of(_field_text(record, field))
            text = prepared[field]
            hits = [m for term in tag.include for m in term.find(text)]
            if hits:
                matched.extend(hits)
                fields_hit.append(field)
            excluded.extend(m for term in tag.exclude for m in term.find(text))
        if matched:
            rows.append(
                {
                    "record_id": record["record_id"],
                    "tag": tag.name,
                    "group": tag.group,
                    "applied": not excluded,
                    "matched_terms": "; ".join(dict.fromkeys(matched)),
                    "fields": "; ".join(fields_hit),
                    "excluded_by": "; ".join(dict.fromkeys(excluded)),
                }
            )
    return rows


def tag_records(records: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Evidence for every record and tag, in record order then codebook order."""
    columns = ["record_id", "tag", "group", "applied", "matched_terms", "fields", "excluded_by"]
    rows = [r for rec in records.to_dict("records") for r in tag_record(rec, codebook)]
    return pd.DataFrame(rows, columns=columns).astype({"applied": bool})


def tag_matrix(
    evidence: pd.DataFrame, record_ids: Iterable[str], codebook: Codebook
) -> pd.DataFrame:
    """One row per record, one column per tag: the matched terms, "" when not tagged."""
    applied = evidence[evidence["applied"]]
    matrix = pd.DataFrame({"record_id": list(record_ids)})
    for tag in codebook.tags:
        terms = dict(
            zip(
                applied.loc[applied["tag"] == tag.name, "record_id"],
                applied.loc[applied["tag"] == tag.name, "matched_terms"],
                strict=True,
            )
        )
        matrix[tag.name] = [terms.get(r, "") for r in matrix["record_id"]]
    return matrix


def records_file(folder: Path) -> Path:
    """The records a stage after ingest reads: ``unique.parquet``, else ``records.parquet``."""
    source = next(
        (folder / n for n in ("unique.parquet", "records.parquet") if (folder / n).is_file()), None
    )
    if source is None:
        raise InputError(
            f"{folder}: has neither unique.parquet nor records.parquet; run "
            f"`scoping ingest ... --out {folder}` first."
        )
    return source


def run(
    folder: str | Path, codebook_path: str | Path, *, stale: Iterable[str] = ()
) -> tuple[pd.DataFrame, Codebook]:
    """``scoping tag DIR``: tag ``unique.parquet`` (or ``records.parquet``) in DIR.

    Writes ``tags.csv`` (evidence: one row per record and matched tag, with the matched
    terms and any exclusion) and ``tag_matrix.parquet`` (records x tags), swapped in
    together (``stale`` files are removed in the same commit). A codebook that matches
    nothing gives empty outputs with their columns, not an error.
    """
    folder = Path(folder)
    source = records_file(folder)
    codebook = load_codebook(codebook_path)
    records = pd.read_parquet(source)
    evidence = tag_records(records, codebook)
    with Outputs(folder) as out:
        evidence.to_csv(out.path("tags.csv"), index=False)
        tag_matrix(evidence, records["record_id"], codebook).to_parquet(
            out.path("tag_matrix.parquet"), index=False
        )
        out.remove(*stale)
    return evidence, codebook


def summary(evidence: pd.DataFrame, codebook: Codebook, out: Path) -> str:
    """What tagging did, in one line."""
    applied = evidence[evidence["applied"]]
    return (
        f"tag: {applied['record_id'].nunique()} records tagged, {len(applied)} tags applied "
        f"from {len(codebook.tags)} codebook tags ({len(evidence) - len(applied)} vetoed by "
        f"an exclude term) -> {out / 'tags.csv'}, {out / 'tag_matrix.parquet'}"
    )
