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

Batches: the B images of a batch run side by side (`vmap`, the same random words as the fixed
path) in a `lax.while_loop` over ticks that ends as soon as every image of the batch has
decided; a decided image's counts are frozen. Its ticks after the decision are still computed
in the vectorised batch (on a CPU or GPU the batch costs what its slowest image costs), so
`ticks_run` (what the batch computed) is reported beside the mean decision time (what a
per-image device would spend). `margin` and `min_ms` are traced: one compiled program serves a
sweep of rules.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import encoding, network, train
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


@functools.partial(jax.jit, static_argnames=("spec",))
def decide_batch(key, device_state, pixels, indices, params, spec: Spec, margin, min_ms):
    """Early-decision inference of a batch: pixels [B, n_data] float in [0, 1], indices [B]
    (image positions, keys fold_in(key, index) as in `infer.label_counts_batch`).

    Returns (counts float32 [B, 10] up to each image's decision, decision_ticks int32 [B]
    (1-based tick of the decision; T when it never settled), decided bool [B] (settled by the
    rule), ticks_run: the ticks the batch computed)."""
    weight = spec.device.read(device_state, params.device)
    if pixels.shape[0] > 1:  # as infer.label_counts_batch: dense drives in a batch
        spec = spec.replace(drive_chunk=0)
    segment = inference_segment(spec)
    n_ticks, visible_free = segment.n_ticks, segment.visible_free
    keys = jax.vmap(lambda index: jax.random.fold_in(key, index))(indices)
    p_hidden = encoding.hidden_probabilities(params, spec)
    rows = network.segment_rows(weight, spec, visible_free)

    def prepare(key, image):
        words = network.draw_segment_words(key, n_ticks, visible_free, spec)
        p_visible = encoding.visible_probabilities(image, None, params, spec)
        raster = train.front_end_raster(key, image, n_ticks, params, spec)
        return words, p_visible, raster

    words, p_visible, rasters = jax.vmap(prepare)(keys, pixels)
    batch = pixels.shape[0]
    carry = jax.vmap(lambda _: network.free_part(network.init_carry(spec), visible_free))(
        jnp.arange(batch))
    min_ticks = jnp.ceil(min_ms / spec.dt_ms - 1e-6)

    def one_tick(carry, tick_words, p_visible, data_spikes):
        carry, (visible, _) = network.free_tick(carry, network.SegmentWords(*tick_words), rows,
                                                p_visible, p_hidden, params, spec, visible_free,
                                                None, data_spikes)
        labels = visible[spec.label_slice].astype(jnp.float32)
        return carry, labels.reshape(10, spec.labels_per_class).sum(axis=1)

    def body(state):
        tick, carry, counts, decided, decision = state
        tick_words = tuple(jax.lax.dynamic_index_in_dim(w, tick, axis=1, keepdims=False)
                           for w in words)
        data_spikes = None if rasters is None else jax.lax.dynamic_index_in_dim(
            rasters, tick, axis=1, keepdims=False)
        carry, new = jax.vmap(one_tick)(carry, tick_words, p_visible, data_spikes)
        counts = counts + jnp.where(decided[:, None], 0.0, new)
        now = ~decided & settled(counts, tick + 1, margin, min_ticks)
        decision = jnp.where(now, tick + 1, decision)
        return tick + 1, carry, counts, decided | now, decision

    def cond(state):
        tick, _, _, decided, _ = state
        return (tick < n_ticks) & ~jnp.all(decided)

    start = (jnp.int32(0), carry, jnp.zeros((batch, 10), jnp.float32),
             jnp.zeros((batch,), bool), jnp.full((batch,), n_ticks, jnp.int32))
    ticks_run, _, counts, decided, decision = jax.lax.while_loop(cond, body, start)
    return counts, decision, decided, ticks_run


DEFAULT_RULE = EarlyDecision()


def evaluate_early(key, device_state, pixels, labels, params, spec: Spec,
                   rule: EarlyDecision = DEFAULT_RULE, *, batch_size: int = 250,
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """Classify a data set with early decisions (module docstring).

    Args: as `infer.evaluate` (the same key gives the same spikes), plus rule: EarlyDecision.
    Returns:
      dict(accuracy, predictions [N], counts [N, 10] up to each decision, decision_ms [N],
      mean_decision_ms, ticks_run_fraction: ticks the batches computed / (batches x T),
      decided_fraction: images that settled before the end). accuracy is NaN without labels.
    """
    check_int_argument(batch_size, "batch_size", 1)
    check_rule(rule)
    validate(spec, params)
    images, labels = check_data_set(pixels, labels, spec)
    n_ticks = inference_segment(spec).n_ticks
    total = images.shape[0]
    counts, ticks, decided, batches_run = [], [], [], []
    for begin in range(0, total, batch_size):
        end = min(begin + batch_size, total)
        batch = encoding.to_pixels(images[begin:end])
        size = end - begin
        # pad the last batch with copies of its first image (one compiled shape; a copy decides
        # when its original does, so padding never keeps the loop running longer)
        batch = np.concatenate([batch, np.repeat(batch[:1], batch_size - size, axis=0)])
        indices = np.arange(begin, begin + batch_size, dtype=np.int32)
        indices[size:] = begin
        out = decide_batch(key, device_state, jnp.asarray(batch), jnp.asarray(indices), params,
                           spec, jnp.float32(rule.margin), jnp.float32(rule.min_ms))
        counts.append(np.asarray(out[0])[:size])
        ticks.append(np.asarray(out[1])[:size])
        decided.append(np.asarray(out[2])[:size])
        batches_run.append(int(out[3]))
        if progress is not None:
            progress(end, total)
    counts, ticks, decided = (np.concatenate(x) for x in (counts, ticks, decided))
    predictions = np.argmax(counts, axis=1)
    accuracy = float(np.mean(predictions == labels)) if labels is not None else float("nan")
    decision_ms = ticks * spec.dt_ms
    return {"accuracy": accuracy, "predictions": predictions, "counts": counts,
            "decision_ms": decision_ms, "mean_decision_ms": float(np.mean(decision_ms)),
            "ticks_run_fraction": float(np.sum(batches_run)) / (len(batches_run) * n_ticks),
            "decided_fraction": float(np.mean(decided))}
