"""Charting drafts from a record's own text, each with the sentence it came from.

A draft is a suggestion shown to a person in the charting notebook, never a charted
value. For each work, and for each field of the charting form that says how
(``draft:``):

- ``objective``: the abstract's objective or aim section where it is labelled, else
  the first sentence that states an aim;
- ``conclusion`` (the key finding): the abstract's conclusion section where it is
  labelled ("Conclusions:", "INTERPRETATION:"...), else the closing sentences a
  :class:`ConclusionModel` finds, learned from the corpus's own labelled abstracts;
- ``sample_size``: "a total of 412 nurses", "n = 86", "a survey of 1,204 staff";
- ``country``: country names, UK nations and demonyms (ISO 3166 names);
- ``values``: the form's values whose words (``aliases``) occur in the text;
- ``codebook``: the codebook tags the record carries (settings, staff, designs).

Every draft row has its ``method`` and its ``evidence`` (the sentence, or the matched
words), so the person can see at once why it was suggested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pycountry
from sklearn.base import BaseEstimator
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from .atomic import Outputs
from .form import COUNTRY_NAMES, Form, load_form
from .tags import Codebook, load_codebook, records_file

#: Section headings of structured abstracts, by kind (compared in lower case).
HEADINGS: dict[str, tuple[str, ...]] = {
    "background": (
        "background",
        "introduction",
        "context",
        "rationale",
        "importance",
        "hypothesis",
        "purpose of review",
        "scope",
        "problem",
        "overview",
    ),
    "objective": (
        "objective",
        "objectives",
        "aim",
        "aims",
        "purpose",
        "goal",
        "goals",
        "question",
        "background and aims",
        "background and objectives",
        "background and purpose",
        "aims and objectives",
        "introduction and aims",
        "study objective",
        "research question",
    ),
    "methods": (
        "methods",
        "method",
        "materials and methods",
        "material and methods",
        "methods and materials",
        "design",
        "study design",
        "setting",
        "settings",
        "participants",
        "patients",
        "subjects",
        "sample",
        "intervention",
        "interventions",
        "measurements",
        "main outcome measures",
        "outcome measures",
        "data sources",
        "study selection",
        "data extraction",
        "research design and methods",
        "experimental approach",
        "design and methods",
        "methodology",
        "analysis",
        "design, setting and participants",
        "design, setting, and participants",
    ),
    "results": (
        "results",
        "findings",
        "key results",
        "recent findings",
        "main results",
        "methods and results",
        "approach and results",
        "key findings",
        "outcomes",
    ),
    "conclusion": (
        "conclusion",
        "conclusions",
        "interpretation",
        "implications",
        "relevance",
        "conclusions and implications",
        "conclusions and relevance",
        "significance",
        "clinical relevance",
        "discussion",
        "discussion and conclusions",
        "results and conclusions",
        "implications for practice",
        "summary",
        "practice implications",
        "implications for nursing",
        "conclusions/implications",
        "implications for nursing management",
        "relevance to clinical practice",
    ),
}
_KIND_OF = {h: kind for kind, heads in HEADINGS.items() for h in heads}
_HEAD = "|".join(sorted((re.escape(h) for h in _KIND_OF), key=len, reverse=True))
#: A heading followed by a colon or a dash, at the start or after a sentence end.
_COLON = re.compile(
    rf"(?:^\s*|(?<=[.!?\]):])\s*)(?:abstract\s*)?(?P<head>{_HEAD})\s*(?::|\s-\s|\u2014)\s*",
    re.IGNORECASE,
)
#: Any other heading ("Trial registration:", "Keywords:"): it ends the section before it.
_OTHER_HEADING = re.compile(r"(?<=[.!?])\s*[A-Z][A-Za-z ]{2,40}:\s")
#: A publisher's notice closing an abstract.
_COPYRIGHT = re.compile(
    r"(?:^|\s)(?:\(psycinfo database record\s*)?(?:\(c\)|\u00a9|copyright\b)"
    r"(?=\s*(?:\d{4}|\w)).*$",
    re.IGNORECASE | re.DOTALL,
)
#: A heading in capitals without a colon ("CONCLUSIONS We found...").
_CAPS = re.compile(r"(?:^\s*|(?<=[.!?\])]\s))(?P<head>[A-Z][A-Z ,/&]{2,60}?)\s+(?=[A-Z][a-z])")
#: Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "et",
        "al",
        "vs",
        "fig",
        "figs",
        "no",
        "nos",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "approx",
        "ca",
        "cf",
        "etc",
        "st",
        "vol",
        "resp",
        "ref",
        "refs",
        "eq",
        "inc",
        "ltd",
        "jr",
        "sr",
    ]
)
_SENTENCE_END = re.compile(
    r"\s*\n\s*"  # where unlabelled() joined two sections
    r"|(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])"
    r"|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])"  # "...pump.Setting" where a space was lost
)


@dataclass(frozen=True)
class Section:
    """One labelled section of an abstract: its kind, the heading as written, its text."""

    kind: str
    heading: str
    text: str


def sections(abstract: str | None) -> list[Section]:
    """The labelled sections of a structured abstract (empty for an unstructured one).

    >>> [(s.kind, s.text) for s in sections("Background: Staff are tired. "
    ...     "Methods: A survey. Conclusions: Rest helps.")]
    [('background', 'Staff are tired.'), ('methods', 'A survey.'), ('conclusion', 'Rest helps.')]
    """
    if not abstract:
        return []
    found = _labels(abstract)
    out = []
    if found and abstract[: found[0][0]].strip():  # text before the first heading
        out.append(Section("preamble", "", abstract[: found[0][0]].strip()))
    for number, (_, end, kind, heading) in enumerate(found):
        stop = found[number + 1][0] if number + 1 < len(found) else len(abstract)
        text = abstract[end:stop]
        other = _OTHER_HEADING.search(text)
        text = _COPYRIGHT.sub("", text[: other.start()] if other else text).strip()
        if text:
            out.append(Section(kind, heading, text))
    labelled = [s for s in out if s.kind != "preamble"]
    return out if len(labelled) >= 2 or (labelled and labelled[0].kind == "conclusion") else []


def _labels(abstract: str) -> list[tuple[int, int, str, str]]:
    """Each heading's start, end, kind and words, in order, none overlapping."""
    found = []
    for pattern in (_COLON, _CAPS):
        for match in pattern.finditer(abstract):
            heading = " ".join(match.group("head").split())
            kind = _KIND_OF.get(heading.lower().strip(" ,/&"))
            if kind:
                found.append((match.start("head"), match.end(), kind, heading))
    found.sort()
    kept: list[tuple[int, int, str, str]] = []
    for label in found:
        if not kept or label[0] >= kept[-1][1]:
            kept.append(label)
    return kept


def unlabelled(abstract: str | None) -> str:
    """The abstract as an unstructured one reads.

    Its section headings and a closing copyright notice are removed.

    >>> print(unlabelled("BACKGROUND: Staff are tired. CONCLUSION: rest helps. (c) 2020 Elsevier."))
    Staff are tired.
    rest helps.
    """
    parts = sections(abstract)
    if parts:  # a line break between sections: a section ends a sentence, whatever follows
        return "\n".join(s.text for s in parts)
    return _COPYRIGHT.sub("", abstract or "").strip()


def sentences(text: str | None) -> list[str]:
    """Sentences of a text.

    A sentence ends at ``.``, ``!`` or ``?`` before a capital or a digit, except after
    an abbreviation (e.g., et al., Fig.) or an initial.

    >>> sentences("Burnout was high (p < 0.05, e.g. in ICU). Dr. Smith et al. agreed. It fell.")
    ['Burnout was high (p < 0.05, e.g. in ICU).', 'Dr. Smith et al. agreed.', 'It fell.']
    """
    if not text:
        return []
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rstrip("\"')]")
        word = re.split(r"[\s(]", before)[-1].rstrip(".").lower()
        if word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word):
            continue
        out.append(text[start : match.start()].strip())
        start = match.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


# ------------------------------------------------------------------------ conclusion
#: Words that open a concluding sentence.
OPENERS = (
    "in conclusion",
    "we conclude",
    "to conclude",
    "in summary",
    "taken together",
    "overall",
    "these findings",
    "these results",
    "these data",
    "our findings",
    "our results",
    "our data",
    "our study",
    "this study",
    "the present study",
    "this review",
    "the findings",
    "the results",
    "collectively",
    "together",
    "thus",
    "therefore",
    "in sum",
    "altogether",
    "this is the first",
    "future",
    "further",
)
#: Words that mark a conclusion anywhere in a sentence.
MARKERS = (
    "suggest",
    "indicate",
    "demonstrate",
    "highlight",
    "implication",
    "should",
    "may ",
    "could ",
    "might",
    "recommend",
    "further research",
    "future research",
    "further studies",
    "is needed",
    "are needed",
    "warrant",
    "support the",
    "provide evidence",
    "potential",
)
#: How many closing sentences a conclusion may take.
LONGEST = 4
_STATISTIC = re.compile(
    r"\bp\s*[<=>≤]|\d\s*%|\b(?:CI|OR|RR|HR|SD|SE|IQR)\b|\d+\.\d+|=\s*-?\d|\(n\s*=",
    re.IGNORECASE,
)


def _words(found: list[str], start: int) -> dict[str, float]:
    """The opening words of the first sentence taken, and of the one before it.

    The learned model weighs them as the corpus's own concluding openers.
    """
    first = re.findall(r"[a-z]+", found[start].lower())[:3]
    before = re.findall(r"[a-z]+", found[start - 1].lower())[:2] if start > 0 else []
    out = {f"opens:{w}": 1.0 for w in first[:1]}
    out |= {f"opens:{' '.join(first[:2])}": 1.0} if len(first) >= 2 else {}
    out |= {f"before opens:{w}": 1.0 for w in before[:1]}
    out |= {f"has:{w}": 1.0 for w in set(re.findall(r"[a-z]{3,}", found[start].lower()))}
    return out


def _features(found: list[str], start: int) -> list[float]:
    """What speaks for the conclusion starting at sentence ``start`` of ``found``."""
    first, before = found[start].lower(), found[start - 1] if start > 0 else ""
    taken = found[start:]
    length = [float(len(found) - start == k) for k in range(1, LONGEST + 1)]
    opens = [float(first.startswith(cue)) for cue in OPENERS]
    return [
        *length,
        max(opens),
        *opens,
        float(any(m in first for m in MARKERS)),
        sum(any(m in t.lower() for m in MARKERS) for t in taken) / len(taken),
        float(bool(_STATISTIC.search(before))),
        float(bool(_STATISTIC.search(found[start]))),
        sum(bool(_STATISTIC.search(t)) for t in taken) / len(taken),
        float(start == 0),
    ]


#: The rules' weights on :func:`_features`, used when there is nothing to learn from:
#: take the last two sentences, more when a concluding opener starts earlier, fewer
#: when the second last reports statistics.
_RULES = np.array(
    [-0.3, 0.4, -0.6, -1.4, 2.5, *[0.0] * len(OPENERS), 0.4, 0.6, 0.5, -1.5, -1.2, -3.0]
)


class ConclusionModel(BaseEstimator):
    """Where the conclusion of an unlabelled abstract starts.

    A conclusion is a run of closing sentences, so the model chooses its first
    sentence among the last :data:`LONGEST`. Each choice is described by how many
    sentences it takes, whether its first sentence opens like a conclusion ("These
    findings...", "In conclusion"), concluding words, and whether the sentence before it
    (or the ones it takes) report statistics, as results do. The weights are learned
    from the corpus's own abstracts whose conclusion is labelled (their headings
    removed); with fewer than ``min_abstracts`` of them, fixed rules weigh the same
    features (:data:`_RULES`).

    Parameters
    ----------
    min_abstracts : int
        Fewest labelled abstracts to learn from.
    C : float
        Inverse regularisation of the logistic regression.
    random_state : int
        Seed of the solver (it is deterministic; kept for the convention).
    """

    def __init__(self, min_abstracts: int = 20, C: float = 1.0, random_state: int = 0) -> None:
        self.min_abstracts = min_abstracts
        self.C = C
        self.random_state = random_state

    def fit(self, abstracts: Iterable[str], y: Any = None) -> ConclusionModel:
        """Learn from the abstracts that carry a labelled conclusion (others are skipped)."""
        rows, labels = [], []
        self.n_abstracts_ = 0
        for abstract in abstracts:
            example = _example(abstract)
            if example is None:
                continue
            found, true_start = example
            self.n_abstracts_ += 1
            for start in _starts(found):
                rows.append(self._row(found, start))
                labels.append(int(start == true_start))
        self.learned_ = self.n_abstracts_ >= self.min_abstracts and len(set(labels)) == 2
        if self.learned_:
            self.vectoriser_ = DictVectorizer(sort=True)
            self.classifier_ = LogisticRegression(
                C=self.C, max_iter=2000, random_state=self.random_state
            ).fit(self.vectoriser_.fit_transform(rows), labels)
        return self

    @staticmethod
    def _row(found: list[str], start: int) -> dict[str, float]:
        numbers = {f"f{n}": v for n, v in enumerate(_features(found, start))}
        return numbers | _words(found, start)

    def predict_one(self, abstract: str) -> str:
        """The conclusion of one abstract (headings, if any, are ignored)."""
        found = prose(sentences(unlabelled(abstract)))
        if len(found) <= 1:
            return " ".join(found)
        starts = _starts(found)
        if getattr(self, "learned_", False):
            rows = [self._row(found, s) for s in starts]
            score = self.classifier_.decision_function(self.vectoriser_.transform(rows))
        else:
            score = np.asarray([_features(found, s) for s in starts]) @ _RULES
        return " ".join(found[starts[int(np.argmax(score))] :])


#: Closing lines that are not the abstract's prose (funding, disclosures, references).
_NOT_PROSE = re.compile(
    r"^(?:supported by|funding|funded by|disclosures?|conflicts? of interest|keywords?|"
    r"key words|trial registration|registration|reference|copyright)\b",
    re.IGNORECASE,
)


def prose(found: list[str]) -> list[str]:
    """The sentences without the lines that close some abstracts but are not prose.

    Trailing funding notes, disclosures, keyword lists and citations ("2016;5(1):36-43.",
    "NEURODEV, INF, STRESS") are dropped; a text of nothing else is kept as it is.

    >>> prose(["Rest helped.", "Supported by the NHS.", "2016;5(1):36-43."])
    ['Rest helped.']
    """
    end = len(found)
    while end > 1 and (
        _NOT_PROSE.match(found[end - 1]) or len(re.findall(r"\b[a-z]{3,}\b", found[end - 1])) < 3
    ):
        end -= 1
    return found[:end]


def _starts(found: list[str]) -> list[int]:
    """Where a conclusion may start: one of the last :data:`LONGEST` sentences.

    Never the first sentence of the abstract.
    """
    return list(range(max(1, len(found) - LONGEST), len(found)))


def _example(abstract: str) -> tuple[list[str], int] | None:
    """A labelled abstract as training data, if its conclusion is within reach.

    Its sentences (no headings) and where its conclusion starts.
    """
    parts = sections(abstract)
    kinds = [p.kind for p in parts]
    if "conclusion" not in kinds or kinds[-1] != "conclusion":
        return None
    found = prose([t for p in parts for t in sentences(p.text)])
    start = len(found) - len(prose(sentences(parts[-1].text)))
    return (found, start) if start in _starts(found) else None


def conclusion(abstract: str | None, model: ConclusionModel) -> tuple[str, str]:
    """The key finding of an abstract, and how it was found.

    A section headed "Conclusion(s)" wins over other concluding sections
    ("Interpretation", "Implications") when an abstract has several.
    """
    labelled = [s for s in sections(abstract) if s.kind == "conclusion"]
    if labelled:
        proper = [s for s in labelled if s.heading.lower().startswith("conclusion")]
        return (proper or labelled)[0].text, "labelled conclusion"
    if not abstract:
        return "", ""
    method = "closing sentences (learned)" if model.learned_ else "closing sentences (cues)"
    return model.predict_one(abstract), method


def last_sentences(abstract: str | None, n: int = 2) -> str:
    """The naive baseline: the last ``n`` sentences of the abstract, labels removed."""
    return " ".join(sentences(unlabelled(abstract))[-n:])


def token_f1(predicted: str, gold: str) -> float:
    """Token overlap F1 of two texts (lower-case words, as SQuAD scores answers)."""
    a, b = re.findall(r"\w+", predicted.lower()), re.findall(r"\w+", gold.lower())
    if not a or not b:
        return float(a == b)
    common = sum(min(a.count(t), b.count(t)) for t in set(a) & set(b))
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


# ------------------------------------------------------------------------ objective
_AIM = re.compile(
    r"\b(aims? (?:was|were|is|of)|objectives? (?:was|were|is|of)|purpose of|this (?:study|"
    r"paper|review|article) (?:aims|aimed|sought|examines|examined|explores|explored|"
    r"investigates|investigated|assesses|assessed|describes|evaluates|evaluated)|we "
    r"(?:aimed|sought|examined|explored|investigated|assessed|evaluated))\b",
    re.IGNORECASE,
)


def objective(abstract: str | None) -> tuple[str, str]:
    """The aim: a labelled objective section, else the first sentence stating an aim."""
    labelled = [s.text for s in sections(abstract) if s.kind == "objective"]
    if labelled:
        return labelled[0], "labelled objective"
    for sentence in sentences(unlabelled(abstract)):
        if _AIM.search(sentence):
            return sentence, "sentence stating an aim"
    return "", ""


# ------------------------------------------------------------------------ sample size
_PEOPLE = (
    r"(?:participants?|respondents?|nurses?|staff|employees?|workers?|physicians?|doctors?|"
    r"clinicians?|students?|patients?|inpatients?|outpatients?|residents?|midwives|midwife|"
    r"paramedics?|managers?|leaders?|professionals?|practitioners?|carers?|caregivers?|"
    r"subjects?|individuals?|people|persons?|adults?|adolescents?|children|youths?|boys|"
    r"girls|women|men|mothers|fathers|parents|families|veterans|clients|users|volunteers?|"
    r"members?|trainees?|surgeons?|pharmacists?|therapists?|interviewees?|personnel|"
    r"providers?|survivors|gamblers|bettors|smokers|drinkers|older adults|cases|controls)"
)
_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD = "|".join([*_UNITS, *_TENS, "hundred", "thousand", "and"])
#: A count in figures ("1,204", "86") or in words ("Two hundred and fourteen").
_COUNT = rf"(\d{{1,3}}(?:,\d{{3}})+|\d+|(?:(?:{_WORD})[\s-]+)*(?:{_WORD}))"
#: A count of people: the count, up to five describing words, a word for people. A
#: count followed by million, per cent or a decimal is not one.
_PEOPLE_COUNT = re.compile(
    rf"(?<![\w.,-]){_COUNT}(?![.,]\d)(?!\s*(?:%|percent|per cent|million|billion))\s+"
    rf"(?:(?!and\b)[A-Za-z()-]+\s+){{0,5}}?{_PEOPLE}\b",
    re.IGNORECASE,
)
_N_EQUALS = re.compile(rf"\b[nN]\s*=\s*{_COUNT}\b(?![.,]\d)")


def _number(text: str) -> int | None:
    """A count written in figures or in English words, as an integer.

    >>> _number("1,204"), _number("Two hundred and fourteen"), _number("Sixty-three")
    (1204, 214, 63)
    """
    text = text.lower().replace(",", "")
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for word in re.split(r"[\s-]+", text):
        if word in _UNITS or word in _TENS:
            current += _UNITS.get(word, 0) + _TENS.get(word, 0)
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total, current = total + max(current, 1) * 1000, 0
        elif word != "and":
            return None
    return total + current or None


def sample_size(text: str | None) -> tuple[int | None, str, str]:
    """The sample size the text reports (people), with the sentence and how it was found.

    Every count of people ("214 students", "Sixty-three boys", "n = 86") is a
    candidate; the largest wins, since an abstract that reports a total also reports
    its parts (arms, men and women, cases and controls), which are smaller. Counts of
    studies, sites or years are not counts of people, and a count in the millions or
    a percentage is none.

    >>> sample_size("We surveyed 83 men and 131 women (214 students). 62% replied.")[:2]
    (214, 'We surveyed 83 men and 131 women (214 students).')
    >>> sample_size("Two hundred and fourteen university students took part.")[0]
    214
    """
    best: tuple[int, str, str] | None = None
    for sentence in sentences(unlabelled(text)):
        found = [(m, "count of people") for m in _PEOPLE_COUNT.finditer(sentence)]
        found += [(m, "n =") for m in _N_EQUALS.finditer(sentence)]
        for match, how in found:
            value = _number(match.group(1))
            if value and value < 10**7 and (best is None or value > best[0]):
                best = (value, sentence, how)
    return best if best else (None, "", "")


# ------------------------------------------------------------------------ countries
#: Adjectives of nationality that place a study, by country (as pycountry names it).
DEMONYMS = {
    "British": "United Kingdom",
    "Scottish": "United Kingdom",
    "Welsh": "United Kingdom",
    "American": "United States",
    "Canadian": "Canada",
    "Australian": "Australia",
    "Chinese": "China",
    "Japanese": "Japan",
    "Korean": "Korea, Republic of",
    "German": "Germany",
    "French": "France",
    "Dutch": "Netherlands",
    "Swedish": "Sweden",
    "Norwegian": "Norway",
    "Danish": "Denmark",
    "Finnish": "Finland",
    "Italian": "Italy",
    "Spanish": "Spain",
    "Portuguese": "Portugal",
    "Irish": "Ireland",
    "Iranian": "Iran, Islamic Republic of",
    "Indian": "India",
    "Brazilian": "Brazil",
    "Turkish": "Türkiye",
    "Saudi": "Saudi Arabia",
    "Taiwanese": "Taiwan, Province of China",
    "Swiss": "Switzerland",
    "Belgian": "Belgium",
    "Austrian": "Austria",
    "Polish": "Poland",
    "Greek": "Greece",
    "Israeli": "Israel",
    "Nigerian": "Nigeria",
    "Ghanaian": "Ghana",
    "Kenyan": "Kenya",
    "Egyptian": "Egypt",
    "Pakistani": "Pakistan",
    "Malaysian": "Malaysia",
    "Singaporean": "Singapore",
    "Thai": "Thailand",
    "Vietnamese": "Viet Nam",
    "Indonesian": "Indonesia",
    "Filipino": "Philippines",
    "Mexican": "Mexico",
    "Chilean": "Chile",
    "Colombian": "Colombia",
    "Ethiopian": "Ethiopia",
}
#: Country names that are also common words in this literature (guinea pigs, Chad...).
AMBIGUOUS = frozenset({"Guinea", "Chad", "Jordan", "Georgia", "Jersey", "Niger", "Turkey"})


def _country_table() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        canonical = getattr(country, "common_name", None) or country.name
        for name in {country.name, canonical, getattr(country, "official_name", "")}:
            if name and name not in AMBIGUOUS:
                names[name] = canonical
    for short, full in {**COUNTRY_NAMES, **DEMONYMS}.items():
        found = pycountry.countries.get(name=full) or pycountry.countries.lookup(full)
        if "." not in short and short not in ("US", "America"):
            names[short] = getattr(found, "common_name", None) or found.name
    return names


_COUNTRIES = _country_table()
_COUNTRY = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _COUNTRIES), key=len, reverse=True)) + r")\b"
)


#: Sentences that name a country for another reason than the study's place: an
#: affiliation, a publisher's or public-domain notice, a journal's masthead.
_NOT_PLACE = re.compile(
    r"\b(?:universit(?:y|ies)|department|dept\.|school of|faculty of|institute|ltd|inc\b|labs?\b"
    r"|public domain|government work|copyright|\u00a9|journal of|volume \d|issue \d)",
    re.IGNORECASE,
)
#: Words around a name that make it something else: New South Wales, New England, North
#: American, American Indian, an Italian version of a scale.
_NOT_COUNTRY_BEFORE = re.compile(r"(?:\bNew|\bNorth|\bSouth|\bLatin|\bCentral)\s+$")
_NOT_COUNTRY_AFTER = re.compile(
    r"^\s+(?:[A-Z]\w*|version|adaptation|translation|language|speaking|cheese)\b"
)


def countries(text: str | None) -> list[tuple[str, str]]:
    """Countries the text places its study in, each with the first sentence naming it.

    A name inside another place's name (New South Wales), an adjective of nationality
    before a capitalised word (American Indian) or a language word ("Italian version"),
    and sentences that are affiliations or notices do not count.

    >>> for found in countries("Nurses in England and Scotland. Canadian data agreed. "
    ...                        "Women in New South Wales took part."):
    ...     print(found)
    ('United Kingdom', 'Nurses in England and Scotland.')
    ('Canada', 'Canadian data agreed.')
    """
    found: dict[str, str] = {}
    for sentence in sentences(unlabelled(text)):
        if _NOT_PLACE.search(sentence):
            continue
        for match in _COUNTRY.finditer(sentence):
            name = match.group(1)
            before, after = sentence[: match.start()], sentence[match.end() :]
            previous = before.split()[-1] if before.split() else ""
            if _NOT_COUNTRY_BEFORE.search(before) or (
                name in DEMONYMS and (_NOT_COUNTRY_AFTER.match(after) or previous in DEMONYMS)
            ):
                continue
            found.setdefault(_COUNTRIES[name], sentence)
    return list(found.items())


# ------------------------------------------------------------------------ values
@lru_cache(maxsize=4096)
def _alias_pattern(alias: str) -> re.Pattern[str]:
    """Acronyms (capitals, digits, up to 6 letters) match as written; words in any case."""
    words = r"[\s-]+".join(map(re.escape, alias.split()))
    exact = re.fullmatch(r"[A-Z][A-Z0-9-]{1,7}", alias) is not None
    return re.compile(rf"(?<![\w-]){words}(?![\w-])", 0 if exact else re.IGNORECASE)


def value_matches(field: Any, text: str | None) -> list[tuple[str, str]]:
    """The field's values whose words occur in the text, each with its sentence.

    An acronym the text defines as something else does not count: "mindfulness-based
    intervention (MBI)" is not the Maslach Burnout Inventory.
    """
    found: dict[str, str] = {}
    prose_text = unlabelled(text)
    patterns = [
        (value, alias, _alias_pattern(alias))
        for value in field.values
        for alias in dict.fromkeys((value.value, *value.aliases))
        if not _defined_otherwise(alias, value, prose_text)
    ]
    for sentence in sentences(prose_text):
        for value, _, pattern in patterns:
            if value.value not in found and pattern.search(sentence):
                found[value.value] = sentence
    return sorted(found.items(), key=lambda kv: field.allowed.index(kv[0]))


def _defined_otherwise(alias: str, value: Any, text: str) -> bool:
    """Whether the text spells out the acronym ``alias`` as words that are not ``value``."""
    if not re.fullmatch(r"[A-Z][A-Z0-9-]{1,7}", alias) or f"({alias}" not in text.replace(
        "( ", "("
    ):
        return False
    names = {a.lower() for a in (value.value, *value.aliases)}
    letters = sum(1 for ch in alias if ch.isalpha())
    for match in re.finditer(rf"\(\s*{re.escape(alias)}s?\s*\)", text):
        words = re.findall(r"[\w-]+", text[max(0, match.start() - 120) : match.start()])
        if words and " ".join(words[-letters:]).lower() not in names:
            return True
    return False


# ------------------------------------------------------------------------ drafting
COLUMNS = ("record_id", "field", "value", "evidence", "method")


def draft_records(
    records: pd.DataFrame, form: Form, model: ConclusionModel, tags: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Draft rows for every record and every field of the form that says how.

    A field drafted as a list (countries, choices) gets one row per value; values are
    written as they would be charted.
    """
    tagged = _tag_evidence(form, tags)
    rows = []
    for record in records.to_dict("records"):
        rid = record["record_id"]
        abstract = record["abstract"] if _text(record.get("abstract")) else ""
        title = record["title"].rstrip(".") + "." if _text(record.get("title")) else ""
        text = f"{title} {unlabelled(abstract)}".strip()  # headings of the abstract only
        for field in form.fields:
            found = tagged.get(field.name, {}).get(rid, [])
            for value, evidence, method in _drafts(field, text, abstract, model, found):
                rows.append((rid, field.name, value, evidence, method))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _drafts(
    field: Any, text: str, abstract: str, model: ConclusionModel, tagged: list[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    kind = field.draft
    if kind == "conclusion":
        found, method = conclusion(abstract, model)
        return [(found, found, method)] if found else []
    if kind == "objective":
        found, method = objective(abstract)
        return [(found, found, method)] if found else []
    if kind == "sample_size":
        value, sentence, how = sample_size(text)
        return [(str(value), sentence, f"largest {how}")] if value else []
    if kind == "country":
        return [(c, s, "country name") for c, s in countries(text)]
    if kind == "values":
        return [(v, s, "words of the value") for v, s in value_matches(field, text)]
    if kind == "codebook":
        return [(value, evidence, "codebook tag") for value, evidence in tagged]
    return []


def _tag_evidence(
    form: Form, tags: pd.DataFrame | None
) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """For each codebook field, each record's tagged values with the tag's evidence.

    A value's tag-matrix column is found by its label; read once here, not cell by cell
    (a data frame cell read per record and value took seconds on a few hundred works).
    """
    if tags is None:
        return {}
    by_label = tags.attrs.get("labels", {})
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for field in (f for f in form.fields if f.draft == "codebook"):
        columns = [(v.value, by_label.get(v.value, "")) for v in field.values]
        columns = [(value, name) for value, name in columns if name]
        names = list(dict.fromkeys(name for _, name in columns))
        cells = tags[names].to_dict("index") if names else {}
        out[field.name] = {
            rid: [(value, row[name]) for value, name in columns if row[name]]
            for rid, row in cells.items()
        }
    return out


def run(
    folder: str | Path,
    form_path: str | Path,
    codebook_path: str | Path,
    *,
    stale: Iterable[str] = (),
) -> pd.DataFrame:
    """``scoping draft DIR``: draft every work of DIR into ``DIR/drafts.csv``.

    The conclusion model learns from the corpus's own labelled abstracts. The drafts
    are swapped in whole (``stale`` files are removed in the same commit).
    """
    folder = Path(folder)
    codebook = load_codebook(codebook_path)
    form = load_form(form_path, codebook)
    records = pd.read_parquet(records_file(folder)).sort_values("record_id", ignore_index=True)
    tags = _tag_matrix(folder, codebook)
    model = ConclusionModel().fit(records["abstract"].dropna())
    table = draft_records(records, form, model, tags)
    with Outputs(folder) as out:
        table.to_csv(out.path("drafts.csv"), index=False)
        out.remove(*stale)
    return table


def _tag_matrix(folder: Path, codebook: Codebook) -> pd.DataFrame | None:
    path = folder / "tag_matrix.parquet"
    if not path.is_file():
        return None
    tags = pd.read_parquet(path).set_index("record_id")
    tags.attrs["labels"] = {t.label: t.name for t in codebook.tags if t.name in tags.columns}
    return tags


def summary(table: pd.DataFrame, out: Path) -> str:
    """What drafting did, in one line."""
    fields = table.groupby("field")["record_id"].nunique()
    counts = ", ".join(f"{name} {n}" for name, n in fields.items())
    return (
        f"drafts: {table['record_id'].nunique()} works drafted ({counts or 'nothing found'}); "
        f"suggestions for a person to check, never charted values -> {out / 'drafts.csv'}"
    )


def _text(value: Any) -> bool:
    """Whether a record's field holds text (not None, NaN or empty)."""
    return isinstance(value, str) and bool(value.strip())
