"""How far the weights and the steps shrink during training (docs/model.md#plasticity): the
fraction of each weight that one update's weight decay removes (every row, and the label rows
on their own), and the step-size schedule's scaled parameters. Each is a pure function of the
traced Params; `srbm_jax.train.train_images` and the run driver apply them.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from srbm_jax.config import Params, Spec


def weight_decay_fraction(params: Params, batch: int) -> jax.Array:
    """The fraction of every weight that one update's weight decay removes:
    1 - (1 - weight_decay)^B, so that B images of a mini-batch decay as B on-line images would
    (G <- (1 - weight_decay) G per image; ours, RESULTS.md section 4).

    Args:
      params: `weight_decay` (per training image, in [0, 1)).
      batch: B, the images of one update.
    Returns:
      the fraction, a float32 scalar (traced).
    """
    return 1.0 - (1.0 - params.weight_decay) ** batch


def label_decay_fraction(params: Params, spec: Spec, batch: int) -> jax.Array:
    """The fraction of each weight that one update's label-row decay removes, per visible row:
    1 - (1 - label_weight_decay)^B on the label neurons' rows (`Spec.label_slice`), 0 on every
    other row. `train_images` applies it with `Device.relax` after the weight decay of every row
    (fraction 1 - (1 - weight_decay)^B), so the label rows keep
    ((1 - weight_decay)(1 - label_weight_decay))^B of their weight per update.

    Args:
      params: `label_weight_decay` (per training image, in [0, 1); not None).
      spec: the network's sizes (its label rows).
      batch: B, the images of one update.
    Returns:
      float32 [n_visible, 1]: broadcasts over the hidden columns of the device arrays; exactly
      0 everywhere at label_weight_decay 0.
    """
    fraction = 1.0 - (1.0 - params.label_weight_decay) ** batch
    return jnp.zeros((spec.n_visible, 1), jnp.float32).at[spec.label_slice].set(fraction)


def step_scaled_params(params: Params, spec: Spec, factor, weight_decay_too: bool = False
                       ) -> Params:
    """params with the device's change per event multiplied by `factor` (`Device.scale_steps`),
    and with weight_decay and label_weight_decay multiplied by it too when `weight_decay_too`.

    The step-size schedule of `srbm_jax.run` (config.step_decay): factor = step_decay ** (images
    trained so far / images per epoch), a learning rate that falls by `step_decay` per epoch
    (stochastic-approximation practice: large steps find the basin, small steps settle in it).
    With a constant weight decay the pull towards G = 0 stays while the steps shrink, so the
    weights' spread shrinks with them (RESULTS 11, session 12: sd 0.54 -> 0.36 over 5 epochs at
    0.87); scaling the decay with the steps keeps their balance, as decoupled weight decay
    follows the learning rate in AdamW (Loshchilov & Hutter 2019; config.weight_decay_follows_steps).
    """
    params = params.replace(device=spec.device.scale_steps(params.device, jnp.float32(factor)))
    if weight_decay_too:
        params = params.replace(weight_decay=params.weight_decay * jnp.float32(factor))
        if params.label_weight_decay is not None:
            params = params.replace(
                label_weight_decay=params.label_weight_decay * jnp.float32(factor))
    return params
