"""Tick-exact on-line eCD: the slow reference for the fast training path (docs/model.md#discretisation).

`train.train_images` reads the weights once per segment and applies a segment's coincidence
counts in one device call. Here every tick reads the weights, finds that tick's update events and
open STDP pulses, and applies them to the device at once, so an update reaches the neurons on the
next tick, as in the event-driven hardware simulator. Both paths draw the same random words from
the same keys and use the same tick (`network.free_tick`), so:

* when the weights cannot influence the spikes (alpha = 0), the two paths give the same spikes and,
  for the linear 6T2R device, the same conductances (tests/test_reference.py);
* otherwise they differ only through the within-segment feedback of the weights on the spikes,
  which the tests compare statistically over seeds.

Costs one weight read and one dense outer-product update per tick: for tests and small networks.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from srbm_jax import encoding, network
from srbm_jax.config import Spec
from srbm_jax.schedule import training_segments


@functools.partial(jax.jit, static_argnames=("spec",))
def train_image_tick_exact(key, device_state, pixels, label, params, spec: Spec):
    """Train on one image with per-tick weight reads and updates.

    Same arguments as `train.train_image`. Returns (device_state, (visible raster bool [T, V],
    hidden raster bool [T, H]), (potentiation events, depression events) summed over synapses).
    """
    device = spec.device
    data, model = training_segments(spec)
    key_data, key_model, key_ltp, key_ltd = jax.random.split(key, 4)
    width = spec.ticks(spec.pulse_width_ms)
    p_hidden = encoding.hidden_probabilities(params, spec)
    n_visible, n_hidden = spec.n_visible, spec.n_hidden_total

    def run(state, segment, words, p_visible, segment_index, update_key):
        def tick(state, inputs):
            device_state, carry, visible_history, spill_history, own_history, totals = state
            tick_words, gate, tick_index = inputs
            weight = device.read(device_state, params.device)
            rows = network.segment_rows(weight, spec, segment.visible_free)
            carry, (visible_spikes, hidden_spikes) = network.free_tick(
                carry, network.SegmentWords(*tick_words), rows, p_visible, p_hidden, params, spec,
                segment.visible_free)
            hidden = hidden_spikes.astype(jnp.float32)
            # Events now: data-segment spikes d_data ticks ago, model-segment spikes d_model ago.
            if segment_index == 0:
                delay, history = data.event_delay, spill_history
            else:
                delay, history = model.event_delay, own_history
            events = history[0] if delay > 0 else hidden
            if segment_index == 1 and data.event_delay > 0:
                events = events + spill_history[0]
            opened = jnp.any(jnp.concatenate([visible_history, visible_spikes[None]]), axis=0)
            coincidences = jnp.outer(opened.astype(jnp.float32), events)
            potentiation = jnp.where(gate > 0, coincidences, 0.0)
            depression = jnp.where(gate < 0, coincidences, 0.0)
            device_state = device.apply(jax.random.fold_in(update_key, tick_index), device_state,
                                        potentiation, depression, params.device)
            visible_history = jnp.concatenate([visible_history, visible_spikes[None]])[1:]
            pushed = hidden if segment_index == 0 else jnp.zeros_like(hidden)
            spill_history = jnp.concatenate([spill_history, pushed[None]])[1:]
            if segment_index == 1:
                own_history = jnp.concatenate([own_history, hidden[None]])[1:]
            totals = totals + jnp.stack([jnp.sum(potentiation), jnp.sum(depression)])
            state = (device_state, carry, visible_history, spill_history, own_history, totals)
            return state, (visible_spikes, hidden_spikes)

        inputs = (tuple(words), jnp.asarray(segment.gate), jnp.arange(segment.n_ticks))
        full_carry = state[1]
        state = (state[0], network.free_part(full_carry, segment.visible_free)) + state[2:]
        state, rasters = jax.lax.scan(tick, state, inputs)
        carry = network.with_free_part(full_carry, state[1], segment.visible_free)
        return (state[0], carry) + state[2:], rasters

    state = (device_state, network.init_carry(spec),
             jnp.zeros((width - 1, n_visible), bool),
             jnp.zeros((data.event_delay, n_hidden), jnp.float32),
             jnp.zeros((model.event_delay, n_hidden), jnp.float32),
             jnp.zeros((2,), jnp.float32))
    words = network.draw_segment_words(key_data, data.n_ticks, data.visible_free, spec)
    state, (visible_data, hidden_data) = run(
        state, data, words, encoding.visible_probabilities(pixels, label, params, spec), 0, key_ltp)
    # The clamped data segment leaves the visible layer at rest, as in the fast path.
    device_state, carry = state[0], state[1]
    state = (device_state, carry._replace(visible=network.init_carry(spec).visible)) + state[2:]
    words = network.draw_segment_words(key_model, model.n_ticks, model.visible_free, spec)
    state, (visible_model, hidden_model) = run(
        state, model, words, encoding.visible_probabilities(pixels, None, params, spec), 1, key_ltd)
    rasters = (jnp.concatenate([visible_data, visible_model]),
               jnp.concatenate([hidden_data, hidden_model]))
    return state[0], rasters, (state[5][0], state[5][1])


__all__ = ["train_image_tick_exact"]
