"""Plots of a training run and the spike raster of one training image, as matplotlib Figures.

    read_metrics(path)                                         -> list of dicts from metrics.jsonl
    plot_accuracy(records, out=None, *, ax=None)               test accuracy per epoch
    plot_device_comparison(results, out=None)                  accuracy per epoch and after drift, per device
    plot_study(records, fields, out=None, *, ax=None)          final accuracy against a swept field
    plot_receptive_fields(weight, spec, out=None, n_units=64)  hidden units' weights to the data neurons
    plot_confusion(labels, predictions, out=None, *, ax=None)  10 x 10 confusion matrix
    spike_raster(key, device_state, pixels, label, params, spec)  -> SpikeRaster
    plot_raster(raster, spec, out=None, label=None)            visible and hidden spikes vs time

Every plot function returns its `matplotlib.figure.Figure` and writes a file only when it is given
a path `out` (atomically, creating the parent folder; the format follows the suffix, `.png`,
`.pdf`, `.svg`, ...). The single-axes plots take `ax=` to draw into an Axes of the caller's and
return the (root) figure that holds it; `out` then saves that whole figure.

Display: importing this module selects no backend and never imports `matplotlib.pyplot`. The
figures it makes are built without pyplot (`Figure(...)`, the object-oriented API), so they need
no backend at all: they render and save the same headless (no DISPLAY, no MPLBACKEND), in threads
and in scripts, and nothing piles up in pyplot's list of open figures. A bare `Figure` does not
render inline in Jupyter or Colab by itself (IPython registers its PNG formatter for figures only
once pyplot has loaded the inline backend), so they are instances of `InlineFigure`, a `Figure`
subclass whose only addition is `_repr_png_`: a figure that is the last expression of a cell, or is
passed to `IPython.display.display`, shows inline, and once only (pyplot never auto-shows it).
In a plain script, save it (`out=...` or `fig.savefig`); `plt.show()` does not know about it.

`spike_raster` re-runs one image of on-line training with `srbm_jax.train.train_images`
(`keep_rasters=True`) and keeps the rasters that training discards. With `key = image_key(root, e, n)` and the
device state before image n it reproduces that image's spikes (tests/test_experiment.py checks the
rates against `train_image`'s statistics).
"""
from __future__ import annotations

import functools
import io
import json
import math
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from srbm_jax import encoding
from srbm_jax.config import Spec
from srbm_jax.files import atomic_write
from srbm_jax.schedule import training_segments
from srbm_jax.train import train_images

DPI = 110
"""Resolution (dots per inch) of the saved files and of the inline PNG."""


class InlineFigure(Figure):
    """A `matplotlib.figure.Figure` that IPython (Jupyter, Colab, VS Code) displays as a PNG.

    Identical to `Figure` except for `_repr_png_`; it needs no pyplot and no backend.
    """

    def _repr_png_(self) -> bytes | None:
        """The figure as PNG bytes (tight bounding box, `DPI`); None for an empty figure."""
        if not self.axes:
            return None
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
        return buffer.getvalue()


def read_metrics(path) -> list[dict]:
    """The records of a metrics.jsonl file (one JSON object per line).

    Args:
      path: the metrics.jsonl file (str or Path).

    Returns:
      One dict per non-empty line, in file order; [] if the file does not exist.
    """
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _new_figure(figsize: tuple[float, float]) -> InlineFigure:
    """A figure of `figsize` inches, outside pyplot (no backend, no global state)."""
    return InlineFigure(figsize=figsize)


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """`ax` and its root figure, or a new `InlineFigure` of `figsize` with one Axes."""
    if ax is None:
        fig = _new_figure(figsize)
        return fig, fig.add_subplot()
    return ax.get_figure(root=True), ax


def _finish(fig: Figure, out) -> Figure:
    """Write `fig` to `out` when a path is given (atomically, parent folder created); return it."""
    if out is not None:
        out = Path(out)
        with atomic_write(out, "wb") as handle:
            fig.savefig(handle, format=out.suffix[1:].lower() or None, dpi=DPI, bbox_inches="tight")
    return fig


def plot_accuracy(records: list[dict], out=None, *, ax: Axes | None = None) -> Figure:
    """Test accuracy (%) against completed epochs, from metrics records.

    Args:
      records: metrics records (`read_metrics`); those without a `test_accuracy` are skipped.
      out: optional file to write the figure to (str or Path); nothing is written when None.
      ax: optional Axes to draw into; a new 5 x 3.5 inch figure when None.

    Returns:
      The figure (the root figure of `ax` when one is given).
    """
    points = [(r["epoch"], r["test_accuracy"]) for r in records if r.get("test_accuracy") is not None]
    fig, ax = _axes(ax, (5, 3.5))
    if points:
        epochs, accuracy = zip(*points, strict=False)
        ax.plot(epochs, 100 * np.asarray(accuracy), "o-")
        for e, a in points:
            ax.annotate(f"{100 * a:.1f}", (e, 100 * a), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8)
        ax.set_xticks(sorted(set(epochs)))
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.set_title("sRBM test accuracy")
    return _finish(fig, out)


def plot_device_comparison(results: list[dict], out=None) -> Figure:
    """Two panels from `srbm_jax.compare.compare_device` results.

    Left: test accuracy (%) per epoch for each device (mean over seeds, bars = min..max). Right:
    accuracy after drift against time since programming (log axis; solid = raw, dashed = global
    drift compensation).

    Args:
      results: `compare_device` results, one per device (keys `device`, optional `label`,
        `accuracy_per_epoch` [epochs][seeds] with None for epochs without an evaluation, and
        `drift` {"<seconds>s"[ " compensated"]: [per seed]}).
      out: optional file to write the figure to (str or Path); nothing is written when None.

    Returns:
      The new 10 x 3.8 inch figure.
    """
    fig = _new_figure((10, 3.8))
    left, right = fig.subplots(1, 2)
    for index, result in enumerate(results):
        color = f"C{index}"
        label = result.get("label", result["device"])
        evaluated = [(epoch + 1, values) for epoch, values in enumerate(result["accuracy_per_epoch"])
                     if values is not None]  # epochs without an evaluation hold None
        epochs = np.asarray([epoch for epoch, _ in evaluated])
        accuracy = 100 * np.asarray([values for _, values in evaluated], np.float64)  # [epochs, seeds]
        mean = accuracy.mean(axis=1)
        left.set_xticks(epochs)
        left.errorbar(epochs, mean, yerr=[mean - accuracy.min(axis=1), accuracy.max(axis=1) - mean],
                      fmt="o-", color=color, capsize=3, label=label)
        for compensate, style in ((False, "-"), (True, "--")):
            keys = [k for k in result["drift"] if k.endswith(" compensated") == compensate]
            seconds = [float(k.split("s")[0]) for k in keys]
            values = [100 * np.mean(result["drift"][k]) for k in keys]
            right.plot(seconds, values, style, marker="o", color=color,
                       label=f"{label}{' compensated' if compensate else ''}")
    left.set_xlabel("epoch")
    left.set_ylabel("test accuracy (%)")
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    left.set_title("training (mean over seeds, min..max)")
    right.set_xscale("log")
    right.set_xlabel("time since programming (s)")
    right.set_ylabel("test accuracy (%)")
    right.grid(alpha=0.3)
    right.legend(fontsize=7)
    right.set_title("after drift + read noise (dashed: compensated)")
    return _finish(fig, out)


def plot_study(records: list[dict], fields: list[str], out=None, *, ax: Axes | None = None) -> Figure:
    """Test accuracy (%) after the last epoch against the first swept field (`srbm_jax.study`).

    One line per combination of the other fields; points = mean over seeds, bars = min..max.

    Args:
      records: `srbm_jax.study.run_study` records (keys `epoch`, `accuracy` and each field).
      fields: the swept fields; the first is the x axis.
      out: optional file to write the figure to (str or Path); nothing is written when None.
      ax: optional Axes to draw into; a new 5.5 x 3.8 inch figure when None.

    Returns:
      The figure (the root figure of `ax` when one is given).
    """
    last = max(r["epoch"] for r in records)
    final = [r for r in records if r["epoch"] == last]
    x_field, others = fields[0], fields[1:]
    fig, ax = _axes(ax, (5.5, 3.8))
    for index, combo in enumerate(sorted({tuple(r[f] for f in others) for r in final})):
        rows = [r for r in final if tuple(r[f] for f in others) == combo]
        xs = sorted({r[x_field] for r in rows})
        acc = [[100 * r["accuracy"] for r in rows if r[x_field] == x] for x in xs]
        mean = np.asarray([np.mean(a) for a in acc])
        low, high = mean - [min(a) for a in acc], [max(a) for a in acc] - mean
        label = ", ".join(f"{f}={v:g}" for f, v in zip(others, combo, strict=True)) or None
        ax.errorbar(xs, mean, yerr=[low, high], fmt="o-", color=f"C{index}", capsize=3,
                    label=label)
    ax.set_xlabel(x_field)
    ax.set_ylabel(f"test accuracy after epoch {last} (%)")
    ax.grid(alpha=0.3)
    if others:
        ax.legend(fontsize=8)
    return _finish(fig, out)


def plot_receptive_fields(weight, spec: Spec, out=None, n_units: int = 64) -> Figure:
    """Weights W[:n_data, j] of the first `n_units` hidden neurons as image tiles.

    Each tile has its own colour scale (centred on 0 only if it spans 0), so the structure of every
    unit is visible; the overall range is in the title. Tiles are square images when n_data is a
    square number, else single rows.

    Args:
      weight: the weight matrix [n_visible, n_hidden_total] (e.g. `spec.device.read(state, ...)`).
      spec: the network's Spec (n_data, n_hidden).
      out: optional file to write the figure to (str or Path); nothing is written when None.
      n_units: how many hidden units to show (at most spec.n_hidden).

    Returns:
      The new figure (about 1.1 inch per tile).
    """
    weight = np.asarray(weight)[: spec.n_data, : min(n_units, spec.n_hidden)]
    side = math.isqrt(spec.n_data)
    shape = (side, side) if side * side == spec.n_data else (1, spec.n_data)
    n = weight.shape[1]
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig = _new_figure((1.1 * cols, 1.1 * rows + 0.4))
    axes = fig.subplots(rows, cols, squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < n:
            ax.imshow(weight[:, k].reshape(shape), cmap="gray", interpolation="nearest",
                      aspect="auto" if shape[0] == 1 else "equal")
    fig.suptitle(f"receptive fields of hidden units 0..{n - 1} (W to data neurons, "
                 f"range {weight.min():.2f}..{weight.max():.2f})", fontsize=9)
    return _finish(fig, out)


def plot_confusion(labels, predictions, out=None, *, ax: Axes | None = None) -> Figure:
    """Row-normalised confusion matrix (true class x predicted class), counts in the cells.

    Args:
      labels: true classes 0..9 [n].
      predictions: predicted classes 0..9 [n] (e.g. `srbm_jax.evaluate(...)["predictions"]`).
      out: optional file to write the figure to (str or Path); nothing is written when None.
      ax: optional Axes to draw into (a colour bar is added beside it); a new 5.2 x 4.6 inch
        figure when None.

    Returns:
      The figure (the root figure of `ax` when one is given).
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    matrix = np.zeros((10, 10), np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    fractions = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = _axes(ax, (5.2, 4.6))
    image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1)
    for i in range(10):
        for j in range(10):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if fractions[i, j] > 0.5 else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_title(f"confusion ({matrix.sum()} test images, accuracy {100 * accuracy:.1f} %)",
                 fontsize=9)
    ax.get_figure().colorbar(image, ax=ax, fraction=0.046, label="fraction of true class")
    return _finish(fig, out)


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
