import numpy as np
import pytest

from scoping.curation.prioritise import (
    DEFAULT_MODEL,
    MODELS,
    Earlier,
    Simulation,
    queue,
    relevant_left,
    sample_weights,
    simulate,
)
from scoping.errors import InputError


def _easy_set(n=120, relevant=12, seed=5):
    """Relevant records talk about staff burnout; the others about soil fauna."""
    rng = np.random.default_rng(seed)
    words_rel = ["staff", "burnout", "nurses", "wellbeing", "exhaustion", "ward", "team", "support"]
    words_irr = ["soil", "fauna", "wetland", "reed", "restoration", "lake", "sediment", "nitrogen"]
    texts, labels = [], []
    for i in range(n):
        rel = i < relevant
        pool = words_rel if rel else words_irr
        texts.append(" ".join(rng.choice(pool, 12)) + " " + " ".join(rng.choice(words_irr, 3)))
        labels.append(int(rel))
    return texts, labels


def test_wss_arithmetic():
    # 10 records, 4 relevant, found after screening 1,2,3,4,5,6,7,8,9,10 records:
    run = Simulation(
        seed=0,
        order=list(range(10)),
        found=[1, 1, 2, 2, 3, 3, 3, 4, 4, 4],
        n_records=10,
        n_relevant=4,
    )
    assert run.screened_until(0.95) == 8  # ceil(0.95*4)=4 relevant, reached at record 8
    assert run.screened_until(0.5) == 3
    assert run.wss(0.95) == pytest.approx((10 - 8) / 10 - 0.05)


def test_simulation_is_deterministic_and_beats_random():
    texts, labels = _easy_set()
    first = simulate(texts, labels, seeds=(0, 1))
    assert first == simulate(texts, labels, seeds=(0, 1))
    random = simulate(texts, labels, seeds=(0, 1), order="random")
    assert first["mean_wss_at_95"] > random["mean_wss_at_95"] + 0.3
    assert first["runs"][0]["recall"][-1] == 1.0
    assert first["records"] == 120 and first["relevant"] == 12


def test_every_classifier_runs():
    texts, labels = _easy_set(n=60, relevant=6)
    for name in MODELS:
        assert simulate(texts, labels, seeds=(0,), classifier=name)["mean_wss_at_95"] > 0.3
    with pytest.raises(InputError, match="unknown classifier 'tree'"):
        simulate(texts, labels, seeds=(0,), classifier="tree")


def test_queue_ranks_and_advises():
    texts, _ = _easy_set(n=60, relevant=6)
    by_id = {f"r{i:03d}": t for i, t in enumerate(texts)}
    decisions = [("r000", "include"), ("r050", "exclude"), ("r051", "exclude")]
    q = queue(by_id, decisions)
    assert set(q.order[:5]) == {"r001", "r002", "r003", "r004", "r005"}
    assert "r000" not in q.order and len(q.order) == 57
    assert q.consecutive_exclusions == 2
    assert q.expected_remaining is None  # too few decisions to estimate
    assert "2 screened since the last inclusion" in q.stopping_advice()
    assert "unknown before 50 decisions" in q.stopping_advice()
    assert "not met" in q.stopping_advice()


def test_the_default_is_asreviews_model_and_weighs_as_asreview_does():
    texts, labels = _easy_set(n=60, relevant=6)
    assert DEFAULT_MODEL == "elas-u4"
    assert simulate(texts, labels, seeds=(0,))["classifier"] == "elas-u4"
    # ASReview's balanced weights: class 0 gets n1 / (ratio * n0), then scaled to sum n
    weights = sample_weights(np.array([1, 0, 0, 0]), 9.8)
    raw = np.array([1.0, 1 / 29.4, 1 / 29.4, 1 / 29.4])
    assert weights == pytest.approx(raw * 4 / raw.sum())
    assert weights.sum() == pytest.approx(4)


def test_relevant_left_follows_the_yield_of_the_screening():
    early = np.array([1] * 20 + [0] * 10 + [1] * 5 + [0] * 65)  # yield fell off: 25 in 100
    assert relevant_left(early, 900) < 1
    flat = np.tile([0] * 9 + [1], 10)  # one in ten all along (last in each ten): held flat
    assert relevant_left(flat, 900) == pytest.approx(90, rel=0.05)
    rising = np.array([0] * 90 + [1] * 10)
    assert relevant_left(rising, 100) == pytest.approx(10)  # the rate so far, not more
    assert relevant_left(np.zeros(80, dtype=int), 900) is None  # one class: unknown
    assert relevant_left(np.array([1, 0] * 20), 900) is None  # under 50 decisions


def test_the_advice_says_when_the_rule_is_met():
    texts, _ = _easy_set(n=400, relevant=10)
    by_id = {f"r{i:03d}": t for i, t in enumerate(texts)}
    decisions = [(f"r{i:03d}", "include") for i in range(10)]
    decisions += [(f"r{i:03d}", "exclude") for i in range(10, 160)]
    q = queue(by_id, decisions)
    assert q.consecutive_exclusions == 150 and q.expected_remaining < 1
    assert "met, consider stopping" in q.stopping_advice()


def test_queue_random_and_cold_start():
    texts, _ = _easy_set(n=30, relevant=3)
    by_id = {f"r{i:03d}": t for i, t in enumerate(texts)}
    cold = queue(by_id, [("r010", "exclude")])  # one class only: seeded random order
    assert cold.order == queue(by_id, [("r010", "exclude")]).order
    assert cold.expected_remaining is None and len(cold.order) == 29
    assert (
        queue(by_id, [], order="random", seed=1).order
        != queue(by_id, [], order="random", seed=2).order
    )


def test_criteria_text_is_trained_on_but_never_screened():
    texts, labels = _easy_set(n=60, relevant=6)
    plain = simulate(texts, labels, seeds=(0,))
    guided = simulate(texts, labels, seeds=(0,), criteria="staff burnout nurses wellbeing")
    assert guided["criteria"] == "staff burnout nurses wellbeing" and plain["criteria"] == ""
    assert guided == simulate(texts, labels, seeds=(0,), criteria="staff burnout nurses wellbeing")
    assert len(guided["runs"][0]["recall"]) <= len(texts)  # the criteria row is not screened
    assert guided["runs"][0]["recall"][-1] == 1.0


def test_an_earlier_reviews_decisions_are_trained_on_but_never_screened():
    texts, labels = _easy_set(n=60, relevant=6)
    old_texts, old_labels = _easy_set(n=40, relevant=4, seed=9)
    earlier = Earlier(tuple(old_texts), tuple(old_labels), source="2024 round")
    result = simulate(texts, labels, seeds=(0, 1), earlier=earlier)
    assert result["earlier"] == {"source": "2024 round", "records": 40, "included": 4}
    assert result == simulate(texts, labels, seeds=(0, 1), earlier=earlier)
    for run in result["runs"]:
        assert len(run["recall"]) <= len(texts) and run["recall"][-1] == 1.0
    # with the earlier decisions alone (no priors) the first pick is already relevant
    cold = simulate(texts, labels, seeds=(0,), earlier=earlier, priors=(0, 0))
    assert cold["priors"] == {"included": 0, "excluded": 0}
    assert cold["runs"][0]["recall"][0] == round(1 / 6, 4)
    with pytest.raises(InputError, match="one included and one excluded"):
        simulate(texts, labels, seeds=(0,), priors=(0, 0))


def test_an_earlier_review_orders_the_queue_before_any_decision():
    texts, _ = _easy_set(n=50, relevant=5)
    by_id = {f"r{i:03d}": t for i, t in enumerate(texts)}
    old_texts, old_labels = _easy_set(n=40, relevant=4, seed=9)
    earlier = Earlier(tuple(old_texts), tuple(old_labels))
    q = queue(by_id, [], earlier=earlier)
    assert set(q.order[:5]) == {f"r{i:03d}" for i in range(5)}  # the relevant ones first
    assert len(q.order) == 50 and q.screened == 0 and q.relevant_found == 0
    assert q.order == queue(by_id, [], earlier=earlier).order
    assert queue(by_id, [], order="random", earlier=earlier).order != q.order
    with pytest.raises(InputError, match="at least one included and one excluded"):
        Earlier(("a", "b"), (0, 0), source="last year")
