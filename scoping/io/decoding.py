"""Text that was decoded wrongly: found, and reported with its line.

An export read in the wrong encoding loads as garbled text with no error: UTF-8 read
as Windows-1252 gives ``Ã©`` for ``é``; a Shift-JIS or other double-byte file read as
Latin-1 is full of C1 control characters (U+0080 to U+009F), which no real text
holds; and a file that was already damaged holds U+FFFD replacement characters.
:func:`suspicious_decoding` names the first such line and how many lines are like it,
as a warning: the records are still read, and the user is told to re-export as UTF-8.
"""

from __future__ import annotations

import re

from .base import FileNote, Source

#: UTF-8 bytes read one by one as Windows-1252: a lead byte (Â to ô) followed by what
#: a continuation byte becomes (0x80 to 0xBF in Windows-1252).
MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6"
    "\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc"
    "\u2122\u0161\u203a\u0153\u017e\u0178]"
)
#: C1 control characters: what a double-byte encoding read as Latin-1 leaves.
C1 = re.compile("[\u0080-\u009f]")
REPLACEMENT = "\ufffd"


def suspicious_decoding(source: Source) -> FileNote | None:
    """A warning naming the first wrongly decoded line of ``source``, or None."""
    if source.kind != "text":
        return None
    pattern = C1 if source.encoding == "latin-1" else MOJIBAKE
    check = source.encoding in ("cp1252", "latin-1")
    try:
        if not check and not _has_replacement(source):
            return None  # the usual case, found in the bytes without decoding them
        return _first_garbled(source, pattern, check)
    except (UnicodeError, ValueError):
        return None  # text the reader itself could not decode: its own error says so


def _has_replacement(source: Source) -> bool:
    """Whether a UTF-8 (or UTF-16) file holds U+FFFD, searched in its bytes when UTF-8."""
    if source.encoding not in ("utf-8", "utf-8-sig"):
        return any(REPLACEMENT in chunk for chunk in source.text_chunks())
    mark, tail = REPLACEMENT.encode(), b""
    with source.open_bytes() as handle:
        while block := handle.read(8 * 1024**2):
            if mark in tail + block[:2] or mark in block:
                return True
            tail = block[-2:]
    return False


def _first_garbled(source: Source, pattern: re.Pattern[str], check: bool) -> FileNote | None:
    """The first garbled line and how many lines are, scanning each piece in C."""
    found = re.compile(f"{REPLACEMENT}|{pattern.pattern}" if check else REPLACEMENT)
    first, example, lines, line = None, "", 0, 1
    for chunk in source.text_chunks():
        last, at, number = -1, 0, line
        for hit in found.finditer(chunk):
            number += chunk.count("\n", at, hit.start())  # counted from the last hit
            at = hit.start()
            if number != last:
                lines, last = lines + 1, number
            if first is None:
                first, example = number, hit.group(0)
        line += chunk.count("\n")
    if first is None:
        return None
    return FileNote(
        first,
        f"the text looks wrongly decoded (e.g. {example!r}; {lines} line(s) like it, read "
        f"as {source.encoding_label}); the records are read, but re-export the file as "
        "UTF-8 and check accented and non-Latin text.",
    )
