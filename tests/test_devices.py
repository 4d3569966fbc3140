"""srbm_jax.devices: exact GpGmLinear / IdealWeight updates, quantisation, and a smoke test of
every registered device under jit and vmap."""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import srbm_jax
from srbm_jax.devices import (
    DEVICES,
    GpGmLinear,
    GpGmParams,
    GpGmState,
    IdealParams,
    IdealState,
    IdealWeight,
    make_device,
    quantise,
)


def _f32(**values):
    return {k: np.float32(v) for k, v in values.items()}


def test_gpgm_ltp_and_ltd_exact_with_clipping():
    """LTP: Gp += set*n, Gm -= reset*n; LTD: Gp -= reset*n, Gm += set*n; clip to [g_min, g_max]."""
    device = GpGmLinear()
    params = GpGmParams(**_f32(set_step=0.01, reset_step=0.02, g_min=0.0, g_max=10.0,
                               init_mean=5.0, init_std=1.0))
    counts = jnp.array([[0.0, 1.0, 3.0, 1000.0]], jnp.float32)
    zeros = jnp.zeros_like(counts)
    state = GpGmState(jnp.full((1, 4), 5.0, jnp.float32), jnp.full((1, 4), 5.0, jnp.float32))
    ltp = device.apply(jax.random.key(0), state, counts, zeros, params)
    np.testing.assert_allclose(ltp.g_plus, [[5.0, 5.01, 5.03, 10.0]], rtol=1e-6)
    np.testing.assert_allclose(ltp.g_minus, [[5.0, 4.98, 4.94, 0.0]], rtol=1e-6)
    ltd = device.apply(jax.random.key(0), state, zeros, counts, params)
    np.testing.assert_allclose(ltd.g_plus, [[5.0, 4.98, 4.94, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(ltd.g_minus, [[5.0, 5.01, 5.03, 10.0]], rtol=1e-6)
    np.testing.assert_allclose(device.read(ltp, params), ltp.g_plus - ltp.g_minus, rtol=1e-6)


def test_gpgm_common_mode_is_conserved_with_equal_steps(rng):
    """Gp + Gm stays at its initial value through many random LTP / LTD calls away from the
    bounds (the reason gpgm_linear needs no refresh); with unequal steps it moves by
    (set - reset) per event."""
    device = GpGmLinear()
    params = GpGmParams(**_f32(set_step=0.01, reset_step=0.01, g_min=0.0, g_max=10.0,
                               init_mean=5.0, init_std=0.5))
    state = device.init(jax.random.key(0), 6, 5, params)
    common = np.asarray(state.g_plus + state.g_minus)
    for _ in range(20):
        up, down = (jnp.asarray(rng.poisson(2.0, (6, 5)), jnp.float32) for _ in range(2))
        state = device.apply(None, state, up, down, params)
    assert np.all((state.g_plus > 0) & (state.g_plus < 10) & (state.g_minus > 0)
                  & (state.g_minus < 10))
    np.testing.assert_allclose(state.g_plus + state.g_minus, common, atol=2e-5)
    unequal = params.replace(reset_step=np.float32(0.02))
    state = device.init(jax.random.key(0), 6, 5, unequal)
    counts = jnp.asarray(rng.poisson(2.0, (6, 5)), jnp.float32)
    moved = device.apply(None, state, counts, counts, unequal)
    np.testing.assert_allclose(moved.g_plus + moved.g_minus - common, -0.01 * 2 * counts,
                               atol=2e-5)


def test_gpgm_clip_to_custom_bounds():
    device = GpGmLinear()
    params = GpGmParams(**_f32(set_step=0.5, reset_step=0.5, g_min=1.0, g_max=3.0, init_mean=2.0,
                               init_std=0.1))
    state = GpGmState(jnp.array([[2.0, 2.9]]), jnp.array([[2.0, 1.2]]))
    new = device.apply(None, state, jnp.array([[1.0, 1.0]]), jnp.zeros((1, 2)), params)
    np.testing.assert_allclose(new.g_plus, [[2.5, 3.0]])
    np.testing.assert_allclose(new.g_minus, [[1.5, 1.0]])
    # Depression pushes Gm past the custom g_max (and Gp below g_min): both clipped to the
    # custom bounds, not to the defaults [0, 10].
    state = GpGmState(jnp.array([[2.0, 1.2, 1.2]]), jnp.array([[2.0, 2.9, 2.9]]))
    new = device.apply(None, state, jnp.zeros((1, 3)), jnp.array([[1.0, 1.0, 7.0]]), params)
    np.testing.assert_allclose(new.g_plus, [[1.5, 1.0, 1.0]])
    np.testing.assert_allclose(new.g_minus, [[2.5, 3.0, 3.0]])
    np.testing.assert_allclose(device.read(new, params), [[-1.0, -2.0, -2.0]])


def test_quantise_levels_exact():
    values = jnp.array([0.0, 0.4, 2.6, 4.49, 9.96, 10.0], jnp.float32)
    np.testing.assert_allclose(quantise(values, 0.0, 10.0, 11), [0, 0, 3, 4, 10, 10], atol=1e-6)
    np.testing.assert_array_equal(quantise(values, 0.0, 10.0, 0), values)
    # 3 levels on [2, 4]: {2, 3, 4}.
    np.testing.assert_allclose(quantise(jnp.array([2.2, 2.6, 3.4, 3.9]), 2.0, 4.0, 3),
                               [2.0, 3.0, 3.0, 4.0], atol=1e-6)


def test_gpgm_read_quantises_each_device_but_stores_analog():
    device = GpGmLinear(levels=11)
    params = GpGmParams(**_f32(set_step=0.3, reset_step=0.3, g_min=0.0, g_max=10.0,
                               init_mean=5.0, init_std=1.0))
    state = GpGmState(jnp.array([[4.6, 7.2]]), jnp.array([[2.4, 7.4]]))
    np.testing.assert_allclose(device.read(state, params), [[5.0 - 2.0, 7.0 - 7.0]], atol=1e-6)
    new = device.apply(None, state, jnp.array([[1.0, 0.0]]), jnp.zeros((1, 2)), params)
    np.testing.assert_allclose(new.g_plus, [[4.9, 7.2]], rtol=1e-6)   # analog state keeps 0.3
    np.testing.assert_allclose(device.read(new, params), [[5.0 - 2.0, 0.0]], atol=1e-6)


def test_ideal_weight_update_exact():
    device = IdealWeight()
    params = IdealParams(learning_rate=np.float32(0.25), init_std=np.float32(1.0))
    state = IdealState(jnp.array([[1.0, -2.0, 0.0]], jnp.float32))
    new = device.apply(None, state, jnp.array([[2.0, 0.0, 100.0]]), jnp.array([[1.0, 4.0, 0.0]]),
                       params)
    np.testing.assert_allclose(new.weight, [[1.25, -3.0, 25.0]])  # unbounded
    np.testing.assert_array_equal(device.read(new, params), new.weight)


# init statistics: 200 x 200 = 40000 samples; mean SE = std / 200, std SE ~ std / sqrt(2 * 40000).
# 5 standard errors (false failure ~ 6e-7). GpGm clipping at [0, 10] is 4.7 sigma away: negligible.
N_SE = 5.0
INIT_SHAPE = (200, 200)


def test_gpgm_init_statistics_and_bounds():
    device = GpGmLinear()
    params = device.default_params()
    state = device.init(jax.random.key(1), *INIT_SHAPE, params)
    n = INIT_SHAPE[0] * INIT_SHAPE[1]
    for g in (np.asarray(state.g_plus), np.asarray(state.g_minus)):
        assert g.min() >= 0.0 and g.max() <= 10.0
        assert abs(g.mean() - 5.0) < N_SE * 1.06 / np.sqrt(n)
        assert abs(g.std() - 1.06) < N_SE * 1.06 / np.sqrt(2 * n)
    assert not np.array_equal(state.g_plus, state.g_minus)


def test_ideal_init_statistics():
    device = IdealWeight()
    params = device.default_params()
    w = np.asarray(device.init(jax.random.key(2), *INIT_SHAPE, params).weight)
    std = 1.06 * np.sqrt(2.0)
    n = w.size
    assert abs(w.mean()) < N_SE * std / np.sqrt(n)
    assert abs(w.std() - std) < N_SE * std / np.sqrt(2 * n)


def test_make_device():
    assert make_device("gpgm_linear", levels=128) == GpGmLinear(levels=128)
    assert make_device("ideal") == IdealWeight()
    with pytest.raises(ValueError, match="device"):
        make_device("nope")


@pytest.mark.parametrize("name", sorted(DEVICES))
def test_every_device_under_jit_and_vmap(name):
    device = make_device(name)
    params = srbm_jax.default_params(srbm_jax.Spec(device=device)).device
    device.validate(params)
    n_v, n_h, n_keys = 7, 5, 3
    keys = jax.random.split(jax.random.key(3), n_keys)

    @jax.jit
    def run(key):
        k_init, k_apply = jax.random.split(key)
        state = device.init(k_init, n_v, n_h, params)
        counts = jax.random.randint(k_apply, (n_v, n_h), 0, 5).astype(jnp.float32)
        before = device.read(state, params)
        state = device.apply(k_apply, state, counts, jnp.zeros_like(counts), params)
        middle = device.read(state, params)
        state = device.apply(k_apply, state, jnp.zeros_like(counts), counts, params)
        return before, middle, device.read(state, params), state

    before, middle, after, state = jax.vmap(run)(keys)
    for array in (before, middle, after, *jax.tree_util.tree_leaves(state)):
        assert array.shape[0] == n_keys
        assert np.all(np.isfinite(np.asarray(array)))
    assert before.shape == (n_keys, n_v, n_h) and before.dtype == jnp.float32
    # Potentiation never lowers and depression never raises a weight.
    assert np.all(np.asarray(middle) >= np.asarray(before) - 1e-6)
    assert np.all(np.asarray(after) <= np.asarray(middle) + 1e-6)
    # Different keys give different initial states.
    assert not np.array_equal(before[0], before[1])
    # vmap equals the per-key call.
    single = run(keys[1])
    np.testing.assert_array_equal(single[0], before[1])
    np.testing.assert_array_equal(single[2], after[1])


@pytest.mark.parametrize("name, fields", [("gpgm_linear", ("set_step", "reset_step")),
                                          ("bipolar_2t1r", ("set_step", "reset_step")),
                                          ("ideal", ("learning_rate",))])
def test_scale_steps_multiplies_only_the_step_fields(name, fields):
    device = DEVICES[name]()
    params = device.default_params()
    scaled = device.scale_steps(params, 0.25)
    for field in dataclasses.fields(params):
        want = getattr(params, field.name) * (0.25 if field.name in fields else 1.0)
        np.testing.assert_allclose(getattr(scaled, field.name), want, rtol=1e-7)
    # A zero factor stops learning: apply leaves the state as it was.
    state = device.init(jax.random.key(0), 4, 3, params)
    counts = jnp.ones((4, 3))
    frozen = device.apply(jax.random.key(1), state, counts, 2 * counts, device.scale_steps(params, 0.0))
    for a, b in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(frozen), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["pcm_nonlinear", "pcm_stochastic"])
def test_scale_steps_unsupported_names_the_device(name):
    device = DEVICES[name]()
    with pytest.raises(NotImplementedError, match=name):
        device.scale_steps(device.default_params(), 0.5)


def test_optax_sgd_is_the_ideal_device():
    """optax.sgd(lr) on g = -(potentiation - depression) is w + lr (potentiation - depression)."""
    from srbm_jax.devices import IdealParams, OptaxParams, OptaxWeight

    sgd, ideal = OptaxWeight(optimizer="sgd"), IdealWeight()
    key = jax.random.key(4)
    state = sgd.init(key, 5, 4, OptaxParams(learning_rate=0.02))
    reference = ideal.init(key, 5, 4, IdealParams())
    np.testing.assert_array_equal(state.weight, reference.weight)
    rng = np.random.default_rng(0)
    for _ in range(3):
        up, down = (jnp.asarray(rng.poisson(1.0, (5, 4)), jnp.float32) for _ in range(2))
        state = sgd.apply(key, state, up, down, OptaxParams(learning_rate=0.02))
        reference = ideal.apply(key, reference, up, down, IdealParams(learning_rate=0.02))
    np.testing.assert_allclose(state.weight, reference.weight, rtol=0, atol=1e-6)


def test_optax_adam_first_steps_closed_form():
    """Adam, first call with counts c: m = (1 - b1) c, v = (1 - b2) c^2, bias-corrected
    m / (sqrt(v) + eps) = c / (|c| + eps): the weight moves by lr c / (c + eps) (0 where c = 0);
    second call, opposite counts c: m = -b1 (1 - b1) c + (1 - b1) c."""
    from srbm_jax.devices import OptaxAdam, OptaxParams

    device, params = OptaxAdam(), OptaxParams(learning_rate=0.01, eps=1e-3, init_std=0.0)
    state = device.init(jax.random.key(0), 1, 3, params)
    counts = jnp.asarray([[0.0, 1.0, 4.0]])
    state = device.apply(None, state, counts, jnp.zeros_like(counts), params)
    np.testing.assert_allclose(state.weight, 0.01 * counts / (counts + 1e-3), rtol=1e-5)
    moved = device.apply(None, state, jnp.zeros_like(counts), counts, params)
    b1, b2 = 0.9, 0.999
    m = (-b1 * (1 - b1) * counts + (1 - b1) * counts) / (1 - b1 ** 2)
    v = (b2 * (1 - b2) * counts ** 2 + (1 - b2) * counts ** 2) / (1 - b2 ** 2)
    step = -0.01 * m / (np.sqrt(v) + 1e-3)
    np.testing.assert_allclose(moved.weight - state.weight, step, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("field, value", [("b1", 1.0), ("momentum", -0.1), ("eps", 0.0),
                                          ("learning_rate", -1.0)])
def test_optax_bad_params_name_the_field(field, value):
    from srbm_jax.devices import OptaxAdam, OptaxParams

    with pytest.raises(ValueError, match=f"device.{field}"):
        OptaxAdam().validate(OptaxParams(**{field: value}))


def test_gpgm_relax_scales_weight_keeps_common_mode_and_bounds():
    """relax(f): G -> (1 - f) G exactly, Gp + Gm unchanged, both devices stay in [g_min, g_max];
    f = 0 is the exact identity."""
    device = GpGmLinear()
    params = GpGmParams(**_f32(set_step=0.01, reset_step=0.01, g_min=0.0, g_max=10.0,
                               init_mean=5.0, init_std=1.0))
    state = GpGmState(jnp.array([[10.0, 5.0, 2.0, 0.0]], jnp.float32),
                      jnp.array([[0.0, 5.0, 7.0, 10.0]], jnp.float32))
    relaxed = device.relax(jax.random.key(0), state, params, jnp.float32(0.25))
    np.testing.assert_allclose(device.read(relaxed, params), [[7.5, 0.0, -3.75, -7.5]], rtol=1e-6)
    np.testing.assert_allclose(relaxed.g_plus + relaxed.g_minus, state.g_plus + state.g_minus,
                               rtol=1e-6)
    np.testing.assert_allclose(relaxed.g_plus, [[8.75, 5.0, 2.625, 1.25]], rtol=1e-6)
    for g in (relaxed.g_plus, relaxed.g_minus):
        assert np.all((np.asarray(g) >= 0.0) & (np.asarray(g) <= 10.0))
    same = device.relax(jax.random.key(0), state, params, jnp.float32(0.0))
    np.testing.assert_array_equal(same.g_plus, state.g_plus)
    np.testing.assert_array_equal(same.g_minus, state.g_minus)


def test_ideal_relax_and_devices_without_weight_decay():
    device = IdealWeight()
    state = IdealState(jnp.array([[2.0, -4.0]], jnp.float32))
    relaxed = device.relax(None, state, device.default_params(), jnp.float32(0.5))
    np.testing.assert_array_equal(relaxed.weight, [[1.0, -2.0]])
    assert GpGmLinear().supports_relax and IdealWeight().supports_relax
    assert not make_device("pcm_nonlinear").supports_relax


# ---- initialisation (srbm_jax.devices.initialisation) ------------------------------------------
INIT_STD_TOLERANCE = 0.02  # relative, for ~700k draws


def test_xavier_init_is_computed_from_the_layer_sizes():
    from srbm_jax.devices import initialisation
    assert initialisation.xavier_std(852, 852) == pytest.approx(0.03426, abs=1e-5)  # the slides'
    device = GpGmLinear(init_kind="xavier")
    state = device.init(jax.random.key(0), 852, 852, device.default_params())
    g = np.asarray(state.g_plus)
    assert g.std() == pytest.approx(0.03426, rel=INIT_STD_TOLERANCE)
    assert g.mean() == pytest.approx(5.0, abs=1e-3)


def test_uniform_init_has_the_gaussians_mean_and_std_and_bounded_support():
    device = IdealWeight(init_kind="uniform")
    params = device.default_params()
    weight = np.asarray(device.init(jax.random.key(1), 800, 900, params).weight)
    half_width = np.sqrt(3.0) * float(params.init_std)
    assert np.all(np.abs(weight) <= half_width + 1e-6)
    assert weight.std() == pytest.approx(float(params.init_std), rel=INIT_STD_TOLERANCE)


def test_gaussian_init_is_unchanged_and_old_configs_keep_their_fingerprint():
    from experiments.configs import default
    from srbm_jax.run import fingerprint
    device = GpGmLinear()
    params = device.default_params()
    key = jax.random.key(2)
    expected = params.init_mean + params.init_std * jax.random.normal(
        jax.random.split(key)[0], (5, 6), jnp.float32)
    np.testing.assert_array_equal(np.asarray(device.init(key, 5, 6, params).g_plus),
                                  np.clip(np.asarray(expected), 0.0, 10.0))
    config = default.get_config()
    old = default.get_config()
    del old.device["init_kind"]  # a config written before the option existed
    assert fingerprint(config) == fingerprint(old)
    config.device.init_kind = "xavier"
    assert fingerprint(config) != fingerprint(old)


def test_a_bad_init_kind_names_the_field():
    with pytest.raises(ValueError, match="device.init_kind = 'he' is out of range"):
        GpGmLinear(init_kind="he").validate(GpGmLinear().default_params())
