"""Classification with fixed weights: pixels clamped, labels free, count label-group spikes.

For each test image the data neurons are clamped to the image's input spike trains, label and
hidden neurons run free for `Spec.inference_ms`, and the prediction is the class whose group of
n_label/10 label neurons spiked most (Neftci et al. 2014: argmax of the group's mean rate; ties go
to the lower class). Weights are fixed, so test images are independent and run side by side
(`vmap` over a batch). Image n's key is fold_in(key, n).
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import encoding, network, train
from srbm_jax.checks import check_data_set, check_int_argument
from srbm_jax.config import Spec, validate
from srbm_jax.schedule import inference_segment


def inference_rasters(key, weight, pixels, params, spec: Spec, record: bool = False):
    """One image's presentation: (visible raster bool [T, V], hidden raster bool [T, H]), and
    with `record` (static) the free neurons' traces (`network.run_free_segment`; monitors)."""
    segment = inference_segment(spec)
    words = network.draw_segment_words(key, segment.n_ticks, segment.visible_free, spec)
    p_visible = encoding.visible_probabilities(pixels, None, params, spec)
    p_hidden = encoding.hidden_probabilities(params, spec)
    raster = train.front_end_raster(key, pixels, segment.n_ticks, params, spec)
    return network.run_free_segment(words, network.init_carry(spec), weight, p_visible,
                                    p_hidden, params, spec, segment.visible_free,
                                    data_raster=raster, record=record)[1:]


def label_counts_per_tick(key, weight, pixels, params, spec: Spec):
    """Spikes of each class's label group in every tick, float32 [T, 10], for one image."""
    segment = inference_segment(spec)
    visible, _ = inference_rasters(key, weight, pixels, params, spec)
    labels = visible[:, spec.label_slice].astype(jnp.float32)
    return labels.reshape(segment.n_ticks, 10, spec.labels_per_class).sum(axis=2)


def label_counts(key, weight, pixels, params, spec: Spec):
    """Spike counts of each class's label group over the presentation, float32 [10]."""
    return label_counts_per_tick(key, weight, pixels, params, spec).sum(axis=0)


@functools.partial(jax.jit, static_argnames=("spec",))
def label_counts_batch(key, device_state, pixels, indices, params, spec: Spec):
    """label_counts_per_tick for a batch: pixels [B, n_data], indices [B] (image positions, which
    select the keys). Returns float32 [B, T, 10]."""
    weight = spec.device.read(device_state, params.device)
    spec = network.lanes_spec(spec, pixels.shape[0])  # images sharing the weights
    keys = jax.vmap(lambda index: jax.random.fold_in(key, index))(indices)
    return jax.vmap(label_counts_per_tick, in_axes=(0, None, 0, None, None))(keys, weight, pixels,
                                                                             params, spec)


def evaluate(key, device_state, pixels, labels, params, spec: Spec, *, batch_size: int = 250,
             progress: Callable[[int, int], None] | None = None):
    """Classify a data set.

    pixels: N >= 1 images, uint8 [N, n_data] (0..255) or float in [0, 1] (or [N, H, W]);
    labels: int [N] in 0..9, or None (then accuracy and accuracy_vs_time are NaN);
    batch_size: images run side by side per compiled call, an integer >= 1 (the last batch is
    padded). An empty data set, NaN or out-of-range pixels, or batch_size < 1 raise ValueError.

    Returns dict(accuracy, predictions [N], counts [N, 10] label-group spike counts,
    accuracy_vs_time [T]: the accuracy had the presentation stopped after each tick (predictions
    from the counts so far; ties, including no spikes yet, go to the lower class)).
    """
    check_int_argument(batch_size, "batch_size", 1)
    validate(spec, params)
    images, labels = check_data_set(pixels, labels, spec)
    return classify_batches(
        lambda batch, indices: label_counts_batch(key, device_state, batch, indices, params, spec),
        images, labels, spec, batch_size, progress)


def classify_batches(count_batch, images, labels, spec: Spec, batch_size: int,
                     progress: Callable[[int, int], None] | None = None, networks: int = 0):
    """The classification loop of `evaluate` (and of `sweep.evaluate_networks_full`, which
    evaluates N networks in one vmapped call per batch).

    count_batch(pixels float32 [B, n_data], indices int32 [B]) -> per-tick label-group counts
    [B, T, 10], or [N, B, T, 10] for `networks` = N > 0. images, labels: validated
    (`check_data_set`). Returns evaluate's dict, or a list of N of them."""
    total = images.shape[0]
    n = max(networks, 1)
    counts = [[] for _ in range(n)]
    correct_vs_time = [0.0] * n
    for begin in range(0, total, batch_size):
        end = min(begin + batch_size, total)
        batch = encoding.to_pixels(images[begin:end])
        if batch.shape[0] < batch_size:  # pad the last batch: one compiled shape
            batch = np.concatenate([batch, np.zeros((batch_size - batch.shape[0],) + batch.shape[1:],
                                                    batch.dtype)])
        per_tick = np.asarray(count_batch(jnp.asarray(batch),
                                          jnp.arange(begin, begin + batch_size, dtype=jnp.int32)))
        per_tick = per_tick.reshape(n, *per_tick.shape[-3:])[:, : end - begin]
        for i in range(n):
            counts[i].append(per_tick[i].sum(axis=1))
            if labels is not None:
                running = np.argmax(np.cumsum(per_tick[i], axis=1), axis=2)  # [B, T]
                correct_vs_time[i] = correct_vs_time[i] + np.sum(
                    running == labels[begin:end, None], axis=0)
        if progress is not None:
            progress(end, total)
    results = []
    for i in range(n):
        own = np.concatenate(counts[i]) if counts[i] else np.zeros((0, 10), np.float32)
        predictions = np.argmax(own, axis=1)
        has_labels = labels is not None and total
        accuracy = float(np.mean(predictions == labels)) if has_labels else float("nan")
        accuracy_vs_time = (np.asarray(correct_vs_time[i], np.float64) / total if has_labels
                            else np.full((inference_segment(spec).n_ticks,), np.nan))
        results.append({"accuracy": accuracy, "predictions": predictions, "counts": own,
                        "accuracy_vs_time": accuracy_vs_time})
    return results if networks else results[0]
