"""PCM pair devices (pcm_nonlinear, pcm_stochastic), refresh and inference noise: exact steps,
SET-only pair semantics, pulse clipping and counters, refresh, step statistics, the PCMLikeNoise
formulas, and parameter validation."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import srbm_jax
from srbm_jax.devices import inference_noise as noise
from srbm_jax.devices import make_device, pcm_pair, refresh_pair
from srbm_jax.devices.pcm_nonlinear import (
    PcmNonlinear,
    PcmNonlinearParams,
    PcmNonlinearState,
    exp_step_size,
)
from srbm_jax.devices.pcm_stochastic import PcmStochastic, PcmStochasticParams, PcmStochasticState

# Statistical tests: 200 x 200 = 40000 samples; mean SE = std / sqrt(n), std SE ~ std / sqrt(2 n)
# (Gaussian). 5 standard errors: false-failure probability ~ 6e-7 per check.
N_SE = 5.0
SHAPE = (200, 200)
N = SHAPE[0] * SHAPE[1]


def _f32(cls, **values):
    return jax.tree_util.tree_map(lambda leaf: np.float32(leaf), cls(**values))


def _nonlinear_state(g_plus, g_minus, dtod=1.0):
    g_plus = jnp.asarray(g_plus, jnp.float32)
    g_minus = jnp.asarray(g_minus, jnp.float32)
    zeros = jnp.zeros_like(g_plus)
    return PcmNonlinearState(g_plus, g_minus, zeros + dtod, zeros + dtod, zeros, zeros, zeros, zeros,
                             jnp.float32(0.0))


def _stochastic_state(g_plus, g_minus, p_plus=0.0, p_minus=0.0):
    g_plus = jnp.asarray(g_plus, jnp.float32)
    g_minus = jnp.asarray(g_minus, jnp.float32)
    zeros = jnp.zeros_like(g_plus)
    return PcmStochasticState(g_plus, g_minus, zeros + p_plus, zeros + p_minus, zeros, zeros, zeros,
                              zeros, jnp.float32(0.0))


NOISELESS = _f32(PcmNonlinearParams, dw_min_dtod=0.0, dw_min_std=0.0)


# ---- pcm_nonlinear: exact steps ----------------------------------------------------------------
def test_exp_step_size_matches_aihwkit_formula():
    """step = max(1 - A_up exp(gamma z), 0) dw_min, z = -w: 0.28235 at w = 0, 0.011835 at w = 2."""
    w = jnp.array([0.0, 1.0, 2.0], jnp.float32)
    expected = 0.01 * (1.0 + 27.235 * np.exp(-2.5 * np.array([0.0, 1.0, 2.0])))
    np.testing.assert_allclose(exp_step_size(w, NOISELESS), expected, rtol=1e-6)
    np.testing.assert_allclose(expected[[0, 2]], [0.28235, 0.0118350], rtol=1e-4)


def test_nonlinear_pulses_are_successive_exact_steps_and_set_only():
    device = PcmNonlinear(auto_refresh=False)
    state = _nonlinear_state([[0.0, 1.0, 1.995, 0.5]], [[0.3, 0.3, 0.3, 0.3]])
    counts = jnp.array([[1.0, 1.0, 1.0, 3.0]])
    new = device.apply(jax.random.key(0), state, counts, jnp.zeros_like(counts), NOISELESS)
    w = 0.5
    for _ in range(3):
        w += 0.01 * (1.0 + 27.235 * np.exp(-2.5 * w))
    np.testing.assert_allclose(new.g_plus, [[0.28235, 1.0 + 0.01 * (1 + 27.235 * np.exp(-2.5)), 2.0, w]],
                               rtol=1e-5)
    np.testing.assert_array_equal(new.g_minus, state.g_minus)      # potentiation: Gp only
    down = device.apply(jax.random.key(0), state, jnp.zeros_like(counts), counts, NOISELESS)
    np.testing.assert_array_equal(down.g_plus, state.g_plus)       # depression: Gm only
    np.testing.assert_allclose(down.g_minus[0, 0], 0.3 + 0.01 * (1 + 27.235 * np.exp(-0.75)), rtol=1e-6)
    np.testing.assert_allclose(device.read(new, NOISELESS), 5.0 * (new.g_plus - new.g_minus), rtol=1e-6)
    np.testing.assert_array_equal(new.set_pulses, counts)


def test_nonlinear_saturates_below_g_max_with_noise():
    device = PcmNonlinear(auto_refresh=False)
    params = device.default_params()
    state = device.init(jax.random.key(1), 20, 20, params)
    counts = jnp.full((20, 20), 16.0)
    apply = jax.jit(device.apply)
    for i in range(20):  # 320 pulses per device, ~73 noise-free pulses span [0, 2]
        state = apply(jax.random.key(i), state, counts, counts, params)
    for g in (np.asarray(state.g_plus), np.asarray(state.g_minus)):
        assert g.max() <= 2.0 and g.min() > 1.9
    np.testing.assert_array_equal(state.set_pulses, np.full((20, 20), 2 * 320.0))


def test_counts_above_max_pulses_are_clipped_and_counted():
    device = PcmNonlinear(max_pulses_per_call=4, auto_refresh=False)
    state = _nonlinear_state([[0.0, 0.0]], [[0.0, 0.0]])
    counts = jnp.array([[4.0, 9.0]])
    new = device.apply(jax.random.key(0), state, counts, jnp.zeros_like(counts), NOISELESS)
    assert new.g_plus[0, 0] == new.g_plus[0, 1]                # 9 events apply as 4 pulses
    np.testing.assert_array_equal(new.set_pulses, [[4.0, 4.0]])
    np.testing.assert_array_equal(new.clipped_pulses, [[0.0, 5.0]])


def test_nonlinear_init_spread_and_device_to_device_statistics():
    device = PcmNonlinear()
    params = device.default_params()
    state = device.init(jax.random.key(2), *SHAPE, params)
    for dtod in (np.asarray(state.dtod_plus), np.asarray(state.dtod_minus)):
        assert abs(dtod.mean() - 1.0) < N_SE * 0.2 / np.sqrt(N)
        assert abs(dtod.std() - 0.2) < N_SE * 0.2 / np.sqrt(2 * N)
    # |N(0, s)| has mean s sqrt(2/pi) and std s sqrt(1 - 2/pi) (clipping at 2 = 5.7 s: negligible).
    for g in (np.asarray(state.g_plus), np.asarray(state.g_minus)):
        assert g.min() >= 0.0 and g.max() <= 2.0
        assert abs(g.mean() - 0.35 * np.sqrt(2 / np.pi)) < N_SE * 0.35 * np.sqrt(1 - 2 / np.pi) / np.sqrt(N)
    assert np.all(state.set_pulses == 0) and np.all(state.refresh_count == 0)


def test_nonlinear_cycle_to_cycle_step_statistics():
    """One pulse at w = 0 with dw_min_std = 0.3: step ~ 0.28235 (1 + 0.3 xi). The clip of a
    negative step (xi < -3.33) moves the mean by < 1e-4 of a step, far below 5 SE."""
    device = PcmNonlinear(auto_refresh=False)
    params = _f32(PcmNonlinearParams, dw_min_dtod=0.0, dw_min_std=0.3)
    zeros = jnp.zeros(SHAPE)
    new = device.apply(jax.random.key(3), _nonlinear_state(zeros, zeros), jnp.ones(SHAPE), zeros, params)
    step = np.asarray(new.g_plus)
    mean, std = 0.28235, 0.3 * 0.28235
    assert abs(step.mean() - mean) < N_SE * std / np.sqrt(N)
    assert abs(step.std() - std) < N_SE * std / np.sqrt(2 * N)


# ---- refresh -----------------------------------------------------------------------------------
def test_refresh_pair_resets_and_preserves_weight():
    # fractions of [0, 2]: (0.9, 0.45) and (0.3, 0.85) refresh; (0.9, 0.15) and (0.7, 0.6) do not.
    g_plus = jnp.array([1.8, 0.6, 1.8, 1.4])
    g_minus = jnp.array([0.9, 1.7, 0.3, 1.2])
    new_plus, new_minus, refreshed = refresh_pair(g_plus, g_minus, 0.0, 2.0, 0.75, 0.25)
    np.testing.assert_array_equal(refreshed, [1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(new_plus, [0.9, 0.0, 1.8, 1.4], rtol=1e-6)
    np.testing.assert_allclose(new_minus, [0.0, 1.1, 0.3, 1.2], rtol=1e-6)
    np.testing.assert_allclose(new_plus - new_minus, g_plus - g_minus, atol=1e-6)
    # With g_min = 1 the reset devices land on g_min and G is still preserved.
    p, m, r = refresh_pair(jnp.array([9.0]), jnp.array([6.0]), 1.0, 10.0, 0.75, 0.25)
    np.testing.assert_allclose([p[0], m[0], r[0]], [4.0, 1.0, 1.0])


@pytest.mark.parametrize("device_cls", [PcmNonlinear, PcmStochastic])
def test_device_refresh_counts_and_auto_refresh(device_cls):
    device = device_cls(auto_refresh=False)
    params = device.default_params()
    g_max = float(params.g_max)
    state = device.init(jax.random.key(4), 1, 3, params)
    state = state._replace(g_plus=jnp.array([[0.9, 0.3, 0.1]]) * g_max,
                           g_minus=jnp.array([[0.5, 0.9, 0.1]]) * g_max)
    before = device.read(state, params)
    new, n = device.refresh(state, params)
    assert int(n) == 2
    np.testing.assert_allclose(device.read(new, params), before, atol=1e-5)
    np.testing.assert_array_equal(new.refresh_count, [[1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(new.reset_pulses, [[2.0, 2.0, 0.0]])
    again, n_again = device.refresh(new, params)
    assert int(n_again) == 0 and np.all(again.refresh_count == new.refresh_count)
    # auto_refresh: apply refreshes after the pulses.
    auto = device_cls(auto_refresh=True).apply(jax.random.key(5), state, jnp.zeros((1, 3)),
                                               jnp.zeros((1, 3)), params)
    np.testing.assert_array_equal(auto.refresh_count, [[1.0, 1.0, 0.0]])


@pytest.mark.parametrize("device_cls", [PcmNonlinear, PcmStochastic])
def test_refresh_every_checks_only_every_nth_apply_call(device_cls):
    """refresh_every = 3: the pairs past the thresholds are refreshed by the 3rd and 6th apply
    calls only (zero counts, so nothing else changes); apply_calls counts the calls; jit with
    the period traced gives the same."""
    device = device_cls()
    params = device.default_params().replace(refresh_every=3.0)
    g_max = float(params.g_max)
    high = device.init(jax.random.key(4), 1, 2, params)._replace(
        g_plus=jnp.array([[0.9, 0.1]]) * g_max, g_minus=jnp.array([[0.5, 0.1]]) * g_max)
    zeros = jnp.zeros((1, 2))
    apply = jax.jit(device.apply)
    state, refreshed_after = high, []
    for call in range(1, 7):
        state = apply(jax.random.key(call), state, zeros, zeros, params)
        refreshed_after.append(float(state.refresh_count[0, 0]))
        if call == 3:  # re-arm: the pair is high again before the next period
            state = state._replace(g_plus=high.g_plus, g_minus=high.g_minus)
    assert refreshed_after == [0.0, 0.0, 1.0, 1.0, 1.0, 2.0]
    assert float(state.apply_calls) == 6.0 and float(state.refresh_count[0, 1]) == 0.0
    np.testing.assert_allclose(device.read(state, params), device.read(high, params), atol=1e-5)


# ---- pcm_stochastic ----------------------------------------------------------------------------
def test_stochastic_step_statistics_match_formula():
    """One pulse at G = 5, P = 4 (after decay 0.5 of 8): mean = m1 G + c1 + a1 P,
    std = m2 G + c2 + a2 P. Coefficients with mean / std = 0.012 / 0.0019 = 6.3, so clipping a
    negative step changes the moments by < 1e-8, far below 5 SE."""
    device = PcmStochastic(auto_refresh=False)
    params = _f32(PcmStochasticParams, mean_g=-0.002, mean_0=0.02, mean_p=0.0005, std_g=-0.0001,
                  std_0=0.002, std_p=0.0003, memory_decay=0.5)
    mean = -0.002 * 5 + 0.02 + 0.0005 * 4
    std = -0.0001 * 5 + 0.002 + 0.0003 * 4
    state = _stochastic_state(jnp.full(SHAPE, 5.0), jnp.full(SHAPE, 5.0), p_plus=8.0, p_minus=8.0)
    new = device.apply(jax.random.key(6), state, jnp.ones(SHAPE), jnp.zeros(SHAPE), params)
    step = np.asarray(new.g_plus, np.float64) - 5.0
    assert abs(step.mean() - mean) < N_SE * std / np.sqrt(N)
    assert abs(step.std() - std) < N_SE * std / np.sqrt(2 * N) + 1e-6  # + float32 rounding of G
    np.testing.assert_array_equal(new.g_minus, state.g_minus)        # SET-only pair


def test_stochastic_memory_decay_and_saturation():
    device = PcmStochastic(auto_refresh=False)
    params = device.default_params()
    state = _stochastic_state([[1.0, 1.0]], [[1.0, 1.0]], p_plus=3.0, p_minus=3.0)
    new = device.apply(jax.random.key(7), state, jnp.array([[0.0, 2.0]]), jnp.zeros((1, 2)), params)
    np.testing.assert_allclose(new.p_plus, [[1.5, 3.5]])   # P <- 0.5 P, then + 1 per pulse
    np.testing.assert_allclose(new.p_minus, [[1.5, 1.5]])
    assert new.g_plus[0, 0] == 1.0 and new.g_plus[0, 1] > 1.0
    # Many pulses approach g_max = 10 (the mean step vanishes there) and never exceed it. Without
    # memory the mean step is 0.002 (10 - G): 2400 pulses leave 10 - G ~ 8.6 e^-4.8 = 0.07.
    params = params.replace(mean_p=np.float32(0.0), std_p=np.float32(0.0))
    state = device.init(jax.random.key(8), 10, 10, params)
    counts = jnp.full((10, 10), 16.0)
    apply = jax.jit(device.apply)
    for i in range(150):
        state = apply(jax.random.key(i), state, counts, jnp.zeros_like(counts), params)
    g = np.asarray(state.g_plus)
    assert g.max() <= 10.0 and g.min() > 9.5


# ---- validation --------------------------------------------------------------------------------
@pytest.mark.parametrize("device, changes, field", [
    (PcmNonlinear(), {"dw_min": -0.01}, "dw_min"),
    (PcmNonlinear(), {"g_min": 2.0, "g_max": 0.0}, "g_min"),
    (PcmNonlinear(), {"refresh_high": 0.2}, "refresh_high"),
    (PcmNonlinear(), {"refresh_low": 0.75}, "refresh_high"),
    (PcmNonlinear(), {"dw_min_std": -1.0}, "dw_min_std"),
    (PcmNonlinear(max_pulses_per_call=0), {}, "max_pulses_per_call"),
    (PcmStochastic(max_pulses_per_call=0), {}, "max_pulses_per_call"),
    (PcmStochastic(), {"g_min": 10.0, "g_max": 0.0}, "g_min"),
    (PcmStochastic(), {"memory_decay": 1.5}, "memory_decay"),
    (PcmStochastic(), {"refresh_high": 0.25}, "refresh_high"),
    (PcmNonlinear(), {"refresh_every": 0.0}, "refresh_every"),
    (PcmStochastic(), {"refresh_every": 2.5}, "refresh_every"),
])
def test_bad_params_raise_naming_the_field(device, changes, field):
    params = device.default_params().replace(**changes)
    with pytest.raises(ValueError, match=f"device.{field} "):
        device.validate(params)


@pytest.mark.parametrize("name", ["pcm_nonlinear", "pcm_stochastic"])
def test_registered_and_valid_in_a_spec(name):
    device = make_device(name, max_pulses_per_call=8)
    assert device.max_pulses_per_call == 8 and device.name == name
    spec = srbm_jax.Spec(device=device)
    srbm_jax.validate(spec, srbm_jax.default_params(spec))


# ---- inference noise ---------------------------------------------------------------------------
def test_drift_formula_exact():
    g0 = jnp.array([10.0, 3.0, 0.0])
    nu = jnp.array([0.05, 0.1, 0.07])
    np.testing.assert_allclose(noise.drift(g0, nu, 20.0), g0)
    np.testing.assert_allclose(noise.drift(g0, nu, 5.0), g0)          # before t0: no drift
    np.testing.assert_allclose(noise.drift(g0, nu, 200.0), g0 * 10.0 ** -np.asarray(nu), rtol=1e-6)


def test_drift_moments_and_clipping():
    g_us = 25.0 * jnp.array([1.0, 0.1, 1e-3, 0.0])
    mu, sigma = noise.drift_moments(g_us)
    ln_01 = np.log(0.1)
    np.testing.assert_allclose(mu, [0.049, -0.0155 * ln_01 + 0.0244, 0.1, 0.1], rtol=1e-5)
    np.testing.assert_allclose(sigma, [0.008, -0.0125 * ln_01 - 0.0059, 0.045, 0.045], rtol=1e-5)
    nu = noise.drift_exponent(jax.random.key(9), jnp.full(SHAPE, 2.5))   # g = 0.1: unclipped
    assert np.all(nu >= 0)
    assert abs(float(nu.mean()) - (-0.0155 * ln_01 + 0.0244)) < N_SE * 0.0229 / np.sqrt(N)


def test_programming_noise_statistics():
    """G = 12.5 uS (g = 0.5): sigma = -1.1731 / 4 + 1.965 / 2 + 0.2635 = 0.95272 uS; the clip at
    0 is 13 sigma away."""
    sigma = -1.1731 * 0.25 + 1.965 * 0.5 + 0.2635
    g = np.asarray(noise.program(jax.random.key(10), jnp.full(SHAPE, 12.5)), np.float64)
    assert abs(g.mean() - 12.5) < N_SE * sigma / np.sqrt(N)
    assert abs(g.std() - sigma) < N_SE * sigma / np.sqrt(2 * N)


def test_read_noise_statistics_at_one_second():
    """G = 10 uS (g = 0.4) at t = 1 s: sigma = 10 * 0.0088 / 0.4^0.65 * sqrt(ln((1 + 250 ns) / 500 ns))."""
    sigma = 10.0 * 0.0088 / 0.4**0.65 * np.sqrt(np.log((1.0 + 250e-9) / 500e-9))
    np.testing.assert_allclose(noise.read_noise_std(jnp.array(10.0), 1.0), sigma, rtol=1e-5)
    g = np.asarray(noise.read_noise(jax.random.key(11), jnp.full(SHAPE, 10.0), 1.0), np.float64)
    assert abs(g.mean() - 10.0) < N_SE * sigma / np.sqrt(N)
    assert abs(g.std() - sigma) < N_SE * sigma / np.sqrt(2 * N)
    # Q_s caps at 0.2 for tiny g and the std vanishes with G (no ln(0) / 0^-0.65 blow-up).
    np.testing.assert_allclose(noise.read_noise_std(jnp.array([0.0, 1e-9]), 1.0),
                               [0.0, 1e-9 * 0.2 * np.sqrt(np.log((1.0 + 250e-9) / 500e-9))], rtol=1e-5)


def test_drift_compensation_restores_mean_abs_weight_with_common_nu():
    w_ref = jax.random.normal(jax.random.key(12), (30, 20))
    w_now = w_ref * (1e5 / 20.0) ** -0.06
    alpha = noise.drift_compensation_factor(w_ref, w_now)
    np.testing.assert_allclose(jnp.mean(jnp.abs(alpha * w_now)), jnp.mean(jnp.abs(w_ref)), rtol=1e-6)
    assert float(noise.drift_compensation_factor(w_ref, jnp.zeros_like(w_ref))) == 1.0


def test_noisy_weight_drift_shrinks_and_compensation_restores():
    params = noise.InferenceNoiseParams()
    weight = 3.0 * jax.random.normal(jax.random.key(13), (100, 100))
    day = 86400.0
    raw = noise.noisy_weight(jax.random.key(14), weight, day, params, compensate=False)
    fixed = noise.noisy_weight(jax.random.key(14), weight, day, params, compensate=True)
    ratio_raw = float(jnp.mean(jnp.abs(raw)) / jnp.mean(jnp.abs(weight)))
    ratio_fixed = float(jnp.mean(jnp.abs(fixed)) / jnp.mean(jnp.abs(weight)))
    assert ratio_raw < 0.8                   # (86400 / 20)^-nu with nu ~ 0.05 - 0.1
    assert abs(ratio_fixed - 1.0) < 0.05
    assert np.corrcoef(np.ravel(fixed), np.ravel(weight))[0, 1] > 0.95


# ---- bipolar_2t1r -----------------------------------------------------------------------------
def test_bipolar_2t1r_steps_clip_and_bipolar_read():
    from srbm_jax.devices import Bipolar2T1R, Bipolar2T1RParams, Bipolar2T1RState

    device = Bipolar2T1R()
    params = Bipolar2T1RParams(set_step=0.5, reset_step=0.25, g_min=0.0, g_max=10.0,
                               g_reference=5.0)
    state = Bipolar2T1RState(jnp.asarray([[5.0, 9.8, 0.1]], jnp.float32))
    counts = jnp.asarray([[2.0, 3.0, 0.0]], jnp.float32)
    potentiated = device.apply(None, state, counts, jnp.zeros_like(counts), params)
    np.testing.assert_allclose(potentiated.conductance, [[6.0, 10.0, 0.1]])
    depressed = device.apply(None, state, jnp.zeros_like(counts), counts * 2, params)
    np.testing.assert_allclose(depressed.conductance, [[4.0, 8.3, 0.1]])
    np.testing.assert_allclose(device.read(potentiated, params), [[1.0, 5.0, -4.9]], rtol=1e-6)


def test_bipolar_2t1r_window_is_symmetric():
    """TWO_T_ONE_R_WINDOW pairs a hidden spike with visible spikes within +-2 ticks."""
    from srbm_jax import plasticity
    from srbm_jax.devices import TWO_T_ONE_R_WINDOW

    spec = srbm_jax.Spec(**TWO_T_ONE_R_WINDOW)
    delay, width = spec.ticks(spec.data_event_delay_ms), spec.ticks(spec.pulse_width_ms)
    n_ticks, hidden_tick = 20, 8
    hidden = np.zeros((n_ticks, 1), bool)
    hidden[hidden_tick] = True
    paired = []
    for visible_tick in range(n_ticks):
        visible = np.zeros((n_ticks, 1), bool)
        visible[visible_tick] = True
        opened = plasticity.pulse_open(jnp.asarray(visible), width)
        events = plasticity.delayed(jnp.asarray(hidden), delay)
        potentiation, _ = plasticity.coincidence_counts(opened, events, np.ones(n_ticks, np.int8))
        if float(potentiation[0, 0]) > 0:
            paired.append(visible_tick - hidden_tick)
    assert paired == [-2, -1, 0, 1, 2]


def test_bipolar_2t1r_reference_outside_bounds_is_named():
    from srbm_jax.devices import Bipolar2T1R, Bipolar2T1RParams

    with pytest.raises(ValueError, match=r"device\.g_reference"):
        Bipolar2T1R().validate(Bipolar2T1RParams(g_reference=11.0))


def test_refresh_pair_not_due_changes_nothing():
    g_plus, g_minus = jnp.array([1.8, 0.6]), jnp.array([0.9, 1.7])
    new_plus, new_minus, refreshed = refresh_pair(g_plus, g_minus, 0.0, 2.0, 0.75, 0.25,
                                                  jnp.bool_(False))
    np.testing.assert_array_equal(refreshed, [0.0, 0.0])
    np.testing.assert_array_equal(new_plus, g_plus)
    np.testing.assert_array_equal(new_minus, g_minus)


def _affine_step(noise_i, carry, aux, params):
    g, p = carry
    return g + params["scale"] * (1.0 + p) * noise_i * aux, p + 1.0


@pytest.mark.parametrize("active_rows", [1, 5, 40])  # one chunk, a few, every row (40 > 16)
def test_pulse_loop_matches_the_whole_matrix_loop_bit_for_bit(active_rows):
    """Rows chunked and gathered, noise hashed from flat indices: the same numbers as pulsing
    the whole matrix, whether the pulsed rows fill one chunk or all 16 (2 x 20 rows of 33)."""
    rng = np.random.default_rng(active_rows)
    counts = rng.poisson(1.5, (2, 20, 33)).astype(np.float32)
    rows = counts.reshape(40, 33)
    rows[rng.permutation(40)[active_rows:]] = 0.0
    counts = jnp.asarray(rows.reshape(2, 20, 33))
    carry = (jnp.asarray(rng.normal(size=(2, 20, 33)), jnp.float32), jnp.zeros((2, 20, 33)))
    aux = jnp.asarray(rng.uniform(0.5, 1.5, (2, 20, 33)), jnp.float32)
    params = {"scale": jnp.float32(0.1)}
    key = jax.random.key(5)
    got = jax.jit(pcm_pair.pulse_loop, static_argnums=3)(key, counts, carry, _affine_step, params,
                                                         aux)
    want = pcm_pair.whole_matrix_pulse_loop(key, counts, carry, _affine_step, params, aux)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(got[1], counts)           # each element got its pulses
    assert not np.array_equal(got[0], carry[0])


@pytest.mark.parametrize("device", [PcmStochastic(), PcmNonlinear()], ids=lambda d: d.name)
def test_vmapped_apply_updates_each_network_as_alone(device):
    """`apply` under vmap (networks one after another) gives each network the state it gets when
    applied alone, with the networks' counts, keys and params different."""
    params = jax.tree_util.tree_map(lambda v: jnp.asarray([v, v * 1.1, v], jnp.float32),
                                    device.default_params())
    keys = jax.random.split(jax.random.key(2), 3)
    states = jax.vmap(lambda k, p: device.init(k, 30, 12, p))(keys, params)
    rng = np.random.default_rng(0)
    up = jnp.asarray(rng.poisson([[[0.2]], [[2.0]], [[0.0]]], (3, 30, 12)), jnp.float32)
    down = jnp.asarray(rng.poisson(0.5, (3, 30, 12)), jnp.float32)
    batched = jax.jit(jax.vmap(device.apply))(keys, states, up, down, params)
    for n in range(3):
        def take(tree, n=n):
            return jax.tree_util.tree_map(lambda leaf: leaf[n], tree)

        alone = jax.jit(device.apply)(keys[n], take(states), up[n], down[n], take(params))
        for a, b in zip(jax.tree_util.tree_leaves(alone), jax.tree_util.tree_leaves(take(batched)),
                        strict=True):
            np.testing.assert_array_equal(a, b)
    assert float(jnp.sum(batched.set_pulses[1])) > float(jnp.sum(batched.set_pulses[0]))
