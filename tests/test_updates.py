"""srbm_jax.updates: the update layer between eCD and the devices (issue: learning).

Tiers: exact cases (rate 0 changes nothing; sgd(1) is plain eCD bit for bit on every device,
on-line and mini-batch; the seed's momentum and Adam rules against NumPy transcriptions of the
slides' code; transfer moves no device further than its pulses), statistics (stochastic
rounding is unbiased), and the run driver (checkpoint round trip and bit-identical resume of the
optimiser state, vmapped learning rates equal single runs, config errors naming the field).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from conftest import small_spec
from tiny_runs import cache, tiny_config, tiny_mnist  # noqa: F401

import srbm_jax
from srbm_jax import checkpoint, train
from srbm_jax.devices import Bipolar2T1R, GpGmLinear, IdealWeight, PcmNonlinear, PcmStochastic
from srbm_jax.run import spec_and_params, training
from srbm_jax.run.checkpoints import latest_path
from srbm_jax.updates import LayerParams, OptimizerParams, UpdateLayer

N_IMAGES = 6


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return (rng.random((N_IMAGES, 16)).astype(np.float32),
            rng.integers(0, 10, N_IMAGES).astype(np.int32))


def train_small(device, images, batch=1, params=None):
    """The device state after training the small network on `images` (batch images per update)."""
    spec = small_spec(device=device)
    params = srbm_jax.default_params(spec) if params is None else params
    key = jax.random.key(3)
    state = srbm_jax.init_device(key, params, spec)
    pixels, labels = images
    shaped = (jnp.asarray(pixels.reshape(-1, batch, 16)), jnp.asarray(labels.reshape(-1, batch)),
              jnp.arange(N_IMAGES, dtype=jnp.int32).reshape(-1, batch))
    state, _ = train.train_chunk(key, state, *shaped, jnp.int32(0), params, spec)
    return state


def same_leaves(a, b, skip=()):
    fields_a = a._asdict() if hasattr(a, "_asdict") else {"": a}
    fields_b = b._asdict() if hasattr(b, "_asdict") else {"": b}
    return all(np.array_equal(np.asarray(fields_a[k]), np.asarray(fields_b[k]))
               for k in fields_a if k not in skip)


# ---- exact cases --------------------------------------------------------------------------------
SLOW = pytest.mark.slow  # the rest of the device matrix (`make test-slow`)


@pytest.mark.parametrize("device, batch", [
    (GpGmLinear(), 1), (GpGmLinear(), 2), (IdealWeight(), 1), (PcmStochastic(), 1),
    pytest.param(PcmStochastic(), 2, marks=SLOW), pytest.param(PcmNonlinear(), 1, marks=SLOW),
    pytest.param(Bipolar2T1R(), 1, marks=SLOW)],
    ids=lambda value: getattr(value, "name", str(value)))
def test_sgd_with_rate_one_is_plain_ecd_bit_for_bit(device, batch, images):
    plain = train_small(device, images, batch)
    layered = train_small(UpdateLayer(device=device, optimizer="sgd"), images, batch)
    assert same_leaves(plain, layered.device)
    # u / pulse_weight is eCD's integer count to within float rounding, which rounding removes.
    assert float(layered.rounded_away) < 1e-5 * float(layered.requested)
    assert float(layered.updates) == 2 * N_IMAGES / batch  # one step per phase


@pytest.mark.parametrize("device, optimizer", [
    (GpGmLinear(), "adam"), (PcmStochastic(), "adam"), (GpGmLinear(), "sgd"),
    (GpGmLinear(), "momentum"), pytest.param(IdealWeight(), "adam", marks=SLOW),
    pytest.param(PcmNonlinear(), "adam", marks=SLOW),
    pytest.param(Bipolar2T1R(), "adam", marks=SLOW)],
    ids=lambda value: getattr(value, "name", str(value)))
def test_learning_rate_zero_leaves_the_device_unchanged(device, optimizer, images):
    layer = UpdateLayer(device=device, optimizer=optimizer)
    spec = small_spec(device=layer)
    params = srbm_jax.default_params(spec)
    params = params.replace(device=params.device.replace(
        optimizer=params.device.optimizer.replace(learning_rate=jnp.float32(0.0))))
    initial = srbm_jax.init_device(jax.random.key(3), params, spec)
    trained = train_small(layer, images, params=params)
    # The PCM pairs count their (empty) apply calls; nothing else may move.
    assert same_leaves(initial.device, trained.device, skip=("apply_calls",))
    assert float(trained.requested) == 0.0 and float(trained.pulses_up) == 0.0


def gpgm_state(g_plus, g_minus):
    return GpGmLinear().init(jax.random.key(0), 1, 1, GpGmLinear().default_params())._replace(
        g_plus=jnp.asarray(g_plus, jnp.float32), g_minus=jnp.asarray(g_minus, jnp.float32))


def test_the_seeds_momentum_rule_exactly():
    """mode "add", momentum, analog write on gpgm_linear = the slides' code: after each image
    velocity = gamma velocity + lr ((Gp - Gm) - save); Gp += velocity; save = Gp - Gm."""
    gamma, lr = 0.8, 0.5
    layer = UpdateLayer(device=GpGmLinear(), optimizer="momentum", every="update", mode="add",
                        write="analog")
    params = LayerParams(GpGmLinear().default_params(),
                         OptimizerParams(learning_rate=lr, momentum=gamma))
    rng = np.random.default_rng(1)
    g_plus, g_minus = rng.uniform(4, 6, (3, 4)), rng.uniform(4, 6, (3, 4))
    state = layer.init(jax.random.key(0), 3, 4, params)
    state = state._replace(device=state.device._replace(g_plus=jnp.float32(g_plus),
                                                        g_minus=jnp.float32(g_minus)),
                           saved=jnp.float32(g_plus - g_minus))
    gp, gm = g_plus.astype(np.float64), g_minus.astype(np.float64)
    save, velocity = gp - gm, np.zeros_like(gp)
    for image in range(4):
        potentiation = rng.integers(0, 5, (3, 4)).astype(np.float32)
        depression = rng.integers(0, 5, (3, 4)).astype(np.float32)
        key = jax.random.key(image)
        state = layer.apply(key, state, jnp.asarray(potentiation), jnp.zeros((3, 4)), params)
        state = layer.apply(key, state, jnp.zeros((3, 4)), jnp.asarray(depression), params)
        state = layer.end_update(key, state, params)
        # The slides: eCD pulses (SET/RESET 0.01 each), then the momentum step on Gp.
        gp = np.clip(gp + 0.01 * potentiation, 0, 10) - 0.01 * depression
        gm = np.clip(gm - 0.01 * potentiation, 0, 10) + 0.01 * depression
        velocity = gamma * velocity + lr * ((gp - gm) - save)
        gp = gp + velocity
        save = gp - gm
    np.testing.assert_allclose(np.asarray(state.device.g_plus), gp, atol=2e-5)
    np.testing.assert_allclose(np.asarray(state.device.g_minus), gm, atol=2e-5)
    np.testing.assert_allclose(np.asarray(state.saved), save, atol=2e-5)


def test_the_seeds_adam_rule_exactly():
    """optimizer "adam" with eps 0 and eps_root = epsilon is the slides' Adam: m, v moments of
    the gradient -Delta(Gp - Gm), theta -= eta m_hat / sqrt(v_hat + eps)."""
    eta, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    layer = UpdateLayer(device=IdealWeight(), optimizer="adam", every="update", mode="add",
                        write="analog")
    params = LayerParams(IdealWeight().default_params(),
                         OptimizerParams(learning_rate=eta, b1=b1, b2=b2, eps=0.0, eps_root=eps))
    rng = np.random.default_rng(2)
    state = layer.init(jax.random.key(0), 2, 3, params)
    weight = np.asarray(state.device.weight, np.float64)
    m = v = np.zeros_like(weight)
    for t in range(1, 6):
        counts = rng.integers(-4, 5, (2, 3)).astype(np.float32)
        key = jax.random.key(t)
        state = layer.apply(key, state, jnp.maximum(counts, 0), jnp.maximum(-counts, 0), params)
        state = layer.end_update(key, state, params)
        grad = -(0.02 * counts)  # the image's change of the weight, negated
        weight = weight + 0.02 * counts
        m, v = b1 * m + (1 - b1) * grad, b2 * v + (1 - b2) * grad ** 2
        weight = weight - eta * (m / (1 - b1 ** t)) / np.sqrt(v / (1 - b2 ** t) + eps)
    np.testing.assert_allclose(np.asarray(state.device.weight), weight, atol=1e-5)


def test_transfer_never_moves_a_device_further_than_its_pulses():
    layer = UpdateLayer(device=GpGmLinear(), optimizer="sgd", write="transfer")
    params = LayerParams(GpGmLinear().default_params(), OptimizerParams(learning_rate=0.37))
    state = layer.init(jax.random.key(0), 4, 5, params)
    rng = np.random.default_rng(3)
    total_wanted, written = np.zeros((4, 5)), np.zeros((4, 5))
    for call in range(12):
        counts = rng.integers(-3, 4, (4, 5)).astype(np.float32)
        before = np.asarray(layer.read(state, params))
        residual_before = np.asarray(state.residual)
        state = layer.apply(jax.random.key(call), state, jnp.maximum(counts, 0),
                            jnp.maximum(-counts, 0), params)
        moved = np.asarray(layer.read(state, params)) - before
        pulses = np.round(moved / 0.02)
        np.testing.assert_allclose(moved, 0.02 * pulses, atol=1e-5)  # whole pulses only
        wanted = residual_before + 0.37 * counts
        np.testing.assert_array_equal(pulses, np.trunc(wanted))
        assert np.all(np.abs(np.asarray(state.residual)) < 1.0)
        total_wanted += 0.37 * counts
        written += pulses
    assert float(state.rounded_away) == 0.0  # nothing dropped: the remainder waits
    np.testing.assert_allclose(written + np.asarray(state.residual), total_wanted, atol=1e-5)


def test_pulses_the_device_cannot_take_are_counted():
    """A device at its bound: the written pulses do not move it, and update_not_taken says so."""
    layer = UpdateLayer(device=GpGmLinear(), optimizer="sgd")
    params = LayerParams(GpGmLinear().default_params(), OptimizerParams(learning_rate=1.0))
    state = layer.init(jax.random.key(0), 1, 1, params)
    state = state._replace(device=gpgm_state([[10.0]], [[0.0]]))  # G at its upper bound
    state = layer.apply(jax.random.key(1), state, jnp.full((1, 1), 3.0), jnp.zeros((1, 1)), params)
    assert float(state.pulses_up) == 3.0
    assert float(state.not_taken) == pytest.approx(0.06, abs=1e-6)
    assert layer.weight_statistics(state, params)["update_not_taken"] == pytest.approx(0.06, abs=1e-6)


def test_nearest_rounding_drops_and_counts_sub_pulse_updates():
    layer = UpdateLayer(device=GpGmLinear(), optimizer="sgd")
    params = LayerParams(GpGmLinear().default_params(), OptimizerParams(learning_rate=0.3))
    state = layer.init(jax.random.key(0), 2, 2, params)
    state = layer.apply(jax.random.key(1), state, jnp.ones((2, 2)), jnp.zeros((2, 2)), params)
    assert float(state.pulses_up) == 0.0  # 0.3 pulse rounds to 0
    assert float(state.rounded_away) == pytest.approx(4 * 0.3 * 0.02, rel=1e-5)


# ---- statistics ---------------------------------------------------------------------------------
STOCHASTIC_ROUNDING_TOLERANCE = 4.0  # standard errors


def test_stochastic_rounding_writes_the_update_in_expectation():
    layer = UpdateLayer(device=IdealWeight(), optimizer="sgd", rounding="stochastic")
    params = LayerParams(IdealWeight().default_params(), OptimizerParams(learning_rate=0.3))
    state = layer.init(jax.random.key(0), 50, 40, params)

    def written(key):
        out = layer.apply(key, state, jnp.ones((50, 40)), jnp.zeros((50, 40)), params)
        return out.pulses_up

    pulses = np.asarray(jax.vmap(written)(jax.random.split(jax.random.key(5), 20)))
    per_synapse = pulses / 2000.0
    mean, sem = per_synapse.mean(), 0.3 ** 0.5 * 0.7 ** 0.5 / np.sqrt(2000 * 20)
    assert abs(mean - 0.3) < STOCHASTIC_ROUNDING_TOLERANCE * sem


# ---- the run driver and the config -------------------------------------------------------------
def test_optimiser_state_round_trips_and_resumes_bit_identically(tmp_path):
    changes = {"optimizer.name": "adam", "optimizer.learning_rate": 0.02,
               "optimizer.write": "transfer", "checkpoint_every_images": 20}
    training.train_and_evaluate(tiny_config(epochs=2, **changes), tmp_path / "straight",
                                verbose=False)
    training.train_and_evaluate(tiny_config(epochs=1, **changes), tmp_path / "resumed",
                                verbose=False)
    training.train_and_evaluate(tiny_config(epochs=2, **changes), tmp_path / "resumed",
                                resume=True, verbose=False)
    a, meta = checkpoint.load(latest_path(tmp_path / "straight"))
    b, _ = checkpoint.load(latest_path(tmp_path / "resumed"))
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert meta["config"]["optimizer"]["name"] == "adam"
    records = [line for line in (tmp_path / "straight" / "metrics.jsonl").read_text().splitlines()]
    assert '"update_requested"' in records[-1] and '"update_not_taken"' in records[-1]


def test_vmapped_learning_rates_equal_single_runs():
    from srbm_jax import study
    config = tiny_config(**{"optimizer.name": "momentum"})
    spec, stacked, grid = study.study_params(config, {"optimizer.learning_rate": [0.05, 0.2]},
                                             [1])
    for n, rate in enumerate((0.05, 0.2)):
        single = tiny_config(**{"optimizer.name": "momentum", "optimizer.learning_rate": rate})
        _, params = spec_and_params(single)
        one = jax.tree_util.tree_map(lambda leaf, n=n: leaf[n], stacked)
        assert all(np.array_equal(x, y) for x, y in zip(jax.tree_util.tree_leaves(one),
                                                        jax.tree_util.tree_leaves(params),
                                                        strict=True))
    state = srbm_jax.init_device(jax.random.key(0), jax.tree_util.tree_map(
        lambda leaf: leaf[0], stacked), spec)
    counts = jnp.ones((spec.n_visible, spec.n_hidden_total))

    def step(params):
        return spec.device.apply(jax.random.key(1), state, counts, 0 * counts, params.device)

    vmapped = jax.vmap(step)(stacked)
    for n in range(2):
        single = step(jax.tree_util.tree_map(lambda leaf, n=n: leaf[n], stacked))
        assert np.array_equal(np.asarray(vmapped.device.g_plus[n]), np.asarray(single.device.g_plus))


@pytest.mark.parametrize("changes, message", [
    ({"optimizer.name": "adamm"}, "config.optimizer.name = 'adamm' is out of range"),
    ({"optimizer.name": "adam", "optimizer.momentum": 0.5},
     "config.optimizer.momentum = 0.5 is not used by optimiser 'adam'"),
    ({"optimizer.name": "adam", "optimizer.b1": 1.5}, "config.optimizer.b1 = 1.5 is out of range"),
    ({"optimizer.learning_rate": 0.1}, "config.optimizer.learning_rate = 0.1 is set but"),
    ({"optimizer.name": "sgd", "optimizer.write": "bits"},
     "config.optimizer.write = 'bits' is out of range"),
    ({"optimizer.name": "sgd", "optimizer.mode": "add"},
     "config.optimizer.every = 'phase' is out of range for mode 'add'"),
    ({"optimizer.name": "sgd", "optimizer.schedule": "cosine"},
     "config.optimizer.schedule_steps = 0 is out of range"),
])
def test_bad_optimiser_settings_name_the_field(changes, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        spec_and_params(tiny_config(**changes))


def test_analog_write_needs_a_device_that_has_one():
    with pytest.raises(ValueError, match="config.optimizer.write = 'analog' is out of range for "
                                         "device 'pcm_stochastic'"):
        spec_and_params(tiny_config("pcm_stochastic", **{"optimizer.name": "sgd",
                                                         "optimizer.write": "analog"}))


def test_an_optax_object_can_be_passed_in_python(images):
    layer = UpdateLayer(device=IdealWeight(), optimizer=optax.sgd(1.0))
    plain = train_small(IdealWeight(), images)
    assert same_leaves(plain, train_small(layer, images).device)
