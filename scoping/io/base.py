"""What every reader shares: the byte source, encoding detection, and the reader protocol.

A :class:`Source` is one input file (or one member of a zip archive): its checksum,
size, detected encoding and the first characters of its text, read once. Readers are
small classes with a ``sniff`` (does this text look like my format, and which
dialect?) and an ``entries`` generator that yields :class:`~scoping.records.Entry`
objects and problems. The front door in :mod:`scoping.io` picks the reader and turns
entries into records.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ..errors import FormatError
from ..records import Entry, Problem, Record

#: Bytes read for sniffing the format.
HEAD_BYTES = 64 * 1024
_CHUNK = 1 << 20
#: Bytes decoded at a time when text is read in pieces (:meth:`Source.text_chunks`).
TEXT_PIECE_BYTES = 8 * 1024 * 1024
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Magic numbers of files people give by mistake, and what they are.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Office (OLE) file such as .xls or .doc"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"SQLite format 3", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"\x7fELF", "a program (ELF binary)"),
)
# cp1252 leaves these five bytes undefined; text containing them is Latin-1.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")


@dataclass
class Source:
    """One input: a file on disk or a member of an archive, inspected once.

    Attributes
    ----------
    name : str
        How the input is named in reports and provenance (the path as given;
        ``archive.zip!member.json`` for archive members).
    sha256 : str
        SHA-256 of the bytes.
    size : int
        Size in bytes.
    encoding : str or None
        Python codec for text inputs; ``None`` for binary containers.
    kind : str
        ``"text"``, ``"zip"`` or ``"xlsx"``.
    head : str
        The first characters of the decoded text ("" for containers).
    id_name : str
        The name its records' ids are made from when not its base name: ingest gives
        the path under the input folder to files that share a base name.
    """

    name: str
    path: Path | None
    sha256: str
    size: int
    encoding: str | None
    kind: str
    head: str = ""
    data: bytes | None = field(default=None, repr=False)
    id_name: str = ""

    @property
    def encoding_label(self) -> str:
        """The encoding as reported to users (BOMs named)."""
        labels = {
            "utf-8-sig": "UTF-8 with BOM",
            "utf-8": "UTF-8",
            "utf-16": "UTF-16",
            "utf-16-le": "UTF-16LE (no BOM)",
            "utf-16-be": "UTF-16BE (no BOM)",
            "utf-32": "UTF-32",
            "cp1252": "Windows-1252",
            "latin-1": "Latin-1",
        }
        return labels.get(self.encoding or "", self.encoding or "binary")

    def open_bytes(self) -> io.BufferedIOBase:
        """A binary file object over the input."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return open(self.path, "rb")

    def _text_encoding(self) -> str:
        if self.encoding is None:
            raise FormatError(f"{self.name}: is a {self.kind} container, not text.")
        return self.encoding

    def open_text(self) -> io.TextIOBase:
        """A text file object with universal newlines, in the detected encoding."""
        return io.TextIOWrapper(self.open_bytes(), encoding=self._text_encoding(), newline=None)

    def read_text(self) -> str:
        """The whole decoded text (for formats that cannot be streamed)."""
        return "".join(self.text_chunks())

    def text_chunks(self, size: int = TEXT_PIECE_BYTES) -> Iterator[str]:
        r"""The decoded text in pieces of about ``size`` bytes, newlines made ``\n``.

        The same text as :meth:`open_text` gives (universal newlines), several times
        faster: the decoder and the newline fix each run over a whole piece in C. A
        ``\r`` at the end of a piece waits for the next, in case a ``\n`` follows.
        """
        decoder = codecs.getincrementaldecoder(self._text_encoding())()
        pending = ""
        with self.open_bytes() as handle:
            while True:
                block = handle.read(size)
                text = pending + decoder.decode(block, final=not block)
                pending = ""
                if block and text.endswith("\r"):
                    text, pending = text[:-1], "\r"
                if "\r" in text:
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                if text:
                    yield text
                if not block:
                    return


def _binary_kind(head: bytes) -> str | None:
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            return what
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _scan(handle: io.BufferedIOBase) -> tuple[str, int, bytes, bool, bool]:
    """Read the bytes once: checksum, size, head, UTF-8 validity, cp1252 holes."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    head = b""
    size = 0
    utf8_ok = True
    holes = False
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        size += len(chunk)
        if utf8_ok:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if not utf8_ok and not holes:
            holes = any(b in _CP1252_HOLES for b in chunk)
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    return digest.hexdigest(), size, head, utf8_ok, holes


def inspect(name: str, path: Path | None = None, data: bytes | None = None) -> Source:
    """Checksum, size and encoding of one input, read in one streaming pass.

    Raises
    ------
    FormatError
        For empty-of-text binary files (PDF, images, databases...) given by mistake.
    """
    handle = io.BytesIO(data) if data is not None else open(path, "rb")  # noqa: SIM115
    with handle:
        sha, size, head, utf8_ok, holes = _scan(handle)
    src = Source(name=name, path=path, sha256=sha, size=size, encoding=None, kind="text", data=data)
    if head.startswith(b"PK\x03\x04"):
        src.kind = "xlsx" if b"xl/" in head or b"[Content_Types].xml" in head else "zip"
        return src
    if what := _binary_kind(head):
        raise FormatError(
            f"{name}: this is {what}, not a bibliographic export. "
            "Export the references as RIS, BibTeX, CSV or XML and try again."
        )
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), None)
    encoding = encoding or _utf16_without_bom(head)
    if encoding is None:
        if b"\x00" in head:
            raise FormatError(
                f"{name}: contains NUL bytes, so it is a binary file, not a "
                "text export. Export the references as RIS, BibTeX or CSV."
            )
        encoding = "utf-8" if utf8_ok else ("latin-1" if holes else "cp1252")
    src.encoding = encoding
    text = head.decode(encoding, errors="ignore").removeprefix("\ufeff")
    src.head = text.replace("\r\n", "\n").replace("\r", "\n")
    return src


@dataclass
class Rejection:
    """A record a reader found but could not read; it is counted and reported."""

    line: int | None
    reason: str


@dataclass
class FileNote:
    """A warning about the file that does not stand for a record (kept as a Problem)."""

    line: int | None
    reason: str


#: Canonical fields that take every value of every tag mapped to them.
MULTI_FIELDS = frozenset({"authors", "keywords", "subjects", "issn", "isbn"})


class FieldPlan:
    """A field table compiled for one pass over a record's raw (tag, value) pairs.

    Every reader's table maps canonical fields to its format's tags, paths or keys in
    priority order; this applies such a table.

    For a single-valued field the first value of the highest-ranked tag in the
    table wins; list fields collect the values of all their tags in file order.
    Continuation lines of a list tag are separate values; of other tags, one value.
    """

    def __init__(self, table: dict[str, tuple[str, ...]], list_tags: frozenset[str]) -> None:
        self.list_tags = list_tags
        self.multi = tuple(n for n in table if n in MULTI_FIELDS)
        self.targets: dict[str, list[tuple[str, int, bool]]] = {}
        for name, tags in table.items():
            for rank, tag in enumerate(tags):
                self.targets.setdefault(tag, []).append((name, rank, name in MULTI_FIELDS))

    def apply(self, raw: list[tuple[str, str]]) -> dict:
        """Canonical fields from raw pairs."""
        fields: dict = {name: [] for name in self.multi}
        ranks: dict[str, int] = {}
        for tag, value in raw:
            for name, rank, multi in self.targets.get(tag, ()):
                if multi:
                    if "\n" in value and tag in self.list_tags:
                        fields[name].extend(v for v in value.split("\n") if v)
                    else:
                        fields[name].append(value)
                elif value and rank < ranks.get(name, rank + 1):
                    ranks[name] = rank
                    fields[name] = value
        return fields


class Reader:
    """Base class of the format readers.

    Subclasses set ``name``, ``label`` and ``suffixes``, and implement ``sniff`` and
    ``entries``. Format knowledge goes in class-level mapping tables.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]] = ()

    def sniff(self, source: Source) -> str | None:
        """Return the dialect name if ``source`` is in this format, else ``None``."""
        raise NotImplementedError

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """Yield the file's records in order, with rejections and notes."""
        raise NotImplementedError


@dataclass
class ReadResult:
    """What reading one input gives: records, problems and what was detected.

    ``records_in_file`` always equals ``records_read + rejected``. ``records`` is
    empty when the records were handed to an ``on_record`` callback instead.
    """

    source: str
    sha256: str
    format: str
    dialect: str
    encoding: str
    records: list[Record]
    problems: list[Problem]
    records_read: int = -1

    def __post_init__(self) -> None:
        if self.records_read < 0:
            self.records_read = len(self.records)

    @property
    def rejected(self) -> int:
        """How many records of the file were not read."""
        return sum(1 for p in self.problems if p.rejects_record)

    @property
    def records_in_file(self) -> int:
        """Records found in the file: read plus rejected."""
        return self.records_read + self.rejected

    def summary(self) -> dict:
        """The per-file block of the ingest report."""
        return {
            "path": self.source,
            "sha256": self.sha256,
            "format": self.format,
            "dialect": self.dialect,
            "encoding": self.encoding,
            "records_in_file": self.records_in_file,
            "records_read": self.records_read,
            "records_rejected": self.rejected,
            "problems": [p.to_dict() for p in self.problems],
        }
