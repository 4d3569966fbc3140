"""An ideal floating-point synapse: the software reference for every device model.

w <- w + learning_rate * (potentiation - depression), no bounds, no noise. The default step,
0.02 per event, equals the change of G = Gp - Gm of one 6T2R event (SET one device by 0.01 and
RESET the other by 0.01), so the ideal device and `gpgm_linear` learn at the same rate until the
pair saturates. Init N(0, init_std) with init_std = 1.06 * sqrt(2), the spread of the difference
of two N(5, 1.06) devices.
"""
from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import numpy as np
from flax import struct

from srbm_jax.devices import initialisation
from srbm_jax.devices.base import Device, check_params, legacy_learning_rate_section


@struct.dataclass
class IdealParams:
    """learning_rate: weight change per coincidence event; init_std: std of the N(0, .) init."""

    learning_rate: Any = 0.02
    init_std: Any = 1.06 * float(np.sqrt(2.0))


class IdealState(NamedTuple):
    """weight: float32 [n_visible, n_hidden]."""

    weight: jax.Array


@dataclasses.dataclass(frozen=True)
class IdealWeight(Device):
    """Unbounded float weight with the same coincidence rule. init_kind: "gaussian" N(0, init_std),
    "xavier" or "uniform" (`srbm_jax.devices.initialisation`)."""

    init_kind: str = "gaussian"
    name: str = "ideal"

    def default_params(self) -> IdealParams:
        return IdealParams()

    def validate(self, params: IdealParams) -> None:
        initialisation.check_kind(self.init_kind)
        check_params(params, ("learning_rate", "init_std"), "nonnegative")

    def init(self, key, n_visible, n_hidden, params):
        return IdealState(initialisation.draw(key, (n_visible, n_hidden), self.init_kind, 0.0,
                                              params.init_std))

    def read(self, state, params):
        return state.weight

    scalable_step = True
    linear_read = True

    @classmethod
    def legacy_section(cls, flat: dict) -> dict:
        """The learning-rate mapping of the flat configs (`base.legacy_learning_rate_section`)."""
        return legacy_learning_rate_section(cls, flat)

    def scale_steps(self, params, factor):
        """learning_rate multiplied by factor."""
        return params.replace(learning_rate=params.learning_rate * factor)

    supports_relax = True

    def relax(self, key, state, params, fraction):
        """Weight decay: w <- (1 - fraction) w."""
        del key, params
        return IdealState((1.0 - fraction) * state.weight)

    def pulse_weight(self, params):
        """One event moves w by learning_rate."""
        return params.learning_rate

    supports_analog_write = True

    def add_weight(self, key, state, delta, params):
        """w <- w + delta."""
        del key, params
        return IdealState(state.weight + delta)

    def apply(self, key, state, potentiation, depression, params):
        del key
        return IdealState(state.weight + params.learning_rate * (potentiation - depression))
