"""What the studies found: studies as charted, the evidence and gap map, key messages.

Every number keeps its record ids (``trace.json``).

Each study of a pack takes its values from what reviewers charted (the agreed value of
each field, ``build/charted.csv``); a field nobody has charted falls back to the
work's drafts (``build/drafts.csv``), and a study design or setting to the codebook's
tags. Every value keeps where it came from (``charted``, ``draft``), and a charted
value keeps whether a reviewer checked it, so a pack can mark drafts or leave them out
(``checked_only``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..text import stem
from .params import PackParams

#: Outcome domains that speak to organisational leaders (cost, culture, the workforce).
LEADER_OUTCOMES = (
    "Turnover and sickness absence",
    "Cost",
    "Psychological safety",
    "Patient safety",
)
DIRECTIONS = ("improved", "mixed", "no change", "worse", "not reported")
#: Where a study's values came from, best first.
SOURCES = ("charted", "draft", "codebook")
#: The design of a study whose design is neither charted nor tagged.
NO_DESIGN = "design not known"


@dataclass(frozen=True)
class Study:
    """One study of a pack, as charted or drafted."""

    record_id: str
    interventions: tuple[str, ...]
    outcomes: tuple[str, ...]
    directions: dict[str, str]
    design: str
    settings: tuple[str, ...]
    key_finding: str
    change_ideas: str
    source: str
    checked: bool
    #: The fields reviewers charted: field -> (agreed value, whether a reviewer checked it).
    charted: dict[str, tuple[Any, bool]] = field(default_factory=dict)

    def drafted(self, fields: tuple[str, ...]) -> bool:
        """Whether any of ``fields`` holds a value no reviewer has checked.

        A value charted unchanged from its draft by one reviewer, a draft, or a design or
        setting from the codebook's tags is unchecked; an empty field holds no value.
        """
        values = {
            "interventions": self.interventions,
            "outcome_domains": self.outcomes,
            "direction_of_effect": self.directions,
            "study_design": self.design,
            "setting": self.settings,
            "key_findings": self.key_finding,
            "change_ideas": self.change_ideas,
        }
        return any(
            not self.charted[name][1] if name in self.charted else bool(values[name])
            for name in fields
        )


@dataclass(frozen=True)
class Synthesis:
    """The pack's studies, gap map and key messages, with the ids behind each number."""

    studies: tuple[Study, ...]
    gap_map: pd.DataFrame
    charted: int
    numbers: dict[str, list[str]] = field(default_factory=dict)

    def by_id(self) -> dict[str, Study]:
        """The studies by record id."""
        return {s.record_id: s for s in self.studies}


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=["record_id", "field", "value"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def charted_values(build: Path, checked_only: bool = False) -> dict[str, dict[str, Any]]:
    """Each record's charted fields: field -> (agreed value, whether a reviewer checked it).

    Fields still in conflict between reviewers are left out; with ``checked_only``, so
    are values no reviewer has checked.
    """
    charted = _read(build / "charted.csv")
    charted = charted[charted.get("status", pd.Series(dtype=str)) != "conflict"]
    given: dict[str, dict[str, tuple[Any, bool]]] = {}
    for row in charted.itertuples():
        if row.checked == "True" or not checked_only:
            given.setdefault(row.record_id, {})[row.field] = (
                json.loads(row.value),
                row.checked == "True",
            )
    return given


def studies(
    records: pd.DataFrame,
    build: Path,
    design_of: dict[str, str],
    settings_of: dict[str, tuple[str, ...]],
    params: PackParams,
) -> tuple[Study, ...]:
    """Every record of the pack as a study: charted values, else drafts, else tags.

    With ``checked_only``, only values a reviewer checked: no draft or tag fills a gap.
    """
    given = charted_values(build, params.checked_only)
    drafts = _read(build / "drafts.csv")
    wanted = set(records["record_id"])
    drafted: dict[str, dict[str, list[str]]] = {}
    for row in drafts[drafts["record_id"].isin(wanted)].itertuples():
        drafted.setdefault(row.record_id, {}).setdefault(row.field, []).append(row.value)
    out = []
    for rid in sorted(wanted):
        mine, draft = given.get(rid, {}), drafted.get(rid, {})
        design, settings = design_of.get(rid, ""), settings_of.get(rid, ())
        if params.checked_only:
            draft, design, settings = {}, "", ()
        out.append(_study(rid, mine, draft, design, settings))
    return tuple(out)


def _study(rid: str, mine: dict, draft: dict, design: str, settings: tuple[str, ...]) -> Study:
    def value(name: str, fallback: Any) -> Any:
        return mine[name][0] if name in mine else fallback

    charted = bool(mine)
    return Study(
        record_id=rid,
        interventions=tuple(value("interventions", draft.get("interventions", [])) or ()),
        outcomes=tuple(value("outcome_domains", draft.get("outcome_domains", [])) or ()),
        directions=dict(value("direction_of_effect", {}) or {}),
        design=str(value("study_design", design) or ""),
        settings=tuple(value("setting", list(settings)) or ()),
        key_finding=str(value("key_findings", (draft.get("key_findings") or [""])[0]) or ""),
        change_ideas=str(value("change_ideas", "") or ""),
        source="charted" if charted else ("draft" if draft else "codebook"),
        checked=charted and all(checked for _, checked in mine.values()),
        charted=dict(mine),
    )


def gap_map(
    found: tuple[Study, ...], interventions: list[str], outcomes: list[str]
) -> pd.DataFrame:
    """Interventions by outcome domains: one row per cell, design and direction.

    Columns: intervention, outcome, design, direction, n_studies, record_ids. Every
    pair of the form's interventions and outcomes is present: a pair no study looked
    at is a row with no studies, a gap.
    """
    rows: dict[tuple[str, str, str, str], list[str]] = {}
    for study in found:
        for intervention in study.interventions:
            for outcome in study.outcomes:
                direction = study.directions.get(outcome, "not charted")
                key = (intervention, outcome, study.design or NO_DESIGN, direction)
                rows.setdefault(key, []).append(study.record_id)
    cells = {(i, o) for i, o, _, _ in rows}
    table = [
        {
            "intervention": i,
            "outcome": o,
            "design": d,
            "direction": r,
            "n_studies": len(ids),
            "record_ids": "; ".join(sorted(ids)),
        }
        for (i, o, d, r), ids in sorted(rows.items())
    ]
    table += [
        {
            "intervention": i,
            "outcome": o,
            "design": "",
            "direction": "",
            "n_studies": 0,
            "record_ids": "",
        }
        for i in interventions
        for o in outcomes
        if (i, o) not in cells
    ]
    frame = pd.DataFrame(
        table, columns=["intervention", "outcome", "design", "direction", "n_studies", "record_ids"]
    )
    order = {name: n for n, name in enumerate(interventions)}
    columns = {name: n for n, name in enumerate(outcomes)}
    frame["_i"] = frame["intervention"].map(lambda x: order.get(x, len(order)))
    frame["_o"] = frame["outcome"].map(lambda x: columns.get(x, len(columns)))
    return (
        frame.sort_values(["_i", "intervention", "_o", "outcome", "design", "direction"])
        .drop(columns=["_i", "_o"])
        .reset_index(drop=True)
    )


def gap_numbers(table: pd.DataFrame) -> dict[str, list[str]]:
    """The studies behind each cell of the gap map (trace.json)."""
    numbers: dict[str, list[str]] = {}
    for (i, o), group in table.groupby(["intervention", "outcome"], sort=True):
        ids = sorted({r for found in group["record_ids"] for r in found.split("; ") if r})
        numbers[f"gap map: {i} x {o}"] = ids
    return numbers


def tally(found: list[Study], outcome: str) -> dict[str, list[str]]:
    """The studies reporting each direction of effect on ``outcome``."""
    out: dict[str, list[str]] = {}
    for study in found:
        if outcome in study.outcomes:
            direction = study.directions.get(outcome, "not charted")
            out.setdefault(direction, []).append(study.record_id)
    return out


def designs(found: list[Study]) -> Counter[str]:
    """How many studies of each design."""
    return Counter(s.design or NO_DESIGN for s in found)


@dataclass(frozen=True)
class Message:
    """One key message: its words (plain text), the studies behind it, and its trace key.

    ``draft`` marks a message resting on values no reviewer has checked; ``quote`` a
    study's own key finding, quoted; ``caution`` what a reader must know of the studies
    behind it (which are retracted), shown after the text however short it is cut.
    """

    section: str
    text: str
    record_ids: tuple[str, ...]
    key: str
    draft: bool = False
    quote: bool = False
    caution: str = ""
    #: The message a summary carries for its section: a theme's result on the outcome
    #: the theme names ("Burnout: ..." for "Staff burnout and distress").
    headline: bool = False

    def shown(self, limit: int | None = None) -> str:
        """The message as a reader sees it, in plain text.

        Quoted when a quote; cut at a word to ``limit`` characters, with an ellipsis;
        its caution kept whole.

        >>> Message("lead", "Turnover: 20 studies looked at it.", (), "k").shown(20)
        'Turnover: 20…'
        >>> Message("q", "Teams spoke up.", (), "k", quote=True, caution="(Retracted.)").shown()
        '“Teams spoke up.” (Retracted.)'
        >>> long = Message("q", "Teams spoke up " * 9, (), "k", quote=True, caution="(Retracted.)")
        >>> len(long.shown(60)) <= 60, long.shown(60).endswith("(Retracted.)")
        (True, True)
        """
        marks = 2 if self.quote else 0  # the quotation marks
        room = None if limit is None else max(limit - len(self.caution) - 1 - marks, 20)
        text = self.text if room is None or len(self.text) <= room else clip(self.text, room)
        text = f"\u201c{text}\u201d" if self.quote else text
        return f"{text} {self.caution}" if self.caution else text


def clip(text: str, limit: int) -> str:
    """``text`` cut to fit ``limit`` characters, ending with an ellipsis.

    At the last clause (", " or "; ") when one ends in the second half of the room, so a
    list loses whole items ("11 trials, 7…" becomes "11 trials…"); else at a word.

    >>> clip("Burnout among ward nurses", 16)
    'Burnout among…'
    >>> clip("12 policy documents, 11 trials, 7 qualitative studies", 36)
    '12 policy documents, 11 trials…'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    clause = max(cut.rfind(", "), cut.rfind("; "))
    return (cut[:clause] if clause > limit // 2 else cut.rsplit(" ", 1)[0]) + "\u2026"


def _mix(found: list[Study], limit: int = 3) -> str:
    """The commonest designs, counted.

    For example "10 randomised controlled trials, 7 qualitative studies and 3 of other
    designs".
    """
    mix = designs(found).most_common()
    shown = [
        f"{n} of {d}" if d == NO_DESIGN else f"{n} {plural(d.lower(), n)}" for d, n in mix[:limit]
    ]
    rest = sum(n for _, n in mix[limit:])
    return ", ".join(shown) + (f" and {rest} of other designs" if rest else "")


def _studies(n: int) -> str:
    """``n`` with "study" or "studies": "1 study", "3 studies"."""
    return f"{n} {plural('study', n)}"


def plural(label: str, n: int) -> str:
    """An English plural of a design's label when ``n`` is not 1.

    >>> plural("qualitative study", 2), plural("cross-sectional survey", 3)
    ('qualitative studies', 'cross-sectional surveys')
    """
    if n == 1 or label.endswith("s"):
        return label
    if label.endswith("y") and label[-2:-1] not in "aeiou":
        return label[:-1] + "ies"
    return label + "s"


def _directions(tallied: dict[str, list[str]]) -> str:
    order = [*DIRECTIONS, "not charted"]
    return "; ".join(
        f"{len(tallied[d])} {'reported no change' if d == 'no change' else d}"
        for d in order
        if d in tallied
    )


#: The fields each kind of key message rests on.
OUTCOME_FIELDS = ("outcome_domains", "direction_of_effect")
STUDY_FIELDS = ("study_design", "setting")


def _is_draft(found: list[Study], fields: tuple[str, ...]) -> bool:
    """Whether a message on ``found`` rests on a value of ``fields`` no reviewer checked."""
    return any(s.drafted(fields) for s in found)


def lead_messages(found: list[Study], audience: str) -> list[Message]:
    """What the audience's pack leads with.

    Frontline: change ideas, and the interventions with studies reporting improvement.
    Leaders: the organisational outcomes (turnover and absence, cost, culture, safety).
    """
    if audience == "frontline":
        return _change_ideas(found) + _improving(found)
    out = []
    for outcome in LEADER_OUTCOMES:
        with_it = [s for s in found if outcome in s.outcomes]
        if not with_it:
            continue
        tallied = tally(with_it, outcome)
        out.append(
            Message(
                "lead",
                f"{outcome}: {_studies(len(with_it))} looked at it ({_mix(with_it)}): "
                f"{_directions(tallied)}.",
                tuple(sorted(s.record_id for s in with_it)),
                f"lead: {outcome}",
                draft=_is_draft(with_it, OUTCOME_FIELDS),
            )
        )
    return out


def _change_ideas(found: list[Study]) -> list[Message]:
    """Each change idea the studies' authors suggest, with what those studies found.

    An idea is the authors' suggestion, not a tested result: each says how many of its
    studies reported an improvement and how many a worse outcome (its ``caution``, kept
    however short the message is cut). Ideas whose studies reported an improvement come
    first, then by how many studies suggest them.
    """
    ideas: dict[str, list[Study]] = {}
    for study in found:
        if study.change_ideas:
            ideas.setdefault(study.change_ideas.strip(), []).append(study)
    ranked = sorted(
        ideas.items(), key=lambda kv: (-len(_reporting(kv[1], "improved")), -len(kv[1]), kv[0])
    )
    return [
        Message(
            "change ideas",
            idea,
            tuple(sorted(s.record_id for s in studies_)),
            f"change idea: {idea[:60]}",
            draft=_is_draft(studies_, ("change_ideas", *OUTCOME_FIELDS)),
            caution=_found(studies_),
        )
        for idea, studies_ in ranked
    ]


def _reporting(found: list[Study], direction: str) -> list[Study]:
    """The studies reporting ``direction`` on at least one outcome."""
    return [s for s in found if direction in s.directions.values()]


def _found(found: list[Study]) -> str:
    """What the studies behind a change idea found, in a few words.

    >>> s = Study("r1", (), ("Cost",), {"Cost": "worse"}, "", (), "", "Idea.", "charted", True)
    >>> _found([s, replace(s, record_id="r2", directions={"Cost": "improved"})])
    '(2 studies suggest it: 1 reported an improvement, 1 a worse outcome.)'
    """
    better, worse = len(_reporting(found, "improved")), len(_reporting(found, "worse"))
    return (
        f"({_studies(len(found))} {'suggests' if len(found) == 1 else 'suggest'} it: "
        f"{better or 'none'} reported an improvement"
        + (f", {worse} a worse outcome" if worse else "")
        + ".)"
    )


def _improving(found: list[Study]) -> list[Message]:
    tested: dict[str, list[Study]] = {}
    for study in found:
        for intervention in study.interventions:
            tested.setdefault(intervention, []).append(study)
    out = []
    for intervention, studies_ in sorted(tested.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        improved = [s for s in studies_ if "improved" in s.directions.values()]
        if not improved:
            continue
        outcomes = sorted({o for s in improved for o, d in s.directions.items() if d == "improved"})
        out.append(
            Message(
                "improving",
                f"{intervention}: {len(improved)} of the {_studies(len(studies_))} that looked at "
                f"it reported an improvement ({', '.join(o.lower() for o in outcomes)}).",
                tuple(sorted(s.record_id for s in improved)),
                f"improving: {intervention}",
                draft=_is_draft(improved, ("interventions", *OUTCOME_FIELDS)),
            )
        )
    return out


def theme_messages(label: str, found: list[Study]) -> list[Message]:
    """What the studies of one theme found: who, where, and each outcome's direction."""
    if not found:
        return []
    settings = Counter(s for study in found for s in study.settings).most_common(3)
    # counted: the commonest settings may hold well under half of the studies
    places = ", ".join(f"{s.lower()} ({n})" for s, n in settings)
    where = f", most often in {places}" if settings else ""
    charted = sum(s.source == "charted" for s in found)
    out = [
        Message(
            label,
            f"{_studies(len(found))} looked at {label.lower()} ({charted} of them charted by "
            f"the group): {_mix(found)}{where}.",
            tuple(sorted(s.record_id for s in found)),
            f"key message: {label}: studies",
            draft=_is_draft(found, STUDY_FIELDS),
        )
    ]
    counted = Counter(o for s in found for o in s.outcomes)
    named = [o for o, _ in counted.most_common() if _names(label, o)]  # the theme's own, first
    for outcome in dict.fromkeys([*named[:1], *(o for o, _ in counted.most_common(3))]):
        with_it = [s for s in found if outcome in s.outcomes]
        out.append(
            Message(
                label,
                f"{outcome}: {_directions(tally(with_it, outcome))} (of {_studies(len(with_it))}).",
                tuple(sorted(s.record_id for s in with_it)),
                f"key message: {label}: {outcome}",
                draft=_is_draft(with_it, OUTCOME_FIELDS),
                headline=outcome in named[:1],
            )
        )
    quoted = [s for s in found if s.key_finding][:3]
    out += [
        Message(
            label,
            s.key_finding,
            (s.record_id,),
            f"key finding: {s.record_id}",
            draft=s.drafted(("key_findings",)),
            quote=True,
        )
        for s in sorted(quoted, key=lambda s: (s.drafted(("key_findings",)), s.record_id))
    ]
    return out


def _names(label: str, outcome: str) -> bool:
    """Whether a theme's ``label`` names ``outcome``: every word of it, stemmed.

    >>> _names("Staff burnout and distress", "Burnout"), _names("Joy in work", "Wellbeing")
    (True, False)
    """
    words = {stem(w) for w in label.lower().split()}
    return {stem(w) for w in outcome.lower().split()} <= words


def flag_retracted(messages: list[Message], retracted: dict[str, str]) -> list[Message]:
    """Each message resting on retracted studies says so, naming them (its ``caution``).

    ``retracted`` maps the record id of each retracted study to how a sentence names it.
    A retracted study stays in the counts (the pack's ``retracted`` parameter can leave
    such works out), so a reader who sees "20 studies looked at it" also reads which of
    them has been retracted, even when its citation is not among those listed.

    >>> m = Message("lead", "Turnover: 2 studies looked at it.", ("a", "b"), "lead: t")
    >>> flag_retracted([m], {"b": "Lee et al. 2020"})[0].shown()
    'Turnover: 2 studies looked at it. 1 of them has been retracted (Lee et al. 2020).'
    """
    out = []
    for message in messages:
        named = [retracted[r] for r in message.record_ids if r in retracted]
        if named and message.quote:  # one study's own words
            message = replace(message, caution="(This study has been retracted.)")
        elif named:
            verb = "has" if len(named) == 1 else "have"
            caution = f"{len(named)} of them {verb} been retracted ({'; '.join(named)})."
            message = replace(message, caution=f"{message.caution} {caution}".strip())
        out.append(message)
    return out


def message_numbers(messages: list[Message]) -> dict[str, list[str]]:
    """The studies behind every key message (trace.json)."""
    return {m.key: list(m.record_ids) for m in messages}
