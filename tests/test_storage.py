"""bfloat16 conductance storage: exact rounding cases, unbiased stochastic rounding, the 6T2R pair
with bfloat16 state (jit, vmap, checkpoint), and config errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.configs import default
from srbm_jax import checkpoint
from srbm_jax.devices import GpGmLinear, GpGmParams, storage
from srbm_jax.run import fingerprint, spec_and_params

# Stochastic rounding over this many synapses: the mean rounding error of n independent roundings
# has sd <= spacing / (2 sqrt(n)); 5 sd is the tolerance.
N_SYNAPSES = 200_000
SPACING_AT_5 = 2.0 ** (2 - 7)  # bfloat16 spacing in [4, 8)
MEAN_TOLERANCE = 5 * SPACING_AT_5 / (2 * np.sqrt(N_SYNAPSES))


def test_bfloat16_spacing_at_five():
    five = jnp.bfloat16(5.0)
    above = jnp.nextafter(five, jnp.bfloat16(10.0))
    assert float(above) - 5.0 == SPACING_AT_5


def test_nearest_rounding_drops_a_small_step():
    """G = 5 plus a 0.005 step (less than half the 0.03125 spacing) stays exactly 5."""
    value = jnp.full((4,), 5.0 + 0.005, jnp.float32)
    stored = storage.to_storage(jax.random.key(0), value, "bfloat16", "nearest")
    assert stored.dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(stored, np.float32), 5.0)
    # Four events (0.02, over half the spacing) become one whole spacing (0.03125).
    four = storage.to_storage(None, jnp.full((4,), 5.0 + 4 * 0.005), "bfloat16", "nearest")
    np.testing.assert_array_equal(np.asarray(four, np.float32), 5.0 + SPACING_AT_5)


def test_stochastic_rounding_lands_on_neighbours_and_is_unbiased():
    fraction = 0.005 / SPACING_AT_5  # 0.16 of the spacing above 5
    value = jnp.full((N_SYNAPSES,), 5.0 + 0.005, jnp.float32)
    stored = np.asarray(storage.stochastic_round_bfloat16(jax.random.key(1), value), np.float64)
    assert set(np.unique(stored)) <= {5.0, 5.0 + SPACING_AT_5}
    assert abs(np.mean(stored == 5.0 + SPACING_AT_5) - fraction) < 5 * np.sqrt(
        fraction * (1 - fraction) / N_SYNAPSES)
    assert abs(stored.mean() - (5.0 + 0.005)) < MEAN_TOLERANCE


def test_stochastic_rounding_is_exact_on_bfloat16_values():
    values = jnp.asarray([0.0, 5.0, 5.03125, 10.0, -2.5], jnp.float32)
    stored = storage.stochastic_round_bfloat16(jax.random.key(2), values)
    np.testing.assert_array_equal(np.asarray(stored, np.float32), np.asarray(values))


def test_stochastic_rounding_of_negative_values_is_unbiased():
    value = jnp.full((N_SYNAPSES,), -(5.0 + 0.005), jnp.float32)
    stored = np.asarray(storage.stochastic_round_bfloat16(jax.random.key(3), value), np.float64)
    assert abs(stored.mean() + 5.005) < MEAN_TOLERANCE


def _pair(rounding):
    device = GpGmLinear(storage_dtype="bfloat16", rounding=rounding)
    params = GpGmParams(set_step=0.005, reset_step=0.005, init_mean=5.0, init_std=0.0)
    return device, params


def test_pair_with_nearest_rounding_loses_one_event_and_stochastic_keeps_it():
    """One potentiation event per synapse at G+ = G- = 5: float32 moves G by 0.01; bfloat16
    nearest leaves it at 0; bfloat16 stochastic moves it by 0.01 on average."""
    counts = jnp.ones((400, 500), jnp.float32)
    zeros = jnp.zeros_like(counts)
    for rounding, expected in (("nearest", 0.0), ("stochastic", 0.01)):
        device, params = _pair(rounding)
        device.validate(params)
        state = device.init(jax.random.key(4), 400, 500, params)
        assert state.g_plus.dtype == jnp.bfloat16
        state = jax.jit(device.apply)(jax.random.key(5), state, counts, zeros, params)
        weight = np.asarray(device.read(state, params), np.float64)
        assert device.read(state, params).dtype == jnp.float32
        # G = Gp - Gm, two independent roundings: sd of the mean <= spacing / sqrt(2 n).
        assert abs(weight.mean() - expected) < 5 * SPACING_AT_5 / np.sqrt(2 * counts.size)


def test_float32_storage_is_the_default_and_unchanged():
    device = GpGmLinear()
    params = GpGmParams(set_step=0.005, reset_step=0.005, init_std=0.0)
    state = device.init(jax.random.key(6), 3, 2, params)
    assert state.g_plus.dtype == jnp.float32
    state = device.apply(jax.random.key(7), state, jnp.ones((3, 2)), jnp.zeros((3, 2)), params)
    np.testing.assert_allclose(np.asarray(device.read(state, params)), 0.01, atol=1e-6)  # ulp(5)


def test_bfloat16_pair_vmaps_over_seeds():
    device, params = _pair("stochastic")
    keys = jax.random.split(jax.random.key(8), 3)
    states = jax.vmap(lambda k: device.init(k, 5, 4, params))(keys)
    counts = jnp.ones((3, 5, 4), jnp.float32)
    states = jax.vmap(device.apply, in_axes=(0, 0, 0, 0, None))(keys, states, counts,
                                                                 jnp.zeros_like(counts), params)
    assert states.g_plus.shape == (3, 5, 4) and states.g_plus.dtype == jnp.bfloat16


def test_checkpoint_round_trip_of_bfloat16_state(tmp_path):
    device, params = _pair("stochastic")
    state = device.init(jax.random.key(9), 6, 7, params.replace(init_std=1.0))
    path = checkpoint.save(tmp_path / "c.npz", state, {"note": "bf16"})
    loaded, metadata = checkpoint.load(path, like=state)
    assert metadata == {"note": "bf16"}
    assert loaded.g_plus.dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(loaded.g_plus, np.float32),
                                  np.asarray(state.g_plus, np.float32))
    # A float32 state of the same shape does not load from it (dtype named in the error).
    with pytest.raises(ValueError, match="bfloat16"):
        checkpoint.load(path, like=GpGmLinear().init(jax.random.key(9), 6, 7, params))


@pytest.mark.parametrize("field, value", [("storage_dtype", "float16"), ("rounding", "up")])
def test_bad_storage_config_names_the_field(field, value):
    config = default.get_config()
    config.device[field] = value
    with pytest.raises(ValueError, match=f"config.device.{field}"):
        spec_and_params(config)


def test_stochastic_rounding_needs_bfloat16():
    config = default.get_config()
    config.device.rounding = "stochastic"
    with pytest.raises(ValueError, match="config.device.rounding.*bfloat16"):
        spec_and_params(config)


def test_bfloat16_only_for_the_gpgm_pair():
    config = default.get_config("ideal")
    assert "storage_dtype" not in config.device  # the ideal weight has no storage option
    with pytest.raises(ValueError, match=r"config\.device\.storage_dtype is not a field"):
        spec_and_params(_with_field(config, "storage_dtype", "bfloat16"))


def _with_field(config, field, value):
    import ml_collections
    data = config.to_dict()
    data["device"][field] = value
    return ml_collections.ConfigDict(data)


def test_config_builds_a_bfloat16_pair():
    config = default.get_config()
    before = fingerprint(config)
    config.device.storage_dtype, config.device.rounding = "bfloat16", "stochastic"
    spec, _ = spec_and_params(config)
    assert spec.device == GpGmLinear(storage_dtype="bfloat16", rounding="stochastic")
    assert fingerprint(config) != before
