"""The record loop shared by line-tagged formats (RIS, MEDLINE, Web of Science).

These formats put one field per line behind a short tag, continue long values on
indented lines, and start each record with a fixed tag. A subclass gives the regular
expression of a tag line, the tags that start and end a record, which tags are lists,
and a table from tags to canonical fields.

The file is streamed in chunks of about 8 MB. Each chunk is cut into records at
start-tag lines, and each record into (tag, value) pairs by one compiled regular
expression, so the per-line work runs in C. Line numbers are kept exactly by counting
newlines between record starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from ..records import Entry
from .base import FieldPlan, FileNote, Reader, Rejection, Source


def _value(text: str) -> str:
    """A multi-line value: continuation lines stripped, blank ones dropped."""
    return "\n".join(p for p in (line.strip() for line in text.split("\n")) if p)


class TaggedReader(Reader):
    """Base of the line-tagged readers. Subclasses fill in the class tables."""

    #: A tag line, matched from the newline before it (a literal first character lets
    #: the regular expression engine search fast): group 1 is the tag; the match ends
    #: where the value starts.
    tag_line: ClassVar[re.Pattern[str]]
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
    #: Tags that only a record carries: two of them after a record's end tag are a
    #: record that lacks its start line, not a trailer (empty: not checked).
    record_tags: ClassVar[frozenset[str]] = frozenset()
    #: A line that looks like a tag but is not written as one (lower case, one space),
    #: which the grammar reads as part of the value above (``None``: not checked);
    #: group 1 is the tag, noted when it is one the reader knows.
    near_tag: ClassVar[re.Pattern[str] | None] = None
    author_order: ClassVar[str] = "family_first"

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

    def plan(self, dialect: str) -> FieldPlan:
        """The compiled field table of a dialect (built once per reader and dialect)."""
        plans = self.__dict__.setdefault("_plans", {})
        if dialect not in plans:
            table = {**self.field_tags, **self.dialect_fields.get(dialect, {})}
            plans[dialect] = FieldPlan(table, self.list_tags)
        return plans[dialect]

    def make_entry(
        self, raw: list[tuple[str, str]], line: int, dialect: str, text: str | None = None
    ) -> Entry:
        """Turn one record's raw tags (and its verbatim text) into an entry."""
        fields = self.fix_fields(self.plan(dialect).apply(raw), raw)
        return Entry(
            fields=fields,
            raw=raw,
            line=line,
            database=self.database(raw, dialect),
            author_order=self.author_order,
            raw_text=text,
        )

    def _starts(self, text: str) -> list[int]:
        """Offsets of the record-start lines in ``text`` (``str.find``, in C)."""
        needle = "\n" + self.start_tag
        width = len(needle)
        found = [0] if self._is_start(text, 0) else []
        at = text.find(needle)
        while at != -1:
            if self._is_start(text, at + 1):
                found.append(at + 1)
            at = text.find(needle, at + width)
        return found

    def _is_start(self, text: str, at: int) -> bool:
        """Whether a tag line with the start tag begins at ``at`` (same grammar as tags)."""
        match = self.tag_line.match("\n" + text[at : at + 16])
        return match is not None and match.group(1) == self.start_tag

    def _chunks(self, source: Source) -> Iterator[tuple[str, int]]:
        """(text, line of its first character), cut just before a record start."""
        carry, line = "", 1
        for block in source.text_chunks():
            text = carry + block
            if text.startswith("\ufeff"):
                text = text[1:]
            last = self._last_start(text)
            if last is None:
                carry = text
                continue
            yield text[:last], line
            line += text.count("\n", 0, last)
            carry = text[last:]
        yield carry, line

    def _last_start(self, text: str) -> int | None:
        needle = "\n" + self.start_tag
        at = text.rfind(needle)
        while at > 0 and not self._is_start(text, at + 1):
            at = text.rfind(needle, 0, at)
        return at + 1 if at > 0 else None

    def entries(self, source: Source, dialect: str) -> Iterator[Entry | Rejection | FileNote]:
        """Stream the file and yield one entry per record, with notes on the rest.

        Lines after a record's end tag and before the next start (Ovid writes ``NL``
        and a link line there) are kept in that record's raw fields.
        """
        for text, first_line in self._chunks(source):
            starts = self._starts(text)
            head_end = starts[0] if starts else len(text)
            if head_end:
                yield from self._outside(text[:head_end], first_line)
            line = first_line + text.count("\n", 0, head_end)
            for index, begin in enumerate(starts):
                end = starts[index + 1] if index + 1 < len(starts) else len(text)
                yield from self._record(text[begin:end], line, dialect)
                line += text.count("\n", begin, end)

    def _outside(self, text: str, line: int) -> Iterator[FileNote]:
        """Notes on text before the first record (headers and numbering are fine)."""
        for offset, content in enumerate(text.split("\n")):
            match = self.tag_line.match("\n" + content)
            if (match and match.group(1) in self.header_tags) or self.preamble.match(content):
                continue
            yield FileNote(
                line + offset, f"text outside any record was ignored: {content.strip()[:60]!r}"
            )

    def _record(self, block: str, line: int, dialect: str) -> Iterator[Entry | FileNote]:
        parts = self.tag_line.split("\n" + block)
        tags = parts[1::2]
        values = list(map(str.strip, parts[2::2]))
        for k, value in enumerate(values):
            if "\n" in value:
                values[k] = _value(value)
        raw = list(zip(tags, values, strict=True))
        yield from self._near_tags(values, line)
        end = self.end_tag
        orphan = None
        if end in tags and len(set(tags[tags.index(end) + 1 :]) & self.record_tags) >= 2:
            raw = raw[: tags.index(end)]
            cut, orphan = self._orphan(block, line)
            block = block[:cut]
        elif end in tags:
            at = tags.index(end)
            trailer = [("trailer", v) for v in values[at].split("\n") if v]
            for tag, value in raw[at + 1 :]:
                first, *rest = value.split("\n")
                trailer.append((tag, first))
                trailer.extend(("trailer", v) for v in rest)
            kept = [
                (t, v)
                for t, v in trailer
                if v and t not in self.header_tags and not self.preamble.match(v)
            ]
            raw = raw[:at] + kept
        elif end is not None:
            yield FileNote(line, self._missing_end(block, line))
        yield self.make_entry(raw, line, dialect, self._verbatim(block))
        if orphan is not None:
            yield orphan

    def _orphan(self, block: str, line: int) -> tuple[int, Rejection]:
        """Where this record's end line ends, and the orphan record's rejection.

        The orphan is the record after the end line that lacks its own start line; it is
        rejected at its first line.
        """
        text = "\n" + block
        end = next(m for m in self.tag_line.finditer(text) if m.group(1) == self.end_tag)
        cut = text.find("\n", end.end())
        cut = len(block) if cut == -1 else cut  # ``cut`` in ``text`` is after it in ``block``
        lines = text[end.start() + 1 :].split("\n")  # the end tag's line first
        skip = next((i for i, t in enumerate(lines[1:], start=1) if t.strip()), 1)
        after = line + text.count("\n", 0, end.start()) + skip
        return cut, Rejection(
            after,
            f"a record with no {self.start_tag} line follows the {self.end_tag} line; it was "
            f"not read. Add its {self.start_tag} line (e.g. '{self.start_tag}  - JOUR') or "
            "re-export the file.",
        )

    def _near_tags(self, values: list[str], line: int) -> Iterator[FileNote]:
        """A note for each line that looks like a tag but was read as part of a value."""
        if self.near_tag is None:
            return
        known = {t for tags in self.field_tags.values() for t in tags} | set(self.list_tags)
        for value in values:
            for text in value.split("\n")[1:]:
                match = self.near_tag.match(text)
                if match and match.group(1).upper() in known | {self.start_tag}:
                    yield FileNote(
                        line,
                        f"in the record at this line, {text[:40]!r} looks like a tag but is "
                        "not written as one (two capitals, two spaces, '- '); it was read as "
                        "part of the line above. Correct the line or re-export the file.",
                    )

    def _verbatim(self, block: str) -> str:
        """The record's own text, without the footer or the next record's number."""
        text = block.rstrip()
        for tag in self.header_tags:  # a footer such as WoS's EF is not part of the record
            if text.endswith("\n" + tag):
                text = text[: -len(tag) - 1].rstrip()
        head, _, last = text.rpartition("\n")
        while head and self.preamble.match(last):  # the next record's number (Ovid)
            text = head.rstrip()
            head, _, last = text.rpartition("\n")
        return text

    def _missing_end(self, block: str, line: int) -> str:
        last = line + block.rstrip("\n").count("\n")
        return (
            f"record has no end tag ({self.end_tag}); read it up to line {last}. "
            "If this is the last record, the file may be cut short."
        )
