"""The synthetic demonstration corpus, so the pipeline runs on a machine with no exports.

EVERY RECORD HERE IS INVENTED. Titles start with ``[Synthetic demo]``, journals are
named "Synthetic Demonstration ...", every record's notes carry :data:`DEMO_MARK`, and
DOIs use the 10.5555 test prefix, so nothing can be mistaken for, or cited as,
evidence. The corpus is generated from a seed, deterministically: the same seed gives
byte-identical files.

The records are spread over five exports in three formats: RIS from EBSCO CINAHL and
from Ovid PsycINFO, PubMed MEDLINE, and CSV as Scopus writes it and as a hand-typed
grey-literature list. The same study is planted in several databases, spelt
differently, to exercise deduplication.
"""

from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from . import atomic
from .curation.charting import STAGE, record_values
from .curation.status import final_decisions
from .curation.store import DecisionStore
from .records import DEMO_MARK, TITLE_PREFIX

THEMES: dict[str, tuple[str, ...]] = {
    "just culture": (
        "just culture",
        "fair and just response to incidents",
        "restorative approach after patient safety incidents",
        "blame-free incident reporting",
    ),
    "psychological safety": (
        "psychological safety",
        "speaking up about concerns",
        "team voice and silence",
        "safety to raise concerns",
    ),
    "compassionate care": (
        "compassionate care",
        "compassion in practice",
        "compassionate leadership",
        "kindness and empathy in care",
    ),
    "burnout": (
        "staff burnout",
        "emotional exhaustion",
        "work-related stress and burnout",
        "moral distress and burnout",
    ),
    "joy in work": (
        "joy in work",
        "meaning and purpose at work",
        "staff engagement and joy",
        "professional fulfilment",
    ),
    "learning from excellence": (
        "learning from excellence",
        "appreciative inquiry",
        "positive deviance",
        "reporting excellence",
    ),
}
SETTINGS: tuple[str, ...] = (
    "acute hospital",
    "primary care",
    "community health services",
    "mental health services",
    "ambulance services",
    "social care",
    "care homes",
    "domiciliary care",
)
STAFF: tuple[str, ...] = (
    "nurses",
    "doctors",
    "care workers",
    "allied health professionals",
    "paramedics",
    "social workers",
    "healthcare assistants",
    "managers",
)
DESIGNS: tuple[tuple[str, str], ...] = (
    ("systematic review", "A systematic review of {n} studies"),
    ("randomised controlled trial", "A cluster randomised controlled trial in {n} teams"),
    ("qualitative study", "A qualitative interview study with {n} participants"),
    ("quality improvement report", "A quality improvement project over {n} months"),
    ("cross-sectional survey", "A cross-sectional survey of {n} staff"),
    ("policy analysis", "A policy analysis of {n} national documents"),
)
OUTCOMES: tuple[str, ...] = (
    "staff wellbeing",
    "sickness absence",
    "staff turnover",
    "incident reporting",
    "patient experience",
    "team learning",
    "retention",
    "quality of care",
)
#: What a reviewer would chart about each invented study: planted in its abstract, and
#: charted by the synthetic reviewer (:func:`chart`). Drawn from a generator of their
#: own, so the records and duplicates of the corpus do not depend on them.
COUNTRIES = ("England",) * 5 + ("Scotland", "Wales", "Northern Ireland", "Ireland", "Canada")
#: Interventions (values of the shipped charting form) and the change idea each suggests.
INTERVENTIONS: dict[str, str] = {
    "Schwartz Rounds": "hold a monthly Schwartz Round where staff share the emotional side of care",
    "Restorative clinical supervision": "offer each nurse restorative supervision every six weeks",
    "Peer support": "train peer supporters to check in with colleagues after difficult shifts",
    "Mindfulness and resilience training": "try a ten-minute mindfulness pause at handover",
    "Team huddles": "start each shift with a five-minute huddle on what could go wrong today",
    "Learning from Excellence reporting": "report one piece of excellent care each week",
    "Just culture policies": "review incidents with a just culture guide before any sanction",
    "Civility programmes": "agree team standards for civility and act on rudeness early",
    "Compassionate leadership development": "have leaders ask 'what would help?' in every team",
    "Appreciative inquiry": "run an appreciative inquiry on what makes good days good",
}
#: The charting form's outcome domain of each demo outcome and theme.
DOMAINS: dict[str, str] = {
    "staff wellbeing": "Wellbeing",
    "sickness absence": "Turnover and sickness absence",
    "staff turnover": "Turnover and sickness absence",
    "retention": "Turnover and sickness absence",
    "incident reporting": "Patient safety",
    "quality of care": "Patient safety",
    "patient experience": "Patient experience",
    "team learning": "Psychological safety",
    "burnout": "Burnout",
    "psychological safety": "Psychological safety",
}
INSTRUMENTS: dict[str, str] = {
    "Burnout": "Maslach Burnout Inventory",
    "Psychological safety": "Edmondson team psychological safety scale",
    "Wellbeing": "Warwick-Edinburgh Mental Wellbeing Scale",
    "Patient safety": "Safety Attitudes Questionnaire",
}
DIRECTIONS: tuple[tuple[str, float, str], ...] = (
    ("improved", 0.5, "improved"),
    ("no change", 0.2, "did not change"),
    ("mixed", 0.15, "had mixed results"),
    ("worse", 0.08, "got worse"),
    ("not reported", 0.07, "was measured but the result was not reported"),
)
#: The codebook labels (setting, staff, design) of the demo's own words.
LABELS: dict[str, str] = {
    "acute hospital": "Acute hospital care",
    "primary care": "Primary care",
    "community health services": "Community health services",
    "mental health services": "Mental health services",
    "ambulance services": "Ambulance and prehospital care",
    "social care": "Social care",
    "care homes": "Care homes",
    "domiciliary care": "Domiciliary (home) care",
    "nurses": "Nurses and midwives",
    "doctors": "Doctors",
    "care workers": "Care and support workers",
    "allied health professionals": "Allied health professionals",
    "paramedics": "Paramedics",
    "social workers": "Social workers",
    "healthcare assistants": "Care and support workers",
    "managers": "Leaders and managers",
    "systematic review": "Systematic, scoping or rapid review",
    "randomised controlled trial": "Randomised controlled trial",
    "qualitative study": "Qualitative study",
    "quality improvement report": "Quality improvement report",
    "cross-sectional survey": "Cross-sectional survey",
    "policy analysis": "Policy or guidance document",
}
JOURNAL_WORDS: tuple[str, ...] = ("Health", "Care", "Workforce", "Safety")
SURNAMES: tuple[str, ...] = (
    "Ashdown",
    "Bramwell",
    "Carrow",
    "Dunmore",
    "Elstow",
    "Fenwick",
    "Garside",
    "Hallam",
    "Ingleby",
    "Jessop",
    "Kershaw",
    "Lomax",
    "Marwood",
    "Nettleton",
    "Oakes",
    "Pennock",
    "Quarrie",
    "Rudd",
    "Saltmarsh",
    "Tranter",
    "Upton",
    "Varley",
    "Whitlock",
    "Yeadon",
)
GIVEN: tuple[str, ...] = (
    "Alex",
    "Bea",
    "Cal",
    "Dana",
    "Eli",
    "Fern",
    "Gus",
    "Hana",
    "Ivo",
    "Jo",
    "Kit",
    "Lee",
    "Mo",
    "Nell",
    "Oli",
    "Pat",
    "Rae",
    "Sam",
)

#: The exports of the demonstration corpus: file, database, interface, date.
EXPORTS: tuple[tuple[str, str, str, str], ...] = (
    ("cinahl_ebsco_2026-10-01.ris", "CINAHL Complete", "EBSCOhost", "2026-10-01"),
    ("pubmed_2026-10-01.nbib", "PubMed", "PubMed", "2026-10-01"),
    ("psycinfo_ovid_2026-10-02.ris", "APA PsycInfo", "Ovid", "2026-10-02"),
    ("scopus_2026-10-02.csv", "Scopus", "Scopus", "2026-10-02"),
    (
        "grey_literature_2026-10-05.csv",
        "Grey literature (hand-searched)",
        "Websites of NHS England, Skills for Care, The King's Fund",
        "2026-10-05",
    ),
)
SEARCH_STRING = (
    '("psychological safety" OR "just culture" OR compassion* OR burnout OR '
    '"joy in work" OR "learning from excellence") AND (staff OR workforce) AND '
    '(health* OR "social care" OR "care home*")'
)


@dataclass(frozen=True)
class Study:
    """One invented study, before it is written into an export."""

    number: int
    title: str
    abstract: str
    authors: tuple[tuple[str, str], ...]
    year: int
    journal: str
    volume: str
    issue: str
    first_page: int
    last_page: int
    doi: str | None
    pmid: str
    keywords: tuple[str, ...]
    design: str
    facts: dict[str, Any]
    #: PubMed's relation fields of the record (``RIN``: this work's retraction notice;
    #: ``ROF``: the work this notice retracts), as (tag, PMID) pairs.
    relations: tuple[tuple[str, str], ...] = ()


def _facts(seed: int, number: int, theme: str, outcomes: tuple[str, str]) -> dict[str, Any]:
    """What a reviewer would chart about study ``number`` beyond its words.

    Its country, intervention, outcome domains, the direction of each, an instrument.
    """
    rng = random.Random(f"{seed}-{number}-facts")
    domains = sorted({DOMAINS[o] for o in (theme, *outcomes) if o in DOMAINS})
    draws = [rng.random() for _ in domains]
    directions = {d: _direction(x) for d, x in zip(domains, draws, strict=True)}
    return {
        "country": rng.choice(COUNTRIES),
        "intervention": rng.choice(sorted(INTERVENTIONS)),
        "directions": directions,
        "instrument": next((INSTRUMENTS[d] for d in domains if d in INSTRUMENTS), None),
    }


def _direction(draw: float) -> str:
    edge = 0.0
    for name, share, _ in DIRECTIONS:
        edge += share
        if draw < edge:
            return name
    return DIRECTIONS[0][0]


def _study(rng: random.Random, number: int, seed: int = 2026) -> Study:
    theme = rng.choice(sorted(THEMES))
    phrase = rng.choice(THEMES[theme])
    second = rng.choice([t for t in sorted(THEMES) if t != theme])
    setting, staff = rng.choice(SETTINGS), rng.choice(STAFF)
    design, opener = rng.choice(DESIGNS)
    outcome, outcome2 = rng.sample(OUTCOMES, 2)
    n = rng.randint(5, 900)
    facts = _facts(seed, number, theme, (outcome, outcome2))
    facts |= {"theme": theme, "phrase": phrase, "setting": setting, "staff": staff, "n": n}
    title = f"{TITLE_PREFIX}{phrase.capitalize()} among {staff} in {setting}: a {design}"
    tested = design in ("randomised controlled trial", "quality improvement report")
    found = " ".join(
        f"{d} {next(w for name, _, w in DIRECTIONS if name == facts['directions'][d])}."
        for d in facts["directions"]
    )
    abstract = " ".join(
        [
            f"Background: this synthetic record was generated to demonstrate the workbench; it "
            f"describes no real study. It imagines {phrase} for {staff} in {setting}.",
            f"Methods: {opener.format(n=n)} in {facts['country']}, looking at {phrase} and "
            f"{outcome}."
            + (f" The intervention tested was {facts['intervention']}." if tested else "")
            + (f" Measures included the {facts['instrument']}." if facts["instrument"] else ""),
            f"Results: teams reporting more {phrase} also reported better {outcome} and "
            f"{outcome2}; links with {rng.choice(THEMES[second])} were explored. {found}",
            f"Conclusions: leaders and frontline staff in {setting} could try small changes "
            f"that support {theme} and {second}.",
        ]
    )
    facts["tested"] = tested
    first = rng.randint(1, 900)
    return Study(
        number=number,
        title=title,
        abstract=abstract,
        authors=tuple((rng.choice(SURNAMES), rng.choice(GIVEN)) for _ in range(rng.randint(1, 5))),
        year=rng.randint(2008, 2025),
        journal=f"Synthetic Demonstration Journal of {rng.choice(JOURNAL_WORDS)} Studies",
        volume=str(rng.randint(1, 40)),
        issue=str(rng.randint(1, 12)),
        first_page=first,
        last_page=first + rng.randint(4, 20),
        doi=f"10.5555/synthetic-demo.{number:04d}",
        pmid=str(90000000 + number),
        keywords=(theme, second, setting, staff, design),
        design=design,
        facts=facts,
    )


def _variant(rng: random.Random, study: Study) -> Study:
    """The same study as another database spells it (a planted duplicate)."""
    changes: dict = {}
    if rng.random() < 0.5:
        body = study.title.removeprefix(TITLE_PREFIX)
        body = body.upper() if rng.random() < 0.3 else body + "."
        changes["title"] = TITLE_PREFIX + body
    if rng.random() < 0.4:
        changes["doi"] = None
    if rng.random() < 0.5:
        changes["authors"] = tuple((f, g[0]) for f, g in study.authors)
    return replace(study, **changes)


def _ris(studies: list[Study], *, ovid: bool) -> str:
    out = io.StringIO()
    for index, s in enumerate(studies, start=1):
        if ovid:
            out.write(f"{index}.\n")
        out.write("TY  - JOUR\n")
        out.write(f"T1  - {s.title}\n")
        for family, given in s.authors:
            out.write(f"{'A1' if ovid else 'AU'}  - {family}, {given}\n")
        out.write(f"Y1  - {s.year}//\n" if ovid else f"Y1  - {s.year}/01//\n")
        out.write(f"{'N2' if ovid else 'AB'}  - {s.abstract}\n")
        out.write(f"JF  - {s.journal}\nVL  - {s.volume}\nIS  - {s.issue}\n")
        out.write(f"SP  - {s.first_page}\nEP  - {s.last_page}\n")
        if s.doi:
            out.write(f"DO  - {s.doi}\n")
        for kw in s.keywords:
            out.write(f"KW  - {kw}\n")
        out.write(f"N1  - {DEMO_MARK}\n")
        out.write(
            "DB  - CINAHL Complete\nDP  - EBSCOhost\n"
            if not ovid
            else f"UR  - https://ovidsp.example.invalid/ovidweb.cgi?D=psyc&AN={s.number}\n"
        )
        out.write("ER  - \n\n")
    return out.getvalue()


def _medline_pages(first: int, last: int) -> str:
    """Pages as MEDLINE prints them: 466-75 for 466-475, but 491-504 in full.

    The last page's leading digits that repeat the first page's are dropped.
    """
    a, b = str(first), str(last)
    if a == b:
        return a
    same = 0
    while len(a) == len(b) and same < len(a) - 1 and a[same] == b[same]:
        same += 1
    return f"{a}-{b[same:]}"


def _medline(studies: list[Study]) -> str:
    out = io.StringIO()
    for s in studies:
        out.write(f"\nPMID- {s.pmid}\nTI  - {s.title}\nAB  - {s.abstract}\n")
        for family, given in s.authors:
            out.write(f"FAU - {family}, {given}\nAU  - {family} {given[0]}\n")
        out.write(f"DP  - {s.year}\nJT  - {s.journal}\nVI  - {s.volume}\nIP  - {s.issue}\n")
        out.write(f"PG  - {_medline_pages(s.first_page, s.last_page)}\n")
        if s.doi:
            out.write(f"LID - {s.doi} [doi]\n")
        out.write(f"PT  - Journal Article\nGN  - {DEMO_MARK}\n")
        for tag, pmid in s.relations:
            kind = "Retracted Publication" if tag == "RIN" else "Retraction of Publication"
            out.write(f"PT  - {kind}\n{tag} - {s.journal}. {s.year}. PMID: {pmid}\n")
        for kw in s.keywords:
            out.write(f"OT  - {kw}\n")
    return out.getvalue()


#: How many demo studies are retracted, each with a retraction notice in PubMed.
RETRACTED_STUDIES = 3


def _retract(bucket: list[Study], seed: int) -> list[Study]:
    """The PubMed bucket with ``RETRACTED_STUDIES`` of its studies retracted (seeded).

    Each retracted study's record says so (``RIN`` and the publication type, as PubMed
    writes them), and a retraction notice, itself a synthetic record, follows it.
    """
    chosen = set(random.Random(f"{seed}-retracted").sample(range(len(bucket)), RETRACTED_STUDIES))
    out = []
    for index, study in enumerate(bucket):
        if index not in chosen:
            out.append(study)
            continue
        notice_pmid = str(80000000 + study.number)  # not a study of its own (study_number)
        body = study.title.removeprefix(TITLE_PREFIX)
        notice = replace(
            study,
            title=f"{TITLE_PREFIX}Retraction notice to: {body}",
            abstract="This synthetic notice retracts the synthetic paper named in its title.",
            year=study.year + 1,
            first_page=study.first_page + 1000,
            last_page=study.first_page + 1000,
            doi=None,
            pmid=notice_pmid,
            relations=(("ROF", study.pmid),),
        )
        out += [replace(study, relations=(("RIN", notice_pmid),)), notice]
    return out


def _table(studies: list[Study], columns: tuple[str, ...], row) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for s in studies:
        writer.writerow(row(s))
    return out.getvalue()


def _scopus(studies: list[Study]) -> str:
    cols = (
        "Authors",
        "Title",
        "Year",
        "Source title",
        "Volume",
        "Issue",
        "Page start",
        "Page end",
        "DOI",
        "Abstract",
        "Author Keywords",
        "Document Type",
        "Source",
        "EID",
    )
    return _table(
        studies,
        cols,
        lambda s: (
            ", ".join(f"{f} {g[0]}." for f, g in s.authors),
            s.title,
            s.year,
            s.journal,
            s.volume,
            s.issue,
            s.first_page,
            s.last_page,
            s.doi or "",
            s.abstract,
            "; ".join(s.keywords),
            "Article",
            "Scopus",
            f"2-s2.0-synthetic{s.number:05d}",
        ),
    )


def _grey(studies: list[Study]) -> str:
    cols = ("Title", "Author", "Year", "Publisher", "URL", "Abstract", "Notes")
    return _table(
        studies,
        cols,
        lambda s: (
            s.title.replace(f": a {s.design}", ": a briefing"),
            "; ".join(f"{f}, {g}" for f, g in s.authors),
            s.year,
            "Synthetic Demonstration Improvement Network",
            f"https://example.invalid/{s.number}",
            s.abstract,
            DEMO_MARK,
        ),
    )


def generate(out: str | Path, *, n_studies: int = 240, seed: int = 2026) -> Path:
    """Write the demonstration corpus to ``<out>/raw/`` and ``<out>/searches.yml``.

    Parameters
    ----------
    out : str or Path
        Folder to write (e.g. ``corpus/demo``).
    n_studies : int
        Distinct invented studies; about a third are planted in two or three exports.
    seed : int
        Seed of the one random generator used; the same seed gives identical files.

    Returns
    -------
    Path
        The ``raw`` folder holding the exports.
    """
    rng = random.Random(seed)
    studies = [_study(rng, n, seed) for n in range(1, n_studies + 1)]
    buckets: list[list[Study]] = [[] for _ in EXPORTS]
    for study in studies:
        homes = rng.sample(range(len(EXPORTS) - 1), k=rng.choice((1, 1, 2, 3)))
        for position, home in enumerate(sorted(homes)):
            buckets[home].append(study if position == 0 else _variant(rng, study))
    buckets[-1] = [s for s in studies if rng.random() < 0.08]
    buckets[1] = _retract(buckets[1], seed)
    writers = (
        lambda b: _ris(b, ovid=False),
        _medline,
        lambda b: _ris(b, ovid=True),
        _scopus,
        _grey,
    )
    raw = Path(out) / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    log = []
    for (name, database, interface, day), bucket, write in zip(
        EXPORTS, buckets, writers, strict=True
    ):
        atomic.write_text(raw / name, write(bucket))
        log.append(
            {
                "file": name,
                "database": database,
                "interface": interface,
                "date_searched": day,
                "search_string": SEARCH_STRING,
                "hits_reported": len(bucket),
            }
        )
    header = (
        "# SYNTHETIC DEMONSTRATION CORPUS: invented records for trying the workbench.\n"
        "# Nothing here is evidence. Generated by `scoping demo`; do not edit.\n"
    )
    text = yaml.safe_dump(
        {"synthetic": True, "searches": log}, sort_keys=False, allow_unicode=True, width=100
    )
    atomic.write_text(Path(out) / "searches.yml", header + text)  # last: marks it complete
    return raw


def is_complete(out: str | Path) -> bool:
    """Whether ``out`` holds a whole demonstration corpus (its log and every export)."""
    log = Path(out) / "searches.yml"
    try:
        searches = (yaml.safe_load(log.read_text(encoding="utf-8")) or {}).get("searches")
    except (OSError, yaml.YAMLError, AttributeError):
        return False
    return bool(searches) and all(
        (Path(out) / "raw" / str(entry.get("file"))).is_file() for entry in searches
    )


#: Share of demo works given each synthetic screening decision (the rest stay unscreened).
DEMO_SCREENING = (
    ("include", None, 0.55),
    ("exclude", "wrong population", 0.10),
    ("exclude", "wrong setting", 0.08),
    ("exclude", "wrong study design", 0.07),
    ("maybe", None, 0.08),
)
DEMO_REVIEWER = "Synthetic demo reviewer"


def screen(unique_ids: list[str], store: DecisionStore, *, seed: int = 2026) -> int:
    """Record synthetic screening decisions on the demo works, once.

    Title and abstract decisions on every work, then, for the included ones, retrieval
    and full-text decisions, so that the demonstration packs show a whole PRISMA flow
    (included, excluded with reasons, maybe, not yet screened, and the full-text
    boxes). Nothing is recorded when the store already has events, so decisions a user
    makes while trying the workbench are kept. Every event names the synthetic
    reviewer and says it is invented. The decisions are stored in one transaction, so
    a run killed part-way leaves none and the next run makes them.

    Returns
    -------
    int
        The number of events recorded.
    """
    if len(store.events()):
        return 0
    rng = random.Random(seed)
    decisions = []
    for rid in sorted(unique_ids):
        decision, reason = _draw(rng.random(), DEMO_SCREENING)
        if decision:
            decisions.append(_invented(rid, "title_abstract", decision, reason))
    included = [d["target"] for d in decisions if d["decision"] == "include"]
    decisions += _full_text(included, random.Random(f"{seed}-full-text"))
    return len(store.record_many(decisions))  # all or none, even if killed part-way


def _draw(draw: float, table: tuple[tuple[str, str | None, float], ...]) -> tuple:
    edge = 0.0
    for decision, reason, share in table:
        edge += share
        if draw < edge:
            return decision, reason
    return None, None


def _invented(rid: str, stage: str, decision: str, reason: str | None) -> dict[str, Any]:
    return {
        "reviewer": DEMO_REVIEWER,
        "target": rid,
        "stage": stage,
        "decision": decision,
        "reason": reason,
        "note": "Synthetic demonstration decision: invented, not a judgement.",
    }


#: Shares of the included demo works given each synthetic retrieval decision, and of
#: the retrieved ones given each full-text decision.
DEMO_RETRIEVAL = (("retrieved", None, 0.92), ("not retrieved", "not found", 0.08))
DEMO_FULL_TEXT = (
    ("include", None, 0.76),
    ("exclude", "wrong concept", 0.08),
    ("exclude", "wrong context", 0.06),
    ("exclude", "wrong study design", 0.05),
    ("maybe", None, 0.05),
)


def _full_text(included: list[str], rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for rid in included:
        found, reason = _draw(rng.random(), DEMO_RETRIEVAL)
        out.append(_invented(rid, "retrieval", found, reason))
        if found == "retrieved":
            out.append(_invented(rid, "full_text", *_draw(rng.random(), DEMO_FULL_TEXT)))
    return out


# ------------------------------------------------------------------------ charting
DEMO_SECOND_REVIEWER = "Synthetic demo reviewer 2"


def studies(seed: int, count: int) -> list[Study]:
    """The first ``count`` invented studies of the corpus made with ``seed``."""
    rng = random.Random(seed)
    return [_study(rng, n, seed) for n in range(1, count + 1)]


def study_number(record: dict[str, Any]) -> int | None:
    """Which invented study a demo record describes (from its DOI, PMID or URL)."""
    for field, pattern in (
        ("doi", r"synthetic-demo\.(\d+)$"),
        ("pmid", r"^9(\d{7})$"),
        ("url", r"example\.invalid/(\d+)$"),
    ):
        value = record.get(field)
        found = re.search(pattern, value) if isinstance(value, str) else None
        if found:
            return int(found.group(1))
    return None


def chart(
    records: list[dict[str, Any]], store: DecisionStore, form: Any, *, seed: int = 2026
) -> int:
    """Chart the demo works included at full text, as a synthetic reviewer would, once.

    The values are those planted in each invented study (its country, design,
    intervention, the direction of each outcome). A quarter are charted by a second
    synthetic reviewer too, with one disagreement reconciled; for a fifth the key
    finding is a draft accepted unchecked. Nothing is recorded when the log already
    holds charting events; all or nothing is stored.
    """
    log = store.events()
    if (log["stage"] == STAGE).any():
        return 0
    final = final_decisions(store, "full_text", {r["record_id"]: r["record_id"] for r in records})
    chosen = [r for r in records if final.get(r["record_id"], ("",))[0] == "include"]
    numbers = {r["record_id"]: study_number(r) for r in chosen}
    known = studies(seed, max([n for n in numbers.values() if n] or [0]))
    rng = random.Random(f"{seed}-charting")
    events = []
    for rid, number in sorted(numbers.items()):
        if number:
            events += _charting_events(rid, _values(known[number - 1]), rng, form)
    return len(record_values(store, form, events))


def _values(study: Study) -> dict[str, Any]:
    """The charting form's values for an invented study (its planted facts)."""
    facts = study.facts
    directions = facts["directions"]
    found = " ".join(
        f"{d} {next(w for name, _, w in DIRECTIONS if name == directions[d])}." for d in directions
    )
    counted = study.design in ("cross-sectional survey", "qualitative study")
    tested = facts["tested"]
    return {
        "aims": f"To explore {facts['phrase']} for {facts['staff']} in {facts['setting']}.",
        "country": [facts["country"]],
        "setting": [LABELS[facts["setting"]]],
        "staff_group": [LABELS[facts["staff"]]],
        "sample_size": facts["n"] if counted else None,
        "study_design": LABELS[study.design],
        "interventions": [facts["intervention"]] if tested else None,
        "outcome_domains": list(directions),
        "instruments": [facts["instrument"]] if facts["instrument"] else None,
        "direction_of_effect": directions,
        "key_findings": f"{found} (Synthetic demonstration finding: invented.)",
        "change_ideas": INTERVENTIONS[facts["intervention"]][0].upper()
        + INTERVENTIONS[facts["intervention"]][1:]
        + "."
        if tested
        else None,
        "notes": "Synthetic demonstration study: invented, not evidence.",
    }


def _charting_events(
    rid: str, values: dict[str, Any], rng: random.Random, form: Any
) -> list[tuple[str, str, str, Any, str]]:
    """(reviewer, work, field, value, source) of one work's synthetic charting."""
    fields = [(f, v) for f, v in values.items() if v is not None and f in form.by_name]
    draft = rng.random() < 0.2  # the key finding accepted as drafted, unchecked
    out = [
        (DEMO_REVIEWER, rid, f, v, "draft" if draft and f == "key_findings" else "entered")
        for f, v in fields
    ]
    if rng.random() < 0.25:  # dual charting: a second reviewer, one disagreement resolved
        second = dict(fields)
        if isinstance(second.get("sample_size"), int):
            second["sample_size"] += 2
        out += [(DEMO_SECOND_REVIEWER, rid, f, v, "entered") for f, v in second.items()]
        if "sample_size" in second:
            out.append((DEMO_REVIEWER, rid, "sample_size", values["sample_size"], "reconciled"))
    return out
