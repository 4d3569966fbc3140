"""A SET-only PCM pair with the IBM simulator's stochastic update model.

One SET pulse on a device of conductance G (docs/model.md#pcm_stochastic, IBM PCM
stochastic model; simulator conductance units, [g_min, g_max] = [0, 10]):
    mean = mean_g G + mean_0 + mean_p P
    std  = max(std_g G + std_0 + std_p P, 0)
    G   <- min(G + max(mean + std xi, 0), g_max),   xi ~ N(0, 1) per pulse and device
    (xi from `srbm_jax.random.normal`: hash words, inverse-CDF normals)
    P   <- P + 1
P is the device's decaying memory of recent programming: at the start of every `apply` call
(one call per eCD phase: a data or a model phase of one image) P <- memory_decay * P, then each
pulse adds 1. A SET step is clipped at 0 (a SET never lowers the conductance).

The coefficients are not given by the reference; the defaults are chosen to resemble the IBM
simulator's scale (illustrative, not a fit to measurements):
* mean: 0.02 at G = 0, 0.01 at mid-range G = 5 (gpgm_linear's step), 0 at g_max = 10
  (mean_g = -0.002, mean_0 = 0.02): a saturating device.
* std: 0.004 at G = 0, 0.003 at G = 5, 0.002 at G = 10 (std_g = -0.0002, std_0 = 0.004).
* memory: each remembered pulse lowers the mean by 0.0002 and raises the std by 0.0001
  (mean_p = -0.0002, std_p = 0.0001): back-to-back programming gives smaller, noisier steps.
  memory_decay = 0.5 per call, so P forgets a phase's pulses over a few phases (n pulses in
  every call hold P between n and 2n).
Not modelled: RESET noise (the reference's "RESET to g_reset_min plus noise"); RESET (refresh
only) goes exactly to g_min and the re-programming of |G| is ideal.

Init: each device min(g_min + |N(0, init_std)|, g_max) with init_std = 1.75 (near the RESET
state), so G = Gp - Gm has std 1.75 sqrt(2 (1 - 2 / pi)) = 1.49, the spread of gpgm_linear's
N(5, 1.06) pair. Refresh as in `pcm_nonlinear` (0.75 / 0.25 of full scale, `auto_refresh`,
checked every refresh_every-th apply call).
"""
from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from srbm_jax.devices.base import check_field, check_params
from srbm_jax.devices.pcm_pair import AbstractPcmPair, init_low, pulse_loop, zeros_counters


@struct.dataclass
class PcmStochasticParams:
    """Conductance units (0..10 scale) unless stated.

    mean_g, mean_0, mean_p: step mean = mean_g G + mean_0 + mean_p P (-0.002 per unit, 0.02,
    -0.0002 per remembered pulse). std_g, std_0, std_p: step std = std_g G + std_0 + std_p P,
    clipped at 0 (-0.0002, 0.004, 0.0001). memory_decay: P <- memory_decay P per call, in [0, 1]
    (0.5). g_min, g_max: device bounds (0, 10). init_std: std of the |N(0, .)| init above g_min
    (1.75). refresh_high, refresh_low: refresh thresholds, fractions of full scale (0.75, 0.25).
    refresh_every: apply calls per refresh check, an integer >= 1 (1).
    """

    mean_g: Any = -0.002
    mean_0: Any = 0.02
    mean_p: Any = -0.0002
    std_g: Any = -0.0002
    std_0: Any = 0.004
    std_p: Any = 0.0001
    memory_decay: Any = 0.5
    g_min: Any = 0.0
    g_max: Any = 10.0
    init_std: Any = 1.75
    refresh_high: Any = 0.75
    refresh_low: Any = 0.25
    refresh_every: Any = 1.0


class PcmStochasticState(NamedTuple):
    """All float32 [n_visible, n_hidden] except the scalar apply_calls.

    g_plus, g_minus: device conductances. p_plus, p_minus: programming memories P (pulses).
    set_pulses, reset_pulses, refresh_count, clipped_pulses: counters (see
    `srbm_jax.devices.pcm_pair`).
    """

    g_plus: jax.Array
    g_minus: jax.Array
    p_plus: jax.Array
    p_minus: jax.Array
    set_pulses: jax.Array
    reset_pulses: jax.Array
    refresh_count: jax.Array
    clipped_pulses: jax.Array
    apply_calls: jax.Array


def stochastic_step_moments(g: jax.Array, p: jax.Array, params: PcmStochasticParams
                            ) -> tuple[jax.Array, jax.Array]:
    """(mean, std) of one SET step before clipping: (mean_g G + mean_0 + mean_p P,
    max(std_g G + std_0 + std_p P, 0)), conductance units."""
    mean = params.mean_g * g + params.mean_0 + params.mean_p * p
    std = jnp.maximum(params.std_g * g + params.std_0 + params.std_p * p, 0.0)
    return mean, std


def set_pulse(noise: jax.Array, carry: tuple[jax.Array, jax.Array], aux: Any,
              params: PcmStochasticParams) -> tuple[jax.Array, jax.Array]:
    """One SET pulse (`pcm_pair.pulse_loop`'s step): (G, P) <- (min(G + max(mean + std xi, 0),
    g_max), P + 1) with (mean, std) = `stochastic_step_moments(G, P)` and xi the pulse's
    standard normal `noise`; `aux` is unused."""
    del aux
    g, p = carry
    mean, std = stochastic_step_moments(g, p, params)
    return jnp.minimum(g + jnp.maximum(mean + std * noise, 0.0), params.g_max), p + 1.0


@dataclasses.dataclass(frozen=True)
class PcmStochastic(AbstractPcmPair):
    """SET-only PCM pair with Gaussian, conductance- and history-dependent SET steps and refresh.

    max_pulses_per_call: SET pulses applied per device per call at most (excess counted in
    clipped_pulses). auto_refresh: refresh after every apply.
    """

    max_pulses_per_call: int = 16
    auto_refresh: bool = True
    name: str = "pcm_stochastic"

    def default_params(self) -> PcmStochasticParams:
        return PcmStochasticParams()

    def validate(self, params: PcmStochasticParams) -> None:
        self._validate_pair(params)
        check_params(params, ("mean_g", "mean_0", "mean_p", "std_g", "std_0", "std_p"))
        decay = np.asarray(params.memory_decay)
        check_field(np.all((decay >= 0) & (decay <= 1)), "memory_decay", "in [0, 1]", decay)

    def init(self, key, n_visible, n_hidden, params):
        shape = (n_visible, n_hidden)
        k_plus, k_minus = jax.random.split(key)
        zeros = jnp.zeros(shape, jnp.float32)
        return PcmStochasticState(
            g_plus=init_low(k_plus, shape, params.g_min, params.g_max, params.init_std),
            g_minus=init_low(k_minus, shape, params.g_min, params.g_max, params.init_std),
            p_plus=zeros, p_minus=zeros, **zeros_counters(shape))

    def pulse_weight(self, params):
        """The mean SET step at mid-range, G = (g_min + g_max) / 2, with no programming
        memory (P = 0)."""
        mean, _ = stochastic_step_moments(0.5 * (params.g_min + params.g_max), 0.0, params)
        return mean

    def _set_pulses(self, key, state, n_pulses, params):
        g = jnp.stack([state.g_plus, state.g_minus])
        p = params.memory_decay * jnp.stack([state.p_plus, state.p_minus])
        g, p = pulse_loop(key, n_pulses, (g, p), set_pulse, params)
        return state._replace(g_plus=g[0], g_minus=g[1], p_plus=p[0], p_minus=p[1])
