"""The spike raster of one training image: `spike_raster` and `plot_raster`."""
from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure

from srbm_jax import encoding
from srbm_jax.analysis.figures import _finish, _new_figure
from srbm_jax.config import Spec
from srbm_jax.schedule import training_segments
from srbm_jax.train import train_images


class SpikeRaster(NamedTuple):
    """Spikes of one training image: data segment then model segment, concatenated in time.

    visible: bool [T, n_visible]; hidden: bool [T, n_hidden_total]; gate: int8 [T] (0 / +1 / 0 / -1);
    boundaries_ms: the ends of transition, data phase, transition, model phase.
    """

    visible: np.ndarray
    hidden: np.ndarray
    gate: np.ndarray
    boundaries_ms: tuple[float, float, float, float]


@functools.partial(jax.jit, static_argnames=("spec",))
def _raster_batch(keys, device_state, pixels, labels, params, spec: Spec):
    _, _, rasters = train_images(keys, device_state, pixels, labels, params, spec,
                                 keep_rasters=True)
    return rasters


def spike_raster(key, device_state, pixels, label, params, spec: Spec) -> SpikeRaster:
    """Spikes of one training image, re-run with the rasters kept.

    Args:
      key: the image's JAX key (`srbm_jax.image_key(root, epoch, n)` reproduces image n's spikes).
      device_state: the synapse device state before the image (`srbm_jax.init_device(...)`).
      pixels: the image [n_data], uint8 or float in [0, 1].
      label: its class 0..9.
      params: the network's Params.
      spec: the network's Spec.

    Returns:
      A `SpikeRaster` (data segment then model segment).
    """
    pixels, labels = encoding.prepare_images(np.asarray(pixels)[None], np.asarray([label]), spec)
    visible, hidden = _raster_batch(jnp.asarray(key)[None], device_state, jnp.asarray(pixels),
                                    jnp.asarray(labels), params, spec)
    data, model = training_segments(spec)
    gate = np.concatenate([data.gate, model.gate])
    dt = spec.dt_ms
    boundaries = (spec.transition_data_ms, data.n_ticks * dt,
                  data.n_ticks * dt + spec.transition_model_ms, (data.n_ticks + model.n_ticks) * dt)
    return SpikeRaster(np.asarray(visible[0]), np.asarray(hidden[0]), gate, boundaries)


def plot_raster(raster: SpikeRaster, spec: Spec, out=None, label: int | None = None) -> Figure:
    """Visible (data, label, bias) and hidden spikes against time, phases marked.

    Args:
      raster: the spikes of one image (`spike_raster`).
      spec: the network's Spec (layer sizes, tick).
      out: optional file to write the figure to (str or Path); nothing is written when None.
      label: the image's class, shown in the title when given.

    Returns:
      The new 8 x 6.5 inch figure (two panels: visible above, hidden below).
    """
    dt = spec.dt_ms
    fig = _new_figure((8, 6.5))
    top, bottom = fig.subplots(2, 1, sharex=True,
                               gridspec_kw={"height_ratios": [spec.n_visible,
                                                              max(spec.n_hidden_total, 200)]})
    for ax, spikes, name in ((top, raster.visible, "visible neuron"),
                             (bottom, raster.hidden, "hidden neuron")):
        ticks, neurons = np.nonzero(spikes)
        ax.scatter((ticks + 1) * dt, neurons, s=1.5, marker="|", color="k", linewidths=0.6)
        ax.set_ylabel(name)
        ax.set_ylim(-1, spikes.shape[1])
        for b in raster.boundaries_ms[:-1]:
            ax.axvline(b, color="tab:red", lw=0.8, ls="--")
    groups = ((top, 0, spec.n_data, "data"), (top, spec.n_data, spec.n_data + spec.n_label, "labels"),
              (top, spec.n_data + spec.n_label, spec.n_visible, "bias"),
              (bottom, 0, spec.n_hidden, "free"), (bottom, spec.n_hidden, spec.n_hidden_total, "bias"))
    for ax, low, high, what in groups:
        if low:
            ax.axhline(low - 0.5, color="tab:blue", lw=0.6)
        ax.text(1.01, (low + high) / 2, what, transform=ax.get_yaxis_transform(), color="tab:blue",
                fontsize=7, va="bottom" if what == "bias" else "center")
    start = 0.0
    for end, name in zip(raster.boundaries_ms, ("transition", "data (LTP)", "transition",
                                                 "model (LTD)"), strict=False):
        top.text((start + end) / 2, 1.01, name, transform=top.get_xaxis_transform(), ha="center",
                 va="bottom", fontsize=8)
        start = end
    bottom.set_xlabel("time (ms)")
    bottom.set_xlim(0, raster.boundaries_ms[-1])
    title = "spikes of one training image"
    if label is not None:
        title += f" (label {label})"
    counts = f"{int(raster.visible.sum())} visible / {int(raster.hidden.sum())} hidden spikes"
    fig.suptitle(f"{title}: {counts}", fontsize=10)
    return _finish(fig, out)
