"""JSON arrays of records, item by item, each with its line.

``json.JSONDecoder.raw_decode`` reads one array item at a time, so every record keeps
the line it starts on, and a broken item is reported at its line rather than failing
the whole file in one message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .base import FileNote, Rejection, Source

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


def iter_items(
    source: Source, container_keys: tuple[str, ...] = ("results", "items")
) -> Iterator[tuple[int, dict[str, Any]] | Rejection | FileNote]:
    """Yield ``(line, item)`` for each object of a top-level array.

    A top-level object is one record, unless it holds the array under one of
    ``container_keys`` (as OpenAlex's API responses do under ``results``).
    """
    text = source.read_text().lstrip("\ufeff")
    pos = _WS.match(text).end()
    if text.startswith("{", pos):
        try:
            obj, _ = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield Rejection(exc.lineno, f"the JSON is malformed ({exc.msg}); fix or re-export.")
            return
        items = next((obj[k] for k in container_keys if isinstance(obj.get(k), list)), [obj])
        for item in items:
            yield (1, item) if isinstance(item, dict) else FileNote(1, "non-object item ignored")
        return
    if not text.startswith("[", pos):
        yield Rejection(1, "the JSON does not start with an array or object of records.")
        return
    yield from _array(text, pos + 1)


def _array(text: str, pos: int) -> Iterator[tuple[int, dict[str, Any]] | Rejection | FileNote]:
    line = text.count("\n", 0, pos) + 1
    while True:
        start = _WS.match(text, pos).end()
        line += text.count("\n", pos, start)
        if text.startswith("]", start):
            return
        try:
            item, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            yield Rejection(
                exc.lineno,
                f"the JSON is malformed ({exc.msg}); the records "
                "after this point could not be read. Fix or re-export the file.",
            )
            return
        if isinstance(item, dict):
            yield line, item
        else:
            yield FileNote(line, f"array item is a {type(item).__name__}, not a record; ignored.")
        line += text.count("\n", start, end)
        pos = _WS.match(text, end).end()
        line += text.count("\n", end, pos)
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            yield Rejection(
                line,
                "the JSON array is not closed properly (expected ',' or "
                "']'); the records after this point could not be read.",
            )
            return


def raw_pairs(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Top-level keys as (key, JSON text) pairs, in the item's own order."""
    return [
        (k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in item.items()
    ]
