"""JSON arrays of records, item by item, each with its line.

``json.JSONDecoder.raw_decode`` reads one array item at a time, so every record keeps
the line it starts on, and a broken item is reported at its line rather than failing
the whole file in one message. After a broken item, reading goes on at the next item
(found by matching brackets outside strings, without recursion), so one bad record
costs that record alone; an item nested too deeply for the decoder is one rejected
record too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .base import FileNote, Rejection, Source

_DECODER = json.JSONDecoder()
#: A surrogate left alone in a decoded string (an escape such as ``\udc00`` that is not
#: half of a pair: JSON allows it, but nothing can store or write it).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _fixed(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_fixed(v) for v in value]
    return value


#: For texts with surrogate escapes: each lone surrogate becomes U+FFFD, as a damaged
#: character does elsewhere (each object's strings, keys and lists of strings).
_SAFE = json.JSONDecoder(object_hook=lambda o: {_fixed(k): _fixed(v) for k, v in o.items()})
_WS = re.compile(r"[ \t\n\r]*")


def iter_items(
    source: Source, container_keys: tuple[str, ...] = ("results", "items")
) -> Iterator[tuple[int, dict[str, Any]] | Rejection | FileNote]:
    """Yield ``(line, item)`` for each object of a top-level array.

    A top-level object is one record, unless it holds the array under one of
    ``container_keys`` (as OpenAlex's API responses do under ``results``).
    """
    text = source.read_text().lstrip("\ufeff")
    decoder = _SAFE if "\\ud" in text or "\\uD" in text else _DECODER
    pos = _WS.match(text).end()
    if text.startswith("{", pos):
        try:
            obj, _ = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield Rejection(exc.lineno, f"the JSON is malformed ({exc.msg}); fix or re-export.")
            return
        except RecursionError:
            yield Rejection(1, "the JSON is nested too deeply to read; fix or re-export.")
            return
        items = next((obj[k] for k in container_keys if isinstance(obj.get(k), list)), [obj])
        for item in items:
            yield (1, item) if isinstance(item, dict) else FileNote(1, "non-object item ignored")
        return
    if not text.startswith("[", pos):
        yield Rejection(1, "the JSON does not start with an array or object of records.")
        return
    yield from _array(text, pos + 1, decoder)


def _array(
    text: str, pos: int, decoder: json.JSONDecoder = _DECODER
) -> Iterator[tuple[int, dict[str, Any]] | Rejection | FileNote]:
    line = text.count("\n", 0, pos) + 1
    while True:
        start = _WS.match(text, pos).end()
        line += text.count("\n", pos, start)
        if text.startswith("]", start):
            return
        skipped = False
        try:
            item, end = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, RecursionError) as exc:
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            where = exc.lineno if isinstance(exc, json.JSONDecodeError) else line
            end = _item_end(text, start)
            if end is None:
                yield Rejection(
                    where,
                    f"the JSON is malformed ({why}) and its array never closes; the "
                    "records after this point could not be read. Fix or re-export the file.",
                )
                return
            yield Rejection(where, f"this record's JSON is malformed ({why}); it is skipped.")
            skipped = True
        if skipped:
            pass
        elif isinstance(item, dict):
            yield line, item
        else:  # null included: said, not dropped without a word
            shown = json.dumps(item, ensure_ascii=False)[:40]
            yield FileNote(line, f"array item {shown} is not a record; ignored.")
        line += text.count("\n", start, end)
        pos = _WS.match(text, end).end()
        line += text.count("\n", end, pos)
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            resume = _next_start(text, pos)
            if resume is None and "{" not in text[pos:]:  # no record can be in the rest
                yield FileNote(
                    line,
                    "stray text after the last record (the array is not closed "
                    "properly); no record is lost, but check the file was saved whole.",
                )
                return
            if resume is None:
                yield Rejection(
                    line,
                    "the JSON array is not closed properly (expected ',' or "
                    "']'); the records after this point could not be read.",
                )
                return
            yield FileNote(line, "stray text between two records (not a record); skipped.")
            line += text.count("\n", pos, resume)
            pos = resume + 1


def raw_pairs(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Top-level keys as (key, JSON text) pairs, in the item's own order."""
    return [
        (k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in item.items()
    ]


def _item_end(text: str, start: int) -> int | None:
    """Where the broken array item at ``start`` ends, so reading can go on after it.

    The earliest of the bracket closing the item's first one (strings skipped; a loop,
    so depth costs nothing) and each ``, {`` after it, from which the rest of the array
    reads (to its end, or for at least two records). None: nowhere.

    >>> text = '[{"a": [1, "]"} "oops"}, {"b": 2}]'
    >>> text[_item_end(text, 1):]
    ', {"b": 2}]'
    >>> text = '[{"a": 1, {"b": 2}, {"c": 3}]'  # the first item lost its "}"
    >>> text[_item_end(text, 1):]
    ', {"b": 2}, {"c": 3}]'
    """
    ends = [m.start() for m in _NEXT_ITEM.finditer(text, start + 1)]
    matched = _matching(text, start)
    if matched is not None:
        ends.append(matched)
    # the earliest end the rest reads from: a broken quote can make the brackets
    # "match" at the array's very end, swallowing every record after it
    return next((end for end in sorted(set(ends)) if _rest_reads(text, end)), None)


_NEXT_ITEM = re.compile(r",[ \t\n\r]*(?=\{)")


def _next_start(text: str, pos: int) -> int | None:
    """The first ``, {`` at or after ``pos`` from which the rest of the array reads."""
    return next(
        (m.start() for m in _NEXT_ITEM.finditer(text, pos) if _rest_reads(text, m.start())),
        None,
    )


def _matching(text: str, start: int) -> int | None:
    """Just after the bracket closing the one at ``start`` (strings skipped), or None."""
    depth, in_string, escaped = 0, False, False
    for at in range(start, len(text)):
        char = text[at]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth <= 0:
                return at + 1 if depth == 0 else None
    return None


def _rest_reads(text: str, pos: int) -> bool:
    """Whether the array reads on from ``pos`` (a ``,`` or ``]``).

    To its end with nothing after, or for two items at least before the next trouble.
    """
    items = 0
    while True:
        pos = _WS.match(text, pos).end()
        if text.startswith("]", pos):
            return not text[pos + 1 :].strip()
        if not text.startswith(",", pos):
            return items >= 2
        try:
            item, pos = _DECODER.raw_decode(text, _WS.match(text, pos + 1).end())
        except (json.JSONDecodeError, RecursionError):
            return items >= 2
        if not isinstance(item, dict):
            return items >= 2
        items += 1
