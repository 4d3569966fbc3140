"""Weight averages kept during a run, evaluated beside the trained weights (never in their place).

* EMA (exponential moving average, Polyak averaging with forgetting): at the end of every
  training segment (a checkpoint interval, `checkpoint_every_images`, or the epoch end) of n
  images, avg <- d avg + (1 - d) state with d = 0.5 ** (n / half_life_images); it starts at the
  first segment's state.
* Tail average (Polyak & Juditsky 1992): the mean of the states at the segment ends of the
  last `tail_epochs` epochs trained (a ring of one running sum per epoch, so it does not
  depend on how many epochs the run will have).

Both need a device whose read is linear in its state (`Device.linear_read`: gpgm_linear with an
analog read, ideal), so the mean state reads as the mean weight. The averages are part of the
checkpoint, so a resumed run gives the same averages bit for bit. `average_states` averages the
states of saved checkpoints after a run (runs written before the averages existed).
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def _as_float32(tree):
    return jax.tree_util.tree_map(lambda leaf: jnp.asarray(leaf, jnp.float32), tree)


class WeightAverages:
    """EMA and tail average of device states (leading network axis allowed).

    half_life_images: EMA half-life in training images (0 = no EMA). tail_epochs: the number of
    most recent epochs whose segment-end states are averaged (0 = none)."""

    def __init__(self, half_life_images: int, tail_epochs: int):
        self.half_life, self.tail_epochs = half_life_images, tail_epochs

    @property
    def enabled(self) -> bool:
        return bool(self.half_life or self.tail_epochs)

    def init(self, states) -> dict:
        """The empty averages ({} when both are off)."""
        carry = {}
        if self.half_life:
            carry.update(ema=_as_float32(states), ema_count=jnp.zeros((), jnp.float32))
        if self.tail_epochs:
            k = self.tail_epochs
            carry.update(tail_sum=jax.tree_util.tree_map(
                lambda leaf: jnp.zeros((k, *leaf.shape), jnp.float32), states),
                tail_count=jnp.zeros((k,), jnp.float32),
                tail_epoch=jnp.full((k,), -1.0, jnp.float32))
        return carry

    def update(self, carry: dict, states, epoch: int, images: int) -> dict:
        """The averages after a segment of `images` images of `epoch` (0-based) that ended at
        `states`."""
        if not carry:
            return carry
        carry = dict(carry)
        current = _as_float32(states)
        if self.half_life:
            decay = jnp.where(carry["ema_count"] > 0,
                              jnp.float32(0.5 ** (images / self.half_life)), 0.0)
            carry["ema"] = jax.tree_util.tree_map(lambda a, s: decay * a + (1.0 - decay) * s,
                                                  carry["ema"], current)
            carry["ema_count"] = carry["ema_count"] + 1.0
        if self.tail_epochs:
            slot = epoch % self.tail_epochs
            if float(carry["tail_epoch"][slot]) != epoch:  # a new epoch takes the oldest slot
                carry["tail_sum"] = jax.tree_util.tree_map(lambda s: s.at[slot].set(0.0),
                                                           carry["tail_sum"])
                carry["tail_count"] = carry["tail_count"].at[slot].set(0.0)
                carry["tail_epoch"] = carry["tail_epoch"].at[slot].set(float(epoch))
            carry["tail_sum"] = jax.tree_util.tree_map(lambda s, c: s.at[slot].add(c),
                                                       carry["tail_sum"], current)
            carry["tail_count"] = carry["tail_count"].at[slot].add(1.0)
        return carry

    def states(self, carry: dict) -> dict[str, Any]:
        """{"ema": state, "tail": state} (float32 leaves) of the averages that hold at least one
        point."""
        result = {}
        if self.half_life and float(carry["ema_count"]) > 0:
            result["ema"] = carry["ema"]
        if self.tail_epochs and float(jnp.sum(carry["tail_count"])) > 0:
            count = jnp.sum(carry["tail_count"])
            result["tail"] = jax.tree_util.tree_map(lambda s: jnp.sum(s, axis=0) / count,
                                                    carry["tail_sum"])
        return result


def average_states(states: list) -> Any:
    """The mean of several device states (float32 mean, cast back to each leaf's dtype)."""
    if not states:
        raise ValueError("average_states: no states given")
    return jax.tree_util.tree_map(
        lambda *leaves: jnp.mean(jnp.stack([jnp.asarray(leaf, np.float32) for leaf in leaves]),
                                 axis=0).astype(leaves[0].dtype), *states)
