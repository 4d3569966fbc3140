"""On-line eCD training: one image is the phase schedule; a data set is a scan over images.

The weights are carried from image to image (on-line learning, as on the chip). Every random draw of
image n in epoch e comes from `image_key(root_key, e, n)`, so a run is reproducible bit for bit and
can resume mid-epoch: the result does not depend on how the images are chunked.

Per image (see `schedule.training_segments`):
  1. data segment (transition + data phase) with all visible neurons clamped;
  2. potentiation: C+ = coincidences with g = +1, applied to the device;
  3. model segment (transition + model phase), visible data and label neurons free, reading the
     updated weights;
  4. depression: C- = coincidences with g = -1, applied to the device.
Delta w = Delta w_data + Delta w_model = v_data h_data - v_model h_model (eCD, Neftci et al. 2014).
"""
from __future__ import annotations

import functools
import time
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import encoding, network, plasticity
from srbm_jax.config import Spec, validate
from srbm_jax.schedule import training_segments


class ImageStats(NamedTuple):
    """Per-image summary (float32 scalars): mean firing rates in Hz over each segment and the number
    of coincidence events applied.

    hidden_rate_data / hidden_rate_model: free hidden neurons; data_rate_model: free data neurons in
    the model segment; label_rate_model: label neurons in the model segment; potentiation_events /
    depression_events: summed C+ / C- over all synapses.
    """

    hidden_rate_data: jax.Array
    hidden_rate_model: jax.Array
    data_rate_model: jax.Array
    label_rate_model: jax.Array
    potentiation_events: jax.Array
    depression_events: jax.Array


def image_key(root_key, epoch, index):
    """The key of image `index` in `epoch`: fold_in(fold_in(root_key, epoch), index)."""
    return jax.random.fold_in(jax.random.fold_in(root_key, epoch), index)


def _rate(raster, start, stop, dt_ms):
    """Mean rate (Hz) of neurons [start, stop) over a raster [T, n]."""
    count = jnp.sum(raster[:, start:stop], dtype=jnp.float32)
    return count / ((stop - start) * raster.shape[0] * dt_ms * 1e-3)


def train_image(key, device_state, pixels, label, params, spec: Spec):
    """Train on one image: data segment, LTP, model segment, LTD.

    Args:
      key: this image's key (`image_key`).
      device_state: the synapse device state (`spec.device`).
      pixels: float32 [n_data] in [0, 1]; label: int32 scalar in 0..9.
    Returns:
      (device_state, ImageStats).
    """
    device = spec.device
    data, model = training_segments(spec)
    key_data, key_model, key_ltp, key_ltd = jax.random.split(key, 4)
    p_hidden = encoding.hidden_probabilities(params, spec)
    width = spec.ticks(spec.pulse_width_ms)

    # Data segment: every visible neuron clamped.
    weight = device.read(device_state, params.device)
    words = network.draw_segment_words(key_data, data.n_ticks, data.visible_free, spec)
    p_visible = encoding.visible_probabilities(pixels, label, params, spec)
    carry, visible_data, hidden_data = network.run_clamped_segment(
        words, network.init_carry(spec), weight, p_visible, p_hidden, params, spec)
    events_data = plasticity.delayed(hidden_data, data.event_delay)
    potentiation, _ = plasticity.coincidence_counts(
        plasticity.pulse_open(visible_data, width), events_data, data.gate)
    device_state = device.apply(key_ltp, device_state, potentiation,
                                jnp.zeros_like(potentiation), params.device)

    # Model segment: data and label neurons free, reading the potentiated weights.
    weight = device.read(device_state, params.device)
    words = network.draw_segment_words(key_model, model.n_ticks, model.visible_free, spec)
    p_visible = encoding.visible_probabilities(pixels, None, params, spec)
    _, visible_model, hidden_model = network.run_free_segment(
        words, carry, weight, p_visible, p_hidden, params, spec, model.visible_free)
    # Events scheduled by data-segment spikes that fall into the model segment, plus its own.
    spill = plasticity.last_ticks(hidden_data, data.event_delay)
    events_model = (plasticity.delayed(jnp.zeros_like(hidden_model), data.event_delay, spill)
                    .astype(jnp.float32)
                    + plasticity.delayed(hidden_model, model.event_delay).astype(jnp.float32))
    visible_open = plasticity.pulse_open(visible_model, width,
                                         plasticity.last_ticks(visible_data, width - 1))
    _, depression = plasticity.coincidence_counts(visible_open, events_model, model.gate)
    device_state = device.apply(key_ltd, device_state, jnp.zeros_like(depression), depression,
                                params.device)

    label_slice = spec.label_slice
    stats = ImageStats(
        hidden_rate_data=_rate(hidden_data, 0, spec.n_hidden, spec.dt_ms),
        hidden_rate_model=_rate(hidden_model, 0, spec.n_hidden, spec.dt_ms),
        data_rate_model=_rate(visible_model, 0, spec.n_data, spec.dt_ms),
        label_rate_model=_rate(visible_model, label_slice.start, label_slice.stop, spec.dt_ms),
        potentiation_events=jnp.sum(potentiation),
        depression_events=jnp.sum(depression),
    )
    return device_state, stats


@functools.partial(jax.jit, static_argnames=("spec",))
def train_chunk(root_key, device_state, pixels, labels, indices, epoch, params, spec: Spec):
    """Train on-line on a chunk of images in order (a `lax.scan` over images).

    pixels: float32 [N, n_data]; labels: int32 [N]; indices: int32 [N], the images' positions in the
    data set (they select the keys). Returns (device_state, ImageStats with leaves [N]).
    """

    def step(state, inputs):
        image_pixels, label, index = inputs
        return train_image(image_key(root_key, epoch, index), state, image_pixels, label, params,
                           spec)

    return jax.lax.scan(step, device_state, (pixels, labels, indices))


def init_device(key, params, spec: Spec):
    """Initial device state of the n_visible x n_hidden_total synapse array."""
    return spec.device.init(key, spec.n_visible, spec.n_hidden_total, params.device)


def train_epoch(root_key, device_state, pixels, labels, params, spec: Spec, *, epoch: int = 0,
                start: int = 0, chunk_size: int = 500,
                progress: Callable[[int, int], None] | None = None):
    """Train on images [start, N) of a data set in chunks (streams the data to the device).

    pixels / labels are validated with `encoding.prepare_images` first. `progress(done, total)` is
    called after every chunk. Returns (device_state, dict of per-image stats as numpy arrays).
    """
    validate(spec, params)
    pixels, labels = encoding.prepare_images(pixels, labels, spec)
    total = pixels.shape[0]
    collected = []
    for begin in range(start, total, chunk_size):
        end = min(begin + chunk_size, total)
        device_state, stats = train_chunk(
            root_key, device_state, jnp.asarray(pixels[begin:end]), jnp.asarray(labels[begin:end]),
            jnp.arange(begin, end, dtype=jnp.int32), jnp.int32(epoch), params, spec)
        collected.append(jax.tree_util.tree_map(np.asarray, stats))
        if progress is not None:
            progress(end, total)
    merged = {name: np.concatenate([getattr(s, name) for s in collected]) if collected
              else np.zeros((0,), np.float32) for name in ImageStats._fields}
    return device_state, merged


class Timer:
    """Wall-clock helper: `with Timer() as t: ...; t.seconds`."""

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
