"""Reading literature exports: one front door, :func:`read`, for every format.

>>> from scoping.io import read                                   # doctest: +SKIP
>>> result = read("corpus/raw/cinahl_2026-10.ris")                 # doctest: +SKIP
>>> result.format, result.dialect, len(result.records), result.problems  # doctest: +SKIP

The format is detected from the content (the file name's suffix only breaks ties),
the encoding from the bytes. Problems are returned as data; ``strict=True`` turns
them into a :class:`~scoping.errors.StrictModeError`.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from ..errors import FormatError, ScopingError, StrictModeError
from ..records import Entry, Problem, Provenance, Record, make_record_id, normalise_entry, raw_json
from .base import FileNote, Reader, ReadResult, Rejection, Source, inspect
from .bibtex import BibtexReader
from .csl_json import CslJsonReader
from .decoding import suspicious_decoding
from .endnote_xml import EndnoteXmlReader
from .medline import MedlineReader
from .openalex import OpenAlexReader
from .pubmed_xml import PubmedXmlReader
from .ris import RisReader
from .table import TableReader
from .wos import WosReader, WosTabReader

__all__ = ["READERS", "ReadResult", "formats", "read", "reader_for"]

#: Every reader, in the order their sniffers are tried (most specific first).
READERS: tuple[Reader, ...] = (
    PubmedXmlReader(),
    EndnoteXmlReader(),
    OpenAlexReader(),
    CslJsonReader(),
    WosTabReader(),
    WosReader(),
    MedlineReader(),
    RisReader(),
    BibtexReader(),
    TableReader(),
)
#: Largest archive member read (uncompressed), against zip bombs.
MAX_MEMBER_BYTES = 2 * 1024**3
#: All members of one archive together, unpacked.
MAX_ARCHIVE_BYTES = 4 * 1024**3
#: Text exports pack several times smaller, never near 200; a member above this ratio, and above
#: :data:`RATIO_FLOOR_BYTES` unpacked, is refused as a likely zip bomb.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 16 * 1024**2


def formats() -> dict[str, str]:
    """Supported format names and what they are."""
    return {r.name: r.label for r in READERS}


def _format_list() -> str:
    return ", ".join(f"{name} ({label})" for name, label in formats().items())


def reader_for(name: str, column_map: dict[str, str] | None = None) -> Reader:
    """The reader called ``name``; the error lists the valid names."""
    for reader in READERS:
        if reader.name == name:
            return TableReader(column_map) if name == "table" else reader
    raise FormatError(f"unknown format {name!r}; the supported formats are: {_format_list()}.")


def detect(source: Source, column_map: dict[str, str] | None = None) -> tuple[Reader, str]:
    """Pick the reader and dialect for ``source`` from its content."""
    readers = [*READERS[:-1], TableReader(column_map)]
    hits = [(r, d) for r in readers if (d := r.sniff(source)) is not None]
    if not hits:
        first = source.head.split("\n", 1)[0]
        if first.count(",") >= 1 or first.count("\t") >= 1:
            raise FormatError(
                f"{source.name}: looks like a table, but no column is "
                f"recognised as the title (columns: {_column_list(first)}). Rename "
                "the title column to 'Title', or give a column mapping "
                "(--column-map title='Your column'). If it is not an export (a search "
                "strategy, a note), keep it out of the exports' folder."
            )
        raise FormatError(
            f"{source.name}: is not in a format this tool reads. Supported formats: "
            f"{_format_list()}. Re-export the references in one of them; if it is not an "
            "export (a search strategy, a note), keep it out of the exports' folder."
        )
    suffix = PurePosixPath(source.name).suffix.lower()
    return next((h for h in hits if suffix in h[0].suffixes), hits[0])


def _column_list(header: str, most: int = 12) -> str:
    """A table's column names, each whole: the first ``most`` and how many more.

    >>> _column_list('id,"display_name",doi')
    'id, display_name, doi'
    """
    delimiter = "\t" if header.count("\t") > header.count(",") else ","
    names = [n.strip() for n in next(csv.reader([header], delimiter=delimiter), []) if n.strip()]
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _records(
    source: Source, reader: Reader, dialect: str, on_record: Callable[[Record], None] | None
) -> tuple[list[Record], int, list[Problem]]:
    """Records (kept, or handed to ``on_record``), how many, and the problems."""
    records: list[Record] = []
    keep = on_record or records.append
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    number = 0
    base_name = source.id_name or PurePosixPath(source.name.replace("\\", "/")).name
    for item in _guarded(reader.entries(source, dialect), source, reader):
        if isinstance(item, FileNote):
            problems.append(Problem(source.name, item.line, item.reason, "warning"))
            continue
        number += 1
        if isinstance(item, Rejection):
            problems.append(Problem(source.name, item.line, item.reason, "error", number))
            continue
        record = _record(item, source, reader, dialect, number, base_name, seen)
        if not record.title:
            problems.append(
                Problem(
                    source.name,
                    item.line,
                    "record has no title; it is kept, but check the export.",
                    "warning",
                    number,
                )
            )
        year = item.fields.get("year")
        if record.year is None and year is not None and str(year).strip():
            problems.append(
                Problem(
                    source.name,
                    item.line,
                    f"year {str(year)[:40]!r} is not a year from 1500 to 2099; it is left empty.",
                    "warning",
                    number,
                )
            )
        keep(record)
    garbled = suspicious_decoding(source)
    if garbled:
        problems.append(Problem(source.name, garbled.line, garbled.reason, "warning"))
    return records, number - sum(1 for p in problems if p.rejects_record), problems


def _guarded(items: Iterator, source: Source, reader: Reader) -> Iterator:
    """Re-raise any parser failure as a one-line FormatError naming the file."""
    try:
        yield from items
    except ScopingError as exc:
        if str(exc).startswith(source.name):
            raise
        raise type(exc)(f"{source.name}: {exc}") from None  # a reader's error names the file
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OSError,
        RecursionError,
        UnicodeError,
        csv.Error,
        zipfile.BadZipFile,
    ) as exc:
        raise FormatError(
            f"{source.name}: could not be read as {reader.label} "
            f"({type(exc).__name__}: {str(exc)[:200]}). Check that the file "
            "is a complete export, or re-export it."
        ) from exc


def _record(
    entry: Entry,
    source: Source,
    reader: Reader,
    dialect: str,
    number: int,
    base_name: str,
    seen: dict[str, int],
) -> Record:
    raw = entry.raw_text if entry.raw_text is not None else raw_json(entry.raw)
    record_id = make_record_id(base_name, raw)
    seen[record_id] = occurrence = seen.get(record_id, 0) + 1
    if occurrence > 1:  # a record repeated word for word in the file
        record_id = make_record_id(base_name, raw, occurrence)
    provenance = Provenance(
        source_file=source.name,
        source_sha256=source.sha256,
        source_format=reader.name,
        source_dialect=dialect,
        source_encoding=source.encoding_label,
        database=entry.database,
        record_number=number,
        line=entry.line,
    )
    values = normalise_entry(entry)
    return Record(
        record_id=record_id,
        provenance=provenance,
        raw=raw,
        **values,
    )


def _members(source: Source) -> Iterator[Source]:
    """Each member of a zip archive, within the size and compression limits.

    The limits are checked on the sizes the archive declares and again while
    unpacking (a declared size can lie), so a zip bomb stops with one clear error
    before it fills the memory.
    """
    with zipfile.ZipFile(source.open_bytes()) as archive:
        infos = sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename)
        total = 0
        for info in infos:
            where = f"{source.name}!{info.filename}"
            _check_declared(where, info)
            data = _unpack(archive, info, where)
            total += len(data)
            _check_unpacked(where, info, len(data), total)
            member = inspect(f"{source.name}!{info.filename}", data=data)
            if source.id_name:
                member.id_name = f"{source.id_name}!{PurePosixPath(info.filename).name}"
            yield member


def _check_declared(where: str, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_MEMBER_BYTES:
        raise FormatError(
            f"{where}: member is larger than {MAX_MEMBER_BYTES} bytes unpacked; unpack it by hand."
        )
    _check_ratio(where, info.file_size, info.compress_size)


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    """The member's bytes, read in pieces so a lying header stops early."""
    pieces: list[bytes] = []
    size = 0
    with archive.open(info) as member:
        while piece := member.read(8 * 1024**2):
            pieces.append(piece)
            size += len(piece)
            _check_unpacked(where, info, size, size)
    return b"".join(pieces)


def _check_unpacked(where: str, info: zipfile.ZipInfo, size: int, total: int) -> None:
    if size > MAX_MEMBER_BYTES:
        raise FormatError(
            f"{where}: unpacks to more than {MAX_MEMBER_BYTES} bytes; unpack it by hand."
        )
    _check_ratio(where, size, info.compress_size)
    if total > MAX_ARCHIVE_BYTES:
        raise FormatError(
            f"{where}: the archive unpacks to more than {MAX_ARCHIVE_BYTES} bytes in all; "
            "unpack it by hand, or split it."
        )


def _check_ratio(where: str, size: int, packed: int) -> None:
    """Refuse a member that unpacks to far more than exports ever do (a zip bomb)."""
    if size > RATIO_FLOOR_BYTES and size > MAX_RATIO * max(packed, 1):
        raise FormatError(
            f"{where}: unpacks {size // max(packed, 1)} times larger than it is packed "
            f"(at most {MAX_RATIO} for an export); this looks like a zip bomb, not an "
            "export. Unpack it by hand if you trust it."
        )


def _read_source(
    source: Source,
    fmt: str | None,
    column_map: dict[str, str] | None,
    on_record: Callable[[Record], None] | None,
) -> ReadResult:
    if source.kind == "text" and not source.head.strip():
        raise FormatError(
            f"{source.name}: is empty (no records). Export the search results "
            "again, or remove the file."
        )
    if fmt:
        reader = reader_for(fmt, column_map)
        dialect = reader.sniff(source) or "as given"
    else:
        reader, dialect = detect(source, column_map)
    records, count, problems = _records(source, reader, dialect, on_record)
    return ReadResult(
        source.name,
        source.sha256,
        reader.name,
        dialect,
        source.encoding_label,
        records,
        problems,
        count,
    )


def _read_archive(
    source: Source,
    fmt: str | None,
    column_map: dict[str, str] | None,
    on_record: Callable[[Record], None] | None,
) -> ReadResult:
    try:
        parts = [_read_source(m, fmt, column_map, on_record) for m in _members(source)]
    except zipfile.BadZipFile as exc:
        raise FormatError(
            f"{source.name}: damaged zip archive ({exc}); download it again."
        ) from None
    if not parts:
        raise FormatError(f"{source.name}: the zip archive holds no files.")
    return ReadResult(
        source.name,
        source.sha256,
        "+".join(sorted({p.format for p in parts})),
        "+".join(sorted({p.dialect for p in parts})),
        "+".join(sorted({p.encoding for p in parts})),
        [r for p in parts for r in p.records],
        [q for p in parts for q in p.problems],
        sum(p.records_read for p in parts),
    )


def read(
    path: str | Path,
    *,
    format: str | None = None,
    strict: bool = False,
    column_map: dict[str, str] | None = None,
    name: str | None = None,
    on_record: Callable[[Record], None] | None = None,
    id_name: str | None = None,
) -> ReadResult:
    """Read one export file (or zip archive of exports) into canonical records.

    Parameters
    ----------
    path : str or Path
        The file.
    format : str, optional
        Force a reader by name (see :func:`formats`); detected from content if omitted.
    strict : bool
        Raise :class:`~scoping.errors.StrictModeError` if any problem was found.
    column_map : dict, optional
        For tables: canonical field -> column header, overriding detection.
    name : str, optional
        How the file is named in provenance and messages (default: ``path`` as given).
    on_record : callable, optional
        For large inputs: each record is passed to it as it is read, in file order,
        instead of being kept; ``result.records`` is then empty and
        ``result.records_read`` still counts them.
    id_name : str, optional
        The name record ids are made from (default: the file's base name, so an id
        does not change when the file moves). Ingest gives the path under the input
        folder to files that share a base name, so their ids differ.

    Returns
    -------
    ReadResult
        Records in file order, problems, and the detected format, dialect, encoding.

    Raises
    ------
    FormatError
        Unknown or unreadable format, binary file, missing file.
    """
    path = Path(path)
    label = name or str(path)
    if not path.is_file():
        what = "is a folder; give the files in it" if path.is_dir() else "does not exist"
        raise FormatError(f"{label}: {what}.")
    source = inspect(label, path=path)
    source.id_name = id_name or ""
    reader = _read_archive if source.kind == "zip" else _read_source
    result = reader(source, format, column_map, on_record)
    if strict and result.problems:
        first = result.problems[0].message()
        raise StrictModeError(
            f"{first} ({len(result.problems)} problem(s) in all; "
            "read without strict=True to keep the readable records)."
        )
    return result
