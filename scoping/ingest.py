"""Ingest: export files and folders in, ``records.parquet`` and ``ingest_report.json`` out.

Files are taken in sorted path order and records in file order, so the same inputs
always give byte-identical outputs. Every record is accounted for: the report gives,
per file, records found = records read + records rejected, with each problem's line
and reason. When a search log (``corpus/searches.yml``) is given, the files and the
log are checked against each other.
"""

from __future__ import annotations

import filecmp
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from . import atomic, yamlio
from .errors import InputError, ScopingError
from .io import ReadResult, read
from .records import FIELDS, LIST_FIELDS, Record, is_synthetic

#: File names that are never exports (notes, logs, OS clutter).
IGNORED_NAMES = frozenset(
    {
        "searches.yml",
        "searches.yaml",
        "README.md",
        "README.txt",
        "SOURCES.md",
        "Thumbs.db",
        "desktop.ini",
    }
)
#: Outputs of later stages, derived from records.parquet: a new ingest removes them.
DOWNSTREAM = (
    "duplicates.csv",
    "unique.parquet",
    "related.csv",
    "dedupe_review.csv",
    "tags.csv",
    "tag_matrix.parquet",
    "topics.csv",
    "doc_topics.csv",
    "doc_topic_weights.parquet",
    "topic_years.csv",
    "topic_selection.csv",
    "prisma.json",
)
#: Keys every search log entry must have (PRISMA-S items).
SEARCH_KEYS = ("file", "database", "interface", "date_searched", "search_string", "hits_reported")
#: Column types of ``records.parquet``.
SCHEMA = pa.schema(
    [("record_id", pa.string())]
    + [
        (
            n,
            pa.list_(pa.string())
            if n in LIST_FIELDS
            else pa.int32()
            if n == "year"
            else pa.string(),
        )
        for n in FIELDS
    ]
    + [
        ("source_file", pa.string()),
        ("source_sha256", pa.string()),
        ("source_format", pa.string()),
        ("source_dialect", pa.string()),
        ("source_encoding", pa.string()),
        ("database", pa.string()),
        ("record_number", pa.int32()),
        ("line", pa.int32()),
        ("raw", pa.string()),
    ]
)


#: How each column of :data:`SCHEMA` is taken from a Record.
_COLUMN_GETTERS = {
    name: attrgetter(name if name in ("record_id", "raw", *FIELDS) else f"provenance.{name}")
    for name in SCHEMA.names
}


@dataclass
class IngestResult:
    """What an ingest run produced."""

    files: list[ReadResult]
    search_log: dict[str, Any] = field(default_factory=dict)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    synthetic: dict[str, int] = field(default_factory=dict)
    removed_stale: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        """Counts over all files."""
        return {
            "files": len(self.files),
            "files_unreadable": len(self.unreadable),
            "records_in_files": sum(f.records_in_file for f in self.files),
            "records_read": sum(f.records_read for f in self.files),
            "records_rejected": sum(f.rejected for f in self.files),
            "problems": sum(len(f.problems) for f in self.files),
            "synthetic_demo_records": sum(self.synthetic.values()),
        }

    def summary(self, out: Path) -> list[str]:
        """What ingest did, in a few lines: totals, rejections, log issues, unreadable."""
        totals = self.totals
        lines = []
        if totals["synthetic_demo_records"]:
            lines.append(
                f"SYNTHETIC DEMONSTRATION CORPUS: {totals['synthetic_demo_records']} of "
                f"{totals['records_read']} records are invented, not evidence."
            )
        lines.append(
            f"ingest: {totals['files']} files, {totals['records_in_files']} records "
            f"found, {totals['records_read']} read, {totals['records_rejected']} "
            f"rejected, {totals['problems']} problems -> {out / 'records.parquet'}, "
            f"{out / 'ingest_report.json'}"
        )
        lines += [
            f"  rejected: {p.message()}"
            for f in self.files
            for p in f.problems
            if p.severity == "error"
        ]
        lines += [
            f"  search log: {i['file']}: {i['issue']} ({i['detail']})"
            for i in self.search_log.get("issues", [])
        ]
        lines += [f"  unreadable: {item['reason']}" for item in self.unreadable]
        if self.removed_stale:
            lines.append(
                f"  removed outputs built from the previous records (`scoping run` "
                "rebuilds them): "
                f"{', '.join(self.removed_stale)}"
            )
        return lines

    def report(self) -> dict[str, Any]:
        """The ingest report as plain data (no times: it must be reproducible)."""
        return {
            "files": [
                f.summary() | {"synthetic_demo_records": self.synthetic.get(f.source, 0)}
                for f in self.files
            ],
            "unreadable_files": self.unreadable,
            "search_log": self.search_log,
            "totals": self.totals,
        }


def find_inputs(paths: list[str | Path]) -> list[Path]:
    """Files named, and files found (recursively) in folders named, in sorted order.

    Hidden files and :data:`IGNORED_NAMES` inside folders are skipped.
    """
    found: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for item in path.rglob("*"):
                rel = item.relative_to(path)
                if (
                    item.is_file()
                    and item.name not in IGNORED_NAMES
                    and not any(part.startswith(".") for part in rel.parts)
                ):
                    found.add(item)
        elif path.is_file():
            found.add(path)
        else:
            raise InputError(f"{given}: no such file or folder; check the path.")
    if not found:
        raise InputError(
            f"no export files found in {', '.join(map(str, paths))}; put the "
            "exports (RIS, BibTeX, CSV, XML...) there and run again."
        )
    return sorted(found, key=lambda p: p.as_posix())


class RecordSink:
    """Writes records to Parquet in batches as they are read, so memory stays flat."""

    def __init__(
        self,
        path: Path,
        batch_size: int = 10_000,
        progress: bool = True,
        databases: dict[str, str] | None = None,
    ) -> None:
        #: Export path -> its search-log database, for records whose export names none.
        self.databases = databases or {}
        self.writer = pq.ParquetWriter(path, SCHEMA, compression="zstd", write_statistics=False)
        self.columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
        self.size = 0
        self.batch_size = batch_size
        self.synthetic: dict[str, int] = {}
        self.bar = tqdm(desc="ingest", unit=" records", disable=None if progress else True)

    def __call__(self, record: Record) -> None:
        """Take one record."""
        for name, column in self.columns.items():
            column.append(_COLUMN_GETTERS[name](record))
        if self.databases and not self.columns["database"][-1]:
            source = record.provenance.source_file.split("!", 1)[0]
            if source in self.databases:
                self.columns["database"][-1] = self.databases[source]
        self.size += 1
        if is_synthetic(record.title, record.notes):
            name = record.provenance.source_file.split("!", 1)[0]
            self.synthetic[name] = self.synthetic.get(name, 0) + 1
        if self.size >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the records held so far."""
        self.bar.update(self.size)
        if self.size:
            self.writer.write_table(pa.Table.from_pydict(self.columns, schema=SCHEMA))
            self.columns = {name: [] for name in SCHEMA.names}
            self.size = 0

    def close(self) -> None:
        """Write what is left and close the file."""
        self.flush()
        self.writer.close()
        self.bar.close()


def _id_names(files: list[Path]) -> dict[Path, str]:
    """For files sharing a base name, the path under their common folder.

    Their records' ids are made from it, so ``cinahl/export.ris`` and
    ``medline/export.ris`` never give one id to identical records; a file whose name
    is its own keeps the base name, and so its ids, wherever it is moved.
    """
    counts = Counter(p.name for p in files)
    shared = [p for p in files if counts[p.name] > 1]
    if not shared:
        return {}
    root = Path(os.path.commonpath([p.resolve().parent for p in files]))
    return {p: p.resolve().relative_to(root).as_posix() for p in shared}


def read_all(
    files: list[Path],
    sink: RecordSink,
    *,
    keep_going: bool = False,
    column_map: dict[str, str] | None = None,
) -> IngestResult:
    """Read every file, in the order given, handing each record to ``sink``.

    A file that cannot be read at all stops the run, unless ``keep_going``: then it is
    listed as unreadable in the report.
    """
    result = IngestResult(files=[])
    id_names = _id_names(files)
    for number, path in enumerate(files, start=1):
        sink.bar.set_description(f"ingest {number}/{len(files)} {path.name[:30]}")
        try:
            result.files.append(
                read(
                    path,
                    name=path.as_posix(),
                    column_map=column_map,
                    on_record=sink,
                    id_name=id_names.get(path),
                )
            )
        except ScopingError as exc:
            if not keep_going:
                raise
            result.unreadable.append({"path": path.as_posix(), "reason": str(exc)})
    result.synthetic = sink.synthetic
    return result


def _load_log(path: Path) -> list[dict[str, Any]]:
    data = yamlio.load(path, what="search log") or {}
    searches = data.get("searches") if isinstance(data, dict) else None
    if not isinstance(searches, list):
        raise InputError(
            f"{path}: expected a top-level 'searches:' list; see the README "
            "for the layout of the search log."
        )
    for number, entry in enumerate(searches, start=1):
        missing = [k for k in SEARCH_KEYS if not isinstance(entry, dict) or k not in entry]
        if missing:
            raise InputError(
                f"{path}: search {number} lacks {', '.join(missing)}; every "
                f"search needs {', '.join(SEARCH_KEYS)}."
            )
        _check_search(path, number, entry)
    return searches


def _check_search(path: Path, number: int, entry: dict[str, Any]) -> None:
    """A search's hit count is a whole number and its date a date, or one line says so."""
    hits = entry["hits_reported"]
    if isinstance(hits, bool) or not isinstance(hits, int) or hits < 0:
        raise InputError(
            f"{path}: search {number} has hits_reported: {hits!r}; give the number of "
            "records the database reported, e.g. hits_reported: 124."
        )
    when = entry["date_searched"]
    if not isinstance(when, date) and not _iso_date(when):
        raise InputError(
            f"{path}: search {number} has date_searched: {when!r}, not a date; write it "
            "as year-month-day, e.g. date_searched: 2026-10-01."
        )


def _iso_date(text: Any) -> bool:
    """Whether ``text`` is a date written as year-month-day (a quoted date in YAML)."""
    try:
        date.fromisoformat(str(text))
    except ValueError:
        return False
    return isinstance(text, str)


def _names(name: str, source: str) -> bool:
    """Whether a search-log ``file`` entry names the export ``source`` (a path's end)."""
    wanted = PurePosixPath(name.replace("\\", "/")).parts
    parts = PurePosixPath(source.replace("\\", "/")).parts
    return bool(wanted) and parts[-len(wanted) :] == wanted


def search_databases(log: Path | None, files: list[Path]) -> dict[str, str]:
    """Each export's database as its search-log entry names it (export path -> name).

    PubMed's RIS and most CSV tables do not name their database; the search log does.
    An entry that fits no export, or more than one, names none.
    """
    if log is None or not log.is_file():
        return {}
    found = {}
    for entry in _load_log(log):
        fits = [p.as_posix() for p in files if _names(str(entry["file"]), p.as_posix())]
        if len(fits) == 1 and entry.get("database"):
            found[fits[0]] = str(entry["database"])
    return found


def _shortest_name(source: str, sources: list[str]) -> str:
    """The shortest end of ``source``'s path that names it alone among ``sources``."""
    parts = PurePosixPath(source.replace("\\", "/")).parts
    for size in range(1, len(parts) + 1):
        name = "/".join(parts[-size:])
        if sum(_names(name, other) for other in sources) == 1:
            return name
    return source


def check_search_log(log_path: Path, files: list[ReadResult]) -> dict[str, Any]:
    """Compare the search log with the files read.

    Reports listed files that are missing, files that are not listed, and hit
    counts that differ from the records found in the file. A log entry names a file
    by its name, or by the end of its path (``cinahl/export.ris``) where two exports
    share a name; a name that fits two files is reported as ambiguous.
    """
    searches = _load_log(log_path)
    issues = []
    matched: set[str] = set()
    for entry in searches:
        name = str(entry["file"])
        fits = [f for f in files if _names(name, f.source)]
        matched.update(f.source for f in fits)
        found = fits[0] if len(fits) == 1 else None
        if not fits:
            issues.append(
                {
                    "file": name,
                    "issue": "missing file",
                    "detail": f"searches.yml lists {name} but it is not in the exports",
                }
            )
        elif found is None:
            issues.append(
                {
                    "file": name,
                    "issue": "ambiguous",
                    "detail": f"{name} fits {len(fits)} exports; name its folder too "
                    "(e.g. cinahl/export.ris)",
                }
            )
        elif entry["hits_reported"] != found.records_in_file:
            issues.append(
                {
                    "file": name,
                    "issue": "count mismatch",
                    "detail": f"database reported {entry['hits_reported']} hits; the file "
                    f"holds {found.records_in_file} records",
                }
            )
    names = [str(entry["file"]) for entry in searches]
    for name in sorted({n for n in names if names.count(n) > 1}):
        issues.append(
            {
                "file": name,
                "issue": "listed twice",
                "detail": f"searches.yml lists {name} {names.count(name)} times; describe "
                "each export once",
            }
        )
    for source in sorted({f.source for f in files} - matched):
        name = _shortest_name(source, [f.source for f in files])
        issues.append(
            {
                "file": name,
                "issue": "not logged",
                "detail": f"{name} is not described in searches.yml",
            }
        )
    return {
        "path": log_path.as_posix(),
        "searches": [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in s.items()}
            for s in searches
        ],
        "issues": issues,
    }


def default_search_log(paths: list[str | Path]) -> Path | None:
    """``corpus/searches.yml`` beside ``corpus/raw`` when one folder is ingested."""
    if len(paths) == 1 and Path(paths[0]).is_dir():
        for candidate in (Path(paths[0]) / "searches.yml", Path(paths[0]).parent / "searches.yml"):
            if candidate.is_file():
                return candidate
    return None


def ingest(
    paths: list[str | Path],
    out: str | Path,
    *,
    searches: str | Path | None = None,
    keep_going: bool = False,
    progress: bool = True,
    column_map: dict[str, str] | None = None,
    stale: Iterable[str] = DOWNSTREAM,
) -> IngestResult:
    """Read exports into ``<out>/records.parquet`` and ``<out>/ingest_report.json``.

    Parameters
    ----------
    paths : list of str or Path
        Export files and/or folders holding them.
    out : str or Path
        Output folder (created if missing).
    searches : str or Path, optional
        Search log to check against the files; by default ``searches.yml`` in or beside
        a single input folder, if there is one.
    keep_going : bool
        List unreadable files in the report instead of stopping at the first.
    progress : bool
        Show a progress bar on a terminal.
    column_map : dict, optional
        For tables whose headers are not recognised: canonical field -> column header.
    stale : iterable of str
        Outputs in ``out`` built from earlier records, removed when the new records
        are in place (the later stages' outputs).

    Returns
    -------
    IngestResult

    Notes
    -----
    The outputs are written beside the old ones and swapped in together when every
    file has been read (:class:`scoping.atomic.Outputs`): a failed or killed ingest
    leaves the previous outputs as they were.
    """
    files = find_inputs(paths)
    log = Path(searches) if searches else default_search_log(paths)
    if log is not None and not log.is_file():
        raise InputError(f"{log}: search log not found; give an existing file or omit it.")
    out_dir = Path(out)
    with atomic.Outputs(out_dir) as outputs:
        sink = RecordSink(
            outputs.path("records.parquet"),
            progress=progress,
            databases=search_databases(log, files),
        )
        try:
            result = read_all(files, sink, keep_going=keep_going, column_map=column_map)
        finally:
            sink.close()
        if log is not None:
            result.search_log = check_search_log(log, result.files)
        # built from the previous records: removed with the same commit, never reused;
        # kept when the records are the same to the byte (a search log edited, say)
        previous = out_dir / "records.parquet"
        if not (
            previous.is_file()
            and filecmp.cmp(previous, outputs.path("records.parquet"), shallow=False)
        ):
            result.removed_stale = [n for n in stale if (out_dir / n).is_file()]
            outputs.remove(*stale)
        text = json.dumps(result.report(), indent=2, ensure_ascii=False, sort_keys=True)
        outputs.path("ingest_report.json").write_text(text + "\n", encoding="utf-8")
    return result
