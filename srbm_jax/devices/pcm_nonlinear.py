"""A SET-only PCM pair with aihwkit's PCMPresetDevice exp-step law (Nandakumar et al. 2020).

Each device's conductance w lives in aihwkit's normalised units, [g_min, g_max] = [0, 2].
One SET pulse on a device (docs/model.md#pcm_nonlinear; aihwkit `ExpStepDevice` with the
`PCMPresetDevice` fit, a = -1, b = 0):
    z    = -2 (w - g_min) / (g_max - g_min)                 (= -w on [0, 2])
    step = max(1 - a_up exp(gamma_up z), 0) * dw_min        (a_up = -27.235, gamma_up = 2.5,
                                                             dw_min = 0.01)
    w   <- min(w + max(step * d * (1 + dw_min_std * xi), 0), g_max),   xi ~ N(0, 1) per pulse
    (xi from `srbm_jax.random.normal`: hash words, inverse-CDF normals)
Steps shrink from 0.28235 at w = 0 to 0.01180 at w = 2 (1 + 27.235 e^-5 = 1.1835); about 73
pulses take a device from 0 to 2 (integral of dw / step).
* d: device-to-device factor on dw_min, max(1 + dw_min_dtod * N(0, 1), 0), drawn once per device
  at init (aihwkit `dw_min_dtod` = 0.2).
* dw_min_std: cycle-to-cycle noise, multiplicative on each step (aihwkit `dw_min_std` = 0.6).
  aihwkit's PCM preset adds further terms (std = 0.6 (|dw| + 0.042 + 0.108 |w|)) that are not
  modelled here. A noisy SET step is clipped at 0 (a SET never lowers the conductance, keeping
  potentiation monotone); at dw_min_std = 0.6 this raises the mean step by ~1.2 %
  (E max(1 + 0.6 xi, 0) = 1.0115).
* Not modelled: aihwkit's device-to-device spread of the bounds (`w_max_dtod` = 0.1) and RESET
  noise (`reset_dtod`); RESET (refresh only) goes exactly to g_min.

Weight scale: read() returns G = g_scale * (w_plus - w_minus) with g_scale = 5 conductance units
per normalised unit, so a device's full scale [0, 2] maps onto the IBM simulator's [0, 10]
(`min_weight`, `max_weight`) and the membrane calibration (alpha = 0.1 per unit, threshold 1)
carries over. The device is then much coarser than gpgm_linear's 0.01 steps: 1.41 units per
pulse at w = 0, 0.16 at w = 1, 0.059 at w = 2. For gpgm-like granularity (~1000 pulses over the
range) lower dw_min to ~7e-4.

Init: each device min(g_min + |N(0, init_std)|, g_max) with init_std = 0.35 (near the RESET
state, mean 0.28 = 14 % of full scale), so G = 5 (w_plus - w_minus) has std
5 * 0.35 * sqrt(2 (1 - 2 / pi)) = 1.49 units, the spread of gpgm_linear's N(5, 1.06) pair.

Refresh (see `refresh`): when the larger device is above refresh_high = 0.75 and the smaller
above refresh_low = 0.25 of full scale; by default after every `apply` (`auto_refresh`,
refresh_every = 1; refresh_every = n checks after every n-th call only).
"""
from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from flax import struct

from srbm_jax.devices.base import check_params
from srbm_jax.devices.pcm_pair import AbstractPcmPair, init_low, pulse_loop, zeros_counters


@struct.dataclass
class PcmNonlinearParams:
    """Normalised units unless stated (aihwkit PCMPresetDevice defaults).

    dw_min: step scale (0.01). a_up, gamma_up: exp-step fit (-27.235, 2.5).
    g_min, g_max: device bounds (0, 2). g_scale: simulator conductance units per normalised unit
    (5: full scale 2 -> 10). dw_min_dtod: device-to-device relative spread of dw_min (0.2).
    dw_min_std: cycle-to-cycle relative noise of each step (0.6). init_std: std of the |N(0, .)|
    init above g_min (0.35). refresh_high, refresh_low: refresh thresholds, fractions of full
    scale (0.75, 0.25). refresh_every: apply calls per refresh check, an integer >= 1 (1).
    """

    dw_min: Any = 0.01
    a_up: Any = -27.235
    gamma_up: Any = 2.5
    g_min: Any = 0.0
    g_max: Any = 2.0
    g_scale: Any = 5.0
    dw_min_dtod: Any = 0.2
    dw_min_std: Any = 0.6
    init_std: Any = 0.35
    refresh_high: Any = 0.75
    refresh_low: Any = 0.25
    refresh_every: Any = 1.0


class PcmNonlinearState(NamedTuple):
    """All float32 [n_visible, n_hidden] except the scalar apply_calls.

    g_plus, g_minus: device conductances (normalised units). dtod_plus, dtod_minus: per-device
    factors d on dw_min. set_pulses, reset_pulses, refresh_count, clipped_pulses: counters
    (see `srbm_jax.devices.pcm_pair`). apply_calls: `apply` calls so far.
    """

    g_plus: jax.Array
    g_minus: jax.Array
    dtod_plus: jax.Array
    dtod_minus: jax.Array
    set_pulses: jax.Array
    reset_pulses: jax.Array
    refresh_count: jax.Array
    clipped_pulses: jax.Array
    apply_calls: jax.Array


def exp_step_size(w: jax.Array, params: PcmNonlinearParams) -> jax.Array:
    """Noise-free SET step of a device at conductance w (normalised units):
    max(1 - a_up exp(gamma_up z), 0) * dw_min with z = -2 (w - g_min) / (g_max - g_min)."""
    z = -2.0 * (w - params.g_min) / (params.g_max - params.g_min)
    return jnp.maximum(1.0 - params.a_up * jnp.exp(params.gamma_up * z), 0.0) * params.dw_min


def set_pulse(noise: jax.Array, w: jax.Array, dtod: jax.Array, params: PcmNonlinearParams
              ) -> jax.Array:
    """One SET pulse (`pcm_pair.pulse_loop`'s step): w <- min(w + max(s(w) d (1 + dw_min_std xi),
    0), g_max) with s = `exp_step_size`, d the device's factor `dtod` and xi the pulse's
    standard normal `noise` (normalised units)."""
    step = jnp.maximum(exp_step_size(w, params) * dtod * (1.0 + params.dw_min_std * noise), 0.0)
    return jnp.minimum(w + step, params.g_max)


@dataclasses.dataclass(frozen=True)
class PcmNonlinear(AbstractPcmPair):
    """SET-only PCM pair with the aihwkit PCMPreset exp-step law, variability and refresh.

    max_pulses_per_call: SET pulses applied per device per call at most (excess counted in
    clipped_pulses). auto_refresh: refresh after every apply.
    """

    max_pulses_per_call: int = 16
    auto_refresh: bool = True
    name: str = "pcm_nonlinear"

    def default_params(self) -> PcmNonlinearParams:
        return PcmNonlinearParams()

    def validate(self, params: PcmNonlinearParams) -> None:
        self._validate_pair(params)
        check_params(params, ("a_up", "gamma_up"))
        check_params(params, ("dw_min", "g_scale"), "positive")
        check_params(params, ("dw_min_dtod", "dw_min_std"), "nonnegative")

    def init(self, key, n_visible, n_hidden, params):
        shape = (n_visible, n_hidden)
        k_plus, k_minus, k_dtod = jax.random.split(key, 3)
        dtod = jnp.maximum(
            1.0 + params.dw_min_dtod * jax.random.normal(k_dtod, (2, *shape), jnp.float32), 0.0)
        return PcmNonlinearState(
            g_plus=init_low(k_plus, shape, params.g_min, params.g_max, params.init_std),
            g_minus=init_low(k_minus, shape, params.g_min, params.g_max, params.init_std),
            dtod_plus=dtod[0], dtod_minus=dtod[1], **zeros_counters(shape))

    def read(self, state, params):
        """G = g_scale * (w_plus - w_minus), simulator conductance units."""
        return params.g_scale * (state.g_plus - state.g_minus)

    def pulse_weight(self, params):
        """g_scale times the noise-free SET step at mid-range, w = (g_min + g_max) / 2 (the
        step itself falls from 28 dw_min at g_min to dw_min at g_max)."""
        return params.g_scale * exp_step_size(0.5 * (params.g_min + params.g_max), params)

    def _set_pulses(self, key, state, n_pulses, params):
        dtod = jnp.stack([state.dtod_plus, state.dtod_minus])
        g = pulse_loop(key, n_pulses, jnp.stack([state.g_plus, state.g_minus]), set_pulse,
                       params, dtod)
        return state._replace(g_plus=g[0], g_minus=g[1])
