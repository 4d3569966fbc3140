"""The 6T2R synapse: a pair of PCM devices, weight G = Gp - Gm, with fixed SET / RESET steps.

IBM 6T2R simulator rule ("gpgm", docs/model.md#gpgm_linear):
* data phase (g = +1), per coincidence event: SET Gp (+set_step) and RESET Gm (-reset_step);
* model phase (g = -1): RESET Gp (-reset_step) and SET Gm (+set_step);
* both devices clipped to [g_min, g_max] after every pulse.
Defaults: set_step = reset_step = 0.01 (`wt_delta_g_set`, `wt_delta_g_reset`), [0, 10]
(`min_weight`, `max_weight`), init N(5.0, 1.06) per device (`wij_init_mu`, `wij_init_sigma`).

n successive same-sign pulses of a step s with clipping equal one clipped step of n s, so event
counts are applied exactly in one operation.

No refresh: every event SETs one device and RESETs the other, so the common mode Gp + Gm changes
by set_step - reset_step per event, i.e. not at all with the default equal steps (only clipping
at a bound moves it). Unlike the SET-only PCM pairs (`pcm_pair`), whose devices only climb and
must be reset, this pair cannot creep towards saturation while G stays put, so there is nothing
for a refresh to undo; G itself reaching +-(g_max - g_min) is a weight bound, not a pair
saturation. (tests/test_devices.py checks the conserved common mode.)

Quantisation (`levels` >= 2, IBM `conductance_level` = 128): each device's conductance is *read*
as the nearest of `levels` evenly spaced values in [g_min, g_max]; the stored analog state keeps
accumulating sub-level steps (a 0.01 step is 1/8 of a level at 128 levels over [0, 10], so
quantising the stored state would freeze learning). levels = 0 reads the analog value.

Weight decay (`relax`, ours; RESULTS.md section 4): the two devices move towards their common
mode, Gp <- Gp - f (Gp - Gm) / 2 and Gm <- Gm + f (Gp - Gm) / 2, so G <- (1 - f) G with Gp + Gm
unchanged; on a chip this is a partial refresh (read G, re-program the pair closer together).
It is an algorithmic option, not a property of PCM (off by default: the IBM rule has none).

Storage format (`storage_dtype`, `rounding`; `srbm_jax.devices.storage`): float32 (default), or
bfloat16 (half the memory and bandwidth of the conductance arrays), each update computed in
float32 and rounded back to nearest or stochastically. At G ~ 5 the bfloat16 spacing is 0.031,
so nearest rounding drops a single 0.005-0.01 step (and rounds larger summed counts to the
spacing) while stochastic rounding keeps every step in expectation; with stochastic rounding
the bounds hold to within one bfloat16 spacing when g_min / g_max are not bfloat16 values (0 and
10 are). Accuracy and speed: RESULTS.md section 8.
"""
from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from srbm_jax.devices import initialisation, storage
from srbm_jax.devices.base import Device, check_field, check_params


@struct.dataclass
class GpGmParams:
    """set_step, reset_step: conductance change per SET / RESET pulse (conductance units).
    g_min, g_max: device conductance bounds. init_mean, init_std: N(mean, std) init per device."""

    set_step: Any = 0.01
    reset_step: Any = 0.01
    g_min: Any = 0.0
    g_max: Any = 10.0
    init_mean: Any = 5.0
    init_std: Any = 1.06


class GpGmState(NamedTuple):
    """g_plus, g_minus: [n_visible, n_hidden] conductances of the two devices (float32, or
    bfloat16 with `GpGmLinear(storage_dtype="bfloat16")`)."""

    g_plus: jax.Array
    g_minus: jax.Array


def quantise(conductance: jax.Array, g_min, g_max, levels: int) -> jax.Array:
    """Nearest of `levels` evenly spaced values in [g_min, g_max]; identity when levels == 0."""
    if levels == 0:
        return conductance
    spacing = (g_max - g_min) / (levels - 1)
    return g_min + jnp.round((conductance - g_min) / spacing) * spacing


@dataclasses.dataclass(frozen=True)
class GpGmLinear(Device):
    """6T2R Gp/Gm pair with linear SET/RESET steps and clipping (the source slides' default device).

    levels: read quantisation (0 = analog). storage_dtype: "float32" | "bfloat16";
    rounding: "nearest" | "stochastic" (bfloat16 only), see the module docstring. init_kind: each
    device's initial draw, "gaussian" N(init_mean, init_std) (IBM), "xavier" (std from the layer
    sizes) or "uniform" (`srbm_jax.devices.initialisation`)."""

    levels: int = 0
    storage_dtype: str = "float32"
    rounding: str = "nearest"
    init_kind: str = "gaussian"
    name: str = "gpgm_linear"

    def default_params(self) -> GpGmParams:
        return GpGmParams()

    def validate(self, params: GpGmParams) -> None:
        check_field(self.levels == 0 or self.levels >= 2, "levels", "0 (off) or >= 2", self.levels)
        initialisation.check_kind(self.init_kind)
        storage.check_storage(self.storage_dtype, self.rounding)
        check_params(params, ("g_min", "g_max", "init_mean"))
        g_min, g_max = np.asarray(params.g_min), np.asarray(params.g_max)
        check_field(np.all(g_min < g_max), "g_min", f"< g_max = {g_max}", g_min)
        check_params(params, ("set_step", "reset_step", "init_std"), "nonnegative")

    def init(self, key, n_visible, n_hidden, params):
        key_plus, key_minus = jax.random.split(key)
        shape = (n_visible, n_hidden)

        def draw(k):
            g = initialisation.draw(k, shape, self.init_kind, params.init_mean, params.init_std)
            g = jnp.clip(g, params.g_min, params.g_max)
            rounding_key = jax.random.fold_in(k, 1) if self.rounding == "stochastic" else None
            return storage.to_storage(rounding_key, g, self.storage_dtype, self.rounding)

        return GpGmState(draw(key_plus), draw(key_minus))

    def read(self, state, params):
        def q(g):
            return quantise(storage.from_storage(g), params.g_min, params.g_max, self.levels)

        return q(state.g_plus) - q(state.g_minus)

    scalable_step = True

    @classmethod
    def legacy_section(cls, flat: dict) -> dict:
        """The flat fields as they are (the pair's own names), levels from device_levels and
        the storage format from conductance_dtype / conductance_rounding."""
        section = dict(cls().config_section())
        section.update({k: flat[k] for k in ("set_step", "reset_step", "g_min", "g_max",
                                             "init_mean", "init_std") if k in flat})
        section.update(levels=flat.get("device_levels", 0),
                       storage_dtype=flat.get("conductance_dtype", "float32"),
                       rounding=flat.get("conductance_rounding", "nearest"))
        return section

    @property
    def linear_read(self) -> bool:
        """The analog read (levels = 0) is linear in (Gp, Gm); a quantised read is not."""
        return self.levels == 0

    def weight_statistics(self, state, params) -> dict[str, float]:
        """The base statistics plus the fraction of devices at g_min and at g_max."""
        result = super().weight_statistics(state, params)
        both = np.concatenate([np.asarray(state.g_plus, np.float32).ravel(),
                               np.asarray(state.g_minus, np.float32).ravel()])
        result["fraction_at_g_min"] = float(np.mean(both <= np.float32(params.g_min)))
        result["fraction_at_g_max"] = float(np.mean(both >= np.float32(params.g_max)))
        return result

    def pulse_counts(self, states, potentiation, depression) -> dict[str, list]:
        """Every eCD event programs both devices (data phase: SET Gp + RESET Gm; model phase:
        RESET Gp + SET Gm), so SET = RESET = potentiation + depression events."""
        del states
        events = (np.asarray(potentiation) + np.asarray(depression)).tolist()
        return {"set_pulses": events, "reset_pulses": list(events)}

    def scale_steps(self, params, factor):
        """set_step and reset_step multiplied by factor."""
        return params.replace(set_step=params.set_step * factor, reset_step=params.reset_step * factor)

    supports_relax = True

    def relax(self, key, state, params, fraction):
        """G <- (1 - fraction) G by moving Gp and Gm towards (Gp + Gm) / 2 (common mode kept);
        fraction in [0, 1) per update (see the module docstring). Exact identity at fraction 0."""
        g_plus = storage.from_storage(state.g_plus)
        g_minus = storage.from_storage(state.g_minus)
        shift = 0.5 * fraction * (g_plus - g_minus)
        key_plus, key_minus = jax.random.split(key) if self.rounding == "stochastic" else (None, None)
        # Moving towards the midpoint never leaves [g_min, g_max], so no clip is needed.
        return GpGmState(
            storage.to_storage(key_plus, g_plus - shift, self.storage_dtype, self.rounding),
            storage.to_storage(key_minus, g_minus + shift, self.storage_dtype, self.rounding))

    def pulse_weight(self, params):
        """One potentiation event: SET Gp and RESET Gm, G += set_step + reset_step."""
        return params.set_step + params.reset_step

    supports_analog_write = True

    def add_weight(self, key, state, delta, params):
        """The seed's analog write `Gp += delta` (its momentum rule), Gp clipped to
        [g_min, g_max]; Gm unchanged."""
        g_plus = jnp.clip(storage.from_storage(state.g_plus) + delta, params.g_min, params.g_max)
        rounding_key = jax.random.fold_in(key, 3) if self.rounding == "stochastic" else None
        return state._replace(g_plus=storage.to_storage(rounding_key, g_plus, self.storage_dtype,
                                                        self.rounding))

    def apply(self, key, state, potentiation, depression, params):
        up = params.set_step
        down = params.reset_step
        g_plus = storage.from_storage(state.g_plus) + up * potentiation - down * depression
        g_minus = storage.from_storage(state.g_minus) - down * potentiation + up * depression
        # Potentiation and depression counts never both occur in one call of the training loop
        # (one phase per call), so the single clip equals clipping after every pulse.
        # Deterministic unless rounding is stochastic (then `key` is needed; None is fine otherwise).
        key_plus, key_minus = jax.random.split(key) if self.rounding == "stochastic" else (None, None)
        return GpGmState(
            storage.to_storage(key_plus, jnp.clip(g_plus, params.g_min, params.g_max),
                               self.storage_dtype, self.rounding),
            storage.to_storage(key_minus, jnp.clip(g_minus, params.g_min, params.g_max),
                               self.storage_dtype, self.rounding))
