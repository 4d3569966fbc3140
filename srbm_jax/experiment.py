"""Train and evaluate on MNIST from an `ml_collections` config, with checkpoints, metrics and plots.

    spec, params = spec_and_params(config)
    summary = train_and_evaluate(config, workdir, resume=False)

See `experiments/configs/default.py` for the fields. A run writes into `workdir`:
  config.json       the config of the run;
  metrics.jsonl     one JSON line per completed epoch (see `train_and_evaluate`);
  checkpoint.npz    the device state, the epoch in progress and the next image index
                    (`srbm_jax.checkpoint`: no pickle, SHA-256 checked, written atomically);
  accuracy.png, receptive_fields.png, confusion.png, raster.png (`srbm_jax.analysis`).

Reproducibility: root = jax.random.key(seed) is split into (init, train, eval) keys. Image n of
epoch e draws its spikes from `train.image_key(train, e, n)` and test image n of epoch e from
fold_in(fold_in(eval, e), n), so no random state needs saving: restoring the device state and
restarting at (epoch, next image) continues the run bit for bit. Checkpoints are written every
`checkpoint_every_images` (rounded up to whole chunks, so that mid-epoch chunks match those of an
uninterrupted run), when an epoch's training ends, and after its evaluation.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import ml_collections
import numpy as np

import srbm_jax
from srbm_jax import analysis, checkpoint, sweep
from srbm_jax.config import Params, Spec
from srbm_jax.data import mnist
from srbm_jax.devices import DEVICES, GpGmParams, GpGmState, IdealParams, OptaxParams
from srbm_jax.train import ImageStats, image_key, scheduled_params

CHECKPOINT_NAME = "checkpoint.npz"
METRICS_NAME = "metrics.jsonl"
PLOTS = ("accuracy.png", "receptive_fields.png", "confusion.png", "raster.png")

# Config fields copied one to one into Spec and into Params (names are identical).
SPEC_FIELDS = ("n_data", "n_label", "n_visible_bias", "n_hidden", "n_hidden_bias", "dt_ms",
               "walk_interval_ms", "transition_data_ms", "data_ms", "transition_model_ms",
               "model_ms", "inference_ms", "data_event_delay_ms", "model_event_delay_ms",
               "pulse_width_ms", "input_coding", "random_source", "bridge_correction",
               "drive_chunk")
PARAMS_FIELDS = ("spike_rate_hz", "bias_rate_factor", "input_threshold", "membrane_tau_ms",
                 "firing_threshold", "alpha", "walk_up", "walk_down", "refractory_ms",
                 "weight_decay")
# Fields added after runs were recorded: at these values they are left out of the fingerprint, so
# checkpoints written before the field existed still resume.
_LATER_FIELD_DEFAULTS = {"conductance_dtype": "float32", "conductance_rounding": "nearest",
                         "weight_decay": 0.0, "device_params": ""}
# Device structural options that come from config fields of another name (for error messages).
_DEVICE_OPTION_SOURCE = {"levels": "device_levels", "storage_dtype": "conductance_dtype",
                         "rounding": "conductance_rounding"}
# Fields that change neither the trained weights nor the evaluation results, so a run may resume
# with other values (e.g. more epochs, another data directory).
RUN_FIELDS = ("epochs", "eval_every", "eval_batch_size", "checkpoint_every_images",
              "data_source", "data_dir")
# Devices whose change per event can be scaled (`Device.scale_steps`), so step_decay < 1 applies.
_SCALABLE_STEP_DEVICES = ("gpgm_linear", "ideal", "bipolar_2t1r", "optax_momentum", "optax_adam")
# Where a device parameter comes from in the config (for error messages).
_DEVICE_PARAM_SOURCE = {"gpgm_linear": {}, "ideal": {"learning_rate": "set_step, reset_step"},
                        "optax_momentum": {"learning_rate": "set_step, reset_step"},
                        "optax_adam": {"learning_rate": "set_step, reset_step"}}


# ---- config -> Spec, Params ---------------------------------------------------------------------
def _config_error(field: str, message: str) -> ValueError:
    return ValueError(f"config.{field}: {message}")


def _require(condition: bool, field: str, allowed: str, value: Any) -> None:
    if not condition:
        raise _config_error(field, f"{value!r} is out of range: allowed {allowed}")


def device_params(config) -> Any:
    """The device's numeric parameters from the config's gpgm-style fields (the one mapping).

    gpgm_linear: set_step, reset_step, g_min, g_max, init_mean, init_std as they are.
    ideal: learning_rate = set_step + reset_step (one event SETs one device and RESETs the other,
    changing G = Gp - Gm by both steps), init_std = init_std * sqrt(2) (the spread of the
    difference of two independent devices); g_min, g_max, init_mean are not used.
    optax_momentum, optax_adam: learning_rate and init_std as for ideal (for momentum the
    steady step per event is learning_rate / (1 - momentum); for Adam learning_rate is the size of
    a normalised step); momentum, b1, b2, eps are the `OptaxParams` defaults.
    pcm_nonlinear, pcm_stochastic, bipolar_2t1r: the device's own defaults (gpgm fields unused).

    Then `config.device_params` ("name=value,name=value", e.g. "dw_min=2e-4,init_std=0.033")
    overrides fields of the result by name (`parse_device_params`; structural options such as
    levels go to `device_options`).
    """
    params = _mapped_device_params(config)
    return override_device_params(params, config.get("device_params", ""), config.device)


def parse_device_params(text: str) -> dict[str, float]:
    """{"name": value} from "name=value,name=value" (config.device_params); "" gives {}.

    ValueError naming config.device_params for an entry that is not name=<finite number> or a
    name given twice."""
    result = {}
    for entry in (part.strip() for part in str(text).split(",")):
        if not entry:
            continue
        name, sep, value = (piece.strip() for piece in entry.partition("="))
        try:
            number = float(value) if sep and name else math.nan
        except ValueError:
            number = math.nan
        _require(math.isfinite(number), "device_params",
                 "comma-separated name=<finite number> entries, e.g. 'dw_min=2e-4'", entry)
        _require(name not in result, "device_params", "each name once", entry)
        result[name] = number
    return result


def override_device_params(params: Any, text: str, device: str) -> Any:
    """`params` with the fields named in `text` (`parse_device_params`) replaced, except the
    device's structural options (`device_options`); ValueError naming config.device_params for a
    name that is neither a numeric parameter nor a structural option of `device`."""
    structural = _structural_fields(device) if device in DEVICES else {}
    overrides = {name: value for name, value in parse_device_params(text).items()
                 if name not in structural}  # those are `device_options`
    allowed = sorted([field.name for field in dataclasses.fields(params)] + list(structural))
    for name in overrides:
        _require(name in allowed, "device_params",
                 f"parameters of device {device!r}: {', '.join(allowed)}", name)
    return params.replace(**overrides) if overrides else params


def _mapped_device_params(config) -> Any:
    if config.device == "gpgm_linear":
        return GpGmParams(set_step=config.set_step, reset_step=config.reset_step,
                          g_min=config.g_min, g_max=config.g_max, init_mean=config.init_mean,
                          init_std=config.init_std)
    if config.device == "ideal":
        return IdealParams(learning_rate=config.set_step + config.reset_step,
                           init_std=config.init_std * math.sqrt(2.0))
    if config.device in ("optax_momentum", "optax_adam"):
        return OptaxParams(learning_rate=config.set_step + config.reset_step,
                           init_std=config.init_std * math.sqrt(2.0))
    if config.device in ("pcm_nonlinear", "pcm_stochastic", "bipolar_2t1r"):
        # These models bring their own calibrated defaults (srbm_jax/devices/).
        return DEVICES[config.device]().default_params()
    raise _config_error("device", f"{config.device!r} is out of range: allowed one of "
                                  f"{sorted(DEVICES)}")


def _check_run_fields(config) -> None:
    def is_int(value):
        return isinstance(value, int) and not isinstance(value, bool)

    _require(is_int(config.seed) and config.seed >= 0, "seed", "an integer >= 0", config.seed)
    for field, low in (("epochs", 1), ("train_size", 1), ("test_size", 1), ("eval_every", 1),
                       ("batch_size", 1), ("chunk_size", 1), ("eval_batch_size", 1),
                       ("checkpoint_every_images", 0)):
        value = config[field]
        _require(is_int(value) and value >= low, field, f"an integer >= {low}", value)
    _require(config.data_source in mnist.SOURCES, "data_source", f"one of {mnist.SOURCES}",
             config.data_source)
    _require(config.device in DEVICES, "device", f"one of {sorted(DEVICES)}", config.device)
    _require(isinstance(config.get("device_params", ""), str), "device_params",
             "a string of name=value entries", config.get("device_params", ""))
    _require(is_int(config.device_levels) and config.device_levels >= 0, "device_levels",
             "an integer >= 0", config.device_levels)
    step_decay = config.get("step_decay", 1.0)
    _require(isinstance(step_decay, (int, float)) and not isinstance(step_decay, bool)
             and 0.0 < step_decay <= 1.0, "step_decay", "a number in (0, 1] (1 = constant steps)",
             step_decay)
    if step_decay != 1.0:
        _require(config.device in _SCALABLE_STEP_DEVICES, "step_decay",
                 f"1.0 for device {config.device!r} (its step is a fixed pulse property); "
                 f"< 1 needs one of {_SCALABLE_STEP_DEVICES}", step_decay)
    if config.device != "gpgm_linear":
        _require(config.device_levels == 0, "device_levels",
                 f"0 for device {config.device!r} (only gpgm_linear quantises)",
                 config.device_levels)
        for field in ("conductance_dtype", "conductance_rounding"):
            default = _LATER_FIELD_DEFAULTS[field]
            _require(config.get(field, default) == default, field,
                     f"{default!r} for device {config.device!r} (only gpgm_linear stores "
                     "bfloat16)", config.get(field, default))


def device_options(config) -> dict:
    """Structural options of the config's device: gpgm_linear's levels and storage format from
    device_levels, conductance_dtype, conductance_rounding; then the integer / boolean fields of
    the device class named in config.device_params (e.g. "levels=128" for gpgm_linear or
    bipolar_2t1r, "max_pulses_per_call=32" or "auto_refresh=0" for the PCM pairs)."""
    options = {}
    if config.device == "gpgm_linear":
        options = {"levels": config.device_levels,
                   "storage_dtype": config.get("conductance_dtype", "float32"),
                   "rounding": config.get("conductance_rounding", "nearest")}
    structural = _structural_fields(config.device)
    for name, value in parse_device_params(config.get("device_params", "")).items():
        if name not in structural:
            continue
        if name == "levels":
            _require(config.device_levels == 0, "device_params",
                     "levels given once: device_levels = 0 when device_params sets levels",
                     config.device_levels)
        kind = structural[name]
        allowed = (0.0, 1.0) if kind is bool else None
        _require(value == int(value) and (allowed is None or value in allowed), "device_params",
                 f"{name} = 0 or 1" if kind is bool else f"{name} = an integer", value)
        options[name] = kind(int(value))
    return options


def _structural_fields(device: str) -> dict[str, type]:
    """{field: int | bool} of the device class's integer and boolean options (not its name)."""
    defaults = DEVICES[device]()
    return {field.name: type(getattr(defaults, field.name))
            for field in dataclasses.fields(defaults)
            if type(getattr(defaults, field.name)) in (int, bool)}


def spec_and_params(config) -> tuple[Spec, Params]:
    """Build and validate (Spec, Params) from a config; ValueError names the config field."""
    _check_run_fields(config)
    floats = {field for field in SPEC_FIELDS if field.endswith("_ms")}
    spec_kwargs = {field: float(config[field]) if field in floats else config[field]
                   for field in SPEC_FIELDS}
    try:
        spec = Spec(device=srbm_jax.make_device(config.device, **device_options(config)),
                    **spec_kwargs)
        params = srbm_jax.default_params(spec, device=device_params(config),
                                         **{field: config.get(field, _LATER_FIELD_DEFAULTS.get(field))
                                            for field in PARAMS_FIELDS})
        srbm_jax.validate(spec, params)
    except ValueError as e:
        raise _rename_error(e, config.device, config.get("device_params", "")) from e
    except TypeError as e:  # e.g. a string where a number belongs
        raise _config_error("?", f"bad value type: {e}") from e
    return spec, params


def _rename_error(error: ValueError, device: str, overrides: str = "") -> ValueError:
    """Prefix a Spec/Params validation error with the config field it comes from."""
    message = str(error)
    if message.startswith("config."):  # already names its config field
        return ValueError(message)
    name = message.split(" = ", 1)[0].strip() if " = " in message else ""
    if name.startswith("device."):
        sub = name[len("device."):]
        if sub in parse_device_params(overrides):
            field = "device_params"
        else:
            field = (_DEVICE_OPTION_SOURCE.get(sub)
                     or _DEVICE_PARAM_SOURCE.get(device, {}).get(sub, sub))
    elif name == "device":
        field = "device"
    else:
        field = name or "?"
    return _config_error(field, message)


def config_dict(config) -> dict:
    """The config as plain JSON data."""
    return json.loads(config.to_json(sort_keys=True))


def fingerprint(config) -> str:
    """SHA-256 of the fields that determine results (all except `RUN_FIELDS`)."""
    data = {k: v for k, v in config_dict(config).items() if k not in RUN_FIELDS
            and not (k in _LATER_FIELD_DEFAULTS and v == _LATER_FIELD_DEFAULTS[k])}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _config_differences(saved: dict, current: dict) -> list[str]:
    saved, current = _LATER_FIELD_DEFAULTS | saved, _LATER_FIELD_DEFAULTS | current
    names = sorted((set(saved) | set(current)) - set(RUN_FIELDS))
    return [f"{n} ({saved.get(n, '<absent>')!r} -> {current.get(n, '<absent>')!r})"
            for n in names if saved.get(n, "<absent>") != current.get(n, "<absent>")]


# ---- progress --------------------------------------------------------------------------------
class Progress:
    """A progress line on stderr: done/total, images/s and ETA.

    On a TTY the line is redrawn in place (\\r); otherwise a line is printed each time another
    ~10 % is done. `start` is where a resumed run begins (its images are not counted in the rate).
    """

    def __init__(self, label: str, total: int, start: int = 0, stream=None):
        self.label, self.total, self.start = label, total, start
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()
        self.next_report = start + max(1, total // 10)
        self.last = start

    def __call__(self, done: int, _total: int | None = None) -> None:
        self.last = done
        if self.tty or done >= self.next_report or done >= self.total:
            while self.next_report <= done:
                self.next_report += max(1, self.total // 10)
            self._write(done)

    def _write(self, done: int) -> None:
        elapsed = time.perf_counter() - self.t0
        rate = (done - self.start) / elapsed if elapsed > 0 else float("nan")
        eta = (self.total - done) / rate if rate > 0 else float("nan")
        line = (f"{self.label}: {done}/{self.total} ({100 * done / max(self.total, 1):.0f} %) "
                f"{rate:.1f} images/s, ETA {eta:.0f} s")
        if self.tty:
            end = "\n" if done >= self.total else ""
            self.stream.write("\r" + line.ljust(78) + end)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


# ---- metrics ---------------------------------------------------------------------------------
def weight_statistics(device_state, params, spec: Spec) -> dict:
    """Mean/std/min/max of the read weight; for Gp-Gm devices the fraction at g_min / g_max."""
    weight = np.asarray(spec.device.read(device_state, params.device), np.float64)
    result = {"weight_mean": float(weight.mean()), "weight_std": float(weight.std()),
              "weight_min": float(weight.min()), "weight_max": float(weight.max())}
    if isinstance(device_state, GpGmState):
        both = np.concatenate([np.asarray(device_state.g_plus, np.float32).ravel(),
                               np.asarray(device_state.g_minus, np.float32).ravel()])
        result["fraction_at_g_min"] = float(np.mean(both <= np.float32(params.device.g_min)))
        result["fraction_at_g_max"] = float(np.mean(both >= np.float32(params.device.g_max)))
    return result


def _append_metrics(path: Path, record: dict) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def _keep_metrics_before(path: Path, epoch: int) -> None:
    """Drop records of epochs >= epoch (written after the checkpoint we resume from)."""
    records = [r for r in analysis.read_metrics(path) if r["epoch"] <= epoch]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _empty_stats() -> dict:
    return {name: np.zeros((0,), np.float32) for name in ImageStats._fields}


def _save_checkpoint(path: Path, config, device_state, stats: dict, epoch: int, position: int,
                     train_wall_s: float) -> None:
    metadata = {"config": config_dict(config), "fingerprint": fingerprint(config), "epoch": epoch,
                "next_image": position, "train_wall_s": train_wall_s,
                "srbm_jax_version": srbm_jax.__version__}
    checkpoint.save(path, {"device": device_state, "stats": stats}, metadata)


def _restore(path: Path, config, like_state) -> tuple[Any, dict, int, int, float]:
    """(device_state, partial-epoch stats, epoch, next image, train wall s) from a checkpoint."""
    metadata = checkpoint.read_metadata(path)
    differences = _config_differences(metadata.get("config", {}), config_dict(config))
    if differences:
        raise ValueError(f"cannot resume from {path}: the config differs from the checkpoint's in "
                         f"{', '.join(differences)}")
    if metadata.get("fingerprint") != fingerprint(config):
        raise ValueError(f"cannot resume from {path}: config fingerprint mismatch")
    position = int(metadata["next_image"])
    like = {"device": like_state,
            "stats": {name: np.zeros((position,), np.float32) for name in ImageStats._fields}}
    tree, metadata = checkpoint.load(path, like)
    state = jax.tree_util.tree_map(jax.numpy.asarray, tree["device"])
    return state, tree["stats"], int(metadata["epoch"]), position, float(metadata["train_wall_s"])


def emit_record(record: dict, out: str = "") -> None:
    """Print `record` as one JSON line; also append it to the file `out` if given."""
    line = json.dumps(record)
    print(line, flush=True)
    if out:
        with open(out, "a") as handle:
            handle.write(line + "\n")


def load_run_config(workdir) -> ml_collections.ConfigDict:
    """The config a `train_and_evaluate` run saved in workdir/config.json."""
    return ml_collections.ConfigDict(json.loads((Path(workdir) / "config.json").read_text()))


def evaluation_key(config, epoch: int) -> jax.Array:
    """The key of the evaluation after `epoch` (1-based) epochs of a run with config.seed:
    fold_in(evaluate root, epoch - 1), as in `train_and_evaluate`."""
    return jax.random.fold_in(sweep.network_keys(config.seed)["evaluate"], epoch - 1)


def load_run_state(path, config) -> tuple[Any, dict]:
    """(device_state, metadata) of a `train_and_evaluate` checkpoint of a run with `config`
    (its saved `config.json`); the checkpoint's own checks (format, SHA-256, tree) apply."""
    spec, params = spec_and_params(config)
    position = int(checkpoint.read_metadata(path)["next_image"])
    like = {"device": srbm_jax.init_device(jax.random.key(0), params, spec),
            "stats": {name: np.zeros((position,), np.float32) for name in ImageStats._fields}}
    tree, metadata = checkpoint.load(path, like)
    return jax.tree_util.tree_map(jax.numpy.asarray, tree["device"]), metadata


# Devices whose read weight is linear in the state, so the mean state reads as the mean weight.
_AVERAGEABLE_DEVICES = ("gpgm_linear", "ideal")


def average_run_states(paths, config, window: int = 0) -> tuple[Any, list[tuple[int, int]]]:
    """Tail average of a run's weights (Polyak-Ruppert averaging, Polyak & Juditsky 1992):
    the mean of the device states saved in the checkpoints `paths` of one run (`config`).

    For gpgm_linear (analog read) and ideal the read is linear in the state, so the mean state
    reads as the mean weight, G_avg = mean_k (Gp_k - Gm_k); other devices raise ValueError. Every
    checkpoint must carry the config's fingerprint. Checkpoints of the same point of training
    ((epoch e, image N) and (epoch e + 1, image 0) of an N-image epoch) count once. window > 0
    keeps only the points within the last `window` training images before the newest one
    (window = N: the checkpoints of the last epoch). Returns (averaged state, sorted
    [(epoch, image)] of the distinct points averaged)."""
    if config.device not in _AVERAGEABLE_DEVICES or config.get("device_levels", 0) != 0:
        raise _config_error("device", f"{config.device!r} (levels {config.get('device_levels', 0)}) "
                                      f"cannot be averaged: allowed {_AVERAGEABLE_DEVICES} with "
                                      "device_levels 0 (a read linear in the state)")
    if not paths:
        raise ValueError("average_run_states: no checkpoints given")
    expected = fingerprint(config)
    states = {}
    for path in paths:
        state, metadata = load_run_state(path, config)
        if metadata.get("fingerprint") != expected:
            raise ValueError(f"checkpoint {path} belongs to another config (fingerprint mismatch)")
        point = int(metadata["epoch"]) * config.train_size + int(metadata["next_image"])
        states.setdefault(point, state)
    if window > 0:
        newest = max(states)
        states = {point: state for point, state in states.items() if point > newest - window}
    mean = jax.tree_util.tree_map(
        lambda *leaves: jax.numpy.mean(jax.numpy.stack([leaf.astype(np.float32) for leaf in leaves]),
                                       axis=0).astype(leaves[0].dtype), *states.values())
    points = sorted(divmod(point, config.train_size) for point in states)
    return mean, points


# ---- the experiment ----------------------------------------------------------------------------
def load_data(config, verbose: bool = True):
    """(train images, train labels, test images, test labels) sliced to train_size / test_size."""
    splits = mnist.load_mnist(config.data_source, data_dir=config.data_dir or None,
                              verbose=verbose)
    for field, labels in (("train_size", splits.train_labels), ("test_size", splits.test_labels)):
        _require(config[field] <= len(labels), field, f"<= {len(labels)} (images available)",
                 config[field])
    n, m = config.train_size, config.test_size
    return splits.train_images[:n], splits.train_labels[:n], splits.test_images[:m], splits.test_labels[:m]


def accuracy_every_10_ms(result: dict, spec: Spec) -> dict[str, float]:
    """{"10": a, "20": b, ...}: test accuracy had each image been presented for 10, 20, ... ms
    only, from `evaluate(...)["accuracy_vs_time"]` (one value per tick)."""
    per_tick = result["accuracy_vs_time"]
    stride = max(1, spec.ticks(10.0))
    return {f"{(tick + 1) * spec.dt_ms:g}": float(per_tick[tick])
            for tick in range(stride - 1, len(per_tick), stride)}


def train_and_evaluate(config, workdir, resume: bool = False, verbose: bool = True,
                       log: Callable[[str], None] | None = None) -> dict:
    """Train for config.epochs epochs, evaluating after each `eval_every`; returns a summary.

    Each completed epoch appends to workdir/metrics.jsonl: epoch (1-based count of completed
    epochs), train_images, total_train_images, wall_s and images_per_s (training), eval_wall_s
    and eval_images_per_s, test_accuracy (null when not evaluated), the epoch means of the per-image
    statistics of `train_epoch` (hidden_rate_data, hidden_rate_model, data_rate_model,
    label_rate_model in Hz; potentiation_events, depression_events per image),
    `weight_statistics`, and accuracy_vs_time_ms (test accuracy had the presentation been cut
    after 10, 20, ... ms).

    resume=True continues from workdir/checkpoint.npz (if there is one) and gives the same weights
    and metrics as an uninterrupted run; resume=False refuses a workdir that has a checkpoint.
    The config must match the checkpoint's except for `RUN_FIELDS`; otherwise ValueError names
    the differing fields. Returns dict(final_test_accuracy, best_test_accuracy, best_epoch,
    epochs, wall_s, workdir, metrics=[records]).
    """
    say = log or ((lambda message: print(message, flush=True)) if verbose else (lambda _: None))
    t_run = time.perf_counter()
    spec, params = spec_and_params(config)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    ckpt_path, metrics_path = workdir / CHECKPOINT_NAME, workdir / METRICS_NAME

    if ckpt_path.exists() and not resume:
        raise ValueError(f"{workdir} already holds a checkpoint ({ckpt_path}); pass resume=True "
                         "(--resume) to continue it, or use a new workdir")
    train_x, train_y, test_x, test_y = load_data(config, verbose)
    keys = sweep.network_keys(config.seed)
    train_root, eval_root = keys["train"], keys["evaluate"]
    state = srbm_jax.init_device(keys["init"], params, spec)
    stats, first_epoch, position, train_wall = _empty_stats(), 0, 0, 0.0
    if resume and ckpt_path.exists():
        state, stats, first_epoch, position, train_wall = _restore(ckpt_path, config, state)
        _keep_metrics_before(metrics_path, first_epoch)
        say(f"resumed from {ckpt_path}: epoch {first_epoch + 1}, image {position}")
    else:
        if resume:
            say(f"no checkpoint in {workdir}; starting from scratch")
        metrics_path.write_text("")
    (workdir / "config.json").write_text(json.dumps(config_dict(config), indent=2) + "\n")

    n_train = len(train_y)
    chunk = max(config.batch_size, config.chunk_size - config.chunk_size % config.batch_size)
    interval = n_train if config.checkpoint_every_images == 0 else \
        chunk * math.ceil(config.checkpoint_every_images / chunk)
    say(f"sRBM {spec.n_visible} visible x {spec.n_hidden_total} hidden, device {config.device}; "
        f"{n_train} train / {len(test_y)} test images, {config.epochs} epoch(s), "
        f"workdir {workdir}")

    step_decay = float(config.get("step_decay", 1.0))

    def params_at_epoch(epoch):
        # Step-size schedule: the change per event falls by step_decay per epoch, continuously.
        return lambda begin: scheduled_params(params, spec, step_decay, epoch, begin, n_train)

    for epoch in range(first_epoch, config.epochs):
        progress = Progress(f"epoch {epoch + 1} train", n_train, start=position)
        resumed_at = position
        while position < n_train:
            stop = min(n_train, (position // interval + 1) * interval)
            t0 = time.perf_counter()
            state, new_stats = srbm_jax.train_epoch(
                train_root, state, train_x[:stop], train_y[:stop], params, spec, epoch=epoch,
                start=position, chunk_size=config.chunk_size, batch_size=config.batch_size,
                progress=progress, params_at=params_at_epoch(epoch))
            jax.block_until_ready(state)
            train_wall += time.perf_counter() - t0
            stats = {k: np.concatenate([stats[k], new_stats[k]]) for k in stats}
            position = stop
            _save_checkpoint(ckpt_path, config, state, stats, epoch, position, train_wall)

        record = {"epoch": epoch + 1, "train_images": n_train,
                  "total_train_images": (epoch + 1) * n_train,
                  "resumed_at_image": resumed_at if resumed_at else None,
                  "wall_s": train_wall, "images_per_s": n_train / train_wall if train_wall else None}
        record.update({k: float(np.mean(stats[k])) for k in ImageStats._fields})
        record.update(weight_statistics(state, params, spec))
        evaluate_now = (epoch + 1) % config.eval_every == 0 or epoch + 1 == config.epochs
        record.update(test_accuracy=None, eval_wall_s=None, eval_images_per_s=None)
        if evaluate_now:
            t0 = time.perf_counter()
            result = srbm_jax.evaluate(
                jax.random.fold_in(eval_root, epoch), state, test_x, test_y, params, spec,
                batch_size=min(config.eval_batch_size, len(test_y)),
                progress=Progress(f"epoch {epoch + 1} test", len(test_y)))
            eval_wall = time.perf_counter() - t0
            record.update(test_accuracy=result["accuracy"], eval_wall_s=eval_wall,
                          eval_images_per_s=len(test_y) / eval_wall,
                          accuracy_vs_time_ms=accuracy_every_10_ms(result, spec))
            analysis.plot_confusion(test_y, result["predictions"], workdir / "confusion.png")
        _append_metrics(metrics_path, record)
        say(f"epoch {epoch + 1}: " + ", ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in record.items()
            if k in ("test_accuracy", "wall_s", "images_per_s", "eval_images_per_s",
                     "hidden_rate_data", "hidden_rate_model", "label_rate_model",
                     "potentiation_events", "depression_events", "weight_mean", "weight_std")))
        write_plots(workdir, state, params, spec, train_x, train_y,
                    image_key(train_root, epoch + 1, 0))
        stats, position, train_wall = _empty_stats(), 0, 0.0
        _save_checkpoint(ckpt_path, config, state, stats, epoch + 1, 0, 0.0)

    records = analysis.read_metrics(metrics_path)
    evaluated = [r for r in records if r.get("test_accuracy") is not None]
    best = max(evaluated, key=lambda r: r["test_accuracy"], default=None)
    summary = {"final_test_accuracy": evaluated[-1]["test_accuracy"] if evaluated else None,
               "best_test_accuracy": best["test_accuracy"] if best else None,
               "best_epoch": best["epoch"] if best else None, "epochs": len(records),
               "wall_s": time.perf_counter() - t_run, "workdir": str(workdir), "metrics": records}
    say(_summary_line(summary))
    return summary


# ---- continuing a finished run with changed settings ------------------------------------------
# Fields a continuation may change (numeric settings; shapes and the device stay the run's).
CONTINUE_FIELDS = {"set_step": float, "reset_step": float, "walk_up": float, "walk_down": float,
                   "input_threshold": float, "spike_rate_hz": float, "inference_ms": float,
                   "batch_size": int}


def parse_overrides(settings: list[str], allowed: dict[str, type]) -> dict:
    """Parse `field=value` strings into {field: value} for the fields of `allowed` (field ->
    type); ValueError naming the setting for an unknown field or a bad value."""
    result = {}
    for setting in settings:
        field, _, value = setting.partition("=")
        if field not in allowed:
            raise ValueError(f"{setting!r}: field must be one of {sorted(allowed)}")
        try:
            result[field] = allowed[field](value)
        except ValueError:
            raise ValueError(f"{setting!r}: value must be a {allowed[field].__name__}") from None
    return result


def continue_overrides(settings: list[str]) -> dict:
    """`parse_overrides` for CONTINUE_FIELDS (the shapes and the device stay the run's)."""
    return parse_overrides(settings, CONTINUE_FIELDS)


def continue_run(workdir, epochs: int, changes: dict, out: str = "") -> list[dict]:
    """Train `epochs` more epochs of a finished `train_and_evaluate` run with `changes` (numeric
    config fields, `continue_overrides`); one record per epoch, also appended to `out` if given.

    `resume` refuses a changed config (it must give the numbers of an uninterrupted run); this is
    the explicit alternative. Epoch e of the continuation uses the image and evaluation keys of
    epoch (run epochs + e), as an uninterrupted longer run would, so with no changes it
    reproduces that run's later epochs. Nothing is written into `workdir`."""
    workdir = Path(workdir)
    config = load_run_config(workdir)
    path = workdir / CHECKPOINT_NAME
    metadata = checkpoint.read_metadata(path)
    if int(metadata["next_image"]) != 0:
        raise ValueError(f"{path} is mid-epoch (image {metadata['next_image']}); finish the run "
                         "with train_mnist --resume first")
    state, metadata = load_run_state(path, config)
    config.update(changes)
    spec, params = spec_and_params(config)
    train_x, train_y, test_x, test_y = load_data(config, verbose=False)
    keys = sweep.network_keys(config.seed)
    train_root, eval_root = keys["train"], keys["evaluate"]
    done, records = int(metadata["epoch"]), []
    for epoch in range(done, done + epochs):
        start = time.perf_counter()
        state, _ = srbm_jax.train_epoch(train_root, state, train_x, train_y, params, spec,
                                        epoch=epoch, chunk_size=config.chunk_size,
                                        batch_size=config.batch_size)
        jax.block_until_ready(state)
        wall = time.perf_counter() - start
        result = srbm_jax.evaluate(jax.random.fold_in(eval_root, epoch), state, test_x, test_y,
                                   params, spec, batch_size=min(config.eval_batch_size, len(test_y)))
        record = {
            "source_run": str(workdir), "source_epochs": done, "epoch": epoch + 1,
            "changes": changes, "train_images": len(train_y), "wall_s": round(wall, 1),
            "test_images": len(test_y), "test_accuracy": result["accuracy"],
            "accuracy_vs_time_ms": accuracy_every_10_ms(result, spec)}
        records.append(record)
        emit_record(record, out)
    return records


def _summary_line(summary: dict) -> str:
    def percent(x):
        return "n/a" if x is None else f"{100 * x:.2f} %"

    return (f"final test accuracy {percent(summary['final_test_accuracy'])}, best "
            f"{percent(summary['best_test_accuracy'])} (epoch {summary['best_epoch']}), "
            f"wall {summary['wall_s']:.1f} s, workdir {summary['workdir']}")


def write_plots(workdir, device_state, params, spec: Spec, train_x, train_y, raster_key) -> None:
    """accuracy.png, receptive_fields.png and raster.png (confusion.png is drawn after evaluation).

    The raster shows the first training image as the next epoch would present it: its key is
    image_key(train_root, next epoch, 0) and the weights are the current ones.
    """
    workdir = Path(workdir)
    analysis.plot_accuracy(analysis.read_metrics(workdir / METRICS_NAME), workdir / "accuracy.png")
    weight = spec.device.read(device_state, params.device)
    analysis.plot_receptive_fields(weight, spec, workdir / "receptive_fields.png")
    raster = analysis.spike_raster(raster_key, device_state, train_x[0], int(train_y[0]), params,
                                   spec)
    analysis.plot_raster(raster, spec, workdir / "raster.png", label=int(train_y[0]))
