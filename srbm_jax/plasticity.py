"""eCD plasticity through STDP pulse coincidences (the 6T2R "gpgm" rule), from spike rasters.

IBM 6T2R simulator (docs/model.md#plasticity): a hidden spike at t_h schedules an update
event at t_e = t_h + d (d = 6 ms in the data phase, 2 ms in the model phase). At the event, every
visible neuron whose last spike t_v has its STDP pulse still open, t_v <= t_e < t_v + w
(w = 4 ms, `tset_width`), takes one update with the sign of the gate g(t_e).

With ticks: visible i is *open* at tick k if it spiked in one of the ticks k-w+1 .. k; hidden j has an
*event* at tick k if it spiked at tick k - d. The number of coincidences of the pair (i, j) with gate
s in {+1, -1} over a segment is

    C_s[i, j] = sum_k [g_k = s] open[k, i] event[k, j]   (one matrix product over gated ticks).

The device (srbm_jax.devices) turns the counts into conductance changes.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np


def delayed(raster, delay: int, history=None):
    """raster shifted later by `delay` ticks: out[k] = raster[k - delay], with `history` (the
    `delay` ticks before this raster, oldest first) supplying k < delay; zeros if None."""
    if delay == 0:
        return raster
    n_ticks = raster.shape[0]
    if history is None:
        history = jnp.zeros((delay,) + raster.shape[1:], raster.dtype)
    return jnp.concatenate([history, raster], axis=0)[:n_ticks]


def last_ticks(raster, n: int):
    """The last n ticks of a raster, zero-padded in front if it is shorter (history for the next)."""
    if n == 0:
        return raster[:0]
    pad = max(0, n - raster.shape[0])
    padded = jnp.concatenate([jnp.zeros((pad,) + raster.shape[1:], raster.dtype), raster], axis=0)
    return padded[-n:]


def pulse_open(raster, width: int, history=None):
    """open[k] = any(raster[k - width + 1 .. k]); `history` = the width-1 ticks before the raster."""
    if history is None:
        history = jnp.zeros((width - 1,) + raster.shape[1:], raster.dtype)
    padded = jnp.concatenate([history, raster], axis=0)
    n_ticks = raster.shape[0]
    result = padded[width - 1:]
    for back in range(1, width):
        result = result | padded[width - 1 - back: width - 1 - back + n_ticks]
    return result


def coincidence_counts(visible_open, hidden_events, gate: np.ndarray):
    """(potentiation, depression) float32 [n_visible, n_hidden] counts over the gated ticks.

    visible_open: bool [T, n_visible]; hidden_events: float/bool [T, n_hidden] (event counts);
    gate: static int [T] in {-1, 0, +1}.
    """
    n_visible, n_hidden = visible_open.shape[1], hidden_events.shape[1]
    result = []
    for sign in (1, -1):
        ticks = np.flatnonzero(gate == sign)
        if ticks.size == 0:
            result.append(jnp.zeros((n_visible, n_hidden), jnp.float32))
            continue
        opened = visible_open[ticks].astype(jnp.float32)
        events = hidden_events[ticks].astype(jnp.float32)
        result.append(opened.T @ events)
    return tuple(result)
