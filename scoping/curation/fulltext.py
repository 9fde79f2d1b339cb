"""The full-text stage: finding, reading and screening the full texts of included works.

Every work included at title and abstract is **sought**. Its full text is found:

- in ``corpus/fulltext/index.csv``: a row naming the work (``record_id``, ``doi`` or
  ``pmid``) and its ``file`` (under ``corpus/fulltext/``) or ``url``;
- or by the file's name: ``<record_id>.pdf``, the DOI with ``/`` written ``_``
  (``10.1097_00005650-200211000-00008.pdf``), or the PMID (``12345678.pdf``).

A PDF is read with pypdf, for search and highlighting in the charting notebook; a file
that cannot be read (encrypted, damaged, not a PDF) is reported with the reason and the
work counts as retrieved (the file is there; a person can read it), never as an error.
A person's retrieval decision ("retrieved", or "not retrieved" with a reason) is an
event in the decision log, as are the full-text screening decisions (include, exclude
with a full-text reason, maybe). The stage writes ``build/fulltext.csv`` (one row per
sought work: status, where the text is, pages, characters, problem) and
``build/fulltext_text.parquet`` (the text read).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import Outputs
from ..errors import InputError
from ..text import said
from .status import final_decisions, work_of
from .store import DecisionStore, latest, open_store

#: What a sought work's retrieval status can be.
STATUSES = ("retrieved", "not retrieved", "awaiting retrieval")
INDEX = "index.csv"
COLUMNS = ("record_id", "status", "reason", "file", "url", "matched_by", "pages", "characters")
TEXT_KINDS = (".pdf", ".txt")
_NOT_NAME = re.compile(r"[^a-z0-9]+")


def _name_key(text: str) -> str:
    """A DOI, PMID or record id as it can be spelt in a file name."""
    return _NOT_NAME.sub("_", text.lower()).strip("_")


def locate(folder: Path, works: pd.DataFrame) -> pd.DataFrame:
    """Where each work's full text is: ``record_id, file, url, matched_by``.

    ``folder`` is ``corpus/fulltext``; ``works`` has ``record_id``, ``doi``, ``pmid``.
    """
    index = _index(folder)
    files = {}
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in TEXT_KINDS:
                files.setdefault(_name_key(path.stem), path.relative_to(folder).as_posix())
    rows = []
    for work in works.to_dict("records"):
        keys = {
            "record_id": work["record_id"],
            "doi": work.get("doi") if isinstance(work.get("doi"), str) else None,
            "pmid": work.get("pmid") if isinstance(work.get("pmid"), str) else None,
        }
        found = _from_index(index, keys) or _from_name(files, keys)
        rows.append({"record_id": work["record_id"], **found})
    return pd.DataFrame(rows, columns=["record_id", "file", "url", "matched_by"])


def _index(folder: Path) -> list[dict[str, str]]:
    """The rows of ``index.csv``, checked: each names a work and a file or a URL."""
    path = folder / INDEX
    if not path.is_file():
        return []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = set(reader.fieldnames or ())
        if not fields & {"record_id", "doi", "pmid"} or not fields & {"file", "url"}:
            raise InputError(
                f"{path}: needs a column naming the work (record_id, doi or pmid) and one "
                "giving the text (file or url)."
            )
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        name = (row.get("file") or "").strip()
        if name and not (folder / name).is_file():
            raise InputError(f"{path} line {line}: no file {name!r} in {folder}; check its name.")
    return rows


def _from_index(index: list[dict[str, str]], keys: dict[str, str | None]) -> dict[str, Any]:
    for row in index:
        for key in ("record_id", "doi", "pmid"):
            given = (row.get(key) or "").strip().lower()
            if given and keys[key] and given == keys[key].lower():
                return {
                    "file": (row.get("file") or "").strip() or None,
                    "url": (row.get("url") or "").strip() or None,
                    "matched_by": f"index.csv ({key})",
                }
    return {}


def _from_name(files: dict[str, str], keys: dict[str, str | None]) -> dict[str, Any]:
    for key in ("record_id", "doi", "pmid"):
        if keys[key] and _name_key(keys[key]) in files:
            file = files[_name_key(keys[key])]
            return {"file": file, "url": None, "matched_by": f"file name ({key})"}
    return {"file": None, "url": None, "matched_by": None}


def extract(path: Path) -> tuple[str, int, str | None]:
    """The text of a PDF or text file, its pages, and the problem if it cannot be read."""
    if path.suffix.lower() == ".txt":
        return path.read_text(encoding="utf-8", errors="replace"), 0, None
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            return "", 0, "encrypted: save a copy without a password"
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        return text, len(reader.pages), None if text.strip() else "no text layer (a scan)"
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        return "", 0, f"not a readable PDF ({type(exc).__name__}): check the file"


def sought(build: Path, store: DecisionStore | None) -> list[str]:
    """The works sought for retrieval: those included at title and abstract."""
    final = final_decisions(store, "title_abstract", work_of(build))
    return sorted(w for w, (decision, _) in final.items() if decision == "include")


def statuses(works: list[str], located: pd.DataFrame, store: DecisionStore | None) -> pd.DataFrame:
    """Each sought work's retrieval status, the person's word winning over the files.

    The last word on a work is its latest retrieval decision or its latest full-text
    screening decision, whichever came later: a full-text decision says the text was
    retrieved (someone read it), a later "not retrieved" says it is no longer to hand.
    Without either, a file or a link found for the work counts as retrieved.
    """
    located = located.set_index("record_id")
    decided: dict[str, tuple[str, str | None]] = {}
    if store is not None:
        log = store.events()
        log = log[log["stage"].isin(["retrieval", "full_text"])]
        final = latest(log, ("target",))
        rows = zip(final["target"], final["stage"], final["decision"], final["reason"], strict=True)
        decided = {
            t: (d, r) if stage == "retrieval" else ("retrieved", None) for t, stage, d, r in rows
        }
    rows = []
    for rid in works:
        file, url = located.at[rid, "file"], located.at[rid, "url"]
        status, reason = decided.get(rid, (None, None))
        if status is None:
            status = "retrieved" if _given(file) or _given(url) else "awaiting retrieval"
        rows.append({"record_id": rid, "status": status, "reason": reason if said(reason) else ""})
    return pd.DataFrame(rows, columns=["record_id", "status", "reason"])


def run(
    build: str | Path,
    folder: str | Path,
    store: str | Path | None = None,
    *,
    stale: Iterable[str] = (),
) -> pd.DataFrame:
    """The full-text stage: find, read and report the full texts of the sought works.

    Writes ``fulltext.csv`` and ``fulltext_text.parquet`` into ``build`` together.
    """
    build, folder = Path(build), Path(folder)
    opened = open_store(store) if store else None
    works = pd.read_parquet(build / "unique.parquet", columns=["record_id", "doi", "pmid"])
    wanted = works[works["record_id"].isin(sought(build, opened))].sort_values("record_id")
    located = locate(folder, wanted)
    table = statuses(list(wanted["record_id"]), located, opened)
    table = table.merge(located, on="record_id", how="left")
    texts, pages, chars, problems = [], [], [], []
    for file in table["file"]:
        text, count, problem = extract(folder / file) if _given(file) else ("", 0, None)
        texts.append(text)
        pages.append(count)
        chars.append(len(text))
        problems.append(problem or "")
    table["pages"], table["characters"], table["problem"] = pages, chars, problems
    with Outputs(build) as out:
        table.to_csv(out.path("fulltext.csv"), index=False)
        pd.DataFrame({"record_id": table["record_id"], "text": texts}).to_parquet(
            out.path("fulltext_text.parquet"), index=False
        )
        out.remove(*stale)
    return table


def _given(value: Any) -> bool:
    """Whether a cell holds a file name or URL (not None, NaN or empty)."""
    return isinstance(value, str) and bool(value.strip())


def summary(table: pd.DataFrame, out: Path, folder: Path) -> list[str]:
    """What the full-text stage found: a line, and a line per file it could not read."""
    counts = table["status"].value_counts()
    lines = [
        f"fulltext: {len(table)} works sought: {counts.get('retrieved', 0)} retrieved, "
        f"{counts.get('not retrieved', 0)} not retrieved, "
        f"{counts.get('awaiting retrieval', 0)} awaiting retrieval -> {out / 'fulltext.csv'}"
    ]
    unread = table[table["problem"] != ""]
    lines += [
        f"  fulltext: {folder / row.file}: {row.problem} (work {row.record_id})"
        for row in unread.itertuples()
    ]
    return lines
