"""Matplotlib figures that need no backend and show inline in notebooks (`InlineFigure`),
and the shared helpers of the plot modules; `read_metrics`.

See `srbm_jax.analysis` for the display rules.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from srbm_jax.files import atomic_write

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

