"""srbm_jax.network against the plain-NumPy reference (tests/numpy_reference.py), sparse vs dense
drive, clamped vs free segments; srbm_jax.encoding."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import numpy_reference as ref
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import encoding, network
from srbm_jax.neurons import LayerState

MEMBRANE_ATOL = 1e-5   # float32 sums in a different order (XLA vs the reference's loops)
_free = jax.jit(network.run_free_segment, static_argnames=("spec", "visible_free"))
_clamped = jax.jit(network.run_clamped_segment, static_argnames=("spec",))


def _setup(spec, seed=0, weight_scale=2.0):
    """Random weights big enough that neurons spike, a random non-rest carry, a pattern."""
    rng = np.random.default_rng(seed)
    params = srbm_jax.default_params(spec)
    weight = jnp.asarray(rng.normal(0.0, weight_scale, (spec.n_visible, spec.n_hidden_total)),
                         jnp.float32)
    carry = network.SegmentCarry(
        LayerState(jnp.asarray(rng.uniform(0, 0.95, spec.n_visible), jnp.float32),
                   jnp.asarray(rng.choice([0.0, 0.0, 0.3, 0.75, 2.5], spec.n_visible), jnp.float32)),
        LayerState(jnp.asarray(rng.uniform(0, 0.95, spec.n_hidden), jnp.float32),
                   jnp.asarray(rng.choice([0.0, 0.0, 0.4, 1.0, 3.2], spec.n_hidden), jnp.float32)),
        jnp.asarray(rng.random(spec.n_visible) < 0.3),
        jnp.asarray(rng.random(spec.n_hidden_total) < 0.3))
    pixels = jnp.asarray((rng.random(spec.n_data) < 0.5).astype(np.float32))
    p_visible = encoding.visible_probabilities(pixels, 3, params, spec)
    p_hidden = encoding.hidden_probabilities(params, spec)
    return params, weight, carry, p_visible, p_hidden


def _to_ref_state(carry):
    return {"visible_membrane": np.asarray(carry.visible.membrane),
                "visible_refractory": np.asarray(carry.visible.refractory_left),
                "hidden_membrane": np.asarray(carry.hidden.membrane),
                "hidden_refractory": np.asarray(carry.hidden.refractory_left),
                "visible_spikes": np.asarray(carry.visible_spikes),
                "hidden_spikes": np.asarray(carry.hidden_spikes)}


def _tick_words(words, t):
    return {"visible_clamp": np.asarray(words.visible_clamp[t]),
                "visible_walk": np.asarray(words.visible_walk[t]),
                "hidden_clamp": np.asarray(words.hidden_clamp[t]),
                "hidden_walk": np.asarray(words.hidden_walk[t])}


def _assert_carry_matches(carry, state):
    np.testing.assert_array_equal(carry.visible_spikes, state["visible_spikes"])
    np.testing.assert_array_equal(carry.hidden_spikes, state["hidden_spikes"])
    np.testing.assert_allclose(carry.visible.membrane, state["visible_membrane"], rtol=1e-5,
                               atol=MEMBRANE_ATOL)
    np.testing.assert_allclose(carry.hidden.membrane, state["hidden_membrane"], rtol=1e-5,
                               atol=MEMBRANE_ATOL)
    np.testing.assert_allclose(carry.visible.refractory_left, state["visible_refractory"],
                               rtol=1e-5, atol=MEMBRANE_ATOL)
    np.testing.assert_allclose(carry.hidden.refractory_left, state["hidden_refractory"],
                               rtol=1e-5, atol=MEMBRANE_ATOL)


MODEL_FREE = (0, 26)        # data + labels free (model phase of the small spec)
INFERENCE_FREE = (16, 26)   # labels free


@pytest.mark.parametrize("visible_free", [MODEL_FREE, INFERENCE_FREE])
def test_one_tick_matches_numpy_reference(visible_free):
    spec = small_spec(drive_chunk=0)
    params, weight, carry, p_visible, p_hidden = _setup(spec)
    words = network.draw_segment_words(jax.random.key(1), 1, visible_free, spec)
    new_carry, v_raster, h_raster = _free(words, carry, weight, p_visible, p_hidden, params, spec,
                                          visible_free)
    state = ref.network_tick(_to_ref_state(carry), _tick_words(words, 0), weight,
                             np.asarray(p_visible), np.asarray(p_hidden), params, spec, visible_free)
    _assert_carry_matches(new_carry, state)
    np.testing.assert_array_equal(v_raster[0], state["visible_spikes"])
    np.testing.assert_array_equal(h_raster[0], state["hidden_spikes"])


@pytest.mark.parametrize("drive_chunk, dt_ms", [(0, 1.0), (3, 1.0), (3, 0.5)])
def test_several_ticks_match_numpy_reference(drive_chunk, dt_ms):
    """8 ticks: both the whole-segment scan and tick-by-tick calls agree with the reference (also
    at dt = 0.5 ms: the leak exp(-dt / tau), the refractory count-down and the 50 coin flips per
    tick all depend on dt)."""
    n_ticks = 8
    spec = small_spec(drive_chunk=drive_chunk, dt_ms=dt_ms)
    params, weight, carry, p_visible, p_hidden = _setup(spec, seed=1)
    words = network.draw_segment_words(jax.random.key(2), n_ticks, MODEL_FREE, spec)
    final, v_raster, h_raster = _free(words, carry, weight, p_visible, p_hidden, params, spec,
                                      MODEL_FREE)
    state = _to_ref_state(carry)
    step_carry = carry
    free_visible_spikes = 0
    for t in range(n_ticks):
        state = ref.network_tick(state, _tick_words(words, t), weight, np.asarray(p_visible),
                                 np.asarray(p_hidden), params, spec, MODEL_FREE)
        tick_words = jax.tree_util.tree_map(lambda w, t=t: w[t:t + 1], words)
        step_carry, _, _ = _free(tick_words, step_carry, weight, p_visible, p_hidden, params, spec,
                                 MODEL_FREE)
        _assert_carry_matches(step_carry, state)
        np.testing.assert_array_equal(v_raster[t], state["visible_spikes"])
        np.testing.assert_array_equal(h_raster[t], state["hidden_spikes"])
        free_visible_spikes += int(state["visible_spikes"][:26].sum())
    _assert_carry_matches(final, state)
    # The comparison means something only if free neurons of both layers spiked.
    assert free_visible_spikes > 0
    assert int(np.asarray(h_raster)[:, :spec.n_hidden].sum()) > 0


def test_sparse_and_dense_drive_give_same_spikes():
    n_ticks = 60
    dense, sparse = small_spec(drive_chunk=0), small_spec(drive_chunk=3)
    params, weight, carry, p_visible, p_hidden = _setup(dense, seed=2, weight_scale=4.0)
    words = network.draw_segment_words(jax.random.key(3), n_ticks, MODEL_FREE, dense)
    a = _free(words, carry, weight, p_visible, p_hidden, params, dense, MODEL_FREE)
    b = _free(words, carry, weight, p_visible, p_hidden, params, sparse, MODEL_FREE)
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])
    np.testing.assert_allclose(a[0].hidden.membrane, b[0].hidden.membrane, atol=MEMBRANE_ATOL)
    np.testing.assert_allclose(a[0].visible.membrane, b[0].visible.membrane, atol=MEMBRANE_ATOL)
    # chunk = 3 is exercised with several gather steps only if some tick has > 3 presynaptic spikes.
    assert int(np.asarray(a[1]).sum(axis=1).max()) > 3
    assert int(np.asarray(a[2]).sum(axis=1).max()) > 3


@pytest.mark.parametrize("n_spikes", [0, 1, 3, 4, 7, 20])
def test_synaptic_drive_sparse_equals_dense(n_spikes, rng):
    rows = jnp.asarray(rng.normal(size=(20, 6)), jnp.float32)
    spikes = np.zeros(20, bool)
    spikes[rng.choice(20, n_spikes, replace=False)] = True
    expected = spikes.astype(np.float64) @ np.asarray(rows, np.float64)
    # Dense drive takes the post-major layout [n_post, n_pre], sparse the pre-major one.
    got = network.synaptic_drive(jnp.asarray(spikes), rows.T, 0)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    for chunk in (1, 3, 64):
        got = network.synaptic_drive(jnp.asarray(spikes), network.sparse_rows(rows), chunk)
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_clamped_segment_equals_free_segment_with_nothing_free():
    n_ticks = 30
    spec = small_spec(drive_chunk=0)
    params, weight, carry, p_visible, p_hidden = _setup(spec, seed=3)
    carry = carry._replace(visible=network.init_layer(spec.n_visible))
    words = network.draw_segment_words(jax.random.key(4), n_ticks, (0, 0), spec)
    c_carry, c_visible, c_hidden = _clamped(words, carry, weight, p_visible, p_hidden, params, spec)
    f_carry, f_visible, f_hidden = _free(words, carry, weight, p_visible, p_hidden, params, spec,
                                         (0, 0))
    np.testing.assert_array_equal(c_visible, f_visible)
    np.testing.assert_array_equal(c_hidden, f_hidden)
    np.testing.assert_allclose(c_carry.hidden.membrane, f_carry.hidden.membrane,
                               atol=MEMBRANE_ATOL)
    np.testing.assert_array_equal(c_carry.visible_spikes, f_carry.visible_spikes)
    np.testing.assert_array_equal(c_carry.hidden_spikes, f_carry.hidden_spikes)
    assert int(np.asarray(c_hidden).sum()) > 0


def test_draw_segment_words_shapes_and_determinism():
    spec = small_spec()
    words = network.draw_segment_words(jax.random.key(5), 7, MODEL_FREE, spec)
    assert words.visible_clamp.shape == (7, 28)
    assert words.visible_walk.shape == (7, 26, 4)
    assert words.hidden_clamp.shape == (7, 14)
    assert words.hidden_walk.shape == (7, 12, 4)
    again = network.draw_segment_words(jax.random.key(5), 7, MODEL_FREE, spec)
    for a, b in zip(words, again, strict=False):
        np.testing.assert_array_equal(a, b)
    other = network.draw_segment_words(jax.random.key(6), 7, MODEL_FREE, spec)
    assert not np.array_equal(words.hidden_walk, other.hidden_walk)


def test_init_carry_at_rest():
    spec = small_spec()
    carry = network.init_carry(spec)
    assert carry.visible.membrane.shape == (28,) and carry.hidden.membrane.shape == (12,)
    assert carry.hidden_spikes.shape == (14,)
    assert not np.asarray(carry.visible_spikes).any()


# ---- encoding ----------------------------------------------------------------------------------
P_ON = 200.0 * 1.0 * 1e-3   # 200 Hz at dt = 1 ms


def test_threshold_coding():
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    pixels = jnp.array([0.0, 0.49, 0.5, 0.51, 1.0])  # strict: a pixel at the threshold is off
    np.testing.assert_allclose(encoding.data_probabilities(pixels, params, spec),
                               [0.0, 0.0, 0.0, P_ON, P_ON], rtol=1e-6)


def test_rate_coding():
    spec = small_spec(input_coding="rate")
    params = srbm_jax.default_params(spec)
    pixels = jnp.array([0.0, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(encoding.data_probabilities(pixels, params, spec),
                               [0.0, 0.25 * P_ON, 0.5 * P_ON, P_ON], rtol=1e-6)


def test_label_group_and_bias():
    spec = small_spec(n_label=20)
    params = srbm_jax.default_params(spec)
    labels = np.asarray(encoding.label_probabilities(3, params, spec))
    expected = np.zeros(20, np.float32)
    expected[6:8] = P_ON
    np.testing.assert_allclose(labels, expected, rtol=1e-6)
    p_bias = 200.0 * 0.354 * 1e-3
    np.testing.assert_allclose(encoding.bias_probability(params, spec), p_bias, rtol=1e-6)
    visible = np.asarray(encoding.visible_probabilities(jnp.ones(16), None, params, spec))
    assert visible.shape == (16 + 20 + 2,)
    np.testing.assert_allclose(visible[:16], P_ON, rtol=1e-6)
    np.testing.assert_array_equal(visible[16:36], 0.0)
    np.testing.assert_allclose(visible[36:], p_bias, rtol=1e-6)
    hidden = np.asarray(encoding.hidden_probabilities(params, spec))
    np.testing.assert_array_equal(hidden[:12], 0.0)
    np.testing.assert_allclose(hidden[12:], p_bias, rtol=1e-6)


def test_prepare_images_conversions():
    spec = small_spec()
    images = np.arange(2 * 16, dtype=np.uint8).reshape(2, 4, 4) * 8
    pixels, labels = encoding.prepare_images(images, [0, 9], spec)
    assert pixels.shape == (2, 16) and pixels.dtype == np.float32 and labels.dtype == np.int32
    np.testing.assert_allclose(pixels.reshape(-1), np.arange(32) * 8 / 255.0, rtol=1e-6)
    pixels, none = encoding.prepare_images(np.full((3, 16), 0.5), None, spec)
    assert none is None and pixels.dtype == np.float32


@pytest.mark.parametrize("images, labels, match", [
    (np.zeros((2, 15)), [0, 1], "shape"),
    (np.zeros((2, 3, 3)), [0, 1], "shape"),
    (np.zeros(16), None, "shape"),
    (np.full((2, 16), 1.5), [0, 1], r"\[0, 1\]"),
    (np.full((2, 16), np.nan), [0, 1], "NaN"),
    (np.zeros((2, 16), np.int64), [0, 1], "dtype"),
    (np.zeros((2, 16)), [0, 10], "0..9"),
    (np.zeros((2, 16)), [0, -1], "0..9"),
    (np.zeros((2, 16)), [0, 1, 2], "labels have shape"),
    (np.zeros((2, 16)), [0.0, 1.0], "labels have dtype"),
])
def test_prepare_images_errors(images, labels, match):
    with pytest.raises(ValueError, match=match):
        encoding.prepare_images(images, labels, small_spec())


@pytest.mark.parametrize("n", [13, 16, 40])
@pytest.mark.parametrize("pattern", ["none", "all", "first", "last", "random"])
def test_spike_list_is_the_ascending_spike_indices_padded_with_n(pattern, n, rng):
    pad = 4
    spikes = {"none": np.zeros(n, bool), "all": np.ones(n, bool),
              "first": np.eye(n, dtype=bool)[0], "last": np.eye(n, dtype=bool)[-1],
              "random": rng.random(n) < 0.4}[pattern]
    got = np.asarray(network.spike_list(jnp.asarray(spikes), pad))
    expected = np.full(n + pad, n)
    expected[:spikes.sum()] = np.flatnonzero(spikes)
    np.testing.assert_array_equal(got, expected)
