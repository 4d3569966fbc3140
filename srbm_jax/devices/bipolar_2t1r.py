"""The 2T1R synapse: one PCM device per synapse, SET in the data phase, RESET in the model phase.

Kim et al., IEDM 2015 (64k-cell 256x256 PCM core with on-chip neurons), as described in the source
slides and docs/model.md#bipolar_2t1r: one device G in [g_min, g_max] per synapse; the
weight seen by the neurons is bipolar through a reference conductance, w = G - g_reference
(g_reference = the mid-scale by default); potentiation (gate +1) SETs the device by set_step per
event and depression (gate -1) RESETs it by reset_step, clipped to [g_min, g_max].

Pair it with the symmetric STDP window of the 2T1R cell: an event pairs a hidden spike with visible
spikes within +-2 ms, i.e. `Spec(data_event_delay_ms=2, model_event_delay_ms=2,
pulse_width_ms=5)` at dt = 1 ms (an event 2 ms after the hidden spike sees visible spikes in the
5 ticks t_h - 2 .. t_h + 2). `srbm_jax.devices.TWO_T_ONE_R_WINDOW` holds these settings.

Backward LIF: the 2T1R cell cannot drive the visible neurons from hidden spikes through the same
array (the reason IBM moved to 6T2R). The simulation still runs the sRBM's backward drive with
the transposed weights, i.e. it models a 2T1R core as if a transposed copy of the array were
kept in sync: it isolates the device's update behaviour from the missing BLIF path.
"""
from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from srbm_jax.devices.base import Device, check_field, check_params
from srbm_jax.devices.gpgm_linear import quantise


@struct.dataclass
class Bipolar2T1RParams:
    """set_step, reset_step: change per SET / RESET event (conductance units); g_min, g_max:
    bounds; g_reference: the reference subtracted on read; init_std: spread of the init around
    g_reference (N(g_reference, init_std), 1.06 * sqrt(2) = the spread of a 6T2R pair's G)."""

    set_step: Any = 0.02
    reset_step: Any = 0.02
    g_min: Any = 0.0
    g_max: Any = 10.0
    g_reference: Any = 5.0
    init_std: Any = 1.06 * float(np.sqrt(2.0))


class Bipolar2T1RState(NamedTuple):
    """conductance: float32 [n_visible, n_hidden], one device per synapse."""

    conductance: jax.Array


@dataclasses.dataclass(frozen=True)
class Bipolar2T1R(Device):
    """Single PCM device per synapse with bipolar read through a reference; `levels` as in
    GpGmLinear (read quantisation, 0 = analog)."""

    levels: int = 0
    name: str = "bipolar_2t1r"

    def default_params(self) -> Bipolar2T1RParams:
        return Bipolar2T1RParams()

    def validate(self, params: Bipolar2T1RParams) -> None:
        check_field(self.levels == 0 or self.levels >= 2, "levels", "0 (off) or >= 2", self.levels)
        check_params(params, ("g_min", "g_max", "g_reference"))
        g_min, g_max = np.asarray(params.g_min), np.asarray(params.g_max)
        check_field(np.all(g_min < g_max), "g_min", f"< g_max = {g_max}", g_min)
        reference = np.asarray(params.g_reference)
        check_field(np.all((reference >= g_min) & (reference <= g_max)), "g_reference",
                    f"within [g_min, g_max] = [{g_min}, {g_max}]", reference)
        check_params(params, ("set_step", "reset_step", "init_std"), "nonnegative")

    def init(self, key, n_visible, n_hidden, params):
        noise = jax.random.normal(key, (n_visible, n_hidden), jnp.float32)
        return Bipolar2T1RState(jnp.clip(params.g_reference + params.init_std * noise,
                                         params.g_min, params.g_max))

    def read(self, state, params):
        return quantise(state.conductance, params.g_min, params.g_max, self.levels) - params.g_reference

    scalable_step = True
    # The 2T1R cell's symmetric STDP window (+-2 ms around the hidden spike) as Spec settings
    # at dt = 1 ms; configs built for this device (`experiments/configs/default.py:bipolar_2t1r`)
    # and device-comparison rows use it.
    stdp_window = {"data_event_delay_ms": 2.0, "model_event_delay_ms": 2.0, "pulse_width_ms": 5.0}

    def pulse_counts(self, states, potentiation, depression) -> dict[str, list]:
        """One device per synapse: a SET per potentiation event, a RESET per depression event."""
        del states
        return {"set_pulses": np.asarray(potentiation).tolist(),
                "reset_pulses": np.asarray(depression).tolist()}

    def scale_steps(self, params, factor):
        """set_step and reset_step multiplied by factor."""
        return params.replace(set_step=params.set_step * factor, reset_step=params.reset_step * factor)

    def pulse_weight(self, params):
        """One potentiation event SETs the device by set_step."""
        return params.set_step

    def apply(self, key, state, potentiation, depression, params):
        del key  # deterministic device
        # One sign per call in training (one phase per call), so one clip equals per-pulse clips.
        conductance = (state.conductance + params.set_step * potentiation
                       - params.reset_step * depression)
        return Bipolar2T1RState(jnp.clip(conductance, params.g_min, params.g_max))
