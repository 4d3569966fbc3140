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
from typing import Any

import jax
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
            f"device {self.name!r} has no scalable step: a step-size schedule (step_decay < 1) "
            "is supported by ideal, gpgm_linear and bipolar_2t1r")

    # Whether `relax` implements weight decay; the identity default must not be asked for a
    # nonzero fraction (`srbm_jax.config.validate` checks weight_decay against this).
    supports_relax: bool = False

    def relax(self, key: jax.Array, state: Any, params: Any, fraction: Any) -> Any:
        """Weight decay: the state with its weight G moved to (1 - fraction) G, fraction a traced
        scalar in [0, 1) (`srbm_jax.train.train_images` calls it once per update with
        fraction = 1 - (1 - weight_decay)^batch). The default is the identity, for devices
        without weight decay (`supports_relax` False); those only ever see fraction 0."""
        del key, params, fraction
        return state


def check_field(condition: Any, field: str, allowed: str, value: Any) -> None:
    """Raise ValueError('device.<field> = value is out of range: allowed ...') unless condition."""
    if not bool(condition):
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
