"""Synapse devices side by side: train the same network with each device (seeds vmapped) on the
run driver, count pulses and refreshes, and measure accuracy after drift.
`experiments/compare_devices.py` is the command-line entry point.

    result = compare_device(name, config, data, seeds=2, drift_seconds=[1, 3600],
                            workdir=f"/tmp/devices/rows/{name}")   # name: a registered device
    table = markdown([result, ...], config)

For every device: `seeds` networks trained side by side by `srbm_jax.run.run_networks` (on-line
eCD per network, or mini-batches of config.batch_size, with config.step_decay; seeds
config.seed, +1, ...), with checkpoints in the row's workdir (a killed row resumes bit for bit),
evaluated every config.eval_every epochs and after the last; at the end, the accuracy of the
trained weights after programming, conductance drift and 1/f read noise
(`srbm_jax.devices.inference_noise`, aihwkit's PCM formulas) at each time, without and with
global drift compensation. Counts per network: coincidence events per epoch and the device's SET
/ RESET pulses and refreshes over the run (`Device.pulse_counts`). A device with its own STDP
window (`Device.stdp_window`, e.g. bipolar_2t1r's symmetric +-2 ms) runs with it.
"""
from __future__ import annotations

import re
import time

import jax
import jax.numpy as jnp
import numpy as np

import srbm_jax
from srbm_jax import checkpoint
from srbm_jax.devices import (
    DEVICES,
    IdealParams,
    IdealState,
    IdealWeight,
    InferenceNoiseParams,
    noisy_weight,
)
from srbm_jax.run import networks as nets
from srbm_jax.run.driver import plan_from_config, run_networks
from srbm_jax.run.objects import config_dict, config_for_device, fingerprint, spec_and_params


def drift_accuracies(key, weight, test_x, test_y, params, spec, drift_seconds,
                     batch_size: int = 250) -> dict[str, float]:
    """Test accuracy of a trained weight matrix after PCM inference non-idealities: for each t in
    drift_seconds, without and with global drift compensation, the weight after programming
    noise, drift to t and 1/f read noise (`inference_noise.noisy_weight`, aihwkit's PCM
    formulas; noise key fold_in(key, 1000)), evaluated as a fixed ideal weight (evaluation key
    fold_in(key, 2000)). Keys "<t>s" and "<t>s compensated"."""
    ideal_spec, ideal_params = spec.replace(device=IdealWeight()), params.replace(device=IdealParams())
    result = {}
    for seconds in drift_seconds:
        for compensate in (False, True):
            noisy = noisy_weight(jax.random.fold_in(key, 1000), weight, seconds,
                                 InferenceNoiseParams(), compensate)
            result[f"{seconds:g}s{' compensated' if compensate else ''}"] = srbm_jax.evaluate(
                jax.random.fold_in(key, 2000), IdealState(noisy), test_x, test_y, ideal_params,
                ideal_spec, batch_size=min(batch_size, len(test_y)))["accuracy"]
    return result


_LABEL = re.compile(r"^[A-Za-z0-9_.+-]+$")


def parse_variants(variants: list[str]) -> dict[str, tuple[str, dict[str, float]]]:
    """{label: (device, {field: value})} from LABEL:DEVICE:field=value,... strings
    (compare_devices --variant); ValueError naming --variant for a malformed entry, an unknown
    device or field, a label used twice or one that shadows a device."""
    result = {}
    for text in variants:
        parts = text.split(":", 2)
        if len(parts) != 3 or not _LABEL.match(parts[0]):
            raise ValueError(f"--variant {text!r}: expected LABEL:DEVICE:field=value,... with "
                             "LABEL made of letters, digits and _ . + -")
        label, device, params = parts
        if device not in DEVICES:
            raise ValueError(f"--variant {text!r}: device {device!r} is not one of {sorted(DEVICES)}")
        if label in result or label in DEVICES:
            raise ValueError(f"--variant {text!r}: label {label!r} is already a device or a variant")
        overrides = {}
        for entry in (part.strip() for part in params.split(",") if part.strip()):
            name, sep, value = (piece.strip() for piece in entry.partition("="))
            try:
                number = float(value) if sep and name else float("nan")
            except ValueError:
                number = float("nan")
            if not np.isfinite(number) or name in overrides:
                raise ValueError(f"--variant {text!r}: {entry!r} is not a new field=<finite number>")
            overrides[name] = number
        section = DEVICES[device]().config_section()
        for name in overrides:
            if name not in section or name == "name":
                raise ValueError(f"--variant {text!r}: {name!r} is not a field of device "
                                 f"{device!r}: allowed {', '.join(k for k in section if k != 'name')}")
        result[label] = (device, overrides)
    return result


def resolve_rows(rows: list[str], variants: dict) -> list[tuple[str, str, dict]]:
    """[(label, device, overrides)] for the --devices entries; ValueError for an unknown entry."""
    resolved = []
    for row in rows:
        if row in variants:
            resolved.append((row, *variants[row]))
        elif row in DEVICES:
            resolved.append((row, row, {}))
        else:
            raise ValueError(f"--devices: {row!r} is neither a registered device "
                             f"{sorted(DEVICES)} nor a --variant label {sorted(variants)}")
    return resolved


def overrides_text(overrides: dict) -> str:
    """'field=value,...' of a row's device overrides (for tables and saved rows)."""
    return ",".join(f"{k}={v:g}" for k, v in overrides.items())


def row_keys(seed: int, seeds: int) -> dict:
    """Keys of the row's networks: root_i = key(seed + i), init / train / evaluate =
    fold_in(root_i, 0 / 1 / 2) (this module's convention since the first device tables)."""
    roots = jax.vmap(lambda s: jax.random.key(s))(jnp.arange(seeds) + seed)
    return {name: jax.vmap(lambda k, i=i: jax.random.fold_in(k, i))(roots)
            for i, name in enumerate(("init", "train", "evaluate"))}


def compare_device(name: str, config, data, seeds: int, drift_seconds: list[float], workdir, *,
                   label: str | None = None, overrides: dict | None = None, state_path=None,
                   resume: bool = True, progress: bool = True) -> dict:
    """Train `seeds` networks with device `name` in `workdir` (resumable); returns accuracies,
    counters and the drift table.

    overrides: {field: value} of the device's section (`config_for_device`; a device with its
    own STDP window runs with it); label: the row's name in tables (default `name`).
    `accuracy_per_epoch` holds per-seed accuracies, None for the epochs not evaluated.
    state_path: where to save the trained device states of all seeds (leading axis = seed;
    `checkpoint.save`), so other drift times can be evaluated later without training."""
    overrides = overrides or {}
    config = config_for_device(config, name, **overrides)
    spec, params = spec_and_params(config)
    train_x, train_y, test_x, test_y = data[:4]
    networks = nets.side_by_side(spec, params, row_keys(config.seed, seeds),
                                 [{"seed": config.seed + i} for i in range(seeds)])
    start = time.perf_counter()
    identity = fingerprint(config)

    def check(metadata, path):
        if metadata.get("fingerprint") != identity or metadata.get("seeds") != seeds:
            raise ValueError(f"cannot resume from {path}: it was made with another config or "
                             "seed count; use another --workdir or delete the row")

    records, states, _ = run_networks(networks, data, plan_from_config(config, len(train_y)), workdir,
                           resume=resume, metadata={"config": config_dict(config),
                                                    "fingerprint": identity, "seeds": seeds},
                           check_checkpoint=check, progress=progress,
                           say=lambda line: print(f"{label or name} {line}", flush=True))
    accuracy = []
    for epoch in range(1, config.epochs + 1):
        mine = sorted((r for r in records if r["epoch"] == epoch), key=lambda r: r["network"])
        accuracy.append(None if mine[0]["test_accuracy"] is None
                        else [r["test_accuracy"] for r in mine])
    totals = {kind: np.zeros(seeds) for kind in ("potentiation_events", "depression_events")}
    for record in records:
        for kind in totals:
            totals[kind][record["network"]] += record[f"{kind}_total"]
    if state_path is not None:
        checkpoint.save(state_path, states, {"device": name, "label": label or name,
                                             "device_params": overrides_text(overrides),
                                             "seeds": seeds, "config": config_dict(config)})
    per_seed = [drift_accuracies(networks.keys["evaluate"][s],
                                 spec.device.read(networks.state_of(states, s), params.device),
                                 test_x, test_y, params, spec, drift_seconds,
                                 batch_size=config.eval_batch_size)
                for s in range(seeds)]
    drift = {condition: [row[condition] for row in per_seed] for condition in per_seed[0]}
    counters = {"update_events": ((totals["potentiation_events"] + totals["depression_events"])
                                  / config.epochs).tolist()}
    counters.update(spec.device.pulse_counts(states, totals["potentiation_events"],
                                             totals["depression_events"]))
    return {"device": name, "label": label or name, "device_params": overrides_text(overrides),
            "accuracy_per_epoch": accuracy, "drift": drift, "counters": counters,
            "wall_s": time.perf_counter() - start}


_DURATION_NAMES = {1.0: "1 s", 3600.0: "1 hour", 86400.0: "1 day", 31536000.0: "1 year"}


def _drift_header(key: str) -> str:
    """"3.1536e+07s compensated" -> "1 year comp."; other times as "<t> s"."""
    seconds, _, rest = key.partition("s")
    name = _DURATION_NAMES.get(float(seconds), f"{float(seconds):g} s")
    return f"{name} comp." if rest.strip() == "compensated" else name


def markdown(results: list[dict], config) -> str:
    """A markdown table of `compare_device` results, one row per device: mean test accuracy (%)
    over seeds at each epoch that some row evaluated, after drift (comp. = global drift
    compensation), coincidence events per epoch, SET / RESET pulses and refreshes over the run
    (means over seeds)."""
    epochs = [e for e in range(config.epochs)
              if any(r["accuracy_per_epoch"][e] is not None for r in results)]
    drift_keys = list(results[0]["drift"])
    header = (["device"] + [f"ep{e + 1}" for e in epochs] + [_drift_header(k) for k in drift_keys]
              + ["events/epoch", "SET pulses (run)", "RESET pulses (run)", "refreshes (run)"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in results:
        counters = result["counters"]

        def mean(values):
            return f"{np.mean(values):.4g}" if values is not None else "-"

        cells = ([result.get("label", result["device"])]
                 + [f"{100 * np.mean(result['accuracy_per_epoch'][e]):.1f}"
                    if result["accuracy_per_epoch"][e] is not None else "-" for e in epochs]
                 + [f"{100 * np.mean(result['drift'][k]):.1f}" for k in drift_keys]
                 + [mean(counters["update_events"]), mean(counters.get("set_pulses")),
                    mean(counters.get("reset_pulses")), mean(counters.get("refresh_count"))])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
