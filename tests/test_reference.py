"""The fast training path (weights read once per segment, counts applied per segment) against the
tick-exact reference (weights read and updated every tick), `srbm_jax.reference`."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import encoding, network, plasticity, reference, train
from srbm_jax.devices import GpGmParams
from srbm_jax.schedule import training_segments

# Summing n same-sign steps one by one vs once differs by float32 rounding only (~1e-6 at G ~ 5).
CONDUCTANCE_ATOL = 1e-5
# Statistical comparison of event totals: allowed gap in units of the pooled standard error.
N_STANDARD_ERRORS = 5.0


def _fast(key, state, pixels, label, params, spec):
    return jax.jit(train.train_images, static_argnames=("spec", "keep_rasters"))(
        key[None], state, pixels[None], jnp.asarray(label)[None], params, spec, keep_rasters=True)


@pytest.mark.parametrize("changes", [
    {},
    # No transition before the model phase: data-phase events spill into gate -1 ticks.
    {"transition_model_ms": 0.0},
    {"data_event_delay_ms": 0.0, "model_event_delay_ms": 0.0, "pulse_width_ms": 1.0},
])
def test_same_spikes_and_conductances_when_weights_cannot_act(changes):
    spec = small_spec(**changes)
    # alpha = 0: the weights do not drive the neurons, so both paths see the same spikes. The init
    # sits next to g_max so that clipping is exercised.
    params = srbm_jax.default_params(spec, alpha=0.0,
                                     device=GpGmParams(g_max=5.05, init_mean=5.0, init_std=0.05))
    pixels = jnp.asarray(np.random.default_rng(0).random(spec.n_data).astype(np.float32))
    for seed in range(3):
        key = jax.random.key(seed)
        state = srbm_jax.init_device(jax.random.key(100 + seed), params, spec)
        exact_state, (visible, hidden), (potentiation, depression) = (
            reference.train_image_tick_exact(key, state, pixels, seed % 10, params, spec))
        fast_state, stats, (fast_visible, fast_hidden) = _fast(key, state, pixels, seed % 10,
                                                               params, spec)
        np.testing.assert_array_equal(visible, fast_visible[0])
        np.testing.assert_array_equal(hidden, fast_hidden[0])
        assert float(potentiation) == float(stats.potentiation_events[0]) > 0
        assert float(depression) == float(stats.depression_events[0]) > 0
        np.testing.assert_allclose(exact_state.g_plus, fast_state.g_plus, atol=CONDUCTANCE_ATOL)
        np.testing.assert_allclose(exact_state.g_minus, fast_state.g_minus, atol=CONDUCTANCE_ATOL)
        assert np.any(np.asarray(exact_state.g_plus) == np.float32(5.05))  # clipping was exercised
        assert float(jnp.max(jnp.abs(exact_state.g_plus - state.g_plus))) > 0


def test_event_statistics_match_with_feedback():
    """With the default alpha the within-segment weight feedback is the only difference: mean
    coincidence events per image agree within N_STANDARD_ERRORS over 24 images."""
    spec = small_spec()
    params = srbm_jax.default_params(spec, device=GpGmParams(set_step=0.05, reset_step=0.05))
    rng = np.random.default_rng(1)
    totals = {"fast": [], "exact": []}
    for seed in range(24):
        pixels = jnp.asarray((rng.random(spec.n_data) > 0.5).astype(np.float32))
        state = srbm_jax.init_device(jax.random.key(200 + seed), params, spec)
        key = jax.random.key(seed)
        _, _, (potentiation, depression) = reference.train_image_tick_exact(
            key, state, pixels, seed % 10, params, spec)
        _, stats, _ = _fast(key, state, pixels, seed % 10, params, spec)
        totals["exact"].append([float(potentiation), float(depression)])
        totals["fast"].append([float(stats.potentiation_events[0]),
                               float(stats.depression_events[0])])
    fast, exact = np.asarray(totals["fast"]), np.asarray(totals["exact"])
    standard_error = np.sqrt((fast.var(0, ddof=1) + exact.var(0, ddof=1)) / len(fast))
    assert np.all(np.abs(fast.mean(0) - exact.mean(0)) <= N_STANDARD_ERRORS * standard_error)
    assert np.all(fast.mean(0) > 0)


@jax.jit
def _split4(key):
    return jax.random.split(key, 4)


@functools.partial(jax.jit, static_argnames=("spec",))
def _segments_by_hand(key, state, pixels, label, params, spec):
    """The documented schedule of one on-line image, from the network primitives: data segment on
    the initial weights, LTP from its rasters, then the model segment on the weights read *after*
    the LTP (and, for contrast, on the initial ones). Same keys as `train.train_images`."""
    device = spec.device
    data, model = training_segments(spec)
    key_data, key_model, key_ltp, _ = _split4(key)
    p_hidden = encoding.hidden_probabilities(params, spec)
    weight0 = device.read(state, params.device)
    words = network.draw_segment_words(key_data, data.n_ticks, data.visible_free, spec)
    carry, visible_data, hidden_data = network.run_clamped_segment(
        words, network.init_carry(spec), weight0,
        encoding.visible_probabilities(pixels, label, params, spec), p_hidden, params, spec)
    width = spec.ticks(spec.pulse_width_ms)
    potentiation, _ = plasticity.coincidence_counts(
        plasticity.pulse_open(visible_data, width),
        plasticity.delayed(hidden_data, data.event_delay), data.gate)
    potentiated = device.apply(key_ltp, state, potentiation, jnp.zeros_like(potentiation),
                               params.device)
    words = network.draw_segment_words(key_model, model.n_ticks, model.visible_free, spec)
    p_visible = encoding.visible_probabilities(pixels, None, params, spec)

    def model_segment(weight):
        _, visible, hidden = network.run_free_segment(words, carry, weight, p_visible, p_hidden,
                                                      params, spec, model.visible_free)
        return visible, hidden

    return ((visible_data, hidden_data), model_segment(device.read(potentiated, params.device)),
            model_segment(weight0))


def test_model_segment_runs_on_the_weights_read_after_the_data_phase():
    """With alpha > 0 the weights act on the spikes: the fast path's model-segment rasters equal a
    model segment run on the weights read after the data phase's potentiation, and differ from
    one run on the weights before it (so the comparison can tell the two apart)."""
    spec = small_spec()
    params = srbm_jax.default_params(spec, alpha=0.5,
                                     device=GpGmParams(set_step=0.5, reset_step=0.5))
    data, _ = training_segments(spec)
    rng = np.random.default_rng(4)
    differs = 0
    for seed in range(3):
        pixels = jnp.asarray((rng.random(spec.n_data) > 0.5).astype(np.float32))
        state = srbm_jax.init_device(jax.random.key(300 + seed), params, spec)
        key = jax.random.key(40 + seed)
        _, stats, (visible, hidden) = _fast(key, state, pixels, seed, params, spec)
        assert float(stats.potentiation_events[0]) > 0
        data_rasters, after_ltp, before_ltp = _segments_by_hand(key, state, pixels, seed, params,
                                                                spec)
        np.testing.assert_array_equal(visible[0, :data.n_ticks], data_rasters[0])
        np.testing.assert_array_equal(hidden[0, :data.n_ticks], data_rasters[1])
        np.testing.assert_array_equal(visible[0, data.n_ticks:], after_ltp[0])
        np.testing.assert_array_equal(hidden[0, data.n_ticks:], after_ltp[1])
        differs += not (np.array_equal(after_ltp[0], before_ltp[0])
                        and np.array_equal(after_ltp[1], before_ltp[1]))
    assert differs == 3
