"""Hyperparameter studies from a config: every combination of the swept values x every seed,
trained side by side in one program (`srbm_jax.sweep`), evaluated after every epoch.
`experiments/study.py` is the command-line entry point.

    records = run_study(config, {"spike_rate_hz": [200.0, 210.0, 220.0]}, seeds=[1, 2], data)
    print(markdown(records, ["spike_rate_hz"]))

Swept fields are numeric config fields that are traced `Params` leaves: the neuron and input
fields of `experiment.PARAMS_FIELDS` (spike_rate_hz, input_threshold, walk_up, ...) and, for the
gpgm_linear device, its numeric fields (set_step, reset_step, init_std, ...). Sizes and choices
(n_label, n_hidden, batch_size, device) change the compiled program: run one study per value.
Every network uses the config's batch_size, chunk_size, step_decay, test_size and
inference_ms; network (values, seed) gives what `experiments/train_mnist.py` gives with those
values and `--config.seed=seed` (same keys, `sweep.network_keys`).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from srbm_jax import experiment, sweep, train
from srbm_jax.devices import GpGmParams

_GPGM_FIELDS = tuple(GpGmParams.__dataclass_fields__)


def parse_sweep(settings: Sequence[str]) -> dict[str, list[float]]:
    """{"field": [v1, v2, ...]} from ["field=v1,v2,...", ...] (the --sweep flags); ValueError
    names a bad setting."""
    if not settings:
        raise ValueError("--sweep is required: field=v1,v2,... (e.g. spike_rate_hz=200,210)")
    axes = {}
    for setting in settings:
        field, _, values = setting.partition("=")
        field = field.strip()
        try:
            numbers = [float(v) for v in values.split(",") if v.strip()]
        except ValueError as e:
            raise ValueError(f"--sweep={setting}: values must be numbers ({e})") from e
        if not field or not numbers:
            raise ValueError(f"--sweep={setting}: allowed field=v1,v2,... with at least one value")
        if field in axes:
            raise ValueError(f"--sweep={setting}: field {field} is swept twice")
        axes[field] = numbers
    return axes


def sweepable_fields(config) -> tuple[str, ...]:
    """Config fields a study can sweep in one program for this config's device."""
    device_fields = _GPGM_FIELDS if config.device == "gpgm_linear" else ()
    return experiment.PARAMS_FIELDS + device_fields


def study_params(config, axes: dict[str, Sequence[float]], seeds: Sequence[int]):
    """(spec, stacked params, grid): one network per (values, seed) combination, seed fastest.

    grid: {field: [value per network], "seed": [seed per network]}. Each combination's config is
    validated like a single run (`experiment.spec_and_params`), so a bad value names its field."""
    allowed = sweepable_fields(config)
    for field in axes:
        if field not in allowed:
            raise ValueError(f"config.{field} cannot be swept in one program: allowed one of "
                             f"{sorted(allowed)} (sizes and choices need one study per value)")
    if len(seeds) == 0:
        raise ValueError("seeds is empty: allowed a non-empty list of integers")
    grid = sweep.product(**axes, seed=list(seeds))
    for n in range(len(grid["seed"])):  # validate every combination as a single run would
        single = config.copy_and_resolve_references()
        for field in axes:
            single[field] = float(grid[field][n])
        spec, params = experiment.spec_and_params(single)
    names = {field: field if field in experiment.PARAMS_FIELDS else f"device__{field}"
             for field in axes}
    stacked = sweep.stack_params(params, **{names[f]: grid[f] for f in axes})
    return spec, stacked, grid


def run_study(config, axes: dict[str, Sequence[float]], seeds: Sequence[int], data,
              log: Callable[[str], None] = print, progress: bool = False) -> list[dict]:
    """Train every (values, seed) network for config.epochs epochs side by side; returns one
    record per network per epoch: {epoch, seed, <field>: value, accuracy, accuracy_100ms,
    wall_s}. data: (train_x, train_y, test_x, test_y) as from `experiment.load_data`.
    progress: a progress line (images of all networks per second, ETA) on stderr while training."""
    spec, params, grid = study_params(config, axes, seeds)
    train_x, train_y, test_x, test_y = data
    keys, states = sweep.init_networks(grid["seed"], params, spec)
    step_decay = float(config.get("step_decay", 1.0))
    records, start = [], time.perf_counter()
    n_networks = len(grid["seed"])
    for epoch in range(config.epochs):
        states, _ = sweep.train_networks(
            keys, states, train_x, train_y, params, spec, epoch=epoch,
            chunk_size=config.chunk_size, batch_size=config.batch_size,
            params_at=lambda begin, epoch=epoch: train.scheduled_params(
                params, spec, step_decay, epoch, begin, len(train_y)),
            progress=_network_progress(f"epoch {epoch + 1} train", len(train_y), n_networks)
            if progress else None)
        results = sweep.evaluate_networks_full(keys, states, test_x, test_y, params, spec,
                                               epoch=epoch,
                                               batch_size=min(config.eval_batch_size, len(test_y)))
        tick_100ms = min(spec.ticks(100.0), len(results[0]["accuracy_vs_time"])) - 1
        for n in range(n_networks):
            records.append({"epoch": epoch + 1, "seed": int(grid["seed"][n]),
                            **{field: float(grid[field][n]) for field in axes},
                            "accuracy": results[n]["accuracy"],
                            "accuracy_100ms": float(results[n]["accuracy_vs_time"][tick_100ms]),
                            "wall_s": time.perf_counter() - start})
        log(f"epoch {epoch + 1}: accuracy " + ", ".join(
            f"{100 * r['accuracy']:.1f}" for r in records[-n_networks:])
            + f" % ({time.perf_counter() - start:.0f} s)")
    return records


def _network_progress(label: str, images: int, networks: int):
    """`experiment.Progress` counting the images of all networks (done x networks)."""
    line = experiment.Progress(f"{label} ({networks} networks)", images * networks)
    return lambda done, total: line(done * networks)


def markdown(records: list[dict], fields: Sequence[str]) -> str:
    """Table: one row per combination of the swept values, one column per epoch, cells
    'mean (sd)' of the test accuracy in % over the seeds."""
    epochs = sorted({r["epoch"] for r in records})
    combos = sorted({tuple(r[f] for f in fields) for r in records})
    header = "| " + " | ".join(fields) + " | seeds | " + " | ".join(f"ep{e}" for e in epochs) + " |"
    lines = [header, "|" + "---|" * (len(fields) + 1 + len(epochs))]
    for combo in combos:
        cells = []
        for epoch in epochs:
            values = [100 * r["accuracy"] for r in records
                      if r["epoch"] == epoch and tuple(r[f] for f in fields) == combo]
            cells.append(f"{np.mean(values):.2f} ({np.std(values):.2f})")
        seeds = len({r["seed"] for r in records if tuple(r[f] for f in fields) == combo})
        lines.append("| " + " | ".join(f"{v:g}" for v in combo) + f" | {seeds} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
