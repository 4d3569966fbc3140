"""A float synapse whose eCD updates pass through an Optax optimiser (momentum or Adam).

Each device update call receives the coincidence counts of one phase; the eCD direction is
dW ∝ potentiation - depression, so the optimiser is given the gradient

    g = -(potentiation - depression)        (per update call: one phase, or a mini-batch's phase)

and the weight moves by its update: w <- w + optax_update(g). With `optax.sgd(lr)` this is the
`ideal` device with learning_rate = lr. `momentum` (`optax.sgd(lr, momentum)`) carries the data
phase's potentiation into the model phase's step and back, so a synapse moves by the running
balance of the two phases; `adam` (`optax.adam(lr, b1, b2, eps)`) normalises each synapse's step
by its recent event variance (Kingma & Ba 2015). No bounds, no noise: a software reference for
what an optimiser between eCD and the devices would buy (the issue's "Optax variants"); a pair
of PCM devices would have to realise the update as pulses.

The optimiser's numeric settings are traced `OptaxParams` leaves (vmappable, and `scale_steps`
scales the learning rate for step schedules); the optimiser's kind is a static field.
"""
from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct

from srbm_jax.devices.base import Device, check_field, check_params, legacy_learning_rate_section

OPTIMIZERS = ("sgd", "momentum", "adam")


@struct.dataclass
class OptaxParams:
    """learning_rate: optimiser step size (weight units; sgd: change per coincidence event).
    momentum: decay of the momentum trace (optimizer "momentum"). b1, b2, eps: Adam's moment
    decays and denominator offset (optimizer "adam"). init_std: std of the N(0, .) init, as
    `ideal` (1.06 sqrt 2)."""

    learning_rate: Any = 0.002  # a first guess, not tuned (RESULTS.md)
    momentum: Any = 0.9
    b1: Any = 0.9
    b2: Any = 0.999
    eps: Any = 1e-3
    init_std: Any = 1.06 * 2.0 ** 0.5


class OptaxState(NamedTuple):
    """weight: float32 [n_visible, n_hidden]; optimizer: the Optax state (moments, step count)."""

    weight: jax.Array
    optimizer: Any


@dataclasses.dataclass(frozen=True)
class OptaxWeight(Device):
    """Unbounded float weight updated by an Optax optimiser from the eCD counts."""

    optimizer: str = "adam"
    name: str = "optax"

    def default_params(self) -> OptaxParams:
        return OptaxParams()

    def validate(self, params: OptaxParams) -> None:
        check_field(self.optimizer in OPTIMIZERS, "optimizer", f"one of {OPTIMIZERS}",
                    self.optimizer)
        check_params(params, ("learning_rate", "init_std"), "nonnegative")
        check_params(params, ("eps",), "positive")
        for field in ("momentum", "b1", "b2"):
            value = getattr(params, field)
            check_params(params, (field,), "nonnegative")
            check_field(np.all(np.asarray(value) < 1.0), field, "in [0, 1)", value)

    def transform(self, params: OptaxParams) -> optax.GradientTransformation:
        """The Optax transformation for these (possibly traced) settings."""
        if self.optimizer == "sgd":
            return optax.sgd(params.learning_rate)
        if self.optimizer == "momentum":
            return optax.sgd(params.learning_rate, momentum=params.momentum)
        if self.optimizer == "adam":
            return optax.adam(params.learning_rate, b1=params.b1, b2=params.b2, eps=params.eps)
        raise ValueError(f"device.optimizer = {self.optimizer!r} is out of range: allowed one of "
                         f"{OPTIMIZERS}")

    def init(self, key, n_visible, n_hidden, params):
        weight = params.init_std * jax.random.normal(key, (n_visible, n_hidden), jnp.float32)
        return OptaxState(weight, self.transform(params).init(weight))

    def read(self, state, params):
        return state.weight

    scalable_step = True

    @classmethod
    def legacy_section(cls, flat: dict) -> dict:
        """The learning-rate mapping of the flat configs (`base.legacy_learning_rate_section`)."""
        return legacy_learning_rate_section(cls, flat)

    def scale_steps(self, params, factor):
        """learning_rate multiplied by factor."""
        return params.replace(learning_rate=params.learning_rate * factor)

    def apply(self, key, state, potentiation, depression, params):
        del key  # deterministic
        gradient = -(potentiation - depression)
        updates, optimizer = self.transform(params).update(gradient, state.optimizer, state.weight)
        return OptaxState(optax.apply_updates(state.weight, updates), optimizer)


@dataclasses.dataclass(frozen=True)
class OptaxMomentum(OptaxWeight):
    """`OptaxWeight` with optax.sgd(learning_rate, momentum)."""

    optimizer: str = "momentum"
    name: str = "optax_momentum"


@dataclasses.dataclass(frozen=True)
class OptaxAdam(OptaxWeight):
    """`OptaxWeight` with optax.adam(learning_rate, b1, b2, eps)."""

    optimizer: str = "adam"
    name: str = "optax_adam"
