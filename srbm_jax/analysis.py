"""Plots of a training run (matplotlib, Agg backend) and the spike raster of one training image.

    read_metrics(path)                                   -> list of dicts from metrics.jsonl
    plot_accuracy(records, out)                          test accuracy per epoch
    plot_receptive_fields(weight, spec, out, n=64)       hidden units' weights to the data neurons
    plot_confusion(labels, predictions, out)             10 x 10 confusion matrix
    spike_raster(key, device_state, pixels, label, params, spec)  -> SpikeRaster
    plot_raster(raster, spec, out)                       visible and hidden spikes vs time

`spike_raster` re-runs one image of on-line training with `srbm_jax.train.train_images`
(`keep_rasters=True`) and keeps the rasters that training discards. With `key = image_key(root, e, n)` and the
device state before image n it reproduces that image's spikes (tests/test_experiment.py checks the
rates against `train_image`'s statistics).
"""
from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after selecting the backend

from srbm_jax import encoding
from srbm_jax.config import Spec
from srbm_jax.schedule import training_segments
from srbm_jax.train import train_images


def read_metrics(path) -> list[dict]:
    """The records of a metrics.jsonl file (one JSON object per line); [] if it does not exist."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _save(fig, out) -> Path:
    out = Path(out)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def plot_accuracy(records: list[dict], out) -> Path:
    """Test accuracy (%) against completed epochs, from metrics records."""
    points = [(r["epoch"], r["test_accuracy"]) for r in records if r.get("test_accuracy") is not None]
    fig, ax = plt.subplots(figsize=(5, 3.5))
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
    return _save(fig, out)


def plot_device_comparison(results: list[dict], out) -> Path:
    """Two panels from `srbm_jax.compare.compare_device` results: test accuracy (%) per epoch for
    each device (mean over seeds, bars = min..max), and accuracy after drift against time since
    programming (log axis; solid = raw, dashed = global drift compensation)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
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
    return _save(fig, out)


def plot_study(records: list[dict], fields: list[str], out) -> Path:
    """Test accuracy (%) after the last epoch against the first swept field (`srbm_jax.study`),
    one line per combination of the other fields; points = mean over seeds, bars = min..max."""
    last = max(r["epoch"] for r in records)
    final = [r for r in records if r["epoch"] == last]
    x_field, others = fields[0], fields[1:]
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
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
    return _save(fig, out)


def plot_receptive_fields(weight, spec: Spec, out, n_units: int = 64) -> Path:
    """Weights W[:n_data, j] of the first `n_units` hidden neurons as image tiles.

    Each tile has its own colour scale (centred on 0 only if it spans 0), so the structure of every
    unit is visible; the shared scale is in the title.
    """
    weight = np.asarray(weight)[: spec.n_data, : min(n_units, spec.n_hidden)]
    side = math.isqrt(spec.n_data)
    shape = (side, side) if side * side == spec.n_data else (1, spec.n_data)
    n = weight.shape[1]
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.1 * cols, 1.1 * rows + 0.4), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < n:
            ax.imshow(weight[:, k].reshape(shape), cmap="gray", interpolation="nearest",
                      aspect="auto" if shape[0] == 1 else "equal")
    fig.suptitle(f"receptive fields of hidden units 0..{n - 1} (W to data neurons, "
                 f"range {weight.min():.2f}..{weight.max():.2f})", fontsize=9)
    return _save(fig, out)


def plot_confusion(labels, predictions, out) -> Path:
    """Row-normalised confusion matrix (true class x predicted class), counts in the cells."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    matrix = np.zeros((10, 10), np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    fractions = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
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
    fig.colorbar(image, ax=ax, fraction=0.046, label="fraction of true class")
    return _save(fig, out)


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
    """Spikes of one training image (pixels [n_data] uint8 or float in [0, 1], label 0..9)."""
    pixels, labels = encoding.prepare_images(np.asarray(pixels)[None], np.asarray([label]), spec)
    visible, hidden = _raster_batch(jnp.asarray(key)[None], device_state, jnp.asarray(pixels),
                                    jnp.asarray(labels), params, spec)
    data, model = training_segments(spec)
    gate = np.concatenate([data.gate, model.gate])
    dt = spec.dt_ms
    boundaries = (spec.transition_data_ms, data.n_ticks * dt,
                  data.n_ticks * dt + spec.transition_model_ms, (data.n_ticks + model.n_ticks) * dt)
    return SpikeRaster(np.asarray(visible[0]), np.asarray(hidden[0]), gate, boundaries)


def plot_raster(raster: SpikeRaster, spec: Spec, out, label: int | None = None) -> Path:
    """Visible (data, label, bias) and hidden spikes against time, phases marked."""
    dt = spec.dt_ms
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True,
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
    return _save(fig, out)
