import numpy as np
import pytest

from scoping.curation.prioritise import Simulation, queue, simulate
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
    for name in ("svm", "nb", "logistic"):
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
    assert q.consecutive_exclusions == 2 and q.expected_remaining is not None
    assert "not met" in q.stopping_advice()


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
