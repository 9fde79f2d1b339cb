"""The decision store: an append-only log of curation events.

Every decision (a screening include/exclude/maybe, a dedup "same"/"not the same") is
an event: who, when, which record or group, which stage, what, why. Nothing is ever
updated or deleted (triggers refuse it); a changed mind is a new event, and the current
state is derived from the log (the latest event per reviewer, target and stage). An
undo is an event too (:data:`RETRACT`): it withdraws the reviewer's latest standing
decision on that target at that stage, so the one before it (if any) stands again.

The log lives in an SQLite file for one person (WAL mode, ``synchronous=FULL``, a
generous busy timeout: several notebooks can write at once) or on a PostgreSQL server
for a team (:mod:`scoping.curation.backends`); the store behaves the same on both.
Each write is one transaction, so a process killed mid-write leaves the store
consistent, and idempotent (a client-made ``event_id``), so a retry never doubles a
decision. The log exports to and imports from CSV and JSON Lines, so it can be
versioned and audited; an import skips events the store already has (by ``event_id``).
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .backends import (
    COLUMNS,
    STORED,
    LoginRefused,
    Unreachable,
    is_server,
    open_log,
    parse_location,
)
from .outbox import Outbox

#: Decisions allowed at each stage (charting: any field of the charting form, which
#: the charting module checks against the form before it records a value).
DECISIONS: dict[str, tuple[str, ...] | None] = {
    "title_abstract": ("include", "exclude", "maybe"),
    "retrieval": ("retrieved", "not retrieved"),
    "full_text": ("include", "exclude", "maybe"),
    "charting": None,
    "dedupe": ("same", "different", "related", "not related"),
}
#: The event that undoes a reviewer's latest standing decision on a target and stage.
RETRACT = "retract"
#: Which decision of a stage needs a reason from the stage's list.
NEEDS_REASON = {"exclude", "not retrieved"}
#: Default exclusion reasons at title and abstract (a workspace can give its own list).
DEFAULT_REASONS: tuple[str, ...] = (
    "wrong population",
    "wrong setting",
    "wrong topic",
    "wrong study design",
    "wrong publication type",
    "not in English",
    "duplicate",
    "no full text",
    "other",
)
#: Default reasons at each stage that takes them (JBI scoping reviews: population,
#: concept, context); a workspace's scoping.yml can give its own under ``reasons:``.
STAGE_REASONS: dict[str, tuple[str, ...]] = {
    "title_abstract": DEFAULT_REASONS,
    "full_text": (
        "wrong population",
        "wrong concept",
        "wrong context",
        "wrong study design",
        "wrong publication type",
        "not in English",
        "no full text",
        "duplicate",
        "other",
    ),
    "retrieval": (
        "not found",
        "requested, not received",
        "paywalled, not requested",
        "retracted",
        "other",
    ),
}


class DecisionStore:
    """An append-only decision log, in an SQLite file or on a PostgreSQL server.

    Parameters
    ----------
    location : str or Path
        The database file (created with its folder if missing, unless ``readonly``),
        or a ``postgresql://`` URL of a store made by ``scoping store init``.
    reasons : iterable of str, or mapping of stage to iterable of str, optional
        Allowed reasons: one list for every stage that takes reasons, or a list per
        stage; :data:`STAGE_REASONS` for any stage not given.
    readonly : bool
        Open an existing store for reading only (an SQLite file with ``mode=ro``):
        nothing is created or written, so a read-only workspace can still be audited.
    outbox : str or Path, optional
        With a server: a local file where each decision is kept until the server has
        it (:mod:`scoping.curation.outbox`), so a dropped connection loses nothing.
        Decisions left there by an earlier session are sent on opening.

    Raises
    ------
    InputError
        When the file is not a decision store or fails SQLite's ``quick_check``, or
        the server has no store of this workbench's version.
    Unreachable
        When the server cannot be reached.
    """

    def __init__(
        self,
        location: str | Path,
        reasons: Iterable[str] | None = None,
        *,
        readonly: bool = False,
        outbox: str | Path | None = None,
    ) -> None:
        self.location = parse_location(location)
        self.readonly = readonly
        self.stage_reasons = _stage_reasons(reasons)
        self.reasons = self.stage_reasons["title_abstract"]
        self._log = open_log(self.location, readonly=readonly)
        self.where = self._log.where
        self.outbox = Outbox(outbox) if outbox is not None and is_server(self.location) else None
        self._seen: list[tuple[Any, ...]] | None = None  # the log as last read
        if self.outbox is not None and not readonly:
            self._flush()

    @property
    def path(self) -> Path:
        """The SQLite file (a store on a server has none)."""
        if is_server(self.location):
            raise InputError(f"{self.where}: a store on a server has no file.")
        return Path(self.location)

    def whoami(self) -> tuple[str | None, str | None]:
        """The database role this store connects as, and the reviewer name bound to it."""
        return self._log.whoami()

    def hidden_stages(self) -> list[str]:
        """Stages the server keeps blind from this login: it reads only its own there.

        None for a lead or the store's owner, who read every decision.
        """
        return self._log.hidden_stages()

    def copy_to(self, location: str | Path) -> DecisionStore:
        """An exact copy of the whole log (ids, times, order, identities) at ``location``.

        A file must be new; a server store must be made (``scoping store init``) and empty.
        """
        location = parse_location(location)
        if not is_server(location) and Path(location).exists():
            raise InputError(f"{location}: exists already; copy the decision log to a new file.")
        target = DecisionStore(location, self.stage_reasons)
        target._log.copy_in(self._log.rows())
        return target

    def _check(self, reviewer: str, stage: str, decision: str, reason: str | None) -> None:
        if not reviewer or not reviewer.strip():
            raise InputError("a reviewer name is required with every decision.")
        if stage not in DECISIONS:
            raise InputError(f"unknown stage {stage!r}; stages are {', '.join(DECISIONS)}.")
        allowed = DECISIONS[stage]
        if decision == RETRACT:
            return
        if (allowed is None and not decision) or (allowed and decision not in allowed):
            raise InputError(
                f"decision {decision!r} is not allowed at stage {stage}; "
                f"use one of {', '.join(allowed or ('a charting field',))}."
            )
        reasons = self.stage_reasons.get(stage, ())
        if decision in NEEDS_REASON and reason not in reasons:
            what = "an exclusion" if decision == "exclude" else f"'{decision}'"
            raise InputError(
                f"{what} needs a reason from the list: {', '.join(map(repr, reasons))} "
                f"(got {reason!r})."
            )

    def record(
        self,
        *,
        reviewer: str,
        target: str,
        stage: str,
        decision: str,
        reason: str | None = None,
        tags: Iterable[str] = (),
        note: str | None = None,
        target_kind: str = "record",
    ) -> dict[str, Any]:
        """Append one decision; returns the stored event."""
        (event,) = self.record_many(
            [
                {
                    "reviewer": reviewer,
                    "target": target,
                    "stage": stage,
                    "decision": decision,
                    "reason": reason,
                    "tags": tags,
                    "note": note,
                    "target_kind": target_kind,
                }
            ]
        )
        return event

    def retract(self, *, reviewer: str, target: str, stage: str) -> dict[str, Any]:
        """Undo ``reviewer``'s latest standing decision on ``target`` at ``stage``.

        Appends a :data:`RETRACT` event (the log stays append-only) and returns the
        decision it withdrew.

        Raises
        ------
        InputError
            When the reviewer has no standing decision there to undo.
        """
        log = self.events()
        mine = effective(
            log[(log["stage"] == stage) & (log["target"] == target) & (log["reviewer"] == reviewer)]
        )
        if mine.empty:
            raise InputError(f"{reviewer} has no decision on {target} at {stage} to undo.")
        undone = mine.sort_values("seq").iloc[-1].to_dict()
        kind = undone["target_kind"]
        self.record(
            reviewer=reviewer, target=target, stage=stage, decision=RETRACT, target_kind=kind
        )
        return undone

    def reviewers(self) -> list[str]:
        """The names of everyone who has recorded an event (that this role may read)."""
        return self._log.reviewers()

    def record_many(self, decisions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append several decisions (keyword dictionaries of :meth:`record`) at once.

        All are checked first and stored in one transaction: either every one is in the
        log or none is, even when the process is killed part-way.

        Raises
        ------
        Unreachable
            When the server cannot be reached; with an outbox the decisions are kept
            on this machine and sent when it is back (the message says so).
        """
        events = []
        for given in decisions:
            self._check(given["reviewer"], given["stage"], given["decision"], given.get("reason"))
            events.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "recorded_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                    "reviewer": given["reviewer"].strip(),
                    "target": given["target"],
                    "target_kind": given.get("target_kind", "record"),
                    "stage": given["stage"],
                    "decision": given["decision"],
                    "reason": given.get("reason"),
                    "tags": json.dumps(sorted(set(given.get("tags", ())))),
                    "note": given.get("note"),
                }
            )
        if self.readonly:
            raise InputError(f"{self.where}: opened read-only; nothing can be recorded.")
        if self.outbox is None:
            seqs = self._log.insert(events)
        else:
            self.outbox.add(events, self.where)
            seqs = self._flush()[-len(events) :] if events else []
        for event, seq in zip(events, seqs, strict=True):
            event["seq"] = seq
        return events

    def _flush(self) -> list[int]:
        """Send this store's waiting events to the server; their seqs, oldest first.

        Raises
        ------
        Unreachable
            When the server cannot be reached (the events keep waiting).
        InputError
            When the server refuses an event: it is set aside in the outbox with the
            reason (the others are sent) and the first refusal is raised.
        """
        waiting = self.outbox.pending(self.where) if self.outbox is not None else []
        if not waiting:
            return []
        try:
            seqs = self._log.insert(waiting)
        except Unreachable as exc:
            raise Unreachable(
                f"{exc}; your decision is kept on this machine ({len(waiting)} waiting in "
                f"{self.outbox.path}) and is sent when the server is back.",
                reason=exc.reason,
                waiting=len(waiting),
            ) from None
        except LoginRefused:
            raise  # not the events' fault: they wait for a login that works
        except InputError:  # one of them is refused: send them one by one
            return self._flush_each(waiting)
        self.outbox.remove([e["event_id"] for e in waiting])
        return seqs

    def _flush_each(self, waiting: list[dict[str, Any]]) -> list[int]:
        """Send events one at a time, setting aside those refused; raise the first."""
        seqs, refused = [], None
        for event in waiting:
            try:
                seqs += self._log.insert([event])
            except (Unreachable, LoginRefused):
                return seqs + self._flush()  # the rest keep waiting; the message says so
            except InputError as exc:
                self.outbox.refuse(event, self.where, str(exc))
                refused = refused or exc
                continue
            self.outbox.remove([event["event_id"]])
        if refused is not None:
            raise InputError(f"{refused}; that decision is not stored.")
        return seqs

    def events(self, until_seq: int | None = None) -> pd.DataFrame:
        """The log in order (up to and including ``until_seq``).

        With a server out of reach, the log as last read and the decisions waiting in
        the outbox (numbered after it), so screening can go on; :class:`Unreachable`
        when it was never read.
        """
        try:
            self._flush()
            rows = self._log.rows(until_seq)
        except Unreachable:
            if until_seq is not None or self._seen is None:
                raise
            rows = self._seen + self._waiting()
        else:
            if until_seq is None:
                self._seen = rows
        return pd.DataFrame(rows, columns=list(STORED))

    def _waiting(self) -> list[tuple[Any, ...]]:
        """The outbox's events as log rows, numbered after the log as last read."""
        last = max((row[0] for row in self._seen or ()), default=0)
        waiting = self.outbox.pending(self.where) if self.outbox is not None else []
        return [
            (last + n, *(e[c] for c in COLUMNS[1:]), None) for n, e in enumerate(waiting, start=1)
        ]

    def current(self, stage: str, reviewer: str | None = None) -> pd.DataFrame:
        """Each reviewer's latest decision on each target at ``stage``."""
        log = self.events()
        log = log[log["stage"] == stage]
        if reviewer is not None:
            log = log[log["reviewer"] == reviewer]
        found = latest(log, ("reviewer", "target"))
        return found.sort_values(["target", "reviewer"]).reset_index(drop=True)

    def export(self, path: str | Path) -> int:
        """Write the log as ``.csv`` or ``.jsonl``; returns the number of events."""
        path = Path(path)
        log = self.events()
        if path.suffix == ".csv":
            log.to_csv(path, index=False)
        elif path.suffix == ".jsonl":
            log.to_json(path, orient="records", lines=True, force_ascii=False)
        else:
            raise InputError(f"{path}: export to a .csv or .jsonl file.")
        return len(log)

    def import_log(self, path: str | Path) -> int:
        """Add the events of an exported log that the store lacks; returns how many.

        Events whose ``event_id`` the store (or an earlier line of the file) already
        has are skipped. Every other line must be a valid event; one that is not
        stops the import with its line number, and nothing is imported (one
        transaction).
        """
        path = Path(path)
        known = set(self.events()["event_id"])
        rows = []
        for line, raw in _log_lines(path):
            try:
                event = _event(raw)
                self._check(event["reviewer"], event["stage"], event["decision"], event["reason"])
            except InputError as exc:
                raise InputError(f"{path} line {line}: {exc}; nothing was imported.") from None
            if event["event_id"] not in known:
                known.add(event["event_id"])
                rows.append(event)
        if rows:
            self._log.insert(rows)  # all or nothing: one transaction
        return len(rows)


def _log_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The events of an exported log (CSV or JSON Lines), each with its line number."""
    if path.suffix not in (".csv", ".jsonl"):
        raise InputError(f"{path}: import a .csv or .jsonl file written by export.")
    if not path.is_file():
        raise InputError(f"{path}: not found; give a log written by DecisionStore.export.")
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix == ".csv":
            reader = csv.DictReader(handle)
            missing = set(COLUMNS[1:]) - set(reader.fieldnames or ())
            if missing:
                raise InputError(
                    f"{path}: not a decision log (no column {', '.join(sorted(missing))})."
                )
            for row in reader:
                yield reader.line_num, row
            return
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{path} line {line}: not JSON ({exc.msg}); nothing was imported."
                ) from None
            if not isinstance(row, dict):
                raise InputError(f"{path} line {line}: expected one event object per line.")
            yield line, row


def _event(row: dict[str, Any]) -> dict[str, Any]:
    """One imported event with every value checked and in the store's types."""
    missing = [c for c in COLUMNS[1:] if c not in row]
    if missing:
        raise InputError(f"event lacks {', '.join(missing)}")
    event = {}
    for column in COLUMNS[1:]:
        value = row[column]
        if column == "tags":
            value = _tags(value)
        elif value is None or value == "" or (isinstance(value, float) and value != value):
            value = None
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            value = str(value)
        else:
            raise InputError(f"{column} must be text, not {type(value).__name__} {value!r}")
        event[column] = value
    for column in ("event_id", "recorded_at", "reviewer", "target", "target_kind", "stage"):
        if event[column] is None:
            raise InputError(f"{column} is empty")
    try:
        datetime.fromisoformat(event["recorded_at"])
    except ValueError:
        raise InputError(f"recorded_at {event['recorded_at']!r} is not an ISO time") from None
    return event


def _tags(value: Any) -> str:
    """Tags as the store keeps them: a JSON list of sorted unique strings."""
    if value is None or value == "":
        return "[]"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise InputError(f"tags {value!r} is not a JSON list") from None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise InputError(f"tags must be a list of text, not {value!r}")
    return json.dumps(sorted(set(value)))


def stored_tags(value: Any) -> list[str]:
    """An event's tags as a list (the store keeps a JSON list; nothing is none).

    >>> stored_tags('["huddles", "nights"]'), stored_tags(None)
    (['huddles', 'nights'], [])
    """
    return json.loads(_tags(value)) if isinstance(value, str) else []


def _stage_reasons(
    reasons: Iterable[str] | Mapping[str, Iterable[str]] | None,
) -> dict[str, tuple[str, ...]]:
    """The allowed reasons of every stage, from what the caller gave."""
    if reasons is None:
        return dict(STAGE_REASONS)
    if isinstance(reasons, Mapping):
        return {**STAGE_REASONS, **{k: tuple(v) for k, v in reasons.items()}}
    given = tuple(reasons)
    return {stage: given for stage in STAGE_REASONS}


def open_store(location: str | Path) -> DecisionStore | None:
    """The store at ``location`` opened for reading, or None when there is none yet.

    A server store is always there (or an error says why not); a file may not be yet.
    """
    location = parse_location(location)
    if not is_server(location) and not Path(location).is_file():
        return None
    return DecisionStore(location, readonly=True)


def effective(log: pd.DataFrame) -> pd.DataFrame:
    """The log without undone decisions.

    Each :data:`RETRACT` removes itself and the latest standing decision of its
    reviewer on its target and stage before it.

    >>> log = pd.DataFrame({"seq": [1, 2, 3, 4], "reviewer": "Ann", "target": "r1",
    ...     "stage": "title_abstract", "decision": ["include", "exclude", "retract", "maybe"]})
    >>> effective(log)["decision"].tolist()
    ['include', 'maybe']
    """
    undos = log["decision"] == RETRACT
    if not undos.any():
        return log
    log = log.sort_values("seq")
    keys = ["reviewer", "target", "stage"]
    touched = log[undos].set_index(keys).index.unique()
    inside = log.set_index(keys).index.isin(touched)
    gone: list[int] = []
    for _, events in log[inside].groupby(keys, sort=False):
        standing: list[int] = []
        for seq, decision in zip(events["seq"], events["decision"], strict=True):
            if decision != RETRACT:
                standing.append(seq)
            elif standing:
                gone += [standing.pop(), seq]
            else:
                gone.append(seq)  # an undo with nothing before it (imported): no effect
    return log[~log["seq"].isin(gone)]


def latest(log: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """The last standing event (in log order) for each value of the columns ``by``.

    ``("reviewer", "target")``: each reviewer's current decision on each record;
    ``("target",)``: the final word on each record, whoever gave it. Undone decisions
    (:func:`effective`) never count.
    """
    return effective(log).sort_values("seq").groupby(list(by), sort=True).tail(1)


def pair_target(a: str, b: str) -> str:
    """How a pair of records is named in the log: the two ids, sorted, joined by ``|``."""
    return "|".join(sorted((a, b)))


def pair_decisions(store: DecisionStore) -> dict[frozenset[str], str]:
    """The latest decision on each pair, whoever made it.

    "same" / "different" (one work or two), or "related" / "not related" (two reports
    of one study, or a link that is wrong).
    """
    log = store.events()
    final = latest(log[log["stage"] == "dedupe"], ("target",))
    return {
        frozenset(t.split("|")): d for t, d in zip(final["target"], final["decision"], strict=True)
    }
