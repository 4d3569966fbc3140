"""The fast training path (weights read once per segment, counts applied per segment) against the
tick-exact reference (weights read and updated every tick), `srbm_jax.reference`."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import reference, train
from srbm_jax.devices import GpGmParams

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
