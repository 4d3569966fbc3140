"""The interface every synapse device model implements.

A device is a frozen dataclass (hashable, so it is a static choice under `jit`) whose fields are
its *structural* options (e.g. the number of quantisation levels). Its *numeric* parameters live
in a separate `flax.struct` pytree returned by `default_params()`, carried in `Params.device`, and
so are traced and can be vmapped. Its *state* (conductances) is a NamedTuple of arrays.

    state  = device.init(key, n_visible, n_hidden, params)
    weight = device.read(state, params)            # [n_visible, n_hidden] effective conductance
    state  = device.apply(key, state, potentiation, depression, params)
    params = device.scale_steps(params, factor)    # learning-rate schedules (traced factor)
    state  = device.relax(key, state, params, fraction)  # weight decay: G <- (1 - fraction) G

`potentiation` / `depression` are float32 [n_visible, n_hidden] counts of eCD coincidence events
with gate g = +1 (data phase) and g = -1 (model phase) since the last call. Within one call all
events of a kind have the same sign, so a device may apply them as `count` successive pulses.
"""
from __future__ import annotations

import abc
import dataclasses
import math
from typing import Any

import jax
import ml_collections
import numpy as np


class Device(abc.ABC):
    """Abstract synapse device model (see module docstring for the contract)."""

    name: str = "abstract"

    @abc.abstractmethod
    def default_params(self) -> Any:
        """Numeric parameters (a pytree of float leaves) with documented defaults."""

    @abc.abstractmethod
    def validate(self, params: Any) -> None:
        """Raise ValueError naming the field and the allowed range for bad parameters."""

    @abc.abstractmethod
    def init(self, key: jax.Array, n_visible: int, n_hidden: int, params: Any) -> Any:
        """Initial device state for an n_visible x n_hidden synapse array."""

    @abc.abstractmethod
    def read(self, state: Any, params: Any) -> jax.Array:
        """Effective weight [n_visible, n_hidden] seen by the neurons (conductance units)."""

    @abc.abstractmethod
    def apply(self, key: jax.Array, state: Any, potentiation: jax.Array, depression: jax.Array,
              params: Any) -> Any:
        """Apply `potentiation` (gate +1) and `depression` (gate -1) event counts."""

    def scale_steps(self, params: Any, factor: Any) -> Any:
        """`params` with the change per event multiplied by `factor` (a traced scalar), for
        step-size schedules (`srbm_jax.train.train_epoch(params_at=...)`). Devices whose step
        is a physical constant of the pulse (the PCM pairs) do not support it."""
        raise NotImplementedError(
            f"device {self.name!r} has no scalable step (its step is a fixed property of the "
            "pulse): step-size schedules need a device with `scalable_step`")

    # Whether `relax` implements weight decay; the identity default must not be asked for a
    # nonzero fraction (`srbm_jax.config.validate` checks weight_decay against this).
    supports_relax: bool = False

    def relax(self, key: jax.Array, state: Any, params: Any, fraction: Any) -> Any:
        """Weight decay: the state with its weight G moved to (1 - fraction) G, fraction traced,
        in [0, 1), a scalar or an [n_visible, 1] array that broadcasts over the hidden columns
        (`srbm_jax.train.train_images` calls it once per update with
        fraction = 1 - (1 - weight_decay)^batch, then with `srbm_jax.decay.label_decay_fraction`,
        nonzero on the label rows only). It must act elementwise, and be exactly the identity
        at fraction 0. The default is the identity, for
        devices without weight decay (`supports_relax` False); those only ever see fraction 0."""
        del key, params, fraction
        return state

    def end_update(self, key: jax.Array, state: Any, params: Any) -> Any:
        """Called once at the end of every update (one image on-line, one mini-batch), after
        depression and weight decay (`srbm_jax.train.train_images`). The identity for a device;
        an update layer (`srbm_jax.updates.UpdateLayer`) writes its per-update step here."""
        del key, params
        return state

    # ---- the device in its own terms, for an update layer (`srbm_jax.updates`) --------------
    def pulse_weight(self, params: Any) -> Any:
        """Nominal change of the read weight G by one potentiation pulse (conductance units, a
        traced scalar): what an update layer divides an update by to get pulses. None for a
        device without one (then only the analog write applies)."""
        del params
        return None

    # Whether `apply` needs whole event counts (a pulse-by-pulse device); a learning rule with
    # fractional counts (`srbm_jax.rules`) then needs an update layer that rounds them.
    integer_counts: bool = False

    # Whether `add_weight` is implemented (an analog write of a weight change).
    supports_analog_write: bool = False

    def add_weight(self, key: jax.Array, state: Any, delta: jax.Array, params: Any) -> Any:
        """The state with `delta` [n_visible, n_hidden] (conductance units) added to G as an
        analog write, bounds respected (the seed's `Gp += velocity`)."""
        raise NotImplementedError(f"device {self.name!r} has no analog write (`add_weight`): "
                                  "write its updates as pulses")

    # ---- self-description: capabilities, config section, statistics ------------------------
    # Spec settings of the STDP window this device is meant to run with (e.g. the 2T1R cell's
    # symmetric window), or None for the IBM window of `srbm_jax.Spec`. Configs built for the
    # device and device-comparison rows apply it.
    stdp_window: dict | None = None

    # Whether `scale_steps` is implemented (step-size schedules such as config.step_decay < 1).
    scalable_step: bool = False

    @property
    def linear_read(self) -> bool:
        """Whether `read` is linear in the state, so that the mean of several states reads as
        the mean of their weights (tail averages, EMA of the weights). False unless a device
        says otherwise."""
        return False

    def structural_options(self) -> dict[str, Any]:
        """{option: value} of the device's static fields (sizes and choices, not traced): the
        dataclass fields other than `name`."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                if field.name != "name"}

    def config_section(self) -> ml_collections.ConfigDict:
        """The device's section of an experiment config (`config.device`): its registered name,
        its structural options, then its numeric parameters, each with this device's default.
        Every entry is settable from the command line as `--config.device.<field>=...` and the
        numeric ones can be swept by `srbm_jax.study` (`device.<field>`)."""
        section = {"name": self.name, **self.structural_options()}
        section.update(_numeric_fields(self.default_params()))
        return ml_collections.ConfigDict(section)

    @classmethod
    def from_config(cls, section: Any) -> tuple[Device, Any]:
        """(device, numeric params) from a config section as `config_section` writes it.

        Every field must belong to this device: an unknown one (a field of another device, a
        typo) raises ValueError naming `config.device.<field>` and the fields allowed."""
        values = dict(section)
        name = values.pop("name", None)
        defaults = cls()
        options = defaults.structural_options()
        numeric = _numeric_fields(defaults.default_params())
        allowed = ["name", *options, *numeric]
        for field in values:
            if field not in options and field not in numeric:
                raise ValueError(
                    f"config.device.{field} is not a field of device {name or defaults.name!r}: "
                    f"allowed {', '.join(allowed)} (another device's section? build the config "
                    f"for this device with `--config=<config.py>:{defaults.name}`)")
        chosen = {}
        for field, value in values.items():
            if field in options:
                chosen[field] = _option_value(field, value, options[field])
        device = cls(**chosen)
        params = defaults.default_params().replace(**{
            field: _number(field, value) for field, value in values.items() if field in numeric})
        return device, params

    @classmethod
    def legacy_section(cls, flat: dict) -> dict:
        """The config section of a run written before sections existed, from its flat fields
        (set_step, reset_step, g_min, g_max, init_mean, init_std, device_levels,
        conductance_dtype, conductance_rounding), as that version mapped them onto this device.
        Default: the device's own defaults (those fields were not used by it)."""
        del flat
        return dict(cls().config_section())

    def weight_statistics(self, state: Any, params: Any) -> dict[str, float]:
        """Mean, std, min and max of the read weight (conductance units); devices with
        conductance bounds add the fraction of devices at each bound."""
        weight = np.asarray(self.read(state, params), np.float64)
        return {"weight_mean": float(weight.mean()), "weight_std": float(weight.std()),
                "weight_min": float(weight.min()), "weight_max": float(weight.max())}

    def pulse_counts(self, states: Any, potentiation: Any, depression: Any) -> dict[str, list]:
        """SET / RESET pulses of N networks over a run, per network, from the device states
        (leading network axis) or, for devices that keep no counters, from the eCD event totals
        `potentiation`, `depression` ([N]). The default: none ({}), e.g. the ideal weight."""
        del states, potentiation, depression
        return {}


def check_field(condition: Any, field: str, allowed: str, value: Any) -> None:
    """Raise ValueError('device.<field> = value is out of range: allowed ...') unless condition."""
    if not bool(condition):
        if isinstance(value, (np.ndarray, np.generic)):
            value = np.asarray(value).tolist()
        raise ValueError(f"device.{field} = {value!r} is out of range: allowed {allowed}")


def check_params(params: Any, fields: tuple[str, ...], rule: str = "finite") -> None:
    """check_field for each of `fields` of a params pytree (values may carry a vmap axis).

    rule: "finite" (any finite number), "nonnegative" (finite and >= 0) or "positive"
    (finite and > 0).
    """
    tests = {"finite": (lambda v: np.isfinite(v), "a finite number"),
             "nonnegative": (lambda v: np.isfinite(v) & (v >= 0), "finite and >= 0"),
             "positive": (lambda v: np.isfinite(v) & (v > 0), "finite and > 0")}
    test, allowed = tests[rule]
    for field in fields:
        value = np.asarray(getattr(params, field))
        check_field(np.all(test(value)), field, allowed, value)


def _numeric_fields(params: Any) -> dict[str, float]:
    """{field: float default} of a device's numeric params (a flax struct dataclass)."""
    return {field.name: float(np.asarray(getattr(params, field.name)))
            for field in dataclasses.fields(params)}


def _number(field: str, value: Any) -> float:
    """A finite number for config.device.<field>, or ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"config.device.{field} = {value!r} is out of range: allowed a number")
    if not math.isfinite(float(value)):
        raise ValueError(f"config.device.{field} = {value!r} is out of range: allowed a finite number")
    return float(value)


def _option_value(field: str, value: Any, default: Any) -> Any:
    """A structural option converted to the type of its default (int, bool or str), or
    ValueError naming config.device.<field>."""
    kind = type(default)
    if kind is bool:
        if isinstance(value, bool) or value in (0, 1):
            return bool(value)
        raise ValueError(f"config.device.{field} = {value!r} is out of range: allowed True or False")
    if kind is int:
        if isinstance(value, bool) or not float(value) == int(value):
            raise ValueError(f"config.device.{field} = {value!r} is out of range: allowed an integer")
        return int(value)
    if kind is str and not isinstance(value, str):
        raise ValueError(f"config.device.{field} = {value!r} is out of range: allowed a string")
    return value


def legacy_learning_rate_section(cls: type, flat: dict) -> dict:
    """The config section a flat (pre-section) config meant for a float-weight device (ideal,
    optax): learning_rate = set_step + reset_step (one 6T2R event changes G by both steps) and
    init_std = init_std * sqrt(2) (the spread of the difference of two devices)."""
    section = dict(cls().config_section())
    section.update(learning_rate=flat["set_step"] + flat["reset_step"],
                   init_std=flat["init_std"] * math.sqrt(2.0))
    return section
