"""A slow, plain-NumPy reference of one network tick, written from srbm_jax's documented equations.

No jax here: loops over neurons, float32 scalars, so that `srbm_jax.network.run_free_segment` can
be checked tick by tick. Equations (srbm_jax.neurons / srbm_jax.network / srbm_jax.random docs):

* drive (spikes of tick t-1 arrive at tick t):
    drive_visible[i] = alpha * sum_{j: hidden j spiked} W[i, j]        (free visible i)
    drive_hidden[j]  = alpha * sum_{i: visible i spiked} W[i, j]       (free hidden j < n_hidden)
* clamped neurons: spike iff (word >> 8) < p * 2^24.
* LIF, active fraction f = clip((dt - refractory_left) / dt, 0, 1), m = round(f * flips_per_tick):
    k = popcount of the first m bits of the neuron's word stream (bit b = bit b%32 of word b//32)
    u1 = u0 exp(-dt/tau) + f drive + walk_up k - walk_down (m - k)
    spike if f > 0 and (u1 >= theta or [bridge] U < exp(-2 (theta-u0)+ (theta-u1)+ / (m s^2)))
      with s = (walk_up + walk_down) / 2, U = (last word >> 8) / 2^24, P = 0 when m = 0;
    crossing fraction c = clip((theta - u0) / (u1 - u0), 0, 1) if u1 >= theta else 0.5
      ((u1 - u0) replaced by 1 when u1 <= u0);
    on spike: u = 0, refractory_left = max(refractory_ms - (1 - c) dt, 0);
    else: u = u1, refractory_left = max(refractory_left - dt, 0).
"""
from __future__ import annotations

import math

import numpy as np

F32 = np.float32


def bernoulli(word, probability) -> bool:
    threshold = F32(min(max(float(probability), 0.0), 1.0)) * F32(1 << 24)
    return F32(int(word) >> 8) < threshold


def popcount_first_bits(words, m: int) -> int:
    """Number of ones among the first m bits of the stream of uint32 words."""
    count = 0
    for b in range(m):
        count += (int(words[b // 32]) >> (b % 32)) & 1
    return count


def lif_neuron(u0, refractory_left, drive, words, params, *, dt_ms, flips_per_tick,
               bridge_correction):
    """One neuron, one tick. Returns (membrane, refractory_left, spiked)."""
    dt = F32(dt_ms)
    theta = F32(params.firing_threshold)
    up, down = F32(params.walk_up), F32(params.walk_down)
    u0, refractory_left, drive = F32(u0), F32(refractory_left), F32(drive)
    fraction = F32(min(max((dt - refractory_left) / dt, F32(0)), F32(1)))
    m = int(np.round(fraction * F32(flips_per_tick)))
    k = popcount_first_bits(words, m)
    walk = up * F32(k) - down * F32(m - k)
    decay = F32(np.exp(-dt / F32(params.membrane_tau_ms)))
    u1 = u0 * decay + fraction * drive + walk
    crossed = bool(u1 >= theta)
    if bridge_correction and m > 0:
        step = F32(0.5) * (up + down)
        variance = max(F32(m) * step * step, F32(1e-30))
        gap0, gap1 = max(theta - u0, F32(0)), max(theta - u1, F32(0))
        p_cross = F32(np.exp(F32(-2.0) * gap0 * gap1 / variance))
        uniform = F32(int(words[-1]) >> 8) * F32(1.0 / (1 << 24))
        crossed = crossed or bool(uniform < p_cross)
    if u1 >= theta:
        rise = u1 - u0 if u1 > u0 else F32(1)
        crossing = F32(min(max((theta - u0) / rise, F32(0)), F32(1)))
    else:
        crossing = F32(0.5)
    spiked = crossed and fraction > 0
    if spiked:
        return F32(0), F32(max(F32(params.refractory_ms) - (F32(1) - crossing) * dt, F32(0))), True
    return u1, F32(max(refractory_left - dt, F32(0))), False


def network_tick(state, words, weight, p_visible, p_hidden, params, spec, visible_free):
    """One tick of the whole network.

    state: dict of numpy arrays visible_membrane, visible_refractory [V], hidden_membrane,
      hidden_refractory [H], visible_spikes [V] bool, hidden_spikes [H_total] bool.
    words: dict visible_clamp [V], visible_walk [n_free, W], hidden_clamp [H_total],
      hidden_walk [H, W] (one tick of `network.SegmentWords`).
    Returns the new state (a new dict).
    """
    weight = np.asarray(weight, np.float32)
    alpha = F32(params.alpha)
    start, stop = visible_free
    n_visible, n_hidden_total = weight.shape
    n_hidden = spec.n_hidden
    lif_args = {"dt_ms": spec.dt_ms, "flips_per_tick": spec.flips_per_tick,
                    "bridge_correction": spec.bridge_correction}
    new = {name: np.array(value, copy=True) for name, value in state.items()}
    visible_spikes = np.zeros(n_visible, bool)
    for i in range(n_visible):
        if start <= i < stop:
            drive = F32(0)
            for j in range(n_hidden_total):
                if state["hidden_spikes"][j]:
                    drive += weight[i, j]
            u, r, s = lif_neuron(state["visible_membrane"][i], state["visible_refractory"][i],
                                 alpha * drive, words["visible_walk"][i - start], params, **lif_args)
            new["visible_membrane"][i], new["visible_refractory"][i] = u, r
            visible_spikes[i] = s
        else:
            visible_spikes[i] = bernoulli(words["visible_clamp"][i], p_visible[i])
    hidden_spikes = np.zeros(n_hidden_total, bool)
    for j in range(n_hidden_total):
        if j < n_hidden:
            drive = F32(0)
            for i in range(n_visible):
                if state["visible_spikes"][i]:
                    drive += weight[i, j]
            u, r, s = lif_neuron(state["hidden_membrane"][j], state["hidden_refractory"][j],
                                 alpha * drive, words["hidden_walk"][j], params, **lif_args)
            new["hidden_membrane"][j], new["hidden_refractory"][j] = u, r
            hidden_spikes[j] = s
        else:
            hidden_spikes[j] = bernoulli(words["hidden_clamp"][j], p_hidden[j])
    new["visible_spikes"], new["hidden_spikes"] = visible_spikes, hidden_spikes
    return new


def lowbias32(x):
    """numpy uint32 version of the documented hash (wrapping arithmetic)."""
    x = np.asarray(x, np.uint32)
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint32(16))
        x = (x * np.uint32(0x7FEB352D)).astype(np.uint32)
        x = x ^ (x >> np.uint32(15))
        x = (x * np.uint32(0x846CA68B)).astype(np.uint32)
        return x ^ (x >> np.uint32(16))


def expected_lif_trace(drive, n_ticks, tau_ms, dt_ms, theta, refractory_ms):
    """Noise-free LIF (walk 0) with constant drive, float64: membranes, spikes, refractory_left."""
    decay = math.exp(-dt_ms / tau_ms)
    u, refractory = 0.0, 0.0
    trace = []
    for _ in range(n_ticks):
        fraction = min(max((dt_ms - refractory) / dt_ms, 0.0), 1.0)
        u1 = u * decay + fraction * drive
        if fraction > 0 and u1 >= theta:
            crossing = min(max((theta - u) / (u1 - u), 0.0), 1.0)
            u, refractory = 0.0, max(refractory_ms - (1 - crossing) * dt_ms, 0.0)
            trace.append((u, refractory, True))
        else:
            u, refractory = u1, max(refractory - dt_ms, 0.0)
            trace.append((u, refractory, False))
    return trace
