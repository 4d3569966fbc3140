"""The interface of a learning rule: spike rasters of one update in, eCD counts out.

A rule is a frozen dataclass (hashable: a static choice in `Spec.rule`, jitted with the
trainer). Per update (`srbm_jax.train.train_images`) it is called twice, because the device is
updated between the segments (the model segment reads the potentiated weights):

    potentiation, depression = rule.data_counts(visible_data, hidden_data, spec)
    potentiation, depression = rule.model_counts(visible_data, hidden_data,
                                                 visible_model, hidden_model, spec)

Rasters are bool [B, T, n] (B images of a mini-batch, T ticks of the segment); counts are
float32 [n_visible, n_hidden_total], summed over the batch, each >= 0, with at most one of the
two nonzero per synapse and call, in units of the device's eCD event (one SET/RESET pulse pair of
the 6T2R cell): what `Device.apply` takes.
"""
from __future__ import annotations

import abc

import jax
import jax.numpy as jnp


class LearningRule(abc.ABC):
    """Abstract learning rule (see the module docstring)."""

    name: str = "abstract"
    # Whether the counts are whole events (a device whose pulses are discrete, such as the
    # PCM pairs' pulse loop, needs them whole unless an update layer rounds them).
    integer_counts: bool = True

    @abc.abstractmethod
    def data_counts(self, visible_data: jax.Array, hidden_data: jax.Array, spec
                    ) -> tuple[jax.Array, jax.Array]:
        """(potentiation, depression) of the data segment (gate +1 ticks)."""

    @abc.abstractmethod
    def model_counts(self, visible_data: jax.Array, hidden_data: jax.Array,
                     visible_model: jax.Array, hidden_model: jax.Array, spec
                     ) -> tuple[jax.Array, jax.Array]:
        """(potentiation, depression) of the model segment (gate -1 ticks); the data segment's
        rasters supply the spikes just before it."""

    def tick_changes(self, visible: jax.Array, hidden: jax.Array, rows, cols, spec) -> dict:
        """Per tick of one whole image (monitors, `srbm_jax.monitors`), for the synapses
        (rows[s], cols[s]): {"pre_window": [T, S] the visible side of the rule at the synapse's
        visible neuron (an open STDP pulse, a pre trace), "post_window": [T, S] the hidden side
        (update events, a post trace), "change": [T, S] the signed change in eCD events that
        the tick adds (> 0 potentiation)}. visible, hidden: the image's rasters bool [T, n]
        over both segments. The changes of the data ticks sum to data_counts' (potentiation -
        depression) and those of the model ticks to model_counts'."""
        raise NotImplementedError(f"the rule {self.name!r} does not describe its per-tick "
                                  "changes (LearningRule.tick_changes)")

    def validate(self, spec) -> None:
        """ValueError naming config.rule.<field> for settings out of range for this spec."""
        del spec


def signed_split(change: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(max(change, 0), max(-change, 0)): a signed change in events as (potentiation,
    depression) counts."""
    return jnp.maximum(change, 0.0), jnp.maximum(-change, 0.0)
