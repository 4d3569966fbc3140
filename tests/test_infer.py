"""Classification: label-group counts, batching, and accuracy against presentation time."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import encoding, infer, network
from srbm_jax.schedule import inference_segment


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


# ---- degenerate input ---------------------------------------------------------------------------
def test_evaluate_refuses_empty_data_and_bad_batch_size():
    """Zero images (a reshape error / NaN accuracy before), batch_size 0 (a range() error before)
    and NaN pixels are each a ValueError naming the argument and what is allowed, raised before
    anything is compiled."""
    spec, params, state, pixels, labels = _setup()
    key = jax.random.key(0)
    for empty in (np.zeros((0, 4, 4), np.uint8), np.zeros((0, spec.n_data), np.float32)):
        with pytest.raises(ValueError, match=r"pixels has shape \(0, .*\): allowed N >= 1"):
            srbm_jax.evaluate(key, state, empty, np.zeros(0, np.int32), params, spec)
        with pytest.raises(ValueError, match=r"pixels has shape \(0, .*\): allowed N >= 1"):
            srbm_jax.evaluate(key, state, empty, None, params, spec)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match=rf"batch_size = {bad!r} is out of range: allowed an "
                                             r"integer >= 1"):
            srbm_jax.evaluate(key, state, pixels, labels, params, spec, batch_size=bad)
    nan = pixels.copy()
    nan[1, 3] = np.nan
    with pytest.raises(ValueError, match="pixels contains NaN or inf"):
        srbm_jax.evaluate(key, state, nan, labels, params, spec)


def test_evaluate_default_spec_zero_mnist_images():
    """The report's case: MNIST-shaped [0, 28, 28] images with the default Spec."""
    spec = srbm_jax.Spec()
    params = srbm_jax.default_params(spec)
    state = srbm_jax.init_device(jax.random.key(0), params, small_spec())  # never read
    with pytest.raises(ValueError, match=r"pixels has shape \(0, 28, 28\): allowed N >= 1 images"):
        srbm_jax.evaluate(jax.random.key(0), state, np.zeros((0, 28, 28), np.uint8),
                          np.zeros(0, np.int32), params, spec)


# ---- several label neurons per class ------------------------------------------------------------
K_PER_CLASS = 4  # n_label = 40, the default


def _one_path_per_class_network():
    """n_label = 40 (4 label neurons per class), noiseless neurons, IdealWeight weights that wire
    data neuron c -> hidden neuron c -> the 4 label neurons of class c (c = 0..9): an image with
    only pixel c on can only make class c's label group spike. Label neuron i belongs to class
    i // 4, so under a class = i % 10 grouping most predictions would be wrong."""
    spec = small_spec(n_label=10 * K_PER_CLASS, inference_ms=20.0, device=srbm_jax.IdealWeight())
    params = srbm_jax.default_params(spec, walk_up=0.0, walk_down=0.0, spike_rate_hz=500.0,
                                     bias_rate_factor=0.0, alpha=0.1)
    weight = np.zeros((spec.n_visible, spec.n_hidden_total), np.float32)
    for c in range(10):
        weight[c, c] = 20.0  # alpha * 20 = 2 > threshold: every input spike fires hidden c
        first = spec.n_data + K_PER_CLASS * c
        weight[first:first + K_PER_CLASS, c] = 20.0
    state = srbm_jax.devices.IdealState(jnp.asarray(weight))
    pixels = np.zeros((10, spec.n_data), np.float32)
    pixels[np.arange(10), np.arange(10)] = 1.0
    return spec, params, state, pixels, np.arange(10, dtype=np.int32)


def test_label_groups_with_several_neurons_per_class():
    spec, params, state, pixels, labels = _one_path_per_class_network()
    assert spec.labels_per_class == K_PER_CLASS
    result = srbm_jax.evaluate(jax.random.key(3), state, pixels, labels, params, spec,
                               batch_size=5)
    counts = result["counts"]
    # Every label spike of image c falls into class c's group, and there are several of them.
    np.testing.assert_array_equal(counts, np.diag(np.diag(counts)))
    assert np.all(np.diag(counts) >= K_PER_CLASS)
    np.testing.assert_array_equal(result["predictions"], labels)
    assert result["accuracy"] == 1.0
    # accuracy_vs_time from the running (cumulative) counts, by hand: before any label spike every
    # prediction is class 0 (ties go to the lower class), so only image 0 is right; once a
    # group has spiked it stays ahead (no other group can spike), so the curve never falls.
    per_tick = np.concatenate([np.asarray(infer.label_counts_batch(
        jax.random.key(3), state, jnp.asarray(pixels[b:b + 5]), jnp.arange(b, b + 5), params,
        spec)) for b in (0, 5)])
    running = np.argmax(np.cumsum(per_tick, axis=1), axis=2)  # [image, tick]
    np.testing.assert_allclose(result["accuracy_vs_time"], np.mean(running == labels[:, None], 0))
    assert result["accuracy_vs_time"][0] == 0.1 and result["accuracy_vs_time"][-1] == 1.0
    assert np.all(np.diff(result["accuracy_vs_time"]) >= 0)
    # The groups are the neuron blocks [n_data + 4 c, n_data + 4 c + 4): the per-neuron label
    # spikes of one image (same key, same segment), grouped by hand, give its counts.
    weight = spec.device.read(state, params.device)
    dense = spec.replace(drive_chunk=0)  # what a batch of images runs
    segment = inference_segment(spec)
    for c in (1, 7):
        words = network.draw_segment_words(jax.random.fold_in(jax.random.key(3), c),
                                           segment.n_ticks, segment.visible_free, dense)
        _, visible, _ = network.run_free_segment(
            words, network.init_carry(dense), weight,
            encoding.visible_probabilities(jnp.asarray(pixels[c]), None, params, dense),
            encoding.hidden_probabilities(params, dense), params, dense, segment.visible_free)
        per_neuron = np.asarray(visible)[:, spec.label_slice].sum(axis=0)
        by_hand = np.zeros(10)
        for neuron, spikes in enumerate(per_neuron):
            by_hand[neuron // K_PER_CLASS] += spikes
        np.testing.assert_array_equal(by_hand, counts[c])


def test_batch_drive_chunk_evaluates_batches_with_the_sparse_drive_and_the_same_counts():
    """Inference batches with batch_drive_chunk > 0 sum the spiking rows per image: the same
    label-group counts as the dense default (sums differ only by float rounding)."""
    spec = small_spec(drive_chunk=3)
    params = srbm_jax.default_params(spec)
    state = srbm_jax.init_device(jax.random.key(2), params, spec)
    pixels = jnp.asarray(np.random.default_rng(4).random((6, spec.n_data)).astype(np.float32))
    indices = jnp.arange(6, dtype=jnp.int32)
    dense = infer.label_counts_batch(jax.random.key(5), state, pixels, indices, params, spec)
    sparse = infer.label_counts_batch(jax.random.key(5), state, pixels, indices, params,
                                      spec.replace(batch_drive_chunk=2))
    np.testing.assert_array_equal(np.asarray(dense), np.asarray(sparse))
    assert float(np.asarray(dense).sum()) > 0  # label neurons spiked: the check means something
