"""Leaky integrate-and-fire neurons with the 6T2R hardware's random walk, advanced one tick.

Continuous model (the source slides; IBM 6T2R simulator parameter file; docs/model.md#neurons):

    du/dt = -u / tau + sum_j alpha * G_j * delta(t - t_j) + random walk,

where the random walk moves u by +walk_up or -walk_down with probability 1/2 each, once every
`walk_interval` (10 us). A neuron spikes when u >= firing_threshold, is reset to 0 and held there
for `refractory_ms`. Units: u and the threshold are the simulator's dimensionless membrane units
(threshold 1); times in ms; G in conductance units (alpha converts G to membrane units).

Clock-driven discretisation with tick dt (Spec.dt_ms), all of it exact except where noted
(docs/model.md#discretisation):
* Leak: u <- u * exp(-dt / tau) (exact for the deterministic part).
* Random walk: the n = dt / walk_interval coin flips of one tick are summed exactly:
  k ~ Binomial(n, 1/2) as the popcount of n random bits; displacement = walk_up k - walk_down (n-k).
* Synaptic input: spikes emitted in tick t - 1 arrive in tick t (one tick of synaptic delay).
* Threshold crossings inside a tick: if u ends the tick below threshold, a crossing may still have
  happened. With the Brownian-bridge correction the neuron also spikes with probability
  exp(-2 (theta - u0)(theta - u1) / (n s^2)), s = (walk_up + walk_down)/2, the probability that a
  Brownian path pinned at u0 and u1 touched theta (exact for Brownian motion with constant drift).
* Refractory time is kept in ms, not ticks: the crossing time inside the tick is estimated by
  linear interpolation (0.5 for bridge-detected crossings) and the neuron becomes active again
  part-way through a later tick, for which only the active fraction of the coin flips and of the
  synaptic input is applied. This removes the rate bias of spike times rounded to tick ends.
`benchmarks/dt_convergence.py` measures the remaining error: at dt = 1 ms the rate-vs-input curve is
within 1.3 % of dt = 0.1 ms (RESULTS.md section 1).
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from srbm_jax.random import uniform_from_words


class LayerState(NamedTuple):
    """State of one layer of LIF neurons.

    membrane: float32 [n], membrane potential u (membrane units, reset = 0).
    refractory_left: float32 [n], ms of refractory time still to serve (0 = active).
    """

    membrane: jax.Array
    refractory_left: jax.Array


def init_layer(n: int) -> LayerState:
    """All neurons at rest: u = 0 (IBM `pt_init`), not refractory."""
    return LayerState(jnp.zeros((n,), jnp.float32), jnp.zeros((n,), jnp.float32))


def _flip_masks(active_flips: jax.Array, n_words: int) -> jax.Array:
    """uint32 masks [n, n_words] selecting the first `active_flips` bits of the word stream."""
    offsets = jnp.arange(n_words, dtype=jnp.int32) * 32
    bits_in_word = jnp.clip(active_flips[:, None] - offsets[None, :], 0, 32)
    full = jnp.uint32(0xFFFFFFFF)
    partial = (jnp.uint32(1) << jnp.minimum(bits_in_word, 31).astype(jnp.uint32)) - jnp.uint32(1)
    return jnp.where(bits_in_word >= 32, full, partial)


def random_walk(walk_words: jax.Array, active_flips: jax.Array, flips_per_tick: int,
                walk_up: jax.Array, walk_down: jax.Array) -> jax.Array:
    """Exact sum of `active_flips` (<= flips_per_tick) coin flips of +walk_up / -walk_down.

    walk_words: uint32 [n, n_words]; bit b of the stream is bit (b % 32) of word b // 32.
    Returns walk_up * k - walk_down * (m - k), k = popcount of the first m bits, m = active_flips.
    """
    del flips_per_tick  # the masks already stop at active_flips <= flips_per_tick
    masks = _flip_masks(active_flips, walk_words.shape[-1])
    ups = jnp.sum(jax.lax.population_count(walk_words & masks).astype(jnp.int32), axis=-1)
    ups = ups.astype(jnp.float32)
    return walk_up * ups - walk_down * (active_flips.astype(jnp.float32) - ups)


class TickParts(NamedTuple):
    """What moved the membrane in one tick (monitors): drive, the synaptic input applied,
    f * drive (membrane units); walk, the random walk's displacement (membrane units)."""

    drive: jax.Array
    walk: jax.Array


def lif_tick(state: LayerState, drive: jax.Array, walk_words: jax.Array, params, *,
             dt_ms: float, flips_per_tick: int, bridge_correction: bool = True,
             with_parts: bool = False):
    """Advance one layer by one tick of dt_ms.

    Args:
      state: LayerState of n neurons.
      drive: float32 [n], summed synaptic input of this tick, alpha * sum_j G_ij s_j (membrane units).
      walk_words: uint32 [n, Spec.walk_words] random words of this tick (coin flips in the low
        bits of the stream, the bridge uniform in the top 24 bits of the last word).
      params: Params (uses membrane_tau_ms, firing_threshold, walk_up, walk_down, refractory_ms).
      with_parts: (static) also return TickParts(drive, walk) of the tick (monitors).
    Returns:
      (new LayerState, spikes bool [n]), and TickParts with `with_parts`.

    u1 = u0 exp(-dt/tau) + f drive + walk(f n flips), where f in [0, 1] is the fraction of the
    tick the neuron is not refractory; spike if u1 >= theta or (bridge) uniform < P_cross.
    """
    theta = params.firing_threshold
    active_fraction = jnp.clip((dt_ms - state.refractory_left) / dt_ms, 0.0, 1.0)
    active_flips = jnp.round(active_fraction * flips_per_tick).astype(jnp.int32)
    decay = jnp.exp(-dt_ms / params.membrane_tau_ms)
    walk = random_walk(walk_words, active_flips, flips_per_tick, params.walk_up, params.walk_down)
    start = state.membrane
    end = start * decay + active_fraction * drive + walk
    crossed = end >= theta
    if bridge_correction:
        step = 0.5 * (params.walk_up + params.walk_down)
        variance = active_flips.astype(jnp.float32) * step * step
        gap_start = jnp.maximum(theta - start, 0.0)
        gap_end = jnp.maximum(theta - end, 0.0)
        p_cross = jnp.exp(-2.0 * gap_start * gap_end / jnp.maximum(variance, 1e-30))
        p_cross = jnp.where(active_flips > 0, p_cross, 0.0)
        crossed = crossed | (uniform_from_words(walk_words[:, -1]) < p_cross)
    # Crossing time inside the tick (fraction of dt); its remainder counts toward refractoriness.
    rise = jnp.where(end > start, end - start, 1.0)
    crossing_fraction = jnp.where(end >= theta, jnp.clip((theta - start) / rise, 0.0, 1.0), 0.5)
    refractory_after = jnp.maximum(params.refractory_ms - (1.0 - crossing_fraction) * dt_ms, 0.0)
    spikes = crossed & (active_fraction > 0)
    refractory_left = jnp.where(spikes, refractory_after,
                                jnp.maximum(state.refractory_left - dt_ms, 0.0))
    membrane = jnp.where(spikes, 0.0, end)
    if with_parts:
        return LayerState(membrane, refractory_left), spikes, TickParts(active_fraction * drive,
                                                                        walk)
    return LayerState(membrane, refractory_left), spikes
