"""Pixels, labels and bias neurons -> per-tick spike probabilities of the visible layer.

Input neurons are Bernoulli per tick with p = rate * dt (a Poisson train in the dt -> 0 limit):
* data neurons, 'threshold' coding (IBM): p = spike_rate * dt if pixel > input_threshold, else 0
  (strict, as the source slides state it: "if pixel value > mnist threshold, spike generation;
  else, no input spike"; so at threshold 0 the background stays silent);
* data neurons, 'rate' coding (the source slides' proposed refinement): p = pixel * spike_rate * dt;
* label neurons: the n_label/10 neurons of the true class at spike_rate * dt (data segment only);
* bias neurons (visible and hidden): spike_rate * bias_rate_factor * dt, always.
Rates in Hz, dt in ms, so p = rate * dt / 1000. See docs/model.md#input-spikes.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from srbm_jax.config import Spec


def data_probabilities(pixels, params, spec: Spec):
    """float32 [..., n_data] spike probability per tick of each data neuron, from pixels
    [..., input_size] in [0, 1], by the spec's front end (`srbm_jax.frontends`; the default
    one neuron per pixel: threshold or rate coding)."""
    return spec.front_end.probabilities(pixels, params, spec)


def label_probabilities(label, params, spec: Spec):
    """float32 [n_label]: p = spike_rate * dt * label_rate_factor for the true class's group, 0
    for the others."""
    group = jnp.arange(spec.n_label) // spec.labels_per_class
    p_on = params.spike_rate_hz * spec.dt_ms * 1e-3 * params.label_rate_factor
    return jnp.where(group == label, p_on, 0.0).astype(jnp.float32)


def bias_probability(params, spec: Spec):
    """Scalar p = spike_rate * bias_rate_factor * dt of every bias neuron."""
    return params.spike_rate_hz * params.bias_rate_factor * spec.dt_ms * 1e-3


def visible_probabilities(pixels, label, params, spec: Spec):
    """float32 [n_visible] = [data | labels (zeros if label is None) | visible bias]."""
    data = data_probabilities(pixels, params, spec)
    labels = (jnp.zeros((spec.n_label,), jnp.float32) if label is None
              else label_probabilities(label, params, spec))
    bias = jnp.full((spec.n_visible_bias,), bias_probability(params, spec), jnp.float32)
    return jnp.concatenate([data, labels, bias])


def hidden_probabilities(params, spec: Spec):
    """float32 [n_hidden_total] = [zeros for free hidden neurons | hidden bias]."""
    return jnp.concatenate([jnp.zeros((spec.n_hidden,), jnp.float32),
                            jnp.full((spec.n_hidden_bias,), bias_probability(params, spec),
                                     jnp.float32)])


def check_images(images, labels, spec: Spec, name: str = "images"):
    """Validate a data set without converting it: returns (images [N, P] in their own dtype,
    a view where possible; int32 labels [N] or None), P = the pixels the front end reads
    (`FrontEnd.input_size`, n_data for the default one).

    Accepts uint8 images (0..255) or float images in [0, 1], shaped [N, P] or [N, H, W] with
    H * W = P. Raises ValueError naming the problem (shape, dtype, range, NaN, label range).
    Use `to_pixels` on each chunk, so a data set is never held as float32 in full.
    """
    images = np.asarray(images)
    if images.ndim > 2:
        images = images.reshape(images.shape[0], -1)
    size = spec.front_end.input_size(spec)
    if images.ndim != 2 or images.shape[1] != size:
        raise ValueError(f"{name} has shape {images.shape}: allowed [N, {size}] or [N, H, W] "
                         f"with H*W = {size}, the pixels that front end "
                         f"{spec.front_end.name!r} reads")
    if np.issubdtype(images.dtype, np.floating):
        if not np.all(np.isfinite(images)):
            raise ValueError(f"{name} contains NaN or inf: allowed finite pixels in [0, 1]")
        if images.size and (images.min() < 0 or images.max() > 1):
            raise ValueError(f"{name} has pixels in [{images.min()}, {images.max()}]: allowed "
                             "[0, 1] for floats (or uint8 0..255)")
    elif images.dtype != np.uint8:
        raise ValueError(f"{name} has dtype {images.dtype}: allowed uint8 or float in [0, 1]")
    if labels is None:
        return images, None
    labels = np.asarray(labels)
    if labels.shape != (images.shape[0],):
        raise ValueError(f"labels have shape {labels.shape}: allowed ({images.shape[0]},) to match "
                         f"{name}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels have dtype {labels.dtype}: allowed integers 0..9")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"labels lie in [{labels.min()}, {labels.max()}]: allowed 0..9")
    return images, labels.astype(np.int32)


def to_pixels(images) -> np.ndarray:
    """float32 pixels in [0, 1] from checked images (uint8 / 255, floats as they are)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return images.astype(np.float32)


def prepare_images(images, labels, spec: Spec, name: str = "images"):
    """`check_images` then `to_pixels`: float32 pixels [N, n_data] in [0, 1], int32 labels [N]."""
    images, labels = check_images(images, labels, spec, name)
    return to_pixels(images), labels
