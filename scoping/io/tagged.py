"""The record loop shared by line-tagged formats (RIS, MEDLINE, Web of Science).

These formats put one field per line behind a short tag, continue long values on
indented lines, and start each record with a fixed tag. A subclass says how to split a
line, which tag starts and ends a record, which tags are lists, and maps tags to
canonical fields in a table. The loop streams the file line by line, keeps each
record's first line and raw tags in order, and reports what does not fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from ..records import Entry
from .base import FileNote, Reader, Rejection, Source

#: Canonical fields that take every value of every tag mapped to them.
MULTI_FIELDS = frozenset({"authors", "keywords", "subjects", "issn", "isbn"})


def to_fields(
    raw: list[tuple[str, str]], table: dict[str, tuple[str, ...]], list_tags: frozenset[str]
) -> dict:
    """Canonical fields from raw (tag, value) pairs through a field table.

    For a single-valued field the first tag in the table's order with a non-empty
    value wins; list fields collect the values of all their tags. Continuation lines
    of a list tag are separate values; of other tags, one value.
    """
    by_tag: dict[str, list[str]] = {}
    for tag, value in raw:
        values = by_tag.setdefault(tag, [])
        if tag in list_tags:
            values.extend(v for v in value.split("\n") if v.strip())
        else:
            values.append(value)
    fields: dict = {}
    for name, tags in table.items():
        if name in MULTI_FIELDS:
            fields[name] = [v for t in tags for v in by_tag.get(t, ())]
            continue
        for tag in tags:
            values = by_tag.get(tag)
            if values and values[0].strip():
                fields[name] = values[0]
                break
    return fields


class TaggedReader(Reader):
    """Base of the line-tagged readers. Subclasses fill in the class tables."""

    start_tag: ClassVar[str]
    #: Tag that closes a record; ``None`` when a record simply runs to the next start.
    end_tag: ClassVar[str | None] = None
    #: Tags outside records that belong to the file header or footer.
    header_tags: ClassVar[frozenset[str]] = frozenset()
    list_tags: ClassVar[frozenset[str]] = frozenset()
    field_tags: ClassVar[dict[str, tuple[str, ...]]]
    dialect_fields: ClassVar[dict[str, dict[str, tuple[str, ...]]]] = {}
    #: (dialect, regex over the head); the first that matches names the dialect.
    dialects: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Lines outside records that are harmless (numbering, blank lines).
    preamble: ClassVar[re.Pattern[str]] = re.compile(r"^\s*$")
    author_order: ClassVar[str] = "family_first"

    def split_line(self, line: str) -> tuple[str | None, str]:
        """Return (tag, value), or (None, text) for a continuation line."""
        raise NotImplementedError

    def database(self, raw: list[tuple[str, str]], dialect: str) -> str | None:
        """Database of origin named by the record or implied by the dialect."""
        return None

    def fix_fields(self, fields: dict, raw: list[tuple[str, str]]) -> dict:
        """Hook for a format rule that a plain table cannot say."""
        return fields

    def sniff_dialect(self, head: str) -> str:
        """The dialect named by the first matching signature, else ``generic``."""
        for name, rx in self.dialects:
            if re.search(rx, head, re.MULTILINE):
                return name
        return "generic"

    def make_entry(self, raw: list[tuple[str, str]], line: int, dialect: str) -> Entry:
        """Turn one record's raw tags into an entry."""
        raw = [(t, v.strip("\n")) for t, v in raw]
        table = {**self.field_tags, **self.dialect_fields.get(dialect, {})}
        fields = self.fix_fields(to_fields(raw, table, self.list_tags), raw)
        return Entry(
            fields=fields,
            raw=raw,
            line=line,
            database=self.database(raw, dialect),
            author_order=self.author_order,
        )

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """Stream the file and yield one entry per record, with notes on the rest.

        Lines after a record's end tag and before the next start (Ovid writes ``NL``
        and a link line there) are kept in that record's raw fields.
        """
        raw: list[tuple[str, str]] | None = None
        closed: tuple[list[tuple[str, str]], int] | None = None
        start = number = 0
        end = self.end_tag
        with source.open_text() as handle:
            for number, text in enumerate(handle, start=1):
                line = text.rstrip("\n").lstrip("\ufeff") if number == 1 else text.rstrip("\n")
                tag, value = self.split_line(line)
                if tag == self.start_tag:
                    if closed is not None:
                        yield self.make_entry(*closed, dialect)
                        closed = None
                    if raw is not None:
                        if end is not None:
                            yield FileNote(
                                start,
                                f"record has no end tag ({end}) before the "
                                f"next {tag} at line {number}; read it up to there.",
                            )
                        yield self.make_entry(raw, start, dialect)
                    raw, start = [(tag, value)], number
                elif raw is None:
                    if tag in self.header_tags or self.preamble.match(line):
                        continue
                    if closed is not None:
                        closed[0].append((tag or "trailer", value))
                        continue
                    yield FileNote(
                        number, f"text outside any record was ignored: {line.strip()[:60]!r}"
                    )
                elif tag is not None and tag == end:
                    closed, raw = (raw, start), None
                elif tag is None:
                    if value and raw:
                        last_tag, last = raw[-1]
                        raw[-1] = (last_tag, f"{last}\n{value}" if last else value)
                else:
                    raw.append((tag, value))
        if closed is not None:
            yield self.make_entry(*closed, dialect)
        if raw is not None:
            if end is not None:
                yield FileNote(
                    start,
                    f"record has no end tag ({end}) at the end of the "
                    f"file (line {number}); the file may be cut short. Read it.",
                )
            yield self.make_entry(raw, start, dialect)
