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
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from . import atomic
from .curation.store import DecisionStore

#: Carried in the notes of every demonstration record, and checked for downstream.
DEMO_MARK = "SYNTHETIC DEMONSTRATION RECORD - invented for software testing, not evidence"
TITLE_PREFIX = "[Synthetic demo] "

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


def is_synthetic(title: str | None, notes: str | None) -> bool:
    """Whether a record is a demonstration record (by its title prefix or notes mark)."""
    return bool((title and title.startswith(TITLE_PREFIX)) or (notes and DEMO_MARK in notes))


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


def _study(rng: random.Random, number: int) -> Study:
    theme = rng.choice(sorted(THEMES))
    phrase = rng.choice(THEMES[theme])
    second = rng.choice([t for t in sorted(THEMES) if t != theme])
    setting, staff = rng.choice(SETTINGS), rng.choice(STAFF)
    design, opener = rng.choice(DESIGNS)
    outcome, outcome2 = rng.sample(OUTCOMES, 2)
    n = rng.randint(5, 900)
    title = f"{TITLE_PREFIX}{phrase.capitalize()} among {staff} in {setting}: a {design}"
    abstract = " ".join(
        [
            f"Background: this synthetic record was generated to demonstrate the workbench; it "
            f"describes no real study. It imagines {phrase} for {staff} in {setting}.",
            f"Methods: {opener.format(n=n)}, looking at {phrase} and {outcome}.",
            f"Results: teams reporting more {phrase} also reported better {outcome} and "
            f"{outcome2}; links with {rng.choice(THEMES[second])} were explored.",
            f"Conclusions: leaders and frontline staff in {setting} could try small changes "
            f"that support {theme} and {second}.",
        ]
    )
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


def _medline(studies: list[Study]) -> str:
    out = io.StringIO()
    for s in studies:
        out.write(f"\nPMID- {s.pmid}\nTI  - {s.title}\nAB  - {s.abstract}\n")
        for family, given in s.authors:
            out.write(f"FAU - {family}, {given}\nAU  - {family} {given[0]}\n")
        out.write(f"DP  - {s.year}\nJT  - {s.journal}\nVI  - {s.volume}\nIP  - {s.issue}\n")
        out.write(f"PG  - {s.first_page}-{str(s.last_page)[-2:]}\n")
        if s.doi:
            out.write(f"LID - {s.doi} [doi]\n")
        out.write(f"PT  - Journal Article\nGN  - {DEMO_MARK}\n")
        for kw in s.keywords:
            out.write(f"OT  - {kw}\n")
    return out.getvalue()


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
    studies = [_study(rng, n) for n in range(1, n_studies + 1)]
    buckets: list[list[Study]] = [[] for _ in EXPORTS]
    for study in studies:
        homes = rng.sample(range(len(EXPORTS) - 1), k=rng.choice((1, 1, 2, 3)))
        for position, home in enumerate(sorted(homes)):
            buckets[home].append(study if position == 0 else _variant(rng, study))
    buckets[-1] = [s for s in studies if rng.random() < 0.08]
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
    """Record synthetic title/abstract decisions on the demo works, once.

    The demonstration pack then shows a full PRISMA flow (included, excluded with
    reasons, maybe, not yet screened). Nothing is recorded when the store already has
    events, so decisions a user makes while trying the workbench are kept. Every event
    names the synthetic reviewer and says it is invented. The decisions are stored in
    one transaction, so a run killed part-way leaves none and the next run makes them.

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
        draw, edge = rng.random(), 0.0
        for decision, reason, share in DEMO_SCREENING:
            edge += share
            if draw < edge:
                decisions.append(
                    {
                        "reviewer": DEMO_REVIEWER,
                        "target": rid,
                        "stage": "title_abstract",
                        "decision": decision,
                        "reason": reason,
                        "note": "Synthetic demonstration decision: invented, not a judgement.",
                    }
                )
                break
    return len(store.record_many(decisions))  # all or none, even if killed part-way
