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

from srbm_jax import encoding, network
from srbm_jax.config import Spec, validate
from srbm_jax.schedule import inference_segment


def label_counts(key, weight, pixels, params, spec: Spec):
    """Spike counts of each class's label group, float32 [10], for one image (pixels [n_data])."""
    segment = inference_segment(spec)
    words = network.draw_segment_words(key, segment.n_ticks, segment.visible_free, spec)
    p_visible = encoding.visible_probabilities(pixels, None, params, spec)
    p_hidden = encoding.hidden_probabilities(params, spec)
    _, visible, _ = network.run_free_segment(words, network.init_carry(spec), weight, p_visible,
                                             p_hidden, params, spec, segment.visible_free)
    per_neuron = jnp.sum(visible[:, spec.label_slice], axis=0, dtype=jnp.float32)
    return per_neuron.reshape(10, spec.labels_per_class).sum(axis=1)


@functools.partial(jax.jit, static_argnames=("spec",))
def label_counts_batch(key, device_state, pixels, indices, params, spec: Spec):
    """label_counts for a batch: pixels [B, n_data], indices [B] (image positions, select keys)."""
    weight = spec.device.read(device_state, params.device)
    keys = jax.vmap(lambda index: jax.random.fold_in(key, index))(indices)
    return jax.vmap(label_counts, in_axes=(0, None, 0, None, None))(keys, weight, pixels, params,
                                                                    spec)


def evaluate(key, device_state, pixels, labels, params, spec: Spec, *, batch_size: int = 250,
             progress: Callable[[int, int], None] | None = None):
    """Classify a data set; returns dict(accuracy, predictions [N], counts [N, 10])."""
    validate(spec, params)
    pixels, labels = encoding.prepare_images(pixels, labels, spec)
    counts = []
    total = pixels.shape[0]
    for begin in range(0, total, batch_size):
        end = min(begin + batch_size, total)
        batch = pixels[begin:end]
        if batch.shape[0] < batch_size:  # pad the last batch: one compiled shape
            batch = np.concatenate([batch, np.zeros((batch_size - batch.shape[0],) + batch.shape[1:],
                                                    batch.dtype)])
        result = label_counts_batch(key, device_state, jnp.asarray(batch),
                                    jnp.arange(begin, begin + batch_size, dtype=jnp.int32),
                                    params, spec)
        counts.append(np.asarray(result)[: end - begin])
        if progress is not None:
            progress(end, total)
    counts = np.concatenate(counts) if counts else np.zeros((0, 10), np.float32)
    predictions = np.argmax(counts, axis=1)
    accuracy = float(np.mean(predictions == labels)) if labels is not None and total else float("nan")
    return {"accuracy": accuracy, "predictions": predictions, "counts": counts}
