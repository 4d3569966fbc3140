"""Refresh ("occasional reset") of a SET-only pair of PCM devices.

PCM can only be programmed gradually upward (SET); RESET is abrupt. A pair trained with SET
pulses alone (potentiation SETs Gp, depression SETs Gm) drifts up until both devices saturate
and the weight G = Gp - Gm can no longer move. The refresh (docs/model.md#refresh;
aihwkit `OneSidedUnitCell`, `refresh_upper_thres` = 0.75, `refresh_lower_thres` = 0.25) reads G,
RESETs both devices and programs |G| back onto the device of G's sign.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp


def refresh_pair(g_plus: jax.Array, g_minus: jax.Array, g_min, g_max, high, low, due=True
                 ) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Refresh the pairs whose devices are both high: (g_plus, g_minus, refreshed).

    With fractions of full scale f = (g - g_min) / (g_max - g_min), a synapse is refreshed when
        max(f_plus, f_minus) > high  and  min(f_plus, f_minus) > low
    (aihwkit's trigger: the larger device past 0.75, the smaller past 0.25 of full scale). Then
        G = Gp - Gm;  Gp <- g_min + max(G, 0);  Gm <- g_min + max(-G, 0),
    i.e. both devices are RESET to g_min and G is re-programmed onto one device. The
    re-programming is ideal (exact, no pulses, no noise; aihwkit re-programs with pulses and so
    lands within about one step), so G is preserved up to float rounding.

    `due` (a boolean scalar, default True) gates the whole call: False refreshes nothing (the
    refresh period of `pcm_pair`). Units are those of the arguments (any conductance scale).
    `refreshed` is a float32 0/1 mask of the synapses refreshed (its sum is the number of
    refreshes).
    """
    span = g_max - g_min
    f_plus = (g_plus - g_min) / span
    f_minus = (g_minus - g_min) / span
    refreshed = ((jnp.maximum(f_plus, f_minus) > high) & (jnp.minimum(f_plus, f_minus) > low)
                 & jnp.asarray(due, bool))
    weight = g_plus - g_minus
    new_plus = jnp.where(refreshed, g_min + jnp.maximum(weight, 0.0), g_plus)
    new_minus = jnp.where(refreshed, g_min + jnp.maximum(-weight, 0.0), g_minus)
    return new_plus, new_minus, refreshed.astype(jnp.float32)
