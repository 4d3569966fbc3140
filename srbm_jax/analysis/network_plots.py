"""Plots of a trained network: receptive fields and the confusion matrix."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from srbm_jax.analysis.figures import _axes, _finish, _new_figure
from srbm_jax.config import Spec


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

