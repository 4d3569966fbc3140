"""Early-decision inference: stop presenting a test image once its label decision is settled.

Fixed-time inference (`srbm_jax.infer.evaluate`) presents every image for `Spec.inference_ms`
and predicts the class whose label group spiked most. Here an image stops at the first tick t
(1-based) with

    t * dt >= min_ms   and   c_(1)(t) - c_(2)(t) >= margin,

where c_(1) >= c_(2) are the two largest label-group spike counts so far; its prediction is the
leading class at that tick (ties to the lower class, as in `infer`), and t * dt is its decision
time. An image that never meets the rule runs the whole presentation and is predicted from all
of it, exactly as fixed-time inference does: with an unreachable margin (inf) the counts,
predictions and accuracy are identical to `infer.evaluate`'s (tests/test_decision.py).

The rule is the spiking analogue of a sequential test on two Poisson counts (the leading group's
lead is a random walk; a lead of `margin` spikes bounds the chance that the order flips);
latency and the number of ticks simulated (the energy figure of a hardware reader) are reported
beside the accuracy.

Streaming: the images run in `slots` lanes side by side (`vmap`, dense drives as in a batch of
`infer`), in one `lax.while_loop` over ticks; when an image decides (or reaches the end), its lane
writes its result and takes the next image of the data set at once, so the lanes keep computing
undecided images only and the work follows the mean decision time, not the slowest image of a
batch. Every image gets the random words the fixed path draws for it (tick t's words drawn when
it runs, `random.hash_words_row`; the hash source), so an image's spikes are those of
`infer.evaluate` with the same key and batch_size = slots. `ticks_run_fraction` reports the
work against fixed-time inference (lane-ticks computed / (N x T)). `margin` and `min_ms` are
traced: one compiled program serves a sweep of rules.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import encoding, network, train
from srbm_jax import random as srbm_random
from srbm_jax.checks import check_data_set, check_int_argument
from srbm_jax.config import Spec, validate
from srbm_jax.schedule import inference_segment


class EarlyDecision(NamedTuple):
    """The stopping rule (module docstring). margin: lead of the leading label group over the
    second, in spikes (> 0; inf never stops early); min_ms: the shortest presentation (ms, >= 0)."""

    margin: float = 4.0
    min_ms: float = 10.0


def check_rule(rule: EarlyDecision) -> None:
    """ValueError naming the field for a margin <= 0 or NaN, or min_ms < 0 or NaN."""
    if not (float(rule.margin) > 0):
        raise ValueError(f"EarlyDecision.margin = {rule.margin!r} is out of range: allowed > 0 "
                         "spikes (inf: never stop early)")
    if not (float(rule.min_ms) >= 0):
        raise ValueError(f"EarlyDecision.min_ms = {rule.min_ms!r} is out of range: allowed >= 0 "
                         "ms")


def settled(counts, tick, margin, min_ticks):
    """Whether the decision is settled after `tick` ticks (1-based): counts [..., 10] so far;
    lead of the largest over the second largest >= margin and tick >= min_ticks."""
    top_two = jax.lax.top_k(counts, 2)[0]
    return (top_two[..., 0] - top_two[..., 1] >= margin) & (tick >= min_ticks)


def _segment_key_words(key):
    """The hash key words of the four word streams of a segment (`network.draw_segment_words`
    splits the image key in four), uint32 [4, 2]."""
    return jax.vmap(srbm_random.hash_key_words)(jax.random.split(key, 4))


def _tick_words(key_words, tick, visible_free, spec: Spec) -> network.SegmentWords:
    """The words `network.draw_segment_words` gives tick `tick` of a segment."""
    n_free = visible_free[1] - visible_free[0]
    shapes = ((spec.n_visible,), (n_free, spec.walk_words), (spec.n_hidden_total,),
              (spec.n_hidden, spec.walk_words))
    return network.SegmentWords(*(srbm_random.hash_words_row(key_words[i], shape, tick)
                                  for i, shape in enumerate(shapes)))


@functools.partial(jax.jit, static_argnames=("spec", "slots"))
def stream_decisions(key, device_state, pixels, first_index, params, spec: Spec, margin, min_ms,
                     slots: int):
    """Early-decision inference of N images streamed through `slots` lanes (module docstring).

    pixels: [N, n_data] float in [0, 1]; image n has the key fold_in(key, first_index + n), as
    in `infer.label_counts_batch`. Returns (counts float32 [N, 10] up to each decision,
    decision_ticks int32 [N] (1-based; T when the rule never held), decided bool [N] (settled
    by the rule), lane_ticks: ticks x lanes computed)."""
    if spec.random_source != "hash":
        raise ValueError(f"Spec.random_source = {spec.random_source!r}: early decisions draw "
                         "each tick's words when it runs, which needs 'hash'")
    weight = spec.device.read(device_state, params.device)
    spec = network.lanes_spec(spec, slots)  # as infer.label_counts_batch
    segment = inference_segment(spec)
    n_ticks, visible_free = segment.n_ticks, segment.visible_free
    n_images = pixels.shape[0]
    keys = jax.vmap(lambda n: jax.random.fold_in(key, first_index + n))(jnp.arange(n_images))
    key_words = jax.vmap(_segment_key_words)(keys)
    p_visible = jax.vmap(lambda image: encoding.visible_probabilities(image, None, params,
                                                                      spec))(pixels)
    rasters = (jax.vmap(lambda k, image: train.front_end_raster(k, image, n_ticks, params,
                                                                spec))(keys, pixels)
               if spec.front_end.emits_raster else None)
    p_hidden = encoding.hidden_probabilities(params, spec)
    rows = network.segment_rows(weight, spec, visible_free)
    rest = network.free_part(network.init_carry(spec), visible_free)
    min_ticks = jnp.ceil(min_ms / spec.dt_ms - 1e-6)
    lanes = jnp.arange(slots)

    def one_tick(carry, image, tick):
        data_spikes = None if rasters is None else rasters[image, tick]
        carry, (visible, _) = network.free_tick(
            carry, _tick_words(key_words[image], tick, visible_free, spec), rows,
            p_visible[image], p_hidden, params, spec, visible_free, None, data_spikes)
        labels = visible[spec.label_slice].astype(jnp.float32)
        return carry, labels.reshape(10, spec.labels_per_class).sum(axis=1)

    def body(state):
        image, tick, carry, counts, waiting, out, lane_ticks = state
        active = image < n_images
        safe = jnp.minimum(image, n_images - 1)
        carry, new = jax.vmap(one_tick)(carry, safe, tick)
        counts, tick = counts + new, tick + 1
        by_rule = settled(counts, tick, margin, min_ticks)
        done = active & (by_rule | (tick >= n_ticks))
        row = jnp.where(done, image, n_images)  # row n_images collects the lanes not done
        out = (out[0].at[row].set(counts), out[1].at[row].set(tick),
               out[2].at[row].set(by_rule))
        # the k-th lane done in this tick takes image waiting + k (none left: the lane empties)
        image = jnp.where(done, jnp.minimum(waiting + jnp.cumsum(done) - 1, n_images), image)
        waiting = waiting + jnp.sum(done)
        carry = jax.tree_util.tree_map(
            lambda c, r: jnp.where(done.reshape((slots,) + (1,) * (c.ndim - 1)), r, c), carry,
            jax.tree_util.tree_map(lambda r: jnp.broadcast_to(r, (slots,) + r.shape), rest))
        counts = jnp.where(done[:, None], 0.0, counts)
        tick = jnp.where(done, 0, tick)
        return image, tick, carry, counts, waiting, out, lane_ticks + jnp.sum(active)

    start = (jnp.where(lanes < n_images, lanes, n_images), jnp.zeros((slots,), jnp.int32),
             jax.tree_util.tree_map(lambda r: jnp.broadcast_to(r, (slots,) + r.shape), rest),
             jnp.zeros((slots, 10), jnp.float32), jnp.minimum(jnp.int32(slots), n_images),
             (jnp.zeros((n_images + 1, 10), jnp.float32),
              jnp.zeros((n_images + 1,), jnp.int32), jnp.zeros((n_images + 1,), bool)),
             jnp.int32(0))
    state = jax.lax.while_loop(lambda state: jnp.any(state[0] < n_images), body, start)
    counts, ticks, decided = (x[:n_images] for x in state[5])
    return counts, ticks, decided, state[6]


DEFAULT_RULE = EarlyDecision()


def evaluate_early(key, device_state, pixels, labels, params, spec: Spec,
                   rule: EarlyDecision = DEFAULT_RULE, *, batch_size: int = 250,
                   chunk: int = 2000, progress: Callable[[int, int], None] | None = None) -> dict:
    """Classify a data set with early decisions (module docstring).

    Args: as `infer.evaluate` (the same key gives the same spikes), plus rule: EarlyDecision;
      batch_size: the lanes (images side by side); chunk: images per compiled call (the
      progress step).
    Returns:
      dict(accuracy, predictions [N], counts [N, 10] up to each decision, decision_ms [N],
      mean_decision_ms, ticks_run_fraction: lane-ticks computed / (N x T), the work against
      fixed-time inference, decided_fraction: images the rule settled before the end).
      accuracy is NaN without labels.
    """
    check_int_argument(batch_size, "batch_size", 1)
    check_int_argument(chunk, "chunk", 1)
    check_rule(rule)
    validate(spec, params)
    images, labels = check_data_set(pixels, labels, spec)
    n_ticks = inference_segment(spec).n_ticks
    total = images.shape[0]
    counts, ticks, decided, lane_ticks = [], [], [], 0
    for begin in range(0, total, chunk):
        end = min(begin + chunk, total)
        out = stream_decisions(key, device_state, jnp.asarray(encoding.to_pixels(
            images[begin:end])), jnp.int32(begin), params, spec, jnp.float32(rule.margin),
            jnp.float32(rule.min_ms), slots=min(batch_size, end - begin))
        counts.append(np.asarray(out[0]))
        ticks.append(np.asarray(out[1]))
        decided.append(np.asarray(out[2]))
        lane_ticks += int(out[3])
        if progress is not None:
            progress(end, total)
    counts, ticks, decided = (np.concatenate(x) for x in (counts, ticks, decided))
    predictions = np.argmax(counts, axis=1)
    accuracy = float(np.mean(predictions == labels)) if labels is not None else float("nan")
    decision_ms = ticks * spec.dt_ms
    return {"accuracy": accuracy, "predictions": predictions, "counts": counts,
            "decision_ms": decision_ms, "mean_decision_ms": float(np.mean(decision_ms)),
            "ticks_run_fraction": lane_ticks / (total * n_ticks),
            "decided_fraction": float(np.mean(decided))}
