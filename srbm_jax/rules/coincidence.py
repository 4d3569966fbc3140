"""The 6T2R chip's pulse-coincidence rule (the default; docs/model.md#plasticity).

A visible spike opens its STDP pulse for `pulse_width_ms` (STDP_BL); a hidden spike schedules an
update event `data_event_delay_ms` / `model_event_delay_ms` later (STDP_WL); every open pulse at
an event is one update of that synapse, signed by the gate g(t) at the event:

    C+_ij = sum_{k: g(k)=+1} open_i(k) event_j(k),   C-_ij = sum_{k: g(k)=-1} open_i(k) event_j(k)

Source: the IBM 6T2R event-driven simulator; Ishii et al. 2019.
"""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import plasticity
from srbm_jax.rules.base import LearningRule
from srbm_jax.schedule import training_segments


def batched_counts(visible_open, events, gate, packed: bool = True):
    """Coincidence counts summed over a batch: rasters [B, T, n] are stacked along time."""
    batch, n_ticks = visible_open.shape[:2]
    tiled_gate = np.tile(gate, batch)
    return plasticity.coincidence_counts(visible_open.reshape(batch * n_ticks, -1),
                                         events.reshape(batch * n_ticks, -1), tiled_gate, packed)


COUNTINGS = ("packed", "dense")


@dataclasses.dataclass(frozen=True)
class PulseCoincidence(LearningRule):
    """Open STDP pulse x delayed update event, gated (the IBM rule; its timings are the Spec's
    pulse_width_ms and event delays).

    counting: how the counts are computed, "packed" (bit-packed ticks and population counts,
    `plasticity.packed_counts`; the default) or "dense" (float32 products); identical counts,
    only the speed differs (RESULTS 14)."""

    name: str = "coincidence"
    counting: str = "packed"

    def validate(self, spec) -> None:
        if self.counting not in COUNTINGS:
            raise ValueError(f"config.rule.counting = {self.counting!r} is out of range: allowed "
                             f"one of {COUNTINGS}")

    def data_counts(self, visible_data, hidden_data, spec):
        data, _ = training_segments(spec)
        width = spec.ticks(spec.pulse_width_ms)
        open_data = jax.vmap(lambda raster: plasticity.pulse_open(raster, width))(visible_data)
        events = jax.vmap(lambda raster: plasticity.delayed(raster, data.event_delay))(hidden_data)
        potentiation, _ = batched_counts(open_data, events, data.gate, self.counting == "packed")
        return potentiation, jnp.zeros_like(potentiation)

    def model_counts(self, visible_data, hidden_data, visible_model, hidden_model, spec):
        data, model = training_segments(spec)
        width = spec.ticks(spec.pulse_width_ms)

        def model_events(hidden_data, hidden_model):
            # Events scheduled by data-segment spikes that fall into the model segment, and its
            # own: two bool planes (a tick can hold one of each), counted one after the other.
            spill = plasticity.last_ticks(hidden_data, data.event_delay)
            from_data = plasticity.delayed(jnp.zeros_like(hidden_model), data.event_delay, spill)
            own = plasticity.delayed(hidden_model, model.event_delay)
            return from_data, own

        def model_open(visible_data, visible_model):
            history = plasticity.last_ticks(visible_data, width - 1)
            return plasticity.pulse_open(visible_model, width, history)

        from_data, own = jax.vmap(model_events)(hidden_data, hidden_model)
        opened = jax.vmap(model_open)(visible_data, visible_model)
        packed = self.counting == "packed"
        depression = (batched_counts(opened, from_data, model.gate, packed)[1]
                      + batched_counts(opened, own, model.gate, packed)[1])
        return jnp.zeros_like(depression), depression

    def tick_changes(self, visible, hidden, rows, cols, spec):
        data, model = training_segments(spec)
        width = spec.ticks(spec.pulse_width_ms)
        opened = plasticity.pulse_open(jnp.asarray(visible), width)  # across the segments
        hidden = jnp.asarray(hidden)
        in_data = jnp.arange(hidden.shape[0])[:, None] < data.n_ticks
        # data-segment spikes schedule their events d_data later (into the model segment too),
        # model-segment spikes d_model later
        events = (plasticity.delayed(jnp.where(in_data, hidden, False), data.event_delay)
                  .astype(jnp.float32)
                  + plasticity.delayed(jnp.where(in_data, False, hidden), model.event_delay)
                  .astype(jnp.float32))
        gate = jnp.asarray(np.concatenate([data.gate, model.gate]), jnp.float32)[:, None]
        pre, post = opened[:, rows].astype(jnp.float32), events[:, cols]
        return {"pre_window": pre, "post_window": post, "change": gate * pre * post}
