"""From an experiment config to the library's objects: `Spec`, `Params` and the device.

    spec, params = spec_and_params(config)

The config (`experiments/configs/default.py`) has flat fields for the run, the network sizes, the
time constants, the input coding and the neurons, and one nested section `config.device` that
belongs to the synapse device: its registered `name`, its structural options and its numeric
parameters under the device's own names (`Device.config_section`). A field the chosen device does
not have is an error naming it (`Device.from_config`); nothing is renamed on the way.

Fingerprints: `fingerprint(config)` is the SHA-256 of every field that changes results
(all but `RUN_FIELDS`); a checkpoint carries it, and resuming with another config is refused.
Configs of runs written before the device section existed (flat `device`, `set_step`, ...,
`device_params`) are read with `upgrade_legacy_config`, and their checkpoints keep the fingerprint
they were written with (`legacy_fingerprint`), so old gpgm_linear and ideal runs resume.
"""
from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import ml_collections

import srbm_jax
from srbm_jax import rules, updates
from srbm_jax.config import Params, Spec
from srbm_jax.data import mnist
from srbm_jax.devices import device_class
from srbm_jax.run.config_errors import config_error, require  # noqa: F401 (re-exported)
from srbm_jax.run.front_end_config import front_end_and_params

# Config fields copied one to one into Spec and into Params (names are identical).
SPEC_FIELDS = ("n_data", "n_label", "n_visible_bias", "n_hidden", "n_hidden_bias", "dt_ms",
               "walk_interval_ms", "transition_data_ms", "data_ms", "transition_model_ms",
               "model_ms", "inference_ms", "data_event_delay_ms", "model_event_delay_ms",
               "pulse_width_ms", "input_coding", "random_source", "bridge_correction",
               "drive_chunk", "batch_drive_chunk")
PARAMS_FIELDS = ("spike_rate_hz", "bias_rate_factor", "input_threshold", "membrane_tau_ms",
                 "firing_threshold", "alpha", "walk_up", "walk_down", "refractory_ms",
                 "weight_decay", "label_weight_decay", "label_rate_factor")
# Fields that change neither the trained weights nor the evaluation results, so a run may resume
# with other values (e.g. more epochs, another data directory, another checkpoint history).
RUN_FIELDS = ("epochs", "eval_every", "eval_batch_size", "checkpoint_every_images",
              "data_source", "data_dir", "keep_checkpoints", "keep_epoch_checkpoints",
              "tensorboard")
# Fields added after runs were recorded: at these values they are left out of the fingerprint.
LATER_FIELD_DEFAULTS = {"ema_half_life_images": 0, "tail_average_epochs": 0,
                        "validation_size": 0, "shuffle": False,
                        "optimizer": updates.default_section(),
                        "rule": rules.rule_section().to_dict(), "label_rate_factor": 1.0,
                        "label_weight_decay": 0.0,
                        "front_end": {"name": "pixels"}, "batch_drive_chunk": 0,
                        "weight_decay_follows_steps": False}

# Device options added after runs were recorded (left out of the fingerprint at these values).
LATER_DEVICE_DEFAULTS = {"init_kind": "gaussian"}
# Rule options that change only the speed, never a result (the coincidence rule's counting:
# identical counts either way): left out of fingerprints and config differences.
RULE_SPEED_OPTIONS = ("counting",)


def _results_part(rule_section):
    """A config.rule section without its speed-only options."""
    if not isinstance(rule_section, dict):
        return rule_section
    return {k: v for k, v in rule_section.items() if k not in RULE_SPEED_OPTIONS}

# Fields of the configs before the device section, and where they went (the absl scripts print
# this when an old flag is given: `experiments/cli.py`).
RENAMED_FIELDS = {
    "device": "--config=<config file>:<device name> (e.g. experiments/configs/default.py:pcm_nonlinear)"
              " or --config.device.name for a device whose fields match",
    "device_levels": "config.device.levels", "conductance_dtype": "config.device.storage_dtype",
    "conductance_rounding": "config.device.rounding", "set_step": "config.device.set_step",
    "reset_step": "config.device.reset_step", "g_min": "config.device.g_min",
    "g_max": "config.device.g_max", "init_mean": "config.device.init_mean",
    "init_std": "config.device.init_std",
    "device_params": "config.device.<field>, e.g. --config.device.dw_min=2e-4",
}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def device_and_params(config) -> tuple[Any, Any]:
    """(device, numeric device params) from config.device (`Device.from_config`)."""
    section = config.get("device")
    if not isinstance(section, (ml_collections.ConfigDict, dict)):
        raise config_error("device", f"{section!r} is not a device section: config.device is a "
                                     "nested section (name, options, parameters); "
                                     f"{RENAMED_FIELDS['device']}")
    name = section.get("name")
    require(isinstance(name, str) and name, "device.name", "a registered device name", name)
    return device_class(name).from_config(section)


def check_run_fields(config) -> None:
    """The run fields (seed, sizes of the run, cadences, data source): ValueError naming the
    field and the allowed range."""
    for old in RENAMED_FIELDS:
        if old != "device" and old in config:
            raise config_error(old, f"was renamed: use {RENAMED_FIELDS[old]}")
    require(_is_int(config.seed) and config.seed >= 0, "seed", "an integer >= 0", config.seed)
    for field, low in (("epochs", 1), ("train_size", 1), ("test_size", 1), ("eval_every", 1),
                       ("batch_size", 1), ("chunk_size", 1), ("eval_batch_size", 1),
                       ("checkpoint_every_images", 0), ("keep_checkpoints", 1),
                       ("ema_half_life_images", 0), ("tail_average_epochs", 0),
                       ("validation_size", 0)):
        value = config.get(field, LATER_FIELD_DEFAULTS.get(field))
        require(_is_int(value) and value >= low, field, f"an integer >= {low}", value)
    require(config.batch_size <= config.train_size, "batch_size",
            f"<= train_size = {config.train_size} (a mini-batch larger than the training set "
            "would train on-line)", config.batch_size)
    require(isinstance(config.get("shuffle", False), bool), "shuffle", "True or False",
            config.get("shuffle"))
    require(isinstance(config.get("tensorboard", False), bool), "tensorboard", "True or False",
            config.get("tensorboard"))
    require(isinstance(config.get("weight_decay_follows_steps", False), bool),
            "weight_decay_follows_steps", "True or False", config.get("weight_decay_follows_steps"))
    require(isinstance(config.get("keep_epoch_checkpoints", True), bool),
            "keep_epoch_checkpoints", "True or False", config.get("keep_epoch_checkpoints"))
    require(config.data_source in mnist.SOURCES, "data_source", f"one of {mnist.SOURCES}",
            config.data_source)
    step_decay = config.get("step_decay", 1.0)
    require(isinstance(step_decay, (int, float)) and not isinstance(step_decay, bool)
            and 0.0 < step_decay <= 1.0, "step_decay", "a number in (0, 1] (1 = constant steps)",
            step_decay)


def spec_and_params(config, front_end_cache: dict | None = None) -> tuple[Spec, Params]:
    """Build and validate (Spec, Params) from a config; ValueError names the config field.
    front_end_cache: kept across the configs of a study (`front_end_and_params`)."""
    check_run_fields(config)
    device, device_params = device_and_params(config)
    # config.optimizer: an update layer around the device (srbm_jax.updates), or plain eCD
    device, device_params = updates.wrap_device(device, device_params, config.get("optimizer"))
    floats = {field for field in SPEC_FIELDS if field.endswith("_ms")}
    try:
        front_end, front_params = front_end_and_params(config, front_end_cache)
        spec = Spec(device=device, rule=rules.rule_from_config(config.get("rule")),
                    front_end=front_end,
                    **{field: float(config[field]) if field in floats
                                      else config.get(field, LATER_FIELD_DEFAULTS.get(field))
                       for field in SPEC_FIELDS})
        fields = {field: config.get(field, LATER_FIELD_DEFAULTS.get(field))
                  for field in PARAMS_FIELDS}
        if fields["label_weight_decay"] == 0:  # none: the operation left out (Params' default)
            fields["label_weight_decay"] = None
        params = srbm_jax.default_params(spec, device=device_params, **fields)
        params = params.replace(front_end=front_params)
        srbm_jax.validate(spec, params)
    except ValueError as e:
        message = str(e)
        if message.startswith("config."):
            raise
        name = message.split(" = ", 1)[0].strip() if " = " in message else "?"
        raise config_error(name, message) from e
    except TypeError as e:  # e.g. a string where a number belongs
        raise config_error("?", f"bad value type: {e}") from e
    if config.get("step_decay", 1.0) != 1.0:
        require(device.scalable_step, "step_decay",
                f"1.0 for device {device.name!r} (its step is a fixed property of the pulse); "
                "< 1 needs a device with `scalable_step`", config.step_decay)
    for field in ("ema_half_life_images", "tail_average_epochs"):
        if config.get(field, 0):
            require(device.linear_read, field,
                    f"0 for device {device.name!r} (weight averages need a device whose read is "
                    "linear in its state, `Device.linear_read`)", config[field])
    return spec, params


def config_for_device(config, name: str, **overrides: Any) -> ml_collections.ConfigDict:
    """A copy of `config` with the section of device `name` (its defaults, then `overrides`
    by field name) and the device's own STDP window (`Device.stdp_window`) if it has one: the
    config a device-comparison row or `default.get_config(name)` runs with."""
    config = ml_collections.ConfigDict(config_dict(config))
    if isinstance(config.get("optimizer"), ml_collections.ConfigDict):  # typed placeholders back
        config.optimizer = updates.optimizer_section_from(config.optimizer.to_dict())
    device = device_class(name)()
    section = device.config_section()
    base = config.get("device")
    if isinstance(base, ml_collections.ConfigDict) and base.get("name") == name:
        section = ml_collections.ConfigDict(base.to_dict())  # the config's own values first
    for field, value in overrides.items():
        if field not in section or field == "name":
            raise config_error(f"device.{field}", f"is not a field of device {name!r}: allowed "
                                                  f"{', '.join(k for k in section if k != 'name')}")
        default = section[field]
        try:
            if isinstance(default, bool):
                value = bool(int(value)) if float(value) in (0.0, 1.0) else None
            elif isinstance(default, int):
                value = int(value) if float(value) == int(float(value)) else None
            elif isinstance(default, float):
                value = float(value)
        except (TypeError, ValueError):
            value = None
        if value is None:
            raise config_error(f"device.{field}", f"{overrides[field]!r} is out of range: allowed "
                                                  f"a {type(default).__name__}")
        section[field] = value
    if ":" in name:  # a user's device by import path: keep the path, so a resume can import it
        section["name"] = name
    config.device = section
    for field, value in (device.stdp_window or {}).items():
        config[field] = value
    return config


def config_dict(config) -> dict:
    """The config as plain JSON data."""
    return json.loads(config.to_json(sort_keys=True)) if hasattr(config, "to_json") else \
        json.loads(json.dumps(config, sort_keys=True))


def fingerprint(config) -> str:
    """SHA-256 of the fields that determine results (all except `RUN_FIELDS` and the rule's
    `RULE_SPEED_OPTIONS`; fields of `LATER_FIELD_DEFAULTS` and device options of
    `LATER_DEVICE_DEFAULTS` at their default are left out, so runs recorded before they existed
    still resume)."""
    later = {**LATER_FIELD_DEFAULTS, "rule": _results_part(LATER_FIELD_DEFAULTS["rule"])}
    data = {k: (_results_part(v) if k == "rule" else v) for k, v in config_dict(config).items()}
    data = {k: v for k, v in data.items() if k not in RUN_FIELDS
            and not (k in later and v == later[k])}
    if isinstance(data.get("device"), dict):
        data["device"] = {k: v for k, v in data["device"].items()
                          if not (k in LATER_DEVICE_DEFAULTS and v == LATER_DEVICE_DEFAULTS[k])}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def config_differences(saved: dict, current: dict) -> list[str]:
    """'field (saved -> current)' for every result-changing field that differs (device fields
    as device.<field>)."""
    def flat(config):
        data = {**LATER_FIELD_DEFAULTS, **config}
        sections = {name: dict(data.pop(name, {}) or {})
                    for name in ("device", "optimizer", "rule", "front_end")}
        sections["device"] = {**LATER_DEVICE_DEFAULTS, **sections["device"]}
        sections["rule"] = _results_part(sections["rule"])
        return {**data, **{f"{name}.{k}": v for name, section in sections.items()
                           for k, v in section.items()}}

    saved, current = flat(saved), flat(current)
    names = sorted((set(saved) | set(current)) - set(RUN_FIELDS))
    return [f"{n} ({saved.get(n, '<absent>')!r} -> {current.get(n, '<absent>')!r})"
            for n in names if saved.get(n, "<absent>") != current.get(n, "<absent>")]


# ---- configs written before the device section ------------------------------------------------
_LEGACY_RUN_FIELDS = ("epochs", "eval_every", "eval_batch_size", "checkpoint_every_images",
                      "data_source", "data_dir")
_LEGACY_LATER_DEFAULTS = {"conductance_dtype": "float32", "conductance_rounding": "nearest",
                          "weight_decay": 0.0, "device_params": ""}
_LEGACY_DEVICE_FIELDS = ("set_step", "reset_step", "g_min", "g_max", "init_mean", "init_std",
                         "device_levels", "conductance_dtype", "conductance_rounding")


def is_legacy_config(data: dict) -> bool:
    """Whether a saved config dict predates the device section (config.device a string)."""
    return isinstance(data.get("device"), str)


def legacy_fingerprint(data: dict) -> str:
    """The fingerprint a pre-section config had (the rule of that version)."""
    kept = {k: v for k, v in data.items() if k not in _LEGACY_RUN_FIELDS
            and not (k in _LEGACY_LATER_DEFAULTS and v == _LEGACY_LATER_DEFAULTS[k])}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def upgrade_legacy_config(data: dict) -> dict:
    """A pre-section config dict in today's form: the flat device fields become config.device
    with the mapping that version applied (ideal and the optax devices: learning_rate =
    set_step + reset_step, init_std = init_std * sqrt(2); the PCM pairs and bipolar_2t1r: their
    own defaults: `Device.legacy_section`), then its device_params overrides; the new run
    fields get their defaults."""
    if not is_legacy_config(data):
        return dict(data)
    data = dict(data)
    name = data.pop("device")
    flat = {field: data.pop(field) for field in _LEGACY_DEVICE_FIELDS if field in data}
    overrides = _parse_legacy_device_params(data.pop("device_params", ""))
    section = device_class(name).legacy_section(flat)
    for field, value in overrides.items():
        default = section.get(field)
        section[field] = type(default)(int(value)) if isinstance(default, (bool, int)) else value
    data["device"] = section
    data.setdefault("validation_size", 0)  # that version had no validation split
    data.setdefault("shuffle", False)  # and presented the images in order
    data.setdefault("keep_checkpoints", 2)
    data.setdefault("keep_epoch_checkpoints", True)
    return data


def _parse_legacy_device_params(text: str) -> dict[str, float]:
    result = {}
    for entry in (part.strip() for part in str(text).split(",")):
        if entry:
            name, _, value = entry.partition("=")
            result[name.strip()] = float(value)
    return result


def load_config(data: dict) -> ml_collections.ConfigDict:
    """A ConfigDict from a saved config dict, upgraded if it predates the device section, and
    with every field of `LATER_FIELD_DEFAULTS` it predates at that default (the value that
    reproduces the recorded run), so that readers and continuations find every field."""
    data = upgrade_legacy_config(data)
    for field, default in LATER_FIELD_DEFAULTS.items():
        data.setdefault(field, copy.deepcopy(default))
    return ml_collections.ConfigDict(data)


def expected_pixels(config) -> None:
    """ValueError naming config.n_data or config.front_end unless the front end reads the 784
    pixels of an MNIST image."""
    spec, _ = spec_and_params(config)
    size = spec.front_end.input_size(spec)
    if spec.front_end.reads_n_data_pixels:
        require(size == 784, "n_data", "784 (28 x 28 MNIST pixels, one data neuron each; "
                                       "another front end sets its own size)", config.n_data)
    require(size == 784, "front_end", f"a front end that reads 784 MNIST pixels (it reads {size})",
            spec.front_end.name)


def device_summary(spec: Spec) -> str:
    """'gpgm_linear (levels=0, ...)' for log lines."""
    options = ", ".join(f"{k}={v}" for k, v in spec.device.structural_options().items())
    return f"{spec.device.name}" + (f" ({options})" if options else "")

