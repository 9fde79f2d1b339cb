"""Safe, streaming XML for the record-per-element formats (EndNote XML, PubMed XML).

Exports are untrusted: parsing goes through defusedxml, which refuses entity
declarations (no "billion laughs") and external entities or DTD fetches. Records are
taken one element at a time with ``iterparse`` and cleared after use, so memory stays
flat on large files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .base import Rejection, Source

_SPACE = re.compile(r"\s+")


def text_of(element: Element | None) -> str:
    """All text inside ``element`` (through ``<style>``, ``<i>``, ``<sup>``...)."""
    if element is None:
        return ""
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


def flatten(
    element: Element, keys: tuple[str, ...] = (), prefix: str = ""
) -> list[tuple[str, str]]:
    """Leaf elements as ``(path, text)`` pairs in document order.

    An element whose children are only inline markup (``style``, ``i``, ``b``, ``sup``,
    ``sub``, ``u``) counts as a leaf. Attributes named in ``keys`` are kept in the path,
    e.g. ``ArticleId[doi]``; every other attribute becomes its own pair ``path@attr``.
    """
    out: list[tuple[str, str]] = []
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else "#"
        label = next((child.get(k) for k in keys if child.get(k)), None)
        path = f"{prefix}{tag}[{label}]" if label else f"{prefix}{tag}"
        for name, value in child.attrib.items():
            if name not in keys:
                out.append((f"{path}@{name}", value))
        inline = all(c.tag in ("style", "i", "b", "sup", "sub", "u", "em") for c in child)
        if len(child) == 0 or inline:
            text = text_of(child)
            if text:
                out.append((path, text))
        else:
            out.extend(flatten(child, keys, f"{path}/"))
    return out


def record_lines(source: Source, tag: str, chunk: int = 8 * 1024 * 1024) -> list[int]:
    """1-based line of every ``<tag>`` / ``<tag ...>`` start, from one streaming scan.

    The last few bytes of each chunk are carried into the next, so a start tag cut
    by a chunk boundary is still found, and found once.
    """
    pattern = re.compile(rb"<" + tag.encode() + rb"[\s>]")
    keep = len(tag) + 1  # shorter than a whole match, so no match lies inside it
    lines: list[int] = []
    carry = b""
    newlines = 0  # newlines before the start of ``carry``
    with source.open_bytes() as handle:
        while block := handle.read(chunk):
            buffer = carry + block
            line, counted = 1 + newlines, 0
            for match in pattern.finditer(buffer):
                line += buffer.count(b"\n", counted, match.start())
                counted = match.start()
                lines.append(line)
            carry = buffer[-keep:]
            newlines += buffer.count(b"\n") - carry.count(b"\n")
    return lines


def iter_records(
    source: Source, tags: tuple[str, ...]
) -> Iterator[tuple[int | None, Element] | Rejection]:
    """Yield ``(line, element)`` for each record element, then clear it.

    A syntax error or refused construct stops the parse. The records before it are
    kept; every record start the byte scan finds after it becomes a rejection, so
    records read + rejected still equals the records in the file.
    """
    lines = (
        sorted(n for t in tags for n in record_lines(source, t))
        if source.encoding in ("utf-8", "utf-8-sig", "cp1252", "latin-1")
        else []
    )
    index = 0
    try:
        with source.open_bytes() as handle:
            for _event, element in iterparse(handle, events=("end",), forbid_dtd=False):
                if element.tag in tags:
                    line = lines[index] if index < len(lines) else None
                    index += 1
                    yield line, element
                    element.clear()
    except ParseError as exc:
        where = exc.position[0] if getattr(exc, "position", None) else None
        reason = f"the XML is malformed at line {where} ({exc}); re-export the file."
    except DefusedXmlException as exc:
        reason = (
            f"unsafe XML refused ({type(exc).__name__}: entity declarations and "
            "external references are not allowed in exports); re-export the file."
        )
    else:
        return
    rest = lines[index:] or [None]
    for line in rest:
        yield Rejection(line, f"record not read: {reason}")
