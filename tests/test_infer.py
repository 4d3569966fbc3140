"""Classification: label-group counts, batching, and accuracy against presentation time."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from conftest import small_spec

import srbm_jax
from srbm_jax import infer


def _setup():
    spec = small_spec(inference_ms=12.0)
    # alpha large enough that label neurons are driven by the hidden layer.
    params = srbm_jax.default_params(spec, alpha=0.5)
    state = srbm_jax.init_device(jax.random.key(7), params, spec)
    rng = np.random.default_rng(0)
    pixels = rng.random((5, spec.n_data)).astype(np.float32)
    labels = rng.integers(0, 10, 5).astype(np.int32)
    return spec, params, state, pixels, labels


def test_batch_equals_single_images_and_counts_sum_ticks():
    spec, params, state, pixels, _ = _setup()
    key = jax.random.key(1)
    weight = spec.device.read(state, params.device)
    per_tick = infer.label_counts_batch(key, state, jnp.asarray(pixels), jnp.arange(5), params,
                                        spec)
    assert per_tick.shape == (5, spec.ticks(spec.inference_ms), 10)
    for index in range(5):
        single = infer.label_counts(jax.random.fold_in(key, index), weight,
                                    jnp.asarray(pixels[index]), params, spec)
        np.testing.assert_array_equal(single, per_tick[index].sum(axis=0))
    assert float(per_tick.sum()) > 0  # the label neurons did spike


def test_accuracy_vs_time_ends_at_the_accuracy():
    spec, params, state, pixels, labels = _setup()
    result = srbm_jax.evaluate(jax.random.key(2), state, pixels, labels, params, spec,
                               batch_size=2)  # 3 batches, the last one padded
    assert result["counts"].shape == (5, 10)
    assert result["accuracy_vs_time"].shape == (spec.ticks(spec.inference_ms),)
    assert result["accuracy_vs_time"][-1] == result["accuracy"]
    np.testing.assert_array_equal(result["predictions"], np.argmax(result["counts"], axis=1))
    # Same key and data, another batch size: the same counts (keys follow the image index).
    again = srbm_jax.evaluate(jax.random.key(2), state, pixels, labels, params, spec, batch_size=5)
    np.testing.assert_array_equal(again["counts"], result["counts"])
