"""Early-decision inference: with an unreachable margin it equals fixed-time inference exactly;
with a reachable one every image stops at the first tick the rule holds (checked against the
per-tick counts of fixed-time inference), its prediction is the leader there, and bad rules
name their field."""
from __future__ import annotations

import jax
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import infer
from srbm_jax.decision import EarlyDecision, evaluate_early, settled


@pytest.fixture(scope="module")
def trained():
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    rng = np.random.default_rng(0)
    images = rng.random((12, 16)).astype(np.float32)
    labels = rng.integers(0, 10, 12)
    state, _ = srbm_jax.train_epoch(jax.random.key(1), state, images, labels, params, spec)
    return spec, params, state, images, labels


@pytest.mark.parametrize("batch_size", [1, 5])
def test_an_unreachable_margin_is_fixed_time_inference(trained, batch_size):
    spec, params, state, images, labels = trained
    key = jax.random.key(3)
    fixed = infer.evaluate(key, state, images, labels, params, spec, batch_size=batch_size)
    early = evaluate_early(key, state, images, labels, params, spec,
                           EarlyDecision(margin=float("inf"), min_ms=0.0), batch_size=batch_size)
    np.testing.assert_array_equal(early["counts"], fixed["counts"])
    np.testing.assert_array_equal(early["predictions"], fixed["predictions"])
    assert early["accuracy"] == fixed["accuracy"]
    assert np.all(early["decision_ms"] == spec.inference_ms) and early["decided_fraction"] == 0
    assert early["ticks_run_fraction"] == 1.0


def test_each_image_stops_at_the_first_settled_tick(trained):
    spec, params, state, images, labels = trained
    key = jax.random.key(4)
    rule = EarlyDecision(margin=2.0, min_ms=5.0)
    per_tick = np.asarray(infer.label_counts_batch(
        key, state, jax.numpy.asarray(images), jax.numpy.arange(12, dtype=jax.numpy.int32),
        params, spec.replace(drive_chunk=0)))
    early = evaluate_early(key, state, images, labels, params, spec, rule, batch_size=12)
    n_ticks = per_tick.shape[1]
    for n in range(12):
        running = np.cumsum(per_tick[n], axis=0)
        lead = np.sort(running, axis=1)
        ok = (lead[:, -1] - lead[:, -2] >= rule.margin) & (np.arange(1, n_ticks + 1) >= 5)
        tick = int(np.argmax(ok)) + 1 if ok.any() else n_ticks
        assert early["decision_ms"][n] == tick * spec.dt_ms
        np.testing.assert_array_equal(early["counts"][n], running[tick - 1])
        assert early["predictions"][n] == np.argmax(running[tick - 1])
    assert 0 < early["decided_fraction"] <= 1
    assert early["mean_decision_ms"] == pytest.approx(np.mean(early["decision_ms"]))
    # the lanes computed each image's ticks up to its decision and nothing else
    assert early["ticks_run_fraction"] == pytest.approx(early["mean_decision_ms"]
                                                        / spec.inference_ms)
    # lanes are refilled as images decide: with 3 lanes the same images decide identically
    streamed = evaluate_early(key, state, images, labels, params, spec, rule, batch_size=3,
                              chunk=7)
    np.testing.assert_array_equal(streamed["decision_ms"], early["decision_ms"])
    np.testing.assert_array_equal(streamed["predictions"], early["predictions"])


def test_settled_is_the_lead_of_the_top_two():
    counts = jax.numpy.asarray([[3.0, 0, 1, 0, 0, 0, 0, 0, 0, 0], [2.0, 2, 0, 0, 0, 0, 0, 0, 0, 0]])
    assert settled(counts, 10, 2.0, 5).tolist() == [True, False]
    assert settled(counts, 4, 2.0, 5).tolist() == [False, False]


@pytest.mark.parametrize("rule, message", [
    (EarlyDecision(margin=0.0), r"EarlyDecision.margin = 0.0 is out of range: allowed > 0"),
    (EarlyDecision(margin=float("nan")), r"EarlyDecision.margin = nan is out of range"),
    (EarlyDecision(min_ms=-1.0), r"EarlyDecision.min_ms = -1.0 is out of range: allowed >= 0")])
def test_bad_rules_name_their_field(trained, rule, message):
    spec, params, state, images, labels = trained
    with pytest.raises(ValueError, match=message):
        evaluate_early(jax.random.key(0), state, images, labels, params, spec, rule)
