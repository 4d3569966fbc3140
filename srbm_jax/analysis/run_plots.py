"""Plots of runs: accuracy per epoch, device comparisons, studies."""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from srbm_jax.analysis.figures import _axes, _finish, _new_figure


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


def plot_study(records: list[dict], fields: list[str], out=None, *, ax: Axes | None = None,
               metric: str | None = None) -> Figure:
    """Accuracy (%) against the first swept field (`srbm_jax.study`), mean +- sd over seeds.

    With one swept field: one line per evaluated epoch. With several: one line per combination
    of the other fields, after the last epoch. With none (a study over seeds only): accuracy
    against the epoch.

    Args:
      records: `srbm_jax.study.run_study` records (keys `epoch`, the metric and each field).
      fields: the swept fields; the first is the x axis.
      out: optional file to write the figure to (str or Path); nothing is written when None.
      ax: optional Axes to draw into; a new 5.5 x 3.8 inch figure when None.
      metric: the record key plotted; default validation_accuracy when the records have it,
        else test_accuracy (or the key `accuracy` of records from before the validation split).

    Returns:
      The figure (the root figure of `ax` when one is given).
    """
    if metric is None:
        metric = next((m for m in ("validation_accuracy", "test_accuracy", "accuracy")
                       if any(r.get(m) is not None for r in records)), "test_accuracy")
    fields = list(fields) or ["epoch"]  # a study over seeds only: accuracy against the epoch
    x_field, others = fields[0], fields[1:]
    last = max(r["epoch"] for r in records)
    if x_field == "epoch":
        groups = {"seeds": records}
        ylabel = f"{metric.replace('_', ' ')} (%)"
    elif others:
        final = [r for r in records if r["epoch"] == last]
        groups = {", ".join(f"{f}={v:g}" for f, v in zip(others, combo, strict=True)):
                  [r for r in final if tuple(r[f] for f in others) == combo]
                  for combo in sorted({tuple(r[f] for f in others) for r in final})}
        ylabel = f"{metric.replace('_', ' ')} after epoch {last} (%)"
    else:
        epochs = sorted({r["epoch"] for r in records})
        groups = {f"epoch {e}": [r for r in records if r["epoch"] == e] for e in epochs}
        ylabel = f"{metric.replace('_', ' ')} (%)"
    from srbm_jax.study import sample_sd  # (study imports the run layer; load it when plotting)
    fig, ax = _axes(ax, (5.5, 3.8))
    for index, (label, rows) in enumerate(groups.items()):
        xs = sorted({r[x_field] for r in rows})
        acc = [[100 * r[metric] for r in rows if r[x_field] == x] for x in xs]
        ax.errorbar(xs, [np.mean(a) for a in acc], yerr=[sample_sd(a) for a in acc], fmt="o-",
                    color=f"C{index}", capsize=3, label=label)
    ax.set_xlabel(x_field)
    ax.set_ylabel(ylabel)
    ax.set_title("mean +- sd over seeds", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(fig, out)

