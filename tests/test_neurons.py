"""srbm_jax.neurons: exact noiseless LIF, refractoriness, popcount random walk, walk statistics."""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpy_reference import expected_lif_trace

import srbm_jax
from srbm_jax import neurons
from srbm_jax.neurons import LayerState

DT = 1.0
FLIPS = 100          # dt / walk_interval at the default 1 ms / 10 us
N_WORDS = 4          # ceil((100 + 24) / 32)
FLOAT32_RTOL = 1e-6  # a handful of float32 roundings on O(1) numbers


def _noiseless_params(**changes):
    return srbm_jax.default_params(srbm_jax.Spec(), walk_up=0.0, walk_down=0.0, **changes)


_lif_tick_jit = jax.jit(neurons.lif_tick,
                        static_argnames=("dt_ms", "flips_per_tick", "bridge_correction"))


# A second tick for the closed-form and reference tests: dt enters the leak, exp(-dt / tau),
# the refractory count-down and the number of coin flips, none of which a dt = 1 ms test can tell
# from a constant.
DTS = [DT, 0.5]


def _tick(state, drive, words, params, bridge=False, dt=DT):
    return _lif_tick_jit(state, drive, words, params, dt_ms=dt,
                         flips_per_tick=int(round(dt / 0.01)), bridge_correction=bridge)


def _run_constant_drive(drives, n_ticks, params, dt=DT):
    drives = jnp.asarray(drives, jnp.float32)
    words = jnp.zeros((drives.shape[0], math.ceil((round(dt / 0.01) + 24) / 32)), jnp.uint32)
    state = neurons.init_layer(drives.shape[0])
    trace = []
    for _ in range(n_ticks):
        state, spikes = _tick(state, drives, words, params, dt=dt)
        trace.append((np.asarray(state.membrane), np.asarray(state.refractory_left),
                      np.asarray(spikes)))
    return trace


def test_init_layer_at_rest():
    state = neurons.init_layer(5)
    np.testing.assert_array_equal(state.membrane, np.zeros(5, np.float32))
    np.testing.assert_array_equal(state.refractory_left, np.zeros(5, np.float32))
    assert state.membrane.dtype == jnp.float32


@pytest.mark.parametrize("dt", DTS)
def test_constant_drive_closed_form_before_first_spike(dt):
    """u_k = I (1 - d^k) / (1 - d), d = exp(-dt/tau), while below threshold (I per tick)."""
    params = _noiseless_params(firing_threshold=1e6)
    drives = np.array([0.0, 0.05, 0.3, 0.7], np.float32)
    d = math.exp(-dt / 10.0)
    trace = _run_constant_drive(drives, 12, params, dt)
    for k, (membrane, refractory, spikes) in enumerate(trace, start=1):
        expected = drives.astype(np.float64) * (1 - d ** k) / (1 - d)
        np.testing.assert_allclose(membrane, expected, rtol=FLOAT32_RTOL, atol=1e-7)
        assert not spikes.any()
        np.testing.assert_array_equal(refractory, 0.0)


def test_first_spike_reset_and_refractory_exact():
    """I = 0.3, theta = 1, tau = 10 ms: u_3 = 0.817 < 1 <= u_4 = 1.039, so the first spike is at
    tick 4; crossing fraction c = (1 - u_3)/(u_4 - u_3) = 0.8231, refractory_left = 4 - (1 - c) =
    3 + c; ticks 5-7 are fully refractory (u = 0, silent); tick 8 is active for 1 - c of the tick
    and integrates (1 - c) * I; afterwards normal integration resumes."""
    drive = 0.3
    params = _noiseless_params()
    d = math.exp(-0.1)
    u3 = drive * (1 - d ** 3) / (1 - d)
    u4 = drive * (1 - d ** 4) / (1 - d)
    assert u3 < 1.0 <= u4
    c = (1.0 - u3) / (u4 - u3)
    assert abs(c - 0.8231) < 1e-3
    trace = _run_constant_drive([drive], 12, params)
    membrane = np.array([t[0][0] for t in trace])
    refractory = np.array([t[1][0] for t in trace])
    spikes = np.array([t[2][0] for t in trace])
    assert np.flatnonzero(spikes)[0] == 3               # tick 4 (1-based)
    assert membrane[3] == 0.0
    np.testing.assert_allclose(refractory[3], 3.0 + c, rtol=1e-5)
    # Fully refractory ticks 5, 6, 7: silent, membrane exactly 0, refractory counts down by dt.
    np.testing.assert_array_equal(spikes[4:7], False)
    np.testing.assert_array_equal(membrane[4:7], 0.0)
    np.testing.assert_allclose(refractory[4:7], [2.0 + c, 1.0 + c, c], rtol=1e-5)
    # Tick 8: active fraction 1 - c, only that fraction of the drive is applied.
    np.testing.assert_allclose(membrane[7], (1.0 - c) * drive, rtol=1e-5)
    assert refractory[7] == 0.0 and not spikes[7]
    np.testing.assert_allclose(membrane[8], membrane[7] * d + drive, rtol=1e-5)
    # Whole trace equals the float64 closed-form reference.
    expected = expected_lif_trace(drive, 12, 10.0, DT, 1.0, 4.0)
    np.testing.assert_array_equal(spikes, [e[2] for e in expected])
    np.testing.assert_allclose(membrane, [e[0] for e in expected], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(refractory, [e[1] for e in expected], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dt", DTS)
@pytest.mark.parametrize("drive", [0.12, 0.25, 0.5, 1.5])
def test_constant_drive_matches_reference_trace(drive, dt):
    params = _noiseless_params()
    trace = _run_constant_drive([drive], 40, params, dt)
    expected = expected_lif_trace(drive, 40, 10.0, dt, 1.0, 4.0)
    np.testing.assert_array_equal([t[2][0] for t in trace], [e[2] for e in expected])
    np.testing.assert_allclose([t[0][0] for t in trace], [e[0] for e in expected],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([t[1][0] for t in trace], [e[1] for e in expected],
                               rtol=1e-5, atol=1e-6)
    assert any(e[2] for e in expected)  # the trace reaches threshold (resets are compared)


def test_partial_tick_applies_active_fraction_of_drive_and_flips():
    """refractory_left = 0.25 ms -> active fraction 0.75, 75 of 100 flips; with all-ones words each
    active flip moves +walk_up: u = 0.75 * 0.4 + 0.002 * 75 = 0.45. refractory_left = 0.7 ->
    fraction 0.3, 30 flips, all-zero words: u = 0.3 * 0.4 - 0.001 * 30 = 0.09."""
    params = srbm_jax.default_params(srbm_jax.Spec(), walk_up=0.002, walk_down=0.001)
    state = LayerState(jnp.zeros(2, jnp.float32), jnp.array([0.25, 0.7], jnp.float32))
    words = jnp.stack([jnp.full(N_WORDS, 0xFFFFFFFF, jnp.uint32), jnp.zeros(N_WORDS, jnp.uint32)])
    new, spikes = _tick(state, jnp.full(2, 0.4, jnp.float32), words, params)
    np.testing.assert_allclose(new.membrane, [0.45, 0.09], rtol=1e-5)
    np.testing.assert_array_equal(new.refractory_left, [0.0, 0.0])
    assert not np.asarray(spikes).any()


def test_membrane_above_threshold_spikes_and_drive_one_shot():
    params = _noiseless_params()
    state = neurons.init_layer(3)
    words = jnp.zeros((3, N_WORDS), jnp.uint32)
    new, spikes = _tick(state, jnp.array([0.999, 1.0, 2.0], jnp.float32), words, params)
    np.testing.assert_array_equal(spikes, [False, True, True])
    np.testing.assert_allclose(new.membrane, [0.999, 0.0, 0.0], rtol=1e-6)
    # From u0 = 0: c = 1 / u1, refractory_left = 4 - (1 - c).
    np.testing.assert_allclose(new.refractory_left, [0.0, 4.0, 3.5], rtol=1e-6)


# ---- bridge correction, exact ----------------------------------------------------------------
def _bridge_words(uniform_24bit: int) -> jnp.ndarray:
    """Words with exactly 50 ups among the first 100 flips (walk displacement 0 when up = down)
    and the bridge uniform = uniform_24bit / 2^24 in the top 24 bits of the last word."""
    w0 = 0xFFFFFFFF                    # 32 ups
    w1 = 0x0003FFFF                    # 18 ups -> 50 ups in bits 0..63
    w2 = 0
    w3 = (uniform_24bit << 8) | 0x0    # flips 96..99 are 0
    return jnp.array([[w0, w1, w2, w3]], jnp.uint32)


def test_bridge_crossing_probability_exact():
    """u0 = u1 = 0.9, theta = 1, step 0.01, 100 flips: P = exp(-2 * 0.1 * 0.1 / (100 * 1e-4))
    = exp(-2) = 0.1353. A uniform just below P spikes, just above does not; no bridge -> no spike."""
    params = srbm_jax.default_params(srbm_jax.Spec(), walk_up=0.01, walk_down=0.01,
                                     membrane_tau_ms=1e9)
    state = LayerState(jnp.array([0.9], jnp.float32), jnp.zeros(1, jnp.float32))
    p_cross = math.exp(-2.0)
    below = int(0.99 * p_cross * (1 << 24))
    above = int(1.01 * p_cross * (1 << 24))
    drive = jnp.zeros(1, jnp.float32)
    new, spikes = _tick(state, drive, _bridge_words(below), params, bridge=True)
    assert bool(spikes[0]) and float(new.membrane[0]) == 0.0
    # Bridge-detected crossing time is mid-tick: refractory = 4 - 0.5.
    np.testing.assert_allclose(new.refractory_left, [3.5], rtol=1e-6)
    new, spikes = _tick(state, drive, _bridge_words(above), params, bridge=True)
    assert not bool(spikes[0])
    np.testing.assert_allclose(new.membrane, [0.9], rtol=1e-6)
    _, spikes = _tick(state, drive, _bridge_words(0), params, bridge=False)
    assert not bool(spikes[0])


def test_bridge_never_fires_refractory_neuron():
    params = srbm_jax.default_params(srbm_jax.Spec(), membrane_tau_ms=1e9)
    state = LayerState(jnp.array([0.0], jnp.float32), jnp.array([2.0], jnp.float32))
    _, spikes = _tick(state, jnp.array([5.0], jnp.float32), _bridge_words(0), params, bridge=True)
    assert not bool(spikes[0])


# ---- random walk, exact ----------------------------------------------------------------------
FULL = 0xFFFFFFFF


@pytest.mark.parametrize("m, expected", [
    (0, [0, 0, 0, 0]),
    (5, [0x1F, 0, 0, 0]),
    (32, [FULL, 0, 0, 0]),
    (33, [FULL, 1, 0, 0]),
    (100, [FULL, FULL, FULL, 0xF]),
    (128, [FULL, FULL, FULL, FULL]),
])
def test_flip_masks_exact(m, expected):
    masks = neurons._flip_masks(jnp.array([m], jnp.int32), N_WORDS)
    assert masks.dtype == jnp.uint32
    np.testing.assert_array_equal(np.asarray(masks)[0], np.array(expected, np.uint32))


@pytest.mark.parametrize("m", [0, 5, 32, 33, 100])
def test_random_walk_all_ones_and_all_zeros(m):
    up, down = 0.07, 0.03
    active = jnp.array([m, m], jnp.int32)
    words = jnp.stack([jnp.full(N_WORDS, FULL, jnp.uint32), jnp.zeros(N_WORDS, jnp.uint32)])
    walk = neurons.random_walk(words, active, FLIPS, jnp.float32(up), jnp.float32(down))
    np.testing.assert_allclose(np.asarray(walk), [up * m, -down * m], rtol=1e-6, atol=1e-7)


def test_random_walk_bit_order():
    """Bit b of the stream is bit b % 32 of word b // 32: 0xAAAAAAAA has bits 1, 3, ... set, so the
    first 5 flips are down, up, down, up, down: 2 ups, 3 downs. Word 1 = 1 adds flip 32 = up."""
    words = jnp.array([[0xAAAAAAAA, 1, 0, 0]] * 2, jnp.uint32)
    active = jnp.array([5, 33], jnp.int32)
    walk = neurons.random_walk(words, active, FLIPS, jnp.float32(1.0), jnp.float32(10.0))
    # m = 5: 2 - 30 = -28; m = 33: 16 + 1 ups = 17, downs 16: 17 - 160 = -143.
    np.testing.assert_allclose(np.asarray(walk), [-28.0, -143.0])


# ---- statistics over many neurons ------------------------------------------------------------
N_NEURONS = 4000
WALK_TICKS = 50
# Mean of N samples: standard error sd / sqrt(N); variance: SE ~ var * sqrt(2 / (N - 1)) (the
# displacement is a scaled Binomial(5000, 1/2), excess kurtosis ~ -4e-4, i.e. normal). 5 standard
# errors: a false failure has probability ~ 6e-7 per check.
N_SE = 5.0


@functools.partial(jax.jit, static_argnames=("n_ticks", "n"))
def _free_walk(key, params, n_ticks, n):
    words = srbm_jax.random.words(key, (n_ticks, n, N_WORDS), "hash")

    def tick(state, w):
        state, spikes = _tick(state, jnp.zeros((n,), jnp.float32), w, params, bridge=True)
        return state, spikes

    state, spikes = jax.lax.scan(tick, neurons.init_layer(n), words)
    return state.membrane, spikes


@pytest.mark.parametrize("up, down", [(0.06, 0.06), (0.07, 0.05), (0.02, 0.08)])
def test_random_walk_displacement_statistics(up, down):
    """No leak (tau = 1e9 ms), no threshold (1e9): u after T ticks = sum of T * 100 flips;
    mean = 100 (up - down) / 2 * T, variance = 100 ((up + down) / 2)^2 * T."""
    params = srbm_jax.default_params(srbm_jax.Spec(), walk_up=up, walk_down=down,
                                     membrane_tau_ms=1e9, firing_threshold=1e9)
    membrane, spikes = _free_walk(jax.random.key(7), params, WALK_TICKS, N_NEURONS)
    membrane = np.asarray(membrane, np.float64)
    assert not np.asarray(spikes).any()
    mean = FLIPS * (up - down) / 2 * WALK_TICKS
    var = FLIPS * ((up + down) / 2) ** 2 * WALK_TICKS
    se_mean = math.sqrt(var / N_NEURONS)
    se_var = var * math.sqrt(2.0 / (N_NEURONS - 1))
    assert abs(membrane.mean() - mean) < N_SE * se_mean, (membrane.mean(), mean)
    assert abs(membrane.var(ddof=1) - var) < N_SE * se_var, (membrane.var(ddof=1), var)


RATE_NEURONS = 500
RATE_TICKS = 300


def test_firing_rate_increases_with_drive():
    """Default LIF (tau 10 ms, theta 1, walk +-0.06, bridge on) with constant drive per tick at 5
    levels: the firing rate must rise strictly, each step by more than N_SE Poisson standard errors
    of the difference (sqrt(n1 + n2) spikes; LIF trains with refractoriness are sub-Poisson, so this
    overestimates the noise)."""
    params = srbm_jax.default_params(srbm_jax.Spec())
    levels = np.array([0.0, 0.03, 0.06, 0.09, 0.12], np.float32)
    drive = jnp.asarray(np.repeat(levels, RATE_NEURONS))
    n = drive.shape[0]
    words = srbm_jax.random.words(jax.random.key(3), (RATE_TICKS, n, N_WORDS), "hash")

    @jax.jit
    def run(words):
        def tick(state, w):
            return _tick(state, drive, w, params, bridge=True)
        return jax.lax.scan(tick, neurons.init_layer(n), words)[1]

    spikes = np.asarray(run(words)).reshape(RATE_TICKS, len(levels), RATE_NEURONS)
    counts = spikes.sum(axis=(0, 2)).astype(np.float64)
    rates_hz = counts / (RATE_NEURONS * RATE_TICKS * DT * 1e-3)
    assert np.all(np.diff(counts) > N_SE * np.sqrt(counts[1:] + counts[:-1])), rates_hz
    # Refractory 4 ms bounds the rate below 250 Hz.
    assert rates_hz.max() < 250.0
