"""srbm_jax.plasticity (pulse windows, delays, gated coincidences) and srbm_jax.schedule."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import srbm_jax
from srbm_jax import plasticity, schedule


def _raster(n_ticks, n, spikes):
    raster = np.zeros((n_ticks, n), bool)
    for tick, neuron in spikes:
        raster[tick, neuron] = True
    return jnp.asarray(raster)


def test_pulse_open_exact():
    raster = _raster(10, 2, [(3, 0), (8, 1)])
    opened = np.asarray(plasticity.pulse_open(raster, 4))
    expected = np.zeros((10, 2), bool)
    expected[3:7, 0] = True        # 3 <= k < 3 + 4
    expected[8:10, 1] = True
    np.testing.assert_array_equal(opened, expected)
    np.testing.assert_array_equal(plasticity.pulse_open(raster, 1), raster)


def test_pulse_open_with_history():
    raster = _raster(5, 1, [])
    history = _raster(3, 1, [(1, 0)])          # spike 2 ticks before the raster starts
    opened = np.asarray(plasticity.pulse_open(raster, 4, history))[:, 0]
    # History tick 1 = raster tick -2: open at -2, -1, 0, 1.
    np.testing.assert_array_equal(opened, [True, True, False, False, False])


def test_delayed_and_last_ticks_exact():
    raster = jnp.arange(6)[:, None] * jnp.array([[1, 10]])
    np.testing.assert_array_equal(plasticity.delayed(raster, 0), raster)
    shifted = np.asarray(plasticity.delayed(raster, 2))
    np.testing.assert_array_equal(shifted[:, 0], [0, 0, 0, 1, 2, 3])
    history = jnp.array([[7, 70], [8, 80]])
    np.testing.assert_array_equal(np.asarray(plasticity.delayed(raster, 2, history))[:, 1],
                                  [70, 80, 0, 10, 20, 30])
    np.testing.assert_array_equal(np.asarray(plasticity.last_ticks(raster, 2))[:, 0], [4, 5])
    np.testing.assert_array_equal(np.asarray(plasticity.last_ticks(raster, 8))[:, 0],
                                  [0, 0, 0, 1, 2, 3, 4, 5])
    assert plasticity.last_ticks(raster, 0).shape == (0, 2)


def _counts(gate_at_event):
    """Visible 0 spikes at tick 3, hidden 0 at tick 0; delay 6, width 4: the event at tick 6 sees
    visible 0 open (3 <= 6 < 7). Visible 1 spikes at tick 1 (closed at 6: 1 + 4 <= 6); hidden 1
    never spikes."""
    n_ticks = 12
    visible = _raster(n_ticks, 2, [(3, 0), (1, 1)])
    hidden = _raster(n_ticks, 2, [(0, 0)])
    gate = np.zeros(n_ticks, np.int8)
    gate[6] = gate_at_event
    events = plasticity.delayed(hidden, 6)
    return plasticity.coincidence_counts(plasticity.pulse_open(visible, 4), events, gate)


@pytest.mark.parametrize("gate_at_event, pot00, dep00", [(1, 1.0, 0.0), (0, 0.0, 0.0),
                                                        (-1, 0.0, 1.0)])
def test_coincidence_single_event(gate_at_event, pot00, dep00):
    potentiation, depression = _counts(gate_at_event)
    expected_pot = np.zeros((2, 2), np.float32)
    expected_dep = np.zeros((2, 2), np.float32)
    expected_pot[0, 0], expected_dep[0, 0] = pot00, dep00
    np.testing.assert_array_equal(potentiation, expected_pot)
    np.testing.assert_array_equal(depression, expected_dep)
    assert potentiation.dtype == jnp.float32


def test_coincidence_window_edges_and_gate_segments():
    """Gate: ticks 0-4 = 0, 5-9 = +1, 10-14 = 0, 15-19 = -1. Visible 0 spikes at 5 (open 5..8),
    visible 1 at 12 (open 12..15). Hidden events (delay 0) at ticks 5, 8, 9, 12, 15, 16.
    pot[0,0] counts events at 5 and 8 (9 is closed: 5 + 4 <= 9); ticks 10-14 give nothing; dep[1,0]
    counts the event at 15 only (16 is closed)."""
    visible = _raster(20, 2, [(5, 0), (12, 1)])
    hidden = _raster(20, 1, [(5, 0), (8, 0), (9, 0), (12, 0), (15, 0), (16, 0)])
    gate = np.array([0] * 5 + [1] * 5 + [0] * 5 + [-1] * 5, np.int8)
    potentiation, depression = plasticity.coincidence_counts(plasticity.pulse_open(visible, 4),
                                                             hidden, gate)
    np.testing.assert_array_equal(potentiation, [[2.0], [0.0]])
    np.testing.assert_array_equal(depression, [[0.0], [1.0]])


def test_coincidence_counts_are_a_gated_matrix_product(rng):
    visible = jnp.asarray(rng.random((30, 5)) < 0.3)
    events = jnp.asarray(rng.poisson(0.5, (30, 4)).astype(np.float32))
    gate = rng.integers(-1, 2, 30).astype(np.int8)
    pot, dep = plasticity.coincidence_counts(visible, events, gate)
    v, e = np.asarray(visible, np.float64), np.asarray(events, np.float64)
    np.testing.assert_allclose(pot, v[gate == 1].T @ e[gate == 1])
    np.testing.assert_allclose(dep, v[gate == -1].T @ e[gate == -1])


@pytest.mark.parametrize("n_ticks", [1, 31, 32, 33, 320])
def test_packed_counts_equal_the_float_product(rng, n_ticks):
    """Bit-packed population counts (the default) are the float32 product exactly, for tick
    counts around the 32-bit word size and a mini-batch of 8 x 40 stacked ticks."""
    visible = jnp.asarray(rng.random((n_ticks, 37)) < 0.3)
    events = jnp.asarray(rng.random((n_ticks, 23)) < 0.2)
    gate = rng.integers(-1, 2, n_ticks).astype(np.int8)
    packed = plasticity.coincidence_counts(visible, events, gate)
    dense = plasticity.coincidence_counts(visible, events, gate, packed=False)
    for a, b in zip(packed, dense, strict=True):
        np.testing.assert_array_equal(a, b)
    words = plasticity.pack_ticks(visible)
    assert words.shape == (37, -(-n_ticks // 32)) and words.dtype == jnp.uint32
    bits = (np.asarray(words)[:, np.arange(n_ticks) // 32] >> (np.arange(n_ticks) % 32)) & 1
    np.testing.assert_array_equal(bits.T.astype(bool), np.asarray(visible))


def test_coincidence_without_gated_ticks_is_zero():
    pot, dep = plasticity.coincidence_counts(jnp.ones((4, 3), bool), jnp.ones((4, 2)),
                                             np.zeros(4, np.int8))
    np.testing.assert_array_equal(pot, np.zeros((3, 2)))
    np.testing.assert_array_equal(dep, np.zeros((3, 2)))


# ---- schedule ----------------------------------------------------------------------------------
def test_default_gate_trace_and_segments():
    spec = srbm_jax.Spec()
    gate = schedule.gate_trace(spec)
    expected = np.array([0] * 10 + [1] * 40 + [0] * 10 + [-1] * 40)
    np.testing.assert_array_equal(gate, expected)
    data, model = schedule.training_segments(spec)
    assert (data.n_ticks, data.event_delay, data.visible_free) == (50, 6, (0, 0))
    assert (model.n_ticks, model.event_delay, model.visible_free) == (50, 2, (0, 824))
    inference = schedule.inference_segment(spec)
    assert inference.n_ticks == 100 and inference.visible_free == (784, 824)
    np.testing.assert_array_equal(inference.gate, np.zeros(100))


def test_gate_trace_scales_with_dt():
    spec = srbm_jax.Spec(dt_ms=0.5, walk_interval_ms=0.01, transition_data_ms=5.0, data_ms=20.0)
    gate = schedule.gate_trace(spec)
    expected = np.array([0] * 10 + [1] * 40 + [0] * 20 + [-1] * 80)
    np.testing.assert_array_equal(gate, expected)
    data, model = schedule.training_segments(spec)
    assert data.event_delay == 12 and model.event_delay == 4
