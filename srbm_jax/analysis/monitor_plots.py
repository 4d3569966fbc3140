"""Plots of what the monitors recorded (`srbm_jax.monitors`) and of the network's state:
membrane traces, inference rasters with the label-group counts, population rates per phase,
conductance histograms, weights before/after training, the pixel-value histogram."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from srbm_jax.analysis.figures import _finish, _new_figure
from srbm_jax.config import Spec


def _shade_phases(ax, t, gate) -> None:
    """Green behind the data phase (g = +1, LTP), red behind the model phase (g = -1, LTD)."""
    for sign, colour in ((1, "C2"), (-1, "C3")):
        ax.fill_between(t, 0, 1, where=gate == sign, color=colour, alpha=0.08,
                        transform=ax.get_xaxis_transform(), step="mid")


def plot_image_record(record, out=None, *, firing_threshold: float = 1.0,
                      dt_ms: float = 1.0) -> Figure:
    """Five panels against time (ms), on the gate g(t) (shaded: green the data phase, red the
    model phase): the chosen hidden neurons' membranes with their spikes and the threshold; the
    random walk's running sum of the same neurons; the chosen visible neurons' membranes (free
    in the model segment only); the chosen synapses' rule windows (the visible side solid, the
    hidden side dashed) with the change each tick adds (dots); the weight each tick reads
    (written at the end of each segment). Returns the new figure."""
    t = np.arange(record.gate.size) * dt_ms
    fig = _new_figure((7.5, 9.5))
    axes = fig.subplots(5, 1, sharex=True)
    for ax in axes[:4]:
        _shade_phases(ax, t, record.gate)
    for k, index in enumerate(record.hidden):
        colour = f"C{k % 10}"
        axes[0].plot(t, record.hidden_membrane[:, k], color=colour, lw=0.8,
                     label=f"hidden {index}")
        spikes = t[record.hidden_spikes[:, index]]
        axes[0].plot(spikes, np.full(spikes.size, firing_threshold), "|", color=colour,
                     markersize=8)
        axes[1].plot(t, np.cumsum(record.hidden_walk[:, k]), color=colour, lw=0.8)
    axes[0].axhline(firing_threshold, color="k", lw=0.6, ls="--")
    axes[0].set_ylabel("membrane (mu)")
    axes[0].set_title("green: data phase (LTP), red: model phase (LTD)", fontsize=8)
    axes[1].set_ylabel("walk, summed (mu)")
    for k, index in enumerate(record.visible):
        axes[2].plot(t, record.visible_membrane[:, k], color=f"C{k % 10}", lw=0.8,
                     label=f"visible {index}")
    axes[2].set_ylabel("membrane (mu)")
    for s in range(record.synapses.shape[0]):
        colour = f"C{s % 10}"
        axes[3].step(t, record.pre_window[:, s], where="mid", color=colour, lw=0.8)
        axes[3].step(t, record.post_window[:, s], where="mid", color=colour, lw=0.8, ls="--")
        events = np.flatnonzero(record.change[:, s])
        axes[3].plot(t[events], record.change[events, s], "o", color=colour, markersize=3)
        edges = np.arange(record.gate.size + 1) * dt_ms
        axes[4].step(edges, record.weight_trace[:, s], where="post", color=colour,
                     label=f"G[{record.synapses[s, 0]}, {record.synapses[s, 1]}]")
    axes[3].set_ylabel("windows, change")
    axes[4].set_ylabel("weight (cu)")
    axes[4].set_xlabel("time in the image (ms)")
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper right")
    return _finish(fig, out)


def plot_inference_record(record, spec: Spec, out=None, *, true_label: int | None = None
                          ) -> Figure:
    """A test image's presentation: the hidden and label spikes against time (label neurons
    coloured by class), and each label group's running spike count with the decision so far.
    Returns the new figure."""
    n_ticks = record.label_counts.shape[0]
    t = np.arange(n_ticks) * spec.dt_ms
    fig = _new_figure((7.5, 6.0))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    ticks, neurons = np.nonzero(record.hidden_spikes[:, :spec.n_hidden])
    top.plot(t[ticks], neurons, ",", color="0.6")  # one dot per hidden spike
    labels = record.visible_spikes[:, spec.label_slice]
    ticks, neurons = np.nonzero(labels)
    classes = neurons // spec.labels_per_class
    top.scatter(t[ticks], spec.n_hidden + 5 + neurons * 4, c=[f"C{c}" for c in classes],
                marker="|", s=30)
    top.set_ylabel("hidden | label neurons")
    running = np.cumsum(record.label_counts, axis=0)
    for c in range(10):
        bottom.plot(t, running[:, c], color=f"C{c}", lw=1.2 if c == record.prediction else 0.7,
                    label=str(c))
    bottom.set_ylabel("label-group spikes")
    bottom.set_xlabel("presentation time (ms)")
    bottom.legend(fontsize=6, ncol=5, loc="upper left")
    title = f"prediction {record.prediction}"
    if true_label is not None:
        title += f", true label {true_label}"
    top.set_title(title, fontsize=9)
    return _finish(fig, out)


def plot_population_rates(record, spec: Spec, out=None, *, bin_ms: float = 5.0) -> Figure:
    """Population rates (spikes per neuron per second) of the data, label and free hidden
    neurons in bins of `bin_ms`, with the phases shaded when the record has a gate (a training
    image). Returns the new figure."""
    groups = {"data": record.visible_spikes[:, :spec.n_data],
              "label": record.visible_spikes[:, spec.label_slice],
              "hidden": record.hidden_spikes[:, :spec.n_hidden]}
    n_ticks = record.visible_spikes.shape[0]
    width = max(1, int(round(bin_ms / spec.dt_ms)))
    n_bins = n_ticks // width
    centres = (np.arange(n_bins) + 0.5) * width * spec.dt_ms
    fig = _new_figure((7.0, 3.5))
    ax = fig.subplots()
    gate = getattr(record, "gate", None)
    if gate is not None:
        _shade_phases(ax, np.arange(n_ticks) * spec.dt_ms, gate)
    for name, spikes in groups.items():
        counts = spikes[:n_bins * width].reshape(n_bins, width, -1).sum(axis=(1, 2))
        ax.plot(centres, counts / (spikes.shape[1] * width * spec.dt_ms * 1e-3), label=name)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate per neuron (Hz)")
    ax.legend(fontsize=8)
    return _finish(fig, out)


def plot_conductance_histograms(device_state, out=None, *, bins: int = 60) -> Figure:
    """A histogram of each [V, H] field of a device state (e.g. g_plus and g_minus of a Gp/Gm
    pair, g of a single conductance), in the device's own units. Returns the new figure."""
    fields = device_state._asdict() if hasattr(device_state, "_asdict") else \
        {"weight": device_state}
    fields = {k: np.asarray(v, np.float32) for k, v in fields.items() if np.ndim(v) == 2}
    if not fields:
        raise ValueError("device_state has no [V, H] array to histogram")
    fig = _new_figure((3.2 * len(fields), 3.0))
    axes = np.atleast_1d(fig.subplots(1, len(fields)))
    for ax, (name, values) in zip(axes, fields.items(), strict=True):
        ax.hist(values.ravel(), bins=bins, color="C0")
        ax.set_title(f"{name}: mean {values.mean():.3g}, sd {values.std():.3g}", fontsize=8)
        ax.set_yscale("log")
        ax.set_xlabel(name)
    axes[0].set_ylabel("synapses")
    return _finish(fig, out)


def plot_weight_change(before, after, spec: Spec, out=None, *, n_units: int = 8) -> Figure:
    """Weights before and after training and their difference: the histograms of all weights,
    and the data-neuron weights of the first `n_units` hidden units as images (rows: before,
    after, after - before; a shared colour scale per row). Returns the new figure."""
    before, after = np.asarray(before, np.float32), np.asarray(after, np.float32)
    if before.shape != after.shape:
        raise ValueError(f"before has shape {before.shape} and after {after.shape}: allowed the "
                         "same shape")
    n_units = min(n_units, spec.n_hidden)
    side = int(round(np.sqrt(spec.n_data)))
    fig = _new_figure((1.3 * n_units + 1, 6.5))
    grid = fig.add_gridspec(4, n_units)
    hist = fig.add_subplot(grid[0, :])
    hist.hist(before.ravel(), bins=80, alpha=0.6, label="before")
    hist.hist(after.ravel(), bins=80, alpha=0.6, label="after")
    hist.set_yscale("log")
    hist.set_xlabel("weight G (cu)")
    hist.legend(fontsize=7)
    rows = (("before", before), ("after", after), ("after - before", after - before))
    for r, (name, weight) in enumerate(rows, start=1):
        data = weight[:spec.n_data, :n_units]
        scale = float(np.abs(data).max()) or 1.0
        for u in range(n_units):
            ax = fig.add_subplot(grid[r, u])
            field = data[:, u]
            if side * side == spec.n_data:
                field = field.reshape(side, side)
            else:
                field = field[None, :]
            ax.imshow(field, cmap="RdBu_r", vmin=-scale, vmax=scale, aspect="auto")
            ax.set_xticks([])
            ax.set_yticks([])
            if u == 0:
                ax.set_ylabel(name, fontsize=7)
            if r == 1:
                ax.set_title(f"unit {u}", fontsize=7)
    return _finish(fig, out)


def plot_pixel_histogram(images, threshold: float, out=None, *, bins: int = 51) -> Figure:
    """The pixel values of `images` (uint8 0..255 or float in [0, 1]) with the input threshold:
    a pixel spikes only if its value is above it (the slides' rule, `encoding`). The title gives
    the fraction of pixels that can spike. Returns the new figure."""
    values = np.asarray(images)
    values = values / 255.0 if values.dtype == np.uint8 else values.astype(np.float64)
    fig = _new_figure((5.5, 3.2))
    ax = fig.subplots()
    ax.hist(values.ravel(), bins=bins, range=(0.0, 1.0), color="C0")
    ax.axvline(threshold, color="C3", lw=1.2, label=f"threshold {threshold:g}")
    ax.set_yscale("log")
    ax.set_xlabel("pixel value")
    ax.set_ylabel("pixels")
    ax.set_title(f"{100 * np.mean(values > threshold):.1f} % of the pixels above the threshold",
                 fontsize=9)
    ax.legend(fontsize=8)
    return _finish(fig, out)
