"""Working with finished runs: their config and states, continuing them with changed settings,
and averaging the states of their checkpoints.

    config = load_run_config(workdir)                 # upgraded if it predates config.device
    state, metadata = load_run_state(workdir, config)  # the newest checkpoint (or a given path)
    records = continue_run(source, epochs=1, changes={"device.set_step": 0.005}, workdir=new)
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jax
import ml_collections
import numpy as np

from srbm_jax import checkpoint, train
from srbm_jax.files import atomic_write
from srbm_jax.run import networks as nets
from srbm_jax.run.averaging import average_states
from srbm_jax.run.checkpoints import latest_path
from srbm_jax.run.driver import plan_from_config, run_networks
from srbm_jax.run.objects import config_dict, config_error, fingerprint, load_config, spec_and_params
from srbm_jax.run.records import emit_record
from srbm_jax.run.training import checkpoint_check, load_data


def load_run_config(workdir) -> ml_collections.ConfigDict:
    """The config a run saved in workdir/config.json (in today's form)."""
    path = Path(workdir) / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"no config.json in {workdir}: not a run directory")
    return load_config(json.loads(path.read_text()))


def load_run_state(path_or_workdir, config) -> tuple[Any, dict]:
    """(device_state, metadata) of a checkpoint of a one-network run of `config`: a checkpoint
    file, or a workdir (its newest checkpoint). The checkpoint's own checks (format, SHA-256,
    tree) apply, and it must belong to `config` (`training.checkpoint_check`)."""
    path = Path(path_or_workdir)
    if path.is_dir():
        path = latest_path(path)
    spec, params = spec_and_params(config)
    metadata = checkpoint.read_metadata(path)
    checkpoint_check(config)(metadata, path)
    position = int(metadata["next_image"])
    like = {"device": train.init_device(jax.random.key(0), params, spec),
            "stats": {name: np.zeros((position,), np.float32) for name in train.ImageStats._fields}}
    tree, metadata = checkpoint.load(path, checkpoint_template(like, path))
    return jax.tree_util.tree_map(jax.numpy.asarray, tree["device"]), metadata


def load_checkpoint_networks(path, config=None):
    """The networks of one checkpoint file of a run or a study, as the run driver holds them.

    Args:
      path: a checkpoint file (`checkpoints/ckpt-*.npz`) of a train_mnist run or an
        experiments.study.
      config: a run's config to check the checkpoint against (`training.checkpoint_check`;
        default: the config the checkpoint stores). Ignored for a study, whose checkpoint
        carries its own fingerprint.
    Returns:
      (networks: `Networks` (stacked for a study, labels {"seed", swept field: value}), device
      states (a leading network axis for a study), the run's config, the checkpoint's
      metadata).
    """
    from srbm_jax import study  # study builds on this package

    path = Path(path)
    metadata = checkpoint.read_metadata(path)
    if "study" in metadata:
        spec, params, grid, states, metadata = study.load_study_states(path)
        fields = [f for f in grid if f != "seed"]
        labels = [{"seed": int(grid["seed"][n]), **{f: float(grid[f][n]) for f in fields}}
                  for n in range(len(grid["seed"]))]
        networks = dataclasses.replace(nets.seed_networks(spec, params, grid["seed"]),
                                       labels=labels)
        return networks, states, load_config(metadata["config"]), metadata
    if config is None:
        config = load_config(metadata.get("config", {}))
    state, metadata = load_run_state(path, config)
    spec, params = spec_and_params(config)
    return nets.one_network(spec, params, config.seed), state, config, metadata


def load_trained_networks(workdir, inference_ms: float | None = None):
    """The trained networks of a run or a study workdir (its newest checkpoint), one entry per
    network: [(labels {"seed": ..., swept field: value}, spec, params, device state)], and the
    config and the checkpoint's metadata. inference_ms: a presentation time for the specs
    (None: the run's own)."""
    workdir = Path(workdir)
    path = latest_path(workdir)
    config = None if "study" in checkpoint.read_metadata(path) else load_run_config(workdir)
    networks, states, config, metadata = load_checkpoint_networks(path, config)
    spec = networks.spec
    if inference_ms is not None:
        spec = spec.replace(inference_ms=float(inference_ms))
    return [(networks.labels[n], spec, networks.params_of(n),
             jax.tree_util.tree_map(jax.numpy.asarray, networks.state_of(states, n)))
            for n in range(networks.n)], config, metadata


def checkpoint_template(like: dict, path: Path) -> dict:
    """The tree a checkpoint at `path` holds, for `checkpoint.load`: `like` (the training state's
    tree) extended by the weight averages when the checkpoint's config kept any (EMA or tail
    average), since the loaded tree must match the saved one.

    Args:
      like: {"device": ..., ...}, the training state's tree of the run.
      path: the checkpoint (its metadata holds the run's config).
    Returns:
      `like`, or `like` with an "averages" entry shaped as the run's `WeightAverages`.
    """
    config = checkpoint.read_metadata(path).get("config", {})
    half_life, tail = config.get("ema_half_life_images", 0), config.get("tail_average_epochs", 0)
    if not (half_life or tail):
        return like
    from srbm_jax.run.averaging import WeightAverages

    return {**like, "averages": WeightAverages(half_life, tail).init(like["device"])}


# Fields a continuation may change (numeric settings; shapes and the device stay the run's).
CONTINUE_FIELDS = ("walk_up", "walk_down", "input_threshold", "spike_rate_hz", "inference_ms",
                   "batch_size", "weight_decay", "label_weight_decay", "step_decay",
                   "weight_decay_follows_steps")


def _parse_settings(settings: list[str], allowed, convert) -> dict[str, Any]:
    """{field: convert(field, value)} from "field=value" strings whose field is in `allowed`;
    ValueError naming the setting and the allowed fields, or the type `convert` expects."""
    result = {}
    for setting in settings:
        field, _, value = setting.partition("=")
        if field not in allowed:
            raise ValueError(f"--set={setting}: field must be one of {sorted(allowed)}")
        try:
            result[field] = convert(field, value)
        except ValueError as error:
            raise ValueError(f"--set={setting}: value must be {error}") from None
    return result


def _typed_like(current, value: str):
    """value converted to the type of `current`; ValueError("an integer" / "a number" / "True or
    False") when it cannot be."""
    kind = type(current)
    if kind is bool:
        if value.lower() in ("true", "1", "false", "0"):
            return value.lower() in ("true", "1")
        raise ValueError("True or False")
    try:
        return kind(value)
    except ValueError:
        raise ValueError({int: "an integer", float: "a number"}.get(kind, f"a {kind.__name__}")) from None


def parse_changes(settings: list[str], config) -> dict[str, Any]:
    """{field: value} from "field=value" strings: a field of CONTINUE_FIELDS or a numeric field
    of the run's device ("device.set_step=0.005"); ValueError naming the setting otherwise."""
    allowed = list(CONTINUE_FIELDS) + [f"device.{name}" for name, value in config.device.items()
                                       if isinstance(value, float)]

    def convert(field, value):
        current = config.device[field[7:]] if field.startswith("device.") else config[field]
        return _typed_like(current, value)

    return _parse_settings(settings, allowed, convert)


# Numeric neuron / input fields an evaluation may change (`--set` of presentation_time,
# early_decision and benchmarks.throughput; the weights' shapes and the device stay the
# checkpoint's).
INFERENCE_FIELDS = ("walk_up", "walk_down", "spike_rate_hz", "input_threshold",
                    "firing_threshold", "alpha", "membrane_tau_ms", "refractory_ms",
                    "bias_rate_factor")


def parse_inference_overrides(settings: list[str]) -> dict[str, float]:
    """{field: value} from "field=value" strings for INFERENCE_FIELDS; ValueError naming the
    setting and the allowed fields otherwise."""
    def convert(field, value):
        try:
            return float(value)
        except ValueError:
            raise ValueError("a number") from None

    return _parse_settings(settings, INFERENCE_FIELDS, convert)


def with_inference_overrides(params, overrides: dict[str, float]):
    """params (a trained network's `Params`) with the overridden fields as float32 scalars."""
    return params.replace(**{field: jax.numpy.asarray(value, jax.numpy.float32)
                             for field, value in overrides.items()})


def continue_run(source, epochs: int, changes: dict, workdir, *, resume: bool = False,
                 out: str = "", verbose: bool = True) -> list[dict]:
    """Train `epochs` more epochs of a finished run (`source`, at an epoch boundary) with
    `changes` ({field or "device.<field>": value}), as a run of its own in `workdir` (its
    config.json, metrics, checkpoints; resumable with resume=True). Epoch e of the continuation
    uses the image and evaluation keys of epoch (source epochs + e), as an uninterrupted longer
    run would, so with no changes it reproduces that run's later epochs. The source is only
    read. Returns the continuation's records (also printed as JSON lines, and appended to
    `out` if given)."""
    source = Path(source)
    if Path(workdir).resolve() == source.resolve():
        raise ValueError(f"workdir {workdir} is the source run: allowed another directory (the "
                         "source is only read)")
    config = load_run_config(source)
    path = latest_path(source)
    state, metadata = load_run_state(path, config)
    done = int(metadata["epoch"])
    if int(metadata["next_image"]) != 0:
        raise ValueError(f"{path} is mid-epoch (image {metadata['next_image']}); finish the run "
                         "with train_mnist --resume first")
    for field, value in changes.items():
        if field.startswith("device."):
            config.device[field[7:]] = value
        elif field in config:
            config[field] = value
        else:
            raise config_error(field, "is not a field of the run's config")
    config.epochs = done + epochs
    spec, params = spec_and_params(config)
    data = load_data(config, verbose=False)
    networks = nets.one_network(spec, params, config.seed)
    say = print if verbose else (lambda _: None)
    records, _, _ = run_networks(
        networks, data, plan_from_config(config, len(data[1])), workdir, resume=resume,
        metadata={"config": config_dict(config), "fingerprint": fingerprint(config),
                  "source_run": str(source), "source_epochs": done, "changes": changes},
        check_checkpoint=checkpoint_check(config), initial=(state, done), say=say,
        progress=verbose,
        on_start=lambda: _write_config(Path(workdir), config))
    for record in records:
        emit_record({"source_run": str(source), "source_epochs": done, "changes": changes,
                     **record}, out)
    return records


def _write_config(workdir: Path, config) -> None:
    with atomic_write(workdir / "config.json", "w") as handle:
        handle.write(json.dumps(config_dict(config), indent=2) + "\n")


def average_run_states(paths, config=None, window: int = 0, epochs: tuple[int, int] | None = None):
    """Tail average of a run's or a study's saved checkpoints (Polyak-Ruppert averaging): the
    mean of the device states in `paths`, per network (a study's networks are averaged each
    with itself, side by side).

    Needs a device whose read is linear in its state (`Device.linear_read`). Checkpoints of the
    same point of training ((epoch e, image N) and (epoch e + 1, image 0) of an N-image epoch)
    count once. (`config.tail_average_epochs` / `ema_half_life_images` average during a run.)

    Args:
      paths: checkpoint files of one run (checked against `config`, default the first
        checkpoint's) or of one study (all with the same study fingerprint).
      window: > 0 keeps only the points within the last `window` training images before the
        newest one.
      epochs: (first, last), 1-based, inclusive: keep only the states at the ends of these
        epochs (e.g. (6, 10): the 5 epoch-end states of epochs 6-10); None keeps every point.
    Returns:
      (networks (`load_checkpoint_networks`), averaged states, the run's config, sorted
      [(epoch, image)] of the distinct points averaged).
    """
    if not paths:
        raise ValueError("average_run_states: no checkpoints given")
    if epochs is not None and not 1 <= epochs[0] <= epochs[1]:
        raise ValueError(f"epochs = {epochs}: allowed (first, last) with 1 <= first <= last")
    # the points from the metadata first, so that only the checkpoints kept are loaded
    metadata = [checkpoint.read_metadata(path) for path in paths]
    study_id = metadata[0].get("study")
    for path, meta in zip(paths, metadata, strict=True):
        if meta.get("study") != study_id:
            raise ValueError(f"{path} is not a checkpoint of the same run or study as {paths[0]}")
    train_size = int((config or load_config(metadata[0]["config"])).train_size)
    by_point = {}  # the first checkpoint of each point of training
    for path, meta in zip(paths, metadata, strict=True):
        by_point.setdefault(int(meta["epoch"]) * train_size + int(meta["next_image"]), path)
    if epochs is not None:
        by_point = {point: path for point, path in by_point.items()
                    if point % train_size == 0 and epochs[0] <= point // train_size <= epochs[1]}
        if not by_point:
            raise ValueError(f"epochs = {epochs}: none of the {len(paths)} checkpoints is the end "
                             f"of epoch {epochs[0]}..{epochs[1]}")
    if window > 0:
        newest = max(by_point)
        by_point = {point: path for point, path in by_point.items() if point > newest - window}
    states, networks = [], None
    for point in sorted(by_point):
        networks, state, config, _ = load_checkpoint_networks(by_point[point], config)
        if not networks.spec.device.linear_read:
            raise config_error("device", f"{networks.spec.device.name!r} cannot be averaged: its "
                                         "read is not linear in its state (Device.linear_read)")
        states.append(state)
    points = [divmod(point, train_size) for point in sorted(by_point)]
    return networks, average_states(states), config, points
