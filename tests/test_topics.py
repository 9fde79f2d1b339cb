"""Topic models: coherence, stability, choice of k, outputs, determinism across processes."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix

from scoping.errors import InputError
from scoping.topics import (
    TopicModel,
    document_topics,
    draft_tag,
    match_topics,
    npmi,
    record_text,
    top_indices,
)

# Three clearly separate vocabularies, 12 documents each.
GROUPS = {
    "burnout": "burnout emotional exhaustion nurses workload depersonalisation fatigue",
    "safety": "psychological safety speaking voice silence team learning concerns",
    "cartilage": "cartilage knee repair graft chondrocyte implantation defect",
}


def corpus():
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for label, words in GROUPS.items():
        vocab = words.split()
        for _ in range(12):
            texts.append(" ".join(rng.choice(vocab, size=12)))
            labels.append(label)
    return texts, labels


def test_npmi_of_words_always_together_never_together_and_independent():
    # columns: a and b always together; c never with a; d in half of the documents
    x = csr_matrix(np.array([[1, 1, 0, 1], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0]]))
    assert npmi(x, np.array([0, 1])) == pytest.approx(1.0)
    assert npmi(x, np.array([0, 2])) == pytest.approx(-1.0)
    assert npmi(x, np.array([0, 3])) == pytest.approx(0.0)


def test_top_terms_break_ties_by_term_order_and_matching_is_one_to_one():
    assert top_indices(np.array([[1.0, 3.0, 3.0, 0.0]]), 3).tolist() == [[1, 2, 0]]
    a = np.array([[0, 1, 2], [3, 4, 5]])
    b = np.array([[3, 4, 9], [0, 1, 2]])
    assert match_topics(a, b).tolist() == pytest.approx([1.0, 0.5])
    # two topics of a cannot both claim the same topic of b
    assert match_topics(
        np.array([[0, 1, 2], [0, 1, 2]]), np.array([[0, 1, 2], [7, 8, 9]])
    ).tolist() == [1.0, 0.0]


def test_auto_k_recovers_three_separate_vocabularies():
    texts, labels = corpus()
    model = TopicModel(k_range=(2, 6), min_df=1, max_df=1.0, ngram_range=(1, 1), top_n=7)
    model.fit(texts)
    assert model.n_topics_ == 3
    assert list(model.selection_["k"]) == [2, 3, 4, 5, 6]
    best = model.selection_.loc[model.selection_["score"].idxmax()]
    assert best["k"] == 3
    main, share = model.assignments()
    found = pd.crosstab(pd.Series(labels), pd.Series(main))
    assert (found > 0).sum(axis=1).tolist() == [1, 1, 1]  # each vocabulary one topic
    assert (share > 0.5).all()
    assert model.topic_stability_.tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert all(len(set(label.split(" / "))) == 3 for label in model.labels())


def test_explicit_k_skips_selection_and_lda_runs():
    texts, _ = corpus()
    model = TopicModel(n_topics=4, method="lda", min_df=1, max_df=1.0, ngram_range=(1, 1))
    model.fit(texts)
    assert model.n_topics_ == 4 and model.selection_.empty
    assert model.transform(texts[:2]).shape == (2, 4)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"method": "bertopic"}, "not one of nmf, lda"),
        ({"n_topics": "many"}, "n_topics must be an integer"),
        ({"k_range": (6, 3)}, "k_range must be"),
        ({"random_state": -1}, "the seed must be a whole number from 0 to 4294967295"),
        ({"n_topics": 500}, "500 topics need at least as many records and distinct words"),
    ],
)
def test_bad_parameters_are_named(params, message):
    with pytest.raises(InputError, match=message):
        TopicModel(**params).fit(corpus()[0])


def test_too_few_documents_and_no_words():
    with pytest.raises(InputError, match="too few"):
        TopicModel().fit(["one text", "another"])
    with pytest.raises(InputError, match="no usable words"):
        TopicModel(k_range=(2, 3)).fit(["", "the and of", "", "", "", ""])


def test_documents_without_words_get_no_topic():
    texts, _ = corpus()
    model = TopicModel(n_topics=3, min_df=1, max_df=1.0, ngram_range=(1, 1)).fit([*texts, "the of"])
    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts) + 1)]})
    docs = document_topics(model, records)
    assert docs["topic"].iloc[-1] == -1 and docs["weight"].iloc[-1] == 0


def test_draft_tag_prefills_terms_and_says_it_is_a_draft():
    table = pd.DataFrame(
        {"topic": [0], "label": ["psychological safety / voice"], "top_terms": ["a; b; c"]}
    )
    draft = draft_tag(table, 0)
    assert draft["name"] == "draft_psychological_safety"
    assert draft["include"] == ["a", "b", "c"] and draft["definition"].startswith("DRAFT")
    with pytest.raises(InputError, match=r"topic 3 is not in topics\.csv"):
        draft_tag(table, 3)


SNAPSHOT = """
import hashlib, sys
from pathlib import Path
from scoping import topics
build = Path(sys.argv[1])
topics.run(build, topics.TopicModel(random_state=7, k_range=(4, 8), n_jobs=int(sys.argv[2])))
for name in topics.OUTPUTS:
    print(name, hashlib.sha256((build / name).read_bytes()).hexdigest())
"""


@pytest.fixture
def demo(demo_copy):
    return demo_copy / "build"


def test_same_inputs_and_seed_give_identical_topics_in_two_processes(demo):
    def snapshot(jobs):
        out = subprocess.run(
            [sys.executable, "-c", SNAPSHOT, str(demo), str(jobs)],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    first, second = snapshot(1), snapshot(2)
    assert first == second and len(first.splitlines()) == 5
    table = pd.read_csv(demo / "topics.csv")
    docs = pd.read_csv(demo / "doc_topics.csv")
    unique = pd.read_parquet(demo / "unique.parquet")
    assert sorted(docs["record_id"]) == sorted(unique["record_id"])
    assert table["size"].sum() == (docs["topic"] >= 0).sum()
    weights = pd.read_parquet(demo / "doc_topic_weights.parquet")
    assert list(weights["record_id"]) == list(docs["record_id"])
    assert weights.shape[1] == len(table) + 1
    main = weights.drop(columns="record_id").to_numpy().argmax(axis=1)
    assert (main[docs["topic"] >= 0] == docs["topic"][docs["topic"] >= 0]).all()
    assert 4 <= len(table) <= 8
    years = pd.read_csv(demo / "topic_years.csv")
    assert years.groupby("topic")["records"].sum().to_dict() == {
        t: n for t, n in table.set_index("topic")["size"].items() if n
    }


def test_cli_topics_and_draft(demo):
    run = subprocess.run(
        [sys.executable, "-m", "scoping.cli", "topics", str(demo), "--k", "5"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "topics: 5 NMF topics (as set, seed 2026)" in run.stdout
    draft = subprocess.run(
        [sys.executable, "-m", "scoping.cli", "topics", str(demo), "--draft-tag", "0"],
        capture_output=True,
        text=True,
    )
    assert draft.returncode == 0 and "name: draft_" in draft.stdout and "include:" in draft.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "scoping.cli", "topics", str(demo), "--k", "five"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error: --k must be")


def test_the_range_grows_with_the_corpus():
    from scoping.topics import auto_range

    assert auto_range(278) == (3, 8)
    assert auto_range(996) == (5, 16)
    assert auto_range(7234) == (5, 20) == auto_range(50_000)
    assert auto_range(40)[0] == 3 and auto_range(40)[1] >= 6


def test_a_k_with_many_unstable_topics_loses_to_a_stable_one():
    table = pd.DataFrame(
        {
            "k": [4, 8, 12],
            "topics": [4, 8, 12],  # no facets joined
            "coherence": [0.2, 0.3, 0.3],
            "stability": [0.8, 0.6, 0.7],
            "unstable": [0, 2, 6],  # 12 topics, half unstable: not eligible
        }
    )
    table["score"] = table["coherence"] * table["stability"]
    assert TopicModel._best(table) == 8
    assert TopicModel._best(table.assign(unstable=[2, 6, 9])) == 4  # none: the fewest unstable


def test_the_smallest_k_that_resolves_every_subject_wins_once_facets_are_joined():
    table = pd.DataFrame(
        {
            "k": [7, 8, 9, 10, 11],
            "topics": [7, 7, 8, 9, 9],  # from k=10 more topics are only facets
            "coherence": [0.5, 0.4, 0.4, 0.4, 0.4],
            "stability": [0.9, 0.8, 0.8, 0.8, 0.8],
            "unstable": [0, 1, 1, 0, 0],
        }
    )
    table["score"] = table["coherence"] * table["stability"]
    assert TopicModel._best(table) == 10  # not k=7, the best score, which lumps subjects
    # subjects are stable topics: k=10's nine include an unstable one, k=11's do not
    assert TopicModel._best(table.assign(unstable=[0, 0, 0, 1, 0])) == 11
    # a k with more than a third unstable is not considered
    assert TopicModel._best(table.assign(unstable=[0, 0, 0, 4, 4])) == 9
    # nothing joined anywhere (every topic a subject): the best score again
    assert TopicModel._best(table.assign(topics=table["k"], unstable=0)) == 7
    # the most subjects shown where facets were joined, and before without: the first
    assert TopicModel._best(table.assign(topics=[7, 8, 9, 9, 9], unstable=0)) == 9


def test_facets_that_share_their_records_are_joined_and_separate_topics_are_not():
    from scoping.topics import join_facets

    rng = np.random.default_rng(3)
    # topics 0 and 2 carry weight in the same 40 records; 1 and 3 each in records of
    # their own
    weights = np.zeros((120, 4))
    weights[:40, [0, 2]] = rng.uniform(0.2, 1.0, (40, 2))
    weights[40:80, 1] = rng.uniform(0.2, 1.0, 40)
    weights[80:, 3] = rng.uniform(0.2, 1.0, 40)
    assert join_facets(weights).tolist() == [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]
    # never fewer than two topics, however alike
    assert join_facets(weights[:40, [0, 2]]).shape == (2, 2)
    assert join_facets(np.c_[weights[:40, [0, 2]], weights[:40, 0]]).shape == (3, 2)


def test_auto_k_joins_the_facets_of_one_subject():
    rng = np.random.default_rng(5)
    facets = {
        "burnout": ["burnout emotional exhaustion nurses workload fatigue"],
        "safety": ["psychological safety speaking voice silence concerns"],
        "cartilage": [
            "cartilage knee graft implantation autologous",
            "chondrocyte cells repair defect scaffold",
        ],
    }
    texts, labels = [], []
    for label, parts in facets.items():
        for _ in range(20):
            words = [w for part in parts for w in rng.choice(part.split(), size=6)]
            texts.append(" ".join(words))
            labels.append(label)
    # a range that starts above the three subjects: the fourth topic is a facet
    model = TopicModel(k_range=(4, 6), min_df=1, max_df=1.0, ngram_range=(1, 1), top_n=5)
    model.fit(texts)
    assert model.n_topics_ == 3 and model.n_fitted_ >= 4
    assert (model.selection_["topics"] < model.selection_["k"]).all()
    found = pd.crosstab(pd.Series(labels), pd.Series(model.assignments()[0]))
    assert (found > 0).sum(axis=1).tolist() == [1, 1, 1]
    assert model.transform(texts[:2]).shape == (2, 3)
    unjoined = TopicModel(
        k_range=(4, 6), min_df=1, max_df=1.0, ngram_range=(1, 1), top_n=5, join_facets=False
    ).fit(texts)
    assert unjoined.n_fitted_ == unjoined.n_topics_


def test_labels_are_the_most_distinctive_terms_not_the_most_frequent():
    from scoping.topics import distinctive_terms

    terms = np.array(["care", "kindness", "fatigue"])
    # "care" is in every record; "kindness" only in topic 0's, "fatigue" only in topic 1's
    binary = csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1]], dtype=float))
    doc_topic = np.array([[1.0, 0], [1.0, 0], [0, 1.0], [0, 1.0]])
    assert distinctive_terms(binary, doc_topic, terms, 2) == [
        ["kindness", "care"],
        ["fatigue", "care"],
    ]


def test_a_label_phrase_is_written_as_such_and_a_word_said_in_a_phrase_is_put_as_it():
    from scoping.topics import phrases_as_written

    texts = [
        "Psychological safety in teams. Staff care. Try small changes.",
        "Psychological safety of nurses; primary care could try rounds.",
        "Psychological safety and voice. Primary care could try huddles.",
        "Night shifts and fatigue of ambulance crews.",
        "Fatigue in ambulance crews after night shifts.",
        "Ambulance crews: fatigue, night shifts.",
    ]
    model = TopicModel(n_topics=2, min_df=1, max_df=1.0, random_state=0).fit(texts)
    vectoriser, x = model.vectorizer_, model.vectorizer_.transform(texts)
    assert {"care try", "psychological safety"} <= set(model.terms_)  # both are features
    split = vectoriser.build_tokenizer()
    written = phrases_as_written(
        ["care try", "psychological safety"], texts, (x > 0).tocsr(), vectoriser.vocabulary_,
        lambda t: split(t.lower()),
    )  # fmt: skip
    assert written == {"psychological safety"}  # across a sentence end, or over "could"
    (label,) = [t for t in model.labels() if "psychological" in t]
    assert "care try" not in label and "psychological safety" in label.split(" / ")


#: Method words as issue #23 names them, kept here apart from the shipped list.
METHOD = {
    "trial",
    "randomised",
    "randomized",
    "qualitative",
    "systematic",
    "review",
    "reviews",
    "cross-sectional",
    "participants",
    "interviews",
    "questionnaire",
    "survey",
    "cohort",
    "meta-analysis",
    "study",
    "studies",
    "methods",
    "results",
    "meta-analyses",
    "preferred",
    "reporting",
    "items",
    "prisma",
}


def _methodical(label: str) -> bool:
    """Whether most of a label's terms are research-method words."""
    terms = label.split(" / ")
    return sum(all(w in METHOD for w in t.split()) for t in terms) * 2 > len(terms)


@pytest.fixture
def gambling(shared, tmp_path_factory):
    """The gambling-harms search (5 databases) ingested and deduplicated: 278 works."""
    from scoping.dedupe import run as dedupe
    from scoping.ingest import ingest

    build = tmp_path_factory.mktemp("gambling")
    files = sorted((shared / "citesource_multisource" / "gambling_harms_by_source").glob("*.ris"))
    ingest(files, build, progress=False)
    dedupe(build)
    return build


def test_a_small_real_corpus_gets_few_stable_subject_topics(gambling):
    from scoping.topics import run

    _, table = run(gambling, TopicModel())
    assert len(table) <= 8  # 278 works: the range is 3..8
    assert (~table["stable"]).sum() * 3 <= len(table)  # at most a third flagged
    assert not any(_methodical(label) for label in table["label"])
    texts = " ".join(record_text(pd.read_parquet(gambling / "unique.parquet"))).lower()
    for label in table["label"]:  # phrases as written, no word twice
        terms = label.split(" / ")
        words = [w for t in terms for w in t.split()]
        assert len(words) == len(set(words)), label
        assert all(t in texts for t in terms if " " in t), label
    assert any(" " in t for label in table["label"] for t in label.split(" / "))
    _, with_methods = run(gambling, TopicModel(method_words=False))
    assert any(w in METHOD for terms in with_methods["top_terms"] for w in terms.split("; "))


def test_a_search_with_prisma_abstracts_gets_no_topic_of_methods(shared, tmp_path):
    """The wildfire search (6 databases): its reviews' abstracts name PRISMA and cite."""
    from scoping.dedupe import run as dedupe
    from scoping.ingest import ingest
    from scoping.topics import run

    folder = shared / "citesource_multisource" / "wildfire_impacts_by_stage"
    exports = [
        p for p in sorted(folder.glob("*.ris")) if not p.stem.startswith(("final", "screened"))
    ]
    ingest(exports, tmp_path, progress=False)
    dedupe(tmp_path)
    _, table = run(tmp_path, TopicModel())
    assert (~table["stable"]).sum() * 3 <= len(table)
    assert not any(_methodical(label) for label in table["label"])
    web = {"et", "al", "https", "doi", "www"}
    assert not any(web & set(terms.split("; ")) for terms in table["top_terms"])


def test_the_same_records_give_the_same_topics_through_every_door(gambling, tmp_path):
    """A CSV of titles and abstracts and an RIS file of the same records: same topics."""
    from scoping.ingest import ingest
    from scoping.io.writers import to_ris
    from scoping.topics import run

    records = pd.read_parquet(gambling / "unique.parquet")
    table = records[["record_id", "title", "abstract"]].fillna("")
    table[["title", "abstract"]].to_csv(tmp_path / "works.csv", index=False)
    (tmp_path / "works.ris").write_text(to_ris(table.to_dict("records")), encoding="utf-8")
    found = {}
    for name in ("works.csv", "works.ris"):
        build = tmp_path / name.replace(".", "_")
        ingest([tmp_path / name], build, progress=False)
        _, topics = run(build, TopicModel(k_range=(3, 5)))
        docs = pd.read_csv(build / "doc_topics.csv").merge(
            pd.read_parquet(build / "records.parquet", columns=["record_id", "title"])
        )
        found[name] = (
            topics["label"].tolist(),
            sorted(zip(docs["title"], docs["topic"], strict=True)),
        )
    assert found["works.csv"] == found["works.ris"]


def test_k_never_exceeds_the_words_a_tiny_corpus_has():
    texts = ["kindness ward", "nurses rota", "kindness rota", "nurses ward"] * 4
    with warnings.catch_warnings():  # an exact fit's rounding is not shown to the user
        warnings.simplefilter("error")
        model = TopicModel(min_df=1, ngram_range=(1, 1)).fit(texts)  # the range reaches 6
    assert model.n_topics_ <= 4 and model.selection_["k"].max() <= 4
