"""Monitors: look inside one training image, tick by tick (Brian2's StateMonitor and
SpikeMonitor, for the sRBM's phases).

    record = record_image(key, device_state, pixels, label, params, spec,
                          visible=(100, 784), hidden=(0, 1, 2), synapses=((100, 0), (784, 1)))

replays the image exactly as on-line training ran it (`srbm_jax.train.train_images`, with the
segment scans' `record` option, which costs nothing when off) and returns, per tick, the gate
g(t), the spikes of every neuron, the membrane of the chosen visible and hidden neurons, the
label groups' spike counts, and for the chosen synapses their weight before the image, after
the data phase's potentiation and after the model phase's depression, with the eCD events of
each phase and, for a device with a Gp/Gm pair, both conductances. With `key =
train.image_key(root, epoch, n)` and the device state before image n it reproduces that image
of a run (tests/test_monitors.py checks the final state against training).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import train
from srbm_jax.config import Spec
from srbm_jax.schedule import gate_trace, training_segments


class ImageRecord(NamedTuple):
    """One training image, tick by tick (T ticks; numpy arrays).

    gate: [T] g(t) in {-1, 0, +1}; visible_spikes: bool [T, n_visible]; hidden_spikes: bool
    [T, n_hidden_total]; visible_membrane: [T, len(visible)] (0 while clamped, the data
    segment); hidden_membrane: [T, len(hidden)]; label_counts: [T, 10]; visible, hidden: the
    chosen indices; synapses: [S, 2]; weights: [3, S] G before, after potentiation, after
    depression; potentiation, depression: [S] eCD events of the two phases; conductances: {name:
    [3, S]} of the device's own state fields (e.g. g_plus, g_minus), at the same three points.
    """

    gate: np.ndarray
    visible_spikes: np.ndarray
    hidden_spikes: np.ndarray
    visible_membrane: np.ndarray
    hidden_membrane: np.ndarray
    label_counts: np.ndarray
    visible: np.ndarray
    hidden: np.ndarray
    synapses: np.ndarray
    weights: np.ndarray
    potentiation: np.ndarray
    depression: np.ndarray
    conductances: dict


# one compiled replay per Spec (a jit wrapper made per call would trace again every time)
_train_images = jax.jit(train.train_images, static_argnames=("spec", "keep_rasters",
                                                             "keep_traces"))


def _indices(values, size: int, name: str) -> np.ndarray:
    values = np.asarray(values, np.int64).reshape(-1)
    if values.size and (values.min() < 0 or values.max() >= size):
        raise ValueError(f"{name} = {values.tolist()} is out of range: allowed indices in "
                         f"[0, {size})")
    return values


def _pick(state: Any, rows: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    """Per-synapse values of the device state's [V, H] arrays (e.g. g_plus, g_minus)."""
    fields = state._asdict() if hasattr(state, "_asdict") else {}
    return {name: np.asarray(value, np.float32)[rows, cols] for name, value in fields.items()
            if np.ndim(value) == 2}


def record_image(key, device_state, pixels, label, params, spec: Spec, *, visible=(), hidden=(),
                 synapses=()) -> ImageRecord:
    """Replay one on-line training image with monitors (module docstring).

    Args:
      key: the image key (`train.image_key`); device_state: the state before the image.
      pixels: one image, float [input pixels] in [0, 1] (or uint8); label: its class.
      visible: indices of visible neurons (data and label neurons have a membrane in the model
        segment); hidden: indices of free hidden neurons; synapses: (visible, hidden) pairs.
    Returns:
      ImageRecord. ValueError names an index out of range.
    """
    visible = _indices(visible, spec.n_data + spec.n_label, "visible")
    hidden = _indices(hidden, spec.n_hidden, "hidden")
    synapses = np.asarray(synapses, np.int64).reshape(-1, 2)
    rows = _indices(synapses[:, 0], spec.n_visible, "synapses (visible index)")
    cols = _indices(synapses[:, 1], spec.n_hidden_total, "synapses (hidden index)")
    pixels = np.asarray(pixels)
    pixels = pixels / 255.0 if pixels.dtype == np.uint8 else pixels
    pixels = jnp.asarray(pixels, jnp.float32).reshape(1, -1)
    labels = jnp.asarray([label], jnp.int32)
    after, _, rasters, traces = _train_images(key[None], device_state, pixels, labels, params,
                                              spec, keep_traces=True)
    visible_raster, hidden_raster = (np.asarray(r[0]) for r in rasters)
    data, _ = training_segments(spec)
    # the state after potentiation: the same counts and key as train_images applied
    potentiation, depression = spec.rule.data_counts(jnp.asarray(visible_raster[None, :data.n_ticks]),
                                                     jnp.asarray(hidden_raster[None, :data.n_ticks]),
                                                     spec)
    key_ltp = jax.random.split(key, 4)[2]
    middle = spec.device.apply(key_ltp, device_state, potentiation, depression, params.device)
    _, model_depression = spec.rule.model_counts(
        jnp.asarray(visible_raster[None, :data.n_ticks]), jnp.asarray(hidden_raster[None, :data.n_ticks]),
        jnp.asarray(visible_raster[None, data.n_ticks:]), jnp.asarray(hidden_raster[None, data.n_ticks:]),
        spec)
    states = (device_state, middle, after)
    weights = np.stack([np.asarray(spec.device.read(s, params.device))[rows, cols]
                        for s in states])
    picked = [_pick(s, rows, cols) for s in states]
    conductances = {name: np.stack([p[name] for p in picked]) for name in picked[0]}
    label_raster = visible_raster[:, spec.label_slice].astype(np.float32)
    return ImageRecord(
        gate=np.asarray(gate_trace(spec)), visible_spikes=visible_raster,
        hidden_spikes=hidden_raster,
        visible_membrane=np.asarray(traces["visible_membrane"][0])[:, visible],
        hidden_membrane=np.asarray(traces["hidden_membrane"][0])[:, hidden],
        label_counts=label_raster.reshape(-1, 10, spec.labels_per_class).sum(axis=2),
        visible=visible, hidden=hidden, synapses=synapses, weights=weights,
        potentiation=np.asarray(potentiation)[rows, cols],
        depression=np.asarray(model_depression)[rows, cols], conductances=conductances)
