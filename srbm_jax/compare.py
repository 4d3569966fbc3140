"""Synapse devices side by side: train the same network with each device (seeds vmapped), count
pulses and refreshes, and measure accuracy after drift. `experiments/compare_devices.py` is the
command-line entry point.

    result = compare_device("pcm_nonlinear", config, data, seeds=2, drift_seconds=[1, 3600])
    table = markdown([result, ...], config)

For every device: `seeds` networks trained side by side (`jax.vmap` over root keys and device
states; on-line eCD per network, or mini-batches of config.batch_size, with config.step_decay;
seeds config.seed, +1, ...), evaluated after every epoch; at the end, the accuracy of the trained
weights after programming, conductance drift and 1/f read noise
(`srbm_jax.devices.inference_noise`, aihwkit's PCM formulas) at each time, without and with
global drift compensation. Counts per network: coincidence events per epoch, SET / RESET pulses
over the run (counted by the PCM pairs, implied by the events for gpgm_linear and bipolar_2t1r:
`event_pulses`) and refreshes. bipolar_2t1r runs with its symmetric +-2 ms window
(`srbm_jax.devices.TWO_T_ONE_R_WINDOW`).
"""
from __future__ import annotations

import re
import time

import jax
import jax.numpy as jnp
import numpy as np

import srbm_jax
from srbm_jax import checkpoint, experiment, sweep, train
from srbm_jax.devices import (
    DEVICES,
    TWO_T_ONE_R_WINDOW,
    IdealParams,
    IdealState,
    IdealWeight,
    InferenceNoiseParams,
    noisy_weight,
)


def _seed_state(states, index):
    return jax.tree_util.tree_map(lambda leaf: leaf[index], states)


def event_pulses(name: str, potentiation, depression) -> dict:
    """SET / RESET pulses implied by the eCD events for devices that keep no pulse counters.

    gpgm_linear: every event programs both devices (data phase: SET Gp + RESET Gm; model phase:
    RESET Gp + SET Gm), so SET = RESET = potentiation + depression events. bipolar_2t1r: one
    device, SET per potentiation event and RESET per depression event. ideal: no device ({}).
    The PCM pairs count their own pulses in their state (`pcm_pair`)."""
    potentiation, depression = np.asarray(potentiation), np.asarray(depression)
    if name == "gpgm_linear":
        return {"set_pulses": (potentiation + depression).tolist(),
                "reset_pulses": (potentiation + depression).tolist()}
    if name == "bipolar_2t1r":
        return {"set_pulses": potentiation.tolist(), "reset_pulses": depression.tolist()}
    return {}


def _counters(name: str, states, potentiation, depression, epochs: int) -> dict:
    """Per-network totals over the run: events per epoch from the training statistics; SET /
    RESET pulses and refreshes from the device state where it counts them, else from the events
    (`event_pulses`)."""
    result = {"update_events": ((potentiation + depression) / epochs).tolist()}
    result.update(event_pulses(name, potentiation, depression))
    for counter in ("set_pulses", "reset_pulses", "refresh_count", "clipped_pulses"):
        if hasattr(states, counter):
            result[counter] = np.asarray(jnp.sum(getattr(states, counter), axis=(1, 2))).tolist()
    return result


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


def parse_variants(variants: list[str]) -> dict[str, tuple[str, str]]:
    """{label: (device, params)} from LABEL:DEVICE:PARAMS strings (compare_devices --variant);
    ValueError naming --variant for a malformed entry, an unknown device, a label used twice or
    one that shadows a device."""
    result = {}
    for text in variants:
        parts = text.split(":", 2)
        if len(parts) != 3 or not _LABEL.match(parts[0]):
            raise ValueError(f"--variant {text!r}: expected LABEL:DEVICE:name=value,... with "
                             "LABEL made of letters, digits and _ . + -")
        label, device, params = parts
        if device not in DEVICES:
            raise ValueError(f"--variant {text!r}: device {device!r} is not one of {sorted(DEVICES)}")
        if label in result or label in DEVICES:
            raise ValueError(f"--variant {text!r}: label {label!r} is already a device or a variant")
        experiment.parse_device_params(params)  # early, clear errors
        result[label] = (device, params)
    return result


def resolve_rows(rows: list[str], variants: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """[(label, device, params)] for the --devices entries; ValueError for an unknown entry."""
    resolved = []
    for row in rows:
        if row in variants:
            resolved.append((row, *variants[row]))
        elif row in DEVICES:
            resolved.append((row, row, ""))
        else:
            raise ValueError(f"--devices: {row!r} is neither a registered device "
                             f"{sorted(DEVICES)} nor a --variant label {sorted(variants)}")
    return resolved


def compare_device(name: str, config, data, seeds: int, drift_seconds: list[float], *,
                   label: str | None = None, device_params: str = "", state_path=None) -> dict:
    """Train `seeds` networks with device `name`; returns accuracies, counters and drift table.

    device_params: "name=value,..." overrides of the device's params (`config.device_params`,
    `experiment.parse_device_params`); label: the row's name in tables and plots (default
    `name`). The networks are evaluated after every config.eval_every epochs and after the last;
    `accuracy_per_epoch` holds None for the epochs in between. state_path: where to save the
    trained device states of all seeds (leading axis = seed; `checkpoint.save`), so that
    other drift times can be evaluated later without training again."""
    config = config.copy_and_resolve_references()
    config.device = name
    config.device_params = device_params
    config.device_levels = 0
    if name != "gpgm_linear":  # only the 6T2R pair has a bfloat16 storage option
        config.conductance_dtype, config.conductance_rounding = "float32", "nearest"
    spec, params = experiment.spec_and_params(config)
    if name == "bipolar_2t1r":
        spec = spec.replace(**TWO_T_ONE_R_WINDOW)
    train_x, train_y, test_x, test_y = data
    # Keys fold_in(key(seed), 0 / 1 / 2) for init / train / evaluation (this module's own
    # convention since the first device tables; sweep.network_keys splits instead).
    roots = jax.vmap(lambda s: jax.random.key(s))(jnp.arange(seeds) + config.seed)
    init_keys, train_keys, eval_keys = (jax.vmap(lambda k, i=i: jax.random.fold_in(k, i))(roots)
                                        for i in range(3))
    states = jax.vmap(lambda k: srbm_jax.init_device(k, params, spec))(init_keys)
    # Several local devices (TPU cores, GPUs): each trains its share of the seeds.
    sharding = sweep.network_sharding(seeds)
    train_keys, states = sweep.shard_networks((train_keys, states), sharding)
    accuracy, potentiation, depression = [], np.zeros(seeds), np.zeros(seeds)
    start = time.perf_counter()
    step_decay = float(config.get("step_decay", 1.0))  # as in experiment.train_and_evaluate
    for epoch in range(config.epochs):
        # As train_epoch: mini-batches of config.batch_size, the step-size schedule.
        states, stats = sweep.train_networks(
            train_keys, states, train_x, train_y, params, spec, epoch=epoch,
            chunk_size=config.chunk_size, batch_size=config.batch_size,
            progress=experiment.Progress(f"{label or name} epoch {epoch + 1} train ({seeds} "
                                         "networks, images each)", len(train_y)),
            params_at=lambda begin, epoch=epoch: train.scheduled_params(
                params, spec, step_decay, epoch, begin, len(train_y)))
        potentiation += stats["potentiation_events"].sum(axis=1)
        depression += stats["depression_events"].sum(axis=1)
        if (epoch + 1) % config.eval_every and epoch + 1 != config.epochs:
            accuracy.append(None)
            print(f"{label or name} epoch {epoch + 1}: trained "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
            continue
        accuracy.append(sweep.evaluate_networks(eval_keys, states, test_x, test_y, params, spec,
                                                epoch=epoch,
                                                batch_size=min(250, len(test_y))).tolist())
        print(f"{label or name} epoch {epoch + 1}: accuracy {np.mean(accuracy[-1]):.4f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    if state_path is not None:
        checkpoint.save(state_path, states, {"device": name, "label": label or name,
                                             "device_params": device_params, "seeds": seeds,
                                             "config": experiment.config_dict(config)})
    per_seed = [drift_accuracies(eval_keys[s], spec.device.read(_seed_state(states, s),
                                                                params.device),
                                 test_x, test_y, params, spec, drift_seconds)
                for s in range(seeds)]
    drift = {condition: [row[condition] for row in per_seed] for condition in per_seed[0]}
    return {"device": name, "label": label or name, "device_params": device_params,
            "accuracy_per_epoch": accuracy, "drift": drift,
            "counters": _counters(name, states, potentiation, depression, config.epochs),
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
