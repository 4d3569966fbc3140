"""Plots of the generative side: image grids (completion, generation) and occlusion curves."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from srbm_jax.analysis.figures import _axes, _finish, _new_figure


def plot_image_grid(rows: Sequence[np.ndarray], row_titles: Sequence[str], out=None, *,
                    column_titles: Sequence[str] | None = None, masks: np.ndarray | None = None
                    ) -> Figure:
    """A grid of images: rows[r] is [n_columns, n_pixels] (values in [0, 1], square images),
    titled row_titles[r] on the left; `masks` (bool [n_pixels] or [n_columns, n_pixels]) is
    outlined in red on every tile of the rows titled 'masked' (the hidden part).

    Returns the new figure (0.9 inch per tile)."""
    if len(rows) != len(row_titles) or not rows:
        raise ValueError(f"rows ({len(rows)}) and row_titles ({len(row_titles)}) must be "
                         "non-empty and of one length")
    n_columns = rows[0].shape[0]
    side = math.isqrt(rows[0].shape[1])
    if side * side != rows[0].shape[1]:
        raise ValueError(f"images of {rows[0].shape[1]} pixels are not square")
    fig = _new_figure((0.9 * n_columns + 1.0, 0.9 * len(rows) + 0.3))
    axes = fig.subplots(len(rows), n_columns, squeeze=False)
    for r, (images, title) in enumerate(zip(rows, row_titles, strict=True)):
        for c in range(n_columns):
            ax = axes[r, c]
            ax.imshow(np.asarray(images[c]).reshape(side, side), cmap="gray", vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if masks is not None and title == "masked":
                mask = np.asarray(masks)
                mask = mask if mask.ndim == 1 else mask[c]
                ax.contour(mask.reshape(side, side), levels=[0.5], colors="red", linewidths=0.6)
            if c == 0:
                ax.set_ylabel(title, fontsize=8)
            if r == 0 and column_titles is not None:
                ax.set_title(column_titles[c], fontsize=8)
    return _finish(fig, out)


def plot_occlusion(curves: dict[str, list[dict]], out=None, *, ax: Axes | None = None) -> Figure:
    """Accuracy against the fraction masked, one line per entry of `curves` ({label: [{fraction,
    accuracy}, ...]}); returns the figure."""
    fig, ax = _axes(ax, (4.8, 3.4))
    for label, points in curves.items():
        ax.plot([p["fraction"] for p in points], [100 * p["accuracy"] for p in points], "o-",
                label=label)
    ax.set_xlabel("fraction of the image masked")
    ax.set_ylabel("accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(fig, out)


def plot_kl_curves(rows: list[dict], out=None, *, ax: Axes | None = None, title: str = ""
                   ) -> Figure:
    """KL divergence against the number of samples, mean +- sample sd over machines, one line
    per method (rows: {method, samples, kl_nats} as `experiments/sampling_fidelity.py` writes
    them); log-log axes."""
    fig, ax = _axes(ax, (5.0, 3.6))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    for index, method in enumerate(methods):
        chosen = [r for r in rows if r["method"] == method]
        curves = np.array([r["kl_nats"] for r in chosen])
        ax.errorbar(chosen[0]["samples"], curves.mean(axis=0),
                    yerr=curves.std(axis=0, ddof=1) if len(curves) > 1 else None, fmt="o-",
                    color=f"C{index}", capsize=2, markersize=3, label=method.replace("_", " "))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("samples (1 ms ticks, or Gibbs sweeps)")
    ax.set_ylabel("KL(sampled || exact) (nats)")
    if title:
        ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return _finish(fig, out)


def plot_calibration(drives, p_on, d0: float, beta: float, rms: float, out=None, *,
                     ax: Axes | None = None) -> Figure:
    """The neuron's measured P(on) against its constant input, with the fitted logistic."""
    fig, ax = _axes(ax, (4.6, 3.4))
    drives = np.asarray(drives)
    ax.plot(drives, p_on, "o", label="IBM neuron (measured)")
    grid = np.linspace(drives.min(), drives.max(), 200)
    ax.plot(grid, 1 / (1 + np.exp(-beta * (grid - d0))), "-", label=f"logistic fit (rms {rms:.3f})")
    ax.set_xlabel("constant input per tick (membrane units)")
    ax.set_ylabel("P(on)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(fig, out)
