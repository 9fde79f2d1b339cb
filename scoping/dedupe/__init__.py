"""Deduplication: group records that describe the same work, never delete any.

1. Keys: each record gets matching keys (folded title, first author's family name,
   year, first page, volume, journal, DOI, PMID, PMCID) and its kind (erratum,
   comment, reply, retraction, conference abstract, preprint) from title and type.
2. Candidates: records that share an identifier or a blocking key (title prefix,
   title suffix, author+year+first page, journal+volume+first page) are compared;
   nothing else is, so time grows with the number of records, not its square.
3. Comparison: an explainable score from the fields that agree and disagree. A
   shared DOI, PMID or PMCID is decisive; conflicting DOIs veto a title match; an
   erratum, comment, reply or retraction is never merged with the paper it concerns;
   a preprint and its published version are linked as *related*, not merged.
4. Decisions: pairs at or above ``same`` are merged, pairs in ``[maybe, same)`` are
   listed for a person to review. A person's decision ("same" / "not the same")
   overrides the algorithm.
5. Groups: connected merged pairs form a group; its primary record is the richest
   (abstract, DOI, most fields), ties broken by ``record_id``, so the result does not
   depend on input order. The merged record takes each field from the primary, or
   else from the richest member that has it.

The stage is split by job: :mod:`.keys` (what records are compared on),
:mod:`.blocking` (which pairs are compared), :mod:`.compare` (the verdict on a pair),
:mod:`.group` (groups and a person's decisions), :mod:`.outputs` (the files and the
stage) and :mod:`.evaluate` (scores against gold groups); :mod:`.params` holds the
thresholds. Every name the former single module had is importable from here.
"""

from .blocking import candidate_pairs
from .compare import PairResult, compare, pages_apart, ranges_overlap, title_similarity
from .evaluate import (
    Evaluation,
    LinkScore,
    evaluate,
    evaluate_files,
    load_gold,
    score_links,
    source_ids,
)
from .group import DECISIONS_FILE, DedupeResult, deduplicate, load_decisions
from .keys import KIND_PATTERNS, fold, journals_compatible, page_range, prepare, print_span
from .outputs import duplicates_table, review_table, run, unique_table
from .params import DedupeParams

__all__ = [
    "DECISIONS_FILE",
    "KIND_PATTERNS",
    "DedupeParams",
    "DedupeResult",
    "Evaluation",
    "LinkScore",
    "PairResult",
    "candidate_pairs",
    "compare",
    "deduplicate",
    "duplicates_table",
    "evaluate",
    "evaluate_files",
    "fold",
    "journals_compatible",
    "load_decisions",
    "load_gold",
    "page_range",
    "pages_apart",
    "prepare",
    "print_span",
    "ranges_overlap",
    "review_table",
    "run",
    "score_links",
    "source_ids",
    "title_similarity",
    "unique_table",
]
