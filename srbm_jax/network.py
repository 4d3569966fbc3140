"""One segment of ticks of the whole network, as a `lax.scan`, with the weights read once.

The network: docs/model.md#network; the cost of dense and sparse drives: docs/model.md#cost.

Data path of one tick t (spikes of tick t-1 arrive in tick t):
  drive_hidden  = alpha * sum_{i: visible i spiked at t-1} W[i, :]     (forward LIF)
  drive_visible = alpha * sum_{j: hidden j spiked at t-1}  W[:, j]     (backward LIF, "BLIF")
  free neurons: `neurons.lif_tick`; clamped neurons (inputs, labels in the data phase, bias):
  Bernoulli(p) spikes.

Which visible neurons are free is a static (start, stop) range: none in the data phase, data and
labels in the model phase, labels only during inference. Hidden neurons are free, hidden bias
neurons clamped. Two implementations of a segment:
* `run_clamped_segment`: every visible neuron clamped, so all visible spikes of the segment are
  drawn first and the hidden drive of every tick is one matrix product [T, V] @ [V, H].
* `run_free_segment`: the general case; per tick the drive sums the weight rows of the neurons
  that spiked (sparse gather in chunks of `Spec.drive_chunk`, or dense when it is 0).
Both consume the same random words (`draw_segment_words`) in the same way, so for the same key
they give identical spikes (tests/test_network.py).
Weights are read from the device once per segment: updates of a segment reach the neurons at the
next segment (the fast path); `srbm_jax.reference` has the tick-exact alternative.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from srbm_jax import random as srbm_random
from srbm_jax.config import Spec
from srbm_jax.neurons import LayerState, init_layer, lif_tick


class SegmentWords(NamedTuple):
    """Random words of one segment (uint32).

    visible_clamp: [T, n_visible] Bernoulli words of the visible layer (used where clamped).
    visible_walk: [T, n_free_visible, walk_words] random-walk words of the free visible neurons.
    hidden_clamp: [T, n_hidden_total] Bernoulli words of the hidden layer (used by bias neurons).
    hidden_walk: [T, n_hidden, walk_words] random-walk words of the hidden neurons.
    """

    visible_clamp: jax.Array
    visible_walk: jax.Array
    hidden_clamp: jax.Array
    hidden_walk: jax.Array


class SegmentCarry(NamedTuple):
    """State carried from tick to tick and from segment to segment.

    visible: LayerState of all n_visible neurons (clamped ones stay at rest).
    hidden: LayerState of the n_hidden free hidden neurons.
    visible_spikes, hidden_spikes: bool [n_visible], [n_hidden_total] spikes of the last tick.
    """

    visible: LayerState
    hidden: LayerState
    visible_spikes: jax.Array
    hidden_spikes: jax.Array


def init_carry(spec: Spec) -> SegmentCarry:
    """Network at rest with no spikes in flight (the start of every image)."""
    return SegmentCarry(init_layer(spec.n_visible), init_layer(spec.n_hidden),
                        jnp.zeros((spec.n_visible,), bool), jnp.zeros((spec.n_hidden_total,), bool))


def draw_segment_words(key, n_ticks: int, visible_free: tuple[int, int], spec: Spec) -> SegmentWords:
    """All random words of a segment, drawn in four calls from subkeys of `key`."""
    keys = jax.random.split(key, 4)
    n_free = visible_free[1] - visible_free[0]
    source, n_words = spec.random_source, spec.walk_words
    return SegmentWords(
        srbm_random.words(keys[0], (n_ticks, spec.n_visible), source),
        srbm_random.words(keys[1], (n_ticks, n_free, n_words), source),
        srbm_random.words(keys[2], (n_ticks, spec.n_hidden_total), source),
        srbm_random.words(keys[3], (n_ticks, spec.n_hidden, n_words), source),
    )


def sparse_rows(pre_major):
    """Pre-major weights [n_pre, n_post] with one zero row appended: the layout the sparse drive
    reads (index n_pre, the padding of the spike list, then adds nothing)."""
    return jnp.concatenate([pre_major, jnp.zeros((1, pre_major.shape[1]), pre_major.dtype)], axis=0)


_PREFIX_BLOCK = 16


def spike_list(spikes, pad: int):
    """Indices of the spiking neurons in ascending order, int32 [n_pre + pad], padded with n_pre.

    Stream compaction: neuron i goes to position_i = (number of spikes before i). The prefix
    count is two small matrix products instead of a cumsum (which XLA:CPU lowers to ~10 separate
    kernels): with the spikes laid out as blocks of 16, within = blocks @ upper-triangular ones
    (the inclusive count inside each block) and offset = strict-lower-triangular ones @ block
    totals (the spikes of all earlier blocks). Counts are small integers, exact in float32 (and in
    the reduced-precision products of GPUs / TPUs: inputs are 0/1 and <= 16, HIGHEST precision
    requested anyway).
    """
    n_pre = spikes.shape[0]
    n_blocks = -(-n_pre // _PREFIX_BLOCK)
    padded = jnp.zeros((n_blocks * _PREFIX_BLOCK,), jnp.float32).at[:n_pre].set(
        spikes.astype(jnp.float32))
    blocks = padded.reshape(n_blocks, _PREFIX_BLOCK)
    upper = jnp.triu(jnp.ones((_PREFIX_BLOCK, _PREFIX_BLOCK), jnp.float32))
    strict_lower = jnp.tril(jnp.ones((n_blocks, n_blocks), jnp.float32), -1)
    highest = jax.lax.Precision.HIGHEST
    within = jnp.matmul(blocks, upper, precision=highest)
    offset = jnp.matmul(strict_lower, within[:, -1], precision=highest)
    position = (within + offset[:, None]).reshape(-1)[:n_pre].astype(jnp.int32) - 1
    target = jnp.where(spikes, position, n_pre + pad)  # out of range: dropped
    return jnp.full((n_pre + pad,), n_pre, jnp.int32).at[target].set(
        jnp.arange(n_pre, dtype=jnp.int32), mode="drop")


def synaptic_drive(spikes, weights, chunk: int):
    """Summed weights of the presynaptic neurons that spiked, float32 [n_post].

    drive_k = sum_{i: spikes_i} W[i, k]  (the caller multiplies by alpha).

    chunk = 0: `weights` is post-major [n_post, n_pre] and the drive is the dense product
    weights @ spikes.
    chunk > 0: `weights` is `sparse_rows(pre-major [n_pre, n_post])`; the rows of the spiking
    neurons are added one contiguous row at a time (`dynamic_slice`), `chunk` rows per step of a
    while loop that runs ceil(n_spikes / chunk) times, so the cost follows the number of spikes
    (~20-30 per tick of the default network) rather than the layer size. On the 2-core CPU this
    is ~13 us per tick against 43 us (idle machine) to 89 us (busy) for the dense 824 x 832
    product (`python -m benchmarks.micro`, results/micro_cpu_2core*.jsonl).
    The sum runs in ascending neuron order, so it differs from the dense product only by float
    rounding.
    """
    if chunk == 0:
        return weights @ spikes.astype(weights.dtype)
    n_post = weights.shape[1]
    index = spike_list(spikes, chunk)
    n_spikes = jnp.sum(spikes, dtype=jnp.int32)

    def body(state):
        position, total = state
        for offset in range(chunk):  # unrolled: `chunk` independent row reads per loop step
            row = jax.lax.dynamic_slice(weights, (index[position + offset], 0), (1, n_post))
            total = total + row[0]
        return position + chunk, total

    _, total = jax.lax.while_loop(lambda state: state[0] < n_spikes, body,
                                  (jnp.int32(0), jnp.zeros((n_post,), weights.dtype)))
    return total


def lanes_spec(spec: Spec, lanes: int) -> Spec:
    """The Spec that `lanes` images side by side with shared weights run: drive_chunk =
    spec.batch_drive_chunk when lanes > 1 (0 by default: dense drives, which vmap turns into
    matrix products), `spec` itself for one image."""
    return spec.replace(drive_chunk=spec.batch_drive_chunk) if lanes > 1 else spec


def _lif(state, drive, walk_words, params, spec: Spec, record: bool = False):
    return lif_tick(state, drive, walk_words, params, dt_ms=spec.dt_ms,
                    flips_per_tick=spec.flips_per_tick, bridge_correction=spec.bridge_correction,
                    with_parts=record)


def _hidden_tick(hidden: LayerState, drive_hidden, walk_words, clamp_words, p_hidden, params,
                 spec: Spec, record: bool = False):
    """Hidden layer: free neurons by LIF, bias neurons by Bernoulli. Returns (state, spikes [H]),
    and with `record` the free neurons' TickParts."""
    hidden, free_spikes, *parts = _lif(hidden, drive_hidden, walk_words, params, spec, record)
    bias_spikes = srbm_random.bernoulli_from_words(clamp_words[spec.n_hidden:],
                                                   p_hidden[spec.n_hidden:])
    return (hidden, jnp.concatenate([free_spikes, bias_spikes]), *parts)


def _trace(prefix: str, layer: LayerState, parts) -> dict:
    """The monitored values of one layer after a tick: {prefix_membrane, prefix_drive,
    prefix_walk}."""
    return {f"{prefix}_membrane": layer.membrane, f"{prefix}_drive": parts.drive,
            f"{prefix}_walk": parts.walk}


def run_clamped_segment(words: SegmentWords, carry: SegmentCarry, weight, p_visible, p_hidden,
                        params, spec: Spec, data_raster=None, record: bool = False):
    """A segment with every visible neuron clamped (data phase); `data_raster` (bool
    [T, n_data] or None) replaces the data neurons' Bernoulli spikes (a front end that emits
    spike trains, `FrontEnd.emits_raster`).

    Returns (carry, visible raster bool [T, V], hidden raster bool [T, H]); with `record`
    (static; no cost when off) also the traces of the free hidden neurons, float32 [T, n_hidden]
    each: {"hidden_membrane": u after every tick, "hidden_drive": the synaptic input applied in
    the tick, "hidden_walk": the random walk's displacement in the tick} (`srbm_jax.monitors`).
    """
    visible_raster = srbm_random.bernoulli_from_words(words.visible_clamp, p_visible[None, :])
    if data_raster is not None:
        visible_raster = jnp.concatenate([data_raster, visible_raster[:, spec.n_data:]], axis=1)
    presynaptic = jnp.concatenate([carry.visible_spikes[None], visible_raster[:-1]], axis=0)
    drive = params.alpha * (presynaptic.astype(weight.dtype) @ weight[:, :spec.n_hidden])

    def tick(hidden, inputs):
        drive_hidden, walk_words, clamp_words = inputs
        hidden, spikes, *parts = _hidden_tick(hidden, drive_hidden, walk_words, clamp_words,
                                              p_hidden, params, spec, record)
        return hidden, ((spikes, _trace("hidden", hidden, *parts)) if record else spikes)

    hidden, outputs = jax.lax.scan(tick, carry.hidden, (drive, words.hidden_walk,
                                                        words.hidden_clamp))
    hidden_raster = outputs[0] if record else outputs
    carry = SegmentCarry(init_layer(spec.n_visible), hidden, visible_raster[-1], hidden_raster[-1])
    if record:
        return carry, visible_raster, hidden_raster, outputs[1]
    return carry, visible_raster, hidden_raster


def segment_rows(weight, spec: Spec, visible_free: tuple[int, int]):
    """(backward, forward): the weights `free_tick` sums for the free visible neurons (from hidden
    spikes) and for the hidden neurons (from visible spikes), laid out for `synaptic_drive`:
    post-major ([n_free, H], [n_hidden, V]) for the dense drive, pre-major with a zero row
    appended ([H + 1, n_free], [V + 1, n_hidden], `sparse_rows`) for the sparse one. Computed once per segment."""
    start, stop = visible_free
    backward, forward = weight[start:stop, :], weight[:, :spec.n_hidden].T
    if spec.drive_chunk == 0:
        return backward, forward
    return sparse_rows(backward.T), sparse_rows(forward.T)


def free_tick(carry: SegmentCarry, tick_words: SegmentWords, rows, p_visible, p_hidden, params,
              spec: Spec, visible_free: tuple[int, int], clamp_within=None, data_spikes=None,
              record: bool = False):
    """One tick of both layers; visible neurons in [start, stop) free, the others clamped.

    carry: a SegmentCarry whose `visible` holds only the free neurons' state ([stop - start], see
    `free_part`); tick_words: the words of this tick (SegmentWords without the leading T axis);
    rows: `segment_rows(weight, ...)`; clamp_within: None, or bool [stop - start] marking
    neurons of the free range that are clamped to their input spikes after all (pattern
    completion with any mask, `srbm_jax.generative`); data_spikes: None, or bool [n_data], this
    tick's spikes of the (clamped) data neurons from a raster front end. Returns (carry,
    (visible spikes [V], hidden spikes [H])), and with `record` (static) the free neurons'
    traces of the tick ({visible,hidden}_{membrane,drive,walk}, `_trace`).
    """
    start, stop = visible_free
    backward_rows, forward_rows = rows
    visible_clamp, visible_walk, hidden_clamp, hidden_walk = tick_words
    drive_visible = params.alpha * synaptic_drive(carry.hidden_spikes, backward_rows,
                                                  spec.drive_chunk)
    drive_hidden = params.alpha * synaptic_drive(carry.visible_spikes, forward_rows,
                                                 spec.drive_chunk)
    clamped = srbm_random.bernoulli_from_words(visible_clamp, p_visible)
    if data_spikes is not None:
        clamped = jnp.concatenate([data_spikes, clamped[spec.n_data:]])
    visible, free_spikes, *visible_parts = _lif(carry.visible, drive_visible, visible_walk,
                                                params, spec, record)
    if clamp_within is not None:
        free_spikes = jnp.where(clamp_within, clamped[start:stop], free_spikes)
    visible_spikes = jnp.concatenate([clamped[:start], free_spikes, clamped[stop:]])
    hidden, hidden_spikes, *hidden_parts = _hidden_tick(carry.hidden, drive_hidden, hidden_walk,
                                                        hidden_clamp, p_hidden, params, spec,
                                                        record)
    carry = SegmentCarry(visible, hidden, visible_spikes, hidden_spikes)
    if record:
        return carry, (visible_spikes, hidden_spikes), {**_trace("visible", visible,
                                                                 *visible_parts),
                                                        **_trace("hidden", hidden, *hidden_parts)}
    return carry, (visible_spikes, hidden_spikes)


def free_part(carry: SegmentCarry, visible_free: tuple[int, int]) -> SegmentCarry:
    """The carry with `visible` cut to the free neurons [start, stop) (what `free_tick` takes)."""
    start, stop = visible_free
    return carry._replace(visible=LayerState(carry.visible.membrane[start:stop],
                                             carry.visible.refractory_left[start:stop]))


def with_free_part(carry: SegmentCarry, free: SegmentCarry,
                   visible_free: tuple[int, int]) -> SegmentCarry:
    """`free` with its free-neuron visible state written back into the full state of `carry`."""
    start, stop = visible_free
    visible = LayerState(carry.visible.membrane.at[start:stop].set(free.visible.membrane),
                         carry.visible.refractory_left.at[start:stop].set(
                             free.visible.refractory_left))
    return free._replace(visible=visible)


def run_free_segment(words: SegmentWords, carry: SegmentCarry, weight, p_visible, p_hidden,
                     params, spec: Spec, visible_free: tuple[int, int], clamp_within=None,
                     data_raster=None, record: bool = False):
    """A segment whose visible neurons in [start, stop) are free LIF neurons (a scan of
    `free_tick` with the weights read once); `clamp_within` (bool [stop - start] or None)
    clamps some of them to their input spikes after all, and `data_raster` (bool [T, n_data]
    or None) gives the clamped data neurons' spikes (`free_tick`). With `record` (static; no
    cost when off) it also returns the traces of the free neurons after every tick:
    {visible,hidden}_{membrane,drive,walk}, float32 [T, n_free] and [T, n_hidden]
    (`run_clamped_segment`).

    Returns (carry, visible raster bool [T, V], hidden raster bool [T, H]).
    """
    rows = segment_rows(weight, spec, visible_free)

    def tick(carry: SegmentCarry, inputs):
        tick_words, data_spikes = inputs if data_raster is not None else (inputs, None)
        carry, spikes, *traces = free_tick(carry, SegmentWords(*tick_words), rows, p_visible,
                                           p_hidden, params, spec, visible_free, clamp_within,
                                           data_spikes, record)
        return carry, ((spikes, *traces) if record else spikes)

    inputs = tuple(words) if data_raster is None else (tuple(words), data_raster)
    free, outputs = jax.lax.scan(tick, free_part(carry, visible_free), inputs)
    visible_raster, hidden_raster = outputs[0] if record else outputs
    carry = with_free_part(carry, free, visible_free)
    if record:
        return carry, visible_raster, hidden_raster, outputs[1]
    return carry, visible_raster, hidden_raster
