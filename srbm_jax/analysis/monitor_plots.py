"""Plots of a monitored training image (`srbm_jax.monitors.ImageRecord`)."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from srbm_jax.analysis.figures import _finish, _new_figure


def plot_image_record(record, out=None, *, firing_threshold: float = 1.0,
                      dt_ms: float = 1.0) -> Figure:
    """Three panels against time (ms): the chosen hidden neurons' membranes with their spikes
    and the threshold, on the gate g(t) (shaded: + data phase, - model phase); the chosen visible
    neurons' membranes (free in the model segment only); the chosen synapses' weights before the
    image, after potentiation (end of the data segment) and after depression (end of the image).
    Returns the new figure."""
    t = np.arange(record.gate.size) * dt_ms
    fig = _new_figure((7.5, 6.5))
    axes = fig.subplots(3, 1, sharex=True)
    for ax in axes[:2]:
        for sign, colour in ((1, "C2"), (-1, "C3")):
            ax.fill_between(t, 0, 1, where=record.gate == sign, color=colour, alpha=0.08,
                            transform=ax.get_xaxis_transform(), step="mid")
    for k, index in enumerate(record.hidden):
        axes[0].plot(t, record.hidden_membrane[:, k], color=f"C{k % 10}", lw=0.8,
                     label=f"hidden {index}")
        spikes = t[record.hidden_spikes[:, index]]
        axes[0].plot(spikes, np.full(spikes.size, firing_threshold), "|", color=f"C{k % 10}",
                     markersize=8)
    axes[0].axhline(firing_threshold, color="k", lw=0.6, ls="--")
    axes[0].set_ylabel("membrane (mu)")
    axes[0].set_title("green: data phase (LTP), red: model phase (LTD)", fontsize=8)
    for k, index in enumerate(record.visible):
        axes[1].plot(t, record.visible_membrane[:, k], color=f"C{k % 10}", lw=0.8,
                     label=f"visible {index}")
    axes[1].set_ylabel("membrane (mu)")
    edges = [0.0, float(np.flatnonzero(record.gate == 1).max() + 1) * dt_ms, t[-1] + dt_ms]
    for s in range(record.synapses.shape[0]):
        axes[2].step(edges, list(record.weights[:, s]), where="post", color=f"C{s % 10}",
                     label=f"G[{record.synapses[s, 0]}, {record.synapses[s, 1]}]")
    axes[2].set_ylabel("weight (cu)")
    axes[2].set_xlabel("time in the image (ms)")
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper right")
    return _finish(fig, out)
