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

import jax
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


def pack_ticks(raster):
    """bool [T, n] -> uint32 [n, ceil(T / 32)]: bit t % 32 of word t // 32 is raster[t]."""
    n_ticks = raster.shape[0]
    n_words = -(-n_ticks // 32)
    padded = jnp.zeros((n_words * 32,) + raster.shape[1:], jnp.uint32).at[:n_ticks].set(
        raster.astype(jnp.uint32))
    shifts = jnp.arange(32, dtype=jnp.uint32)[None, :, None]
    return jnp.sum(padded.reshape(n_words, 32, -1) << shifts, axis=1, dtype=jnp.uint32).T


def packed_counts(visible_open, hidden_events):
    """open^T @ events for bool rasters [T, n_visible], [T, n_hidden] as population counts of
    bit-packed ticks: C_ij = sum_w popcount(open_i[w] & events_j[w]), float32 [n_visible,
    n_hidden] (exact; ~32 x fewer operations than the float product, and on XLA:CPU 5-8 x
    faster, `benchmarks/coincidence_variants.py`)."""
    opened, events = pack_ticks(visible_open), pack_ticks(hidden_events)
    return jnp.sum(jax.lax.population_count(opened[:, None, :] & events[None, :, :]), axis=-1,
                   dtype=jnp.int32).astype(jnp.float32)


def coincidence_counts(visible_open, hidden_events, gate: np.ndarray, packed: bool = True):
    """(potentiation, depression) float32 [n_visible, n_hidden] counts over the gated ticks.

    visible_open: bool [T, n_visible]; hidden_events: bool [T, n_hidden] (at most one event per
    tick), or float event counts; gate: static int [T] in {-1, 0, +1}. packed (static): bool
    events are counted bit-packed (`packed_counts`), otherwise, and for float counts, by the
    float32 product; both are exact, so the counts are identical.
    """
    n_visible, n_hidden = visible_open.shape[1], hidden_events.shape[1]
    result = []
    for sign in (1, -1):
        ticks = np.flatnonzero(gate == sign)
        if ticks.size == 0:
            result.append(jnp.zeros((n_visible, n_hidden), jnp.float32))
            continue
        if packed and hidden_events.dtype == jnp.bool_:
            result.append(packed_counts(visible_open[ticks], hidden_events[ticks]))
            continue
        opened = visible_open[ticks].astype(jnp.float32)
        events = hidden_events[ticks].astype(jnp.float32)
        result.append(opened.T @ events)
    return tuple(result)
