"""srbm_jax.sweep: networks side by side over seeds and traced hyperparameters equal the same
networks run one at a time; bad sweep definitions raise errors that name the field."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import sweep

RATES = [150.0, 250.0]
SEEDS = [3, 4]


def _data(n, seed):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 16)).astype(np.uint8), rng.integers(0, 10, n).astype(np.int32))


def test_product_is_cartesian_last_axis_fastest():
    assert sweep.product(a=[1, 2], b=[10, 20, 30]) == {"a": [1, 1, 1, 2, 2, 2],
                                                      "b": [10, 20, 30, 10, 20, 30]}
    with pytest.raises(ValueError, match="sweep axis b is empty"):
        sweep.product(a=[1], b=[])


def test_stack_params_puts_values_on_a_leading_axis():
    params = srbm_jax.default_params(small_spec())
    stacked = sweep.stack_params(params, spike_rate_hz=RATES, device__set_step=[0.01, 0.02])
    for leaf in jax.tree_util.tree_leaves(stacked):
        assert leaf.shape == (2,)
    np.testing.assert_array_equal(stacked.spike_rate_hz, np.float32(RATES))
    np.testing.assert_array_equal(stacked.device.set_step, np.float32([0.01, 0.02]))
    np.testing.assert_array_equal(stacked.walk_up, [params.walk_up] * 2)


@pytest.mark.parametrize("values, message", [
    ({"spike_rate": [1.0]}, "sweep field spike_rate does not exist"),
    ({"device__step": [1.0]}, r"sweep field device.step does not exist"),
    ({"walk_up": [0.1, 0.2], "walk_down": [0.1]}, "one length"),
    ({}, "at least one"),
])
def test_stack_params_errors_name_the_field(values, message):
    with pytest.raises(ValueError, match=message):
        sweep.stack_params(srbm_jax.default_params(small_spec()), **values)


def test_network_keys_are_the_experiment_keys():
    keys = sweep.network_keys(7)
    init, train, evaluate = jax.random.split(jax.random.key(7), 3)
    for name, expected in (("init", init), ("train", train), ("evaluate", evaluate)):
        np.testing.assert_array_equal(jax.random.key_data(keys[name]), jax.random.key_data(expected))


def test_networks_equal_one_at_a_time():
    """Two networks (seeds 3, 4; spike rates 150, 250 Hz), mini-batches of 2, trained side by
    side: each equals train_epoch + evaluate with its own keys and values."""
    spec = small_spec(inference_ms=20.0)
    params = sweep.stack_params(srbm_jax.default_params(spec), spike_rate_hz=RATES)
    images, labels = _data(12, 0)
    test_images, test_labels = _data(8, 1)
    keys, states = sweep.init_networks(SEEDS, params, spec)
    states, stats = sweep.train_networks(keys, states, images, labels, params, spec, epoch=1,
                                         chunk_size=4, batch_size=2)
    accuracy = sweep.evaluate_networks(keys, states, test_images, test_labels, params, spec,
                                       epoch=1, batch_size=4)
    assert stats["potentiation_events"].shape == (2, 12) and accuracy.shape == (2,)
    for n, (seed, rate) in enumerate(zip(SEEDS, RATES, strict=True)):
        own = srbm_jax.default_params(spec, spike_rate_hz=rate)
        one = sweep.network_keys(seed)
        state = srbm_jax.init_device(one["init"], own, spec)
        state, own_stats = srbm_jax.train_epoch(one["train"], state, images, labels, own, spec,
                                                epoch=1, chunk_size=4, batch_size=2)
        for x, y in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(states),
                        strict=True):
            np.testing.assert_allclose(np.asarray(x), np.asarray(y)[n], rtol=0, atol=1e-6)
        np.testing.assert_array_equal(own_stats["potentiation_events"],
                                      stats["potentiation_events"][n])
        result = srbm_jax.evaluate(jax.random.fold_in(one["evaluate"], 1), state, test_images,
                                   test_labels, own, spec, batch_size=4)
        assert result["accuracy"] == accuracy[n]
    # The networks differ (different seeds and rates).
    assert not np.array_equal(np.asarray(states.g_plus[0]), np.asarray(states.g_plus[1]))


def test_shared_params_and_mismatched_stacks():
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    keys, states = sweep.init_networks([1, 2, 3], params, spec)  # shared params
    assert states.g_plus.shape[0] == 3
    stacked_two = sweep.stack_params(params, walk_up=[0.05, 0.06])
    with pytest.raises(ValueError, match="leading axis of 3 networks"):
        sweep.train_networks(keys, states, *_data(2, 0), stacked_two, spec)
    with pytest.raises(ValueError, match="unstacked params"):
        sweep.stack_params(stacked_two, walk_up=[0.05, 0.06])


_SHARDED_SCRIPT = """
import json, jax, numpy as np, srbm_jax
from srbm_jax import sweep
spec = srbm_jax.Spec(n_data=16, n_label=10, n_visible_bias=2, n_hidden=12, n_hidden_bias=2,
                     inference_ms=20.0)
params = sweep.stack_params(srbm_jax.default_params(spec), walk_up=[0.05, 0.06, 0.05, 0.06])
rng = np.random.default_rng(0)
images, labels = rng.integers(0, 256, (8, 16)).astype(np.uint8), rng.integers(0, 10, 8)
out = {"devices": len(jax.devices())}
for mode in ("auto", None):
    keys, states = sweep.init_networks([1, 2, 3, 4], params, spec, sharding=mode)
    states, _ = sweep.train_networks(keys, states, images, labels, params, spec, chunk_size=4)
    out[str(mode)] = {"g_plus": np.asarray(states.g_plus).tolist(),
                      "devices_used": len(states.g_plus.sharding.device_set),
                      "accuracy": sweep.evaluate_networks(keys, states, images, labels, params,
                                                          spec, batch_size=4).tolist()}
print(json.dumps(out))
"""


def test_networks_sharded_over_devices_equal_unsharded():
    """Four networks over two CPU devices (a subprocess with
    --xla_force_host_platform_device_count=2) give what the same sweep on one device gives."""
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-c", _SHARDED_SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["devices"] == 2
    assert out["auto"]["devices_used"] == 2 and out["None"]["devices_used"] == 1
    np.testing.assert_allclose(out["auto"]["g_plus"], out["None"]["g_plus"], rtol=0, atol=1e-6)
    assert out["auto"]["accuracy"] == out["None"]["accuracy"]
