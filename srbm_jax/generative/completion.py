"""Pattern completion, generation from a label, and classification under occlusion.

The trained weights are fixed. For each image the data neurons that a mask hides are free LIF
neurons driven by the hidden layer (as in the model phase), the others are clamped to the
image's input spikes; the label group is clamped to a class (generation, completion with a
label) or free (completion without one, classification). After `duration_ms` the free data
neurons' firing rates, divided by the input spike rate, are the completed image (intensities
in [0, 1]), and the label groups' spike counts classify it (argmax, ties to the lower class, as
`srbm_jax.infer`). Neftci et al. 2014 (generation and cue integration in a spiking RBM); Shin,
Ishii et al. 2022 (regeneration of a blocked half on the 6T2R chip).

    result = complete(key, state, images, mask, params, spec)          # labels free
    images = generate(key, state, classes, params, spec)               # pixels all free
    curve = occlusion_accuracy(key, state, images, labels, fractions, params, spec)

Image n's key is fold_in(key, n), so results are reproducible for a key and independent of the
batch size.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import encoding, network
from srbm_jax.checks import check_int_argument
from srbm_jax.config import Spec, validate
from srbm_jax.generative import masks as mask_lib


class Completion(NamedTuple):
    """intensity: float32 [N, n_data], each data neuron's rate / spike_rate_hz clipped to [0, 1]
    (clamped pixels show their input); label_counts: float32 [N, 10]; predictions: int32 [N]."""

    intensity: np.ndarray
    label_counts: np.ndarray
    predictions: np.ndarray


@functools.partial(jax.jit, static_argnames=("spec", "n_ticks", "burn_in", "clamp_label"))
def complete_batch(key, device_state, pixels, masks, labels, indices, params, spec: Spec,
                   n_ticks: int, burn_in: int, clamp_label: bool):
    """One batch: pixels float32 [B, n_data] in [0, 1]; masks bool [B, n_data] (True = free);
    labels int32 [B] (used when clamp_label); indices int32 [B] select the keys. Returns
    (data spike counts [B, n_data] after the burn-in, label-group counts [B, 10] after it)."""
    weight = spec.device.read(device_state, params.device)
    spec = network.lanes_spec(spec, pixels.shape[0])  # images sharing the weights
    free = (0, spec.n_data + spec.n_label)  # data and label neurons in the free range

    def one(key, pixels, mask, label):
        words = network.draw_segment_words(key, n_ticks, free, spec)
        p_visible = encoding.visible_probabilities(pixels, label if clamp_label else None,
                                                   params, spec)
        p_hidden = encoding.hidden_probabilities(params, spec)
        clamp_within = jnp.concatenate([~mask, jnp.full((spec.n_label,), clamp_label)])
        _, visible, _ = network.run_free_segment(words, network.init_carry(spec), weight,
                                                 p_visible, p_hidden, params, spec, free,
                                                 clamp_within)
        counted = visible[burn_in:].astype(jnp.float32)
        data = counted[:, :spec.n_data].sum(axis=0)
        groups = counted[:, spec.label_slice].reshape(-1, 10, spec.labels_per_class).sum(axis=(0, 2))
        return data, groups

    keys = jax.vmap(lambda index: jax.random.fold_in(key, index))(indices)
    return jax.vmap(one)(keys, pixels, masks, labels)


def _as_masks(masks, n_images: int, n_data: int) -> np.ndarray:
    masks = np.asarray(masks, bool)
    if masks.shape == (n_data,):
        masks = np.broadcast_to(masks, (n_images, n_data))
    if masks.shape != (n_images, n_data):
        raise ValueError(f"masks has shape {masks.shape}: allowed [{n_data}] or "
                         f"[{n_images}, {n_data}] (True = hidden pixel)")
    return masks


def complete(key, device_state, images, masks, params, spec: Spec, *, labels=None,
             duration_ms: float = 100.0, burn_in_ms: float = 0.0,
             batch_size: int = 250) -> Completion:
    """Complete `images` (uint8 or float [N, n_data] / [N, H, W]) where `masks` (bool [n_data]
    or [N, n_data], True = hidden) hides them; `labels` (int [N] in 0..9) clamps each image's
    label group, None leaves the labels free. The rates count the ticks after burn_in_ms.
    ValueError names a bad argument (shapes, durations, batch_size)."""
    validate(spec, params)
    images, labels_checked = encoding.check_images(images, labels, spec)
    n_images = images.shape[0]
    masks = _as_masks(masks, n_images, spec.n_data)
    check_int_argument(batch_size, "batch_size", 1)
    if not (duration_ms > 0 and 0 <= burn_in_ms < duration_ms):
        raise ValueError(f"duration_ms = {duration_ms}, burn_in_ms = {burn_in_ms}: allowed "
                         "duration_ms > 0 and 0 <= burn_in_ms < duration_ms")
    n_ticks, burn_in = spec.ticks(duration_ms), spec.ticks(burn_in_ms) if burn_in_ms else 0
    clamp_label = labels_checked is not None
    label_array = (labels_checked if clamp_label else np.zeros(n_images, np.int32))
    data_counts, group_counts = [], []
    for start in range(0, n_images, batch_size):
        stop = min(start + batch_size, n_images)
        pad = batch_size - (stop - start) if n_images > batch_size else 0
        take = np.concatenate([np.arange(start, stop), np.full(pad, stop - 1)]).astype(np.int32)
        data, groups = complete_batch(
            key, device_state, jnp.asarray(encoding.to_pixels(images[take])),
            jnp.asarray(masks[take]), jnp.asarray(label_array[take]), jnp.asarray(take),
            params, spec, n_ticks, burn_in, clamp_label)
        data_counts.append(np.asarray(data)[:stop - start])
        group_counts.append(np.asarray(groups)[:stop - start])
    data = np.concatenate(data_counts)
    groups = np.concatenate(group_counts)
    seconds = (n_ticks - burn_in) * spec.dt_ms * 1e-3
    rate = data / seconds
    intensity = np.clip(rate / float(np.asarray(params.spike_rate_hz)), 0.0, 1.0)
    return Completion(intensity.astype(np.float32), groups,
                      np.argmax(groups, axis=1).astype(np.int32))


def generate(key, device_state, classes, params, spec: Spec, *, duration_ms: float = 200.0,
             burn_in_ms: float = 50.0) -> np.ndarray:
    """Images generated from labels alone: every data neuron free, the label group of each class
    in `classes` (int [N]) clamped; float32 [N, n_data] intensities."""
    classes = np.asarray(classes, np.int32)
    blank = np.zeros((classes.shape[0], spec.n_data), np.float32)
    return complete(key, device_state, blank, np.ones(spec.n_data, bool), params, spec,
                    labels=classes, duration_ms=duration_ms, burn_in_ms=burn_in_ms).intensity


def masked_pixel_error(intensity, images, masks, params) -> float:
    """Mean |intensity - target| over the masked pixels, target = the binary input image
    (pixel > input_threshold, the threshold coding's view of it)."""
    images = np.asarray(images)
    pixels = images.reshape(images.shape[0], -1).astype(np.float32)
    if images.dtype == np.uint8:
        pixels = pixels / 255.0
    target = (pixels > float(np.asarray(params.input_threshold))).astype(np.float32)
    masks = _as_masks(masks, pixels.shape[0], pixels.shape[1])
    if not masks.any():
        return 0.0
    return float(np.abs(np.asarray(intensity) - target)[masks].mean())


def occlusion_accuracy(key, device_state, images, labels, fractions, params, spec: Spec, *,
                       kind: str = "occlusion_rows", fill: str = "free",
                       duration_ms: float | None = None, batch_size: int = 250) -> list[dict]:
    """Accuracy against the fraction of the image masked ({fraction, accuracy} per fraction).

    fill: "free" (masked pixels are free neurons, completed by the network while it classifies)
    or "silent" (masked pixels clamped off, as a black occluder). duration_ms: default the
    spec's inference_ms."""
    if fill not in ("free", "silent"):
        raise ValueError(f"fill = {fill!r} is out of range: allowed 'free' or 'silent'")
    labels = np.asarray(labels)
    duration_ms = spec.inference_ms if duration_ms is None else duration_ms
    curve = []
    for fraction in fractions:
        mask = mask_lib.make(kind, spec.n_data, fraction=fraction)
        shown = np.asarray(images).reshape(len(labels), -1).copy()
        shown[:, mask] = 0
        masks = mask if fill == "free" else np.zeros(spec.n_data, bool)
        result = complete(key, device_state, shown, masks, params, spec,
                          duration_ms=duration_ms, batch_size=batch_size)
        curve.append({"fraction": float(fraction), "fill": fill,
                      "accuracy": float(np.mean(result.predictions == labels))})
    return curve
