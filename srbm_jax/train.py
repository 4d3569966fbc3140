"""On-line eCD training: one image is the phase schedule; a data set is a scan over images.

The weights are carried from image to image (on-line learning, as on the chip). Every random draw of
image n in epoch e comes from `image_key(root_key, e, n)`, so a run is reproducible bit for bit and
can resume mid-epoch: the result does not depend on how the images are chunked.

Per image (see `schedule.training_segments`):
  1. data segment (transition + data phase) with all visible neurons clamped;
  2. potentiation: C+ = coincidences with g = +1, applied to the device;
  3. model segment (transition + model phase), visible data and label neurons free, reading the
     updated weights;
  4. depression: C- = coincidences with g = -1, applied to the device;
  5. weight decay (off by default): G <- (1 - weight_decay) G, the label rows also
     (1 - label_weight_decay), `Device.relax` (fractions: `srbm_jax.decay`);
  6. `Device.end_update` (the identity for a device; an update layer's per-update step).
Delta w = Delta w_data + Delta w_model = v_data h_data - v_model h_model (eCD, Neftci et al. 2014).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import decay, encoding, network
from srbm_jax.checks import check_data_set, check_int_argument  # noqa: F401 (re-exported)
from srbm_jax.config import Params, Spec, validate
from srbm_jax.schedule import training_segments


class ImageStats(NamedTuple):
    """Per-image summary (float32 scalars): mean firing rates in Hz over each segment and the number
    of coincidence events applied.

    hidden_rate_data / hidden_rate_model: free hidden neurons; data_rate_model: free data neurons in
    the model segment; label_rate_model: label neurons in the model segment; potentiation_events /
    depression_events: summed C+ / C- over all synapses.
    """

    hidden_rate_data: jax.Array
    hidden_rate_model: jax.Array
    data_rate_model: jax.Array
    label_rate_model: jax.Array
    potentiation_events: jax.Array
    depression_events: jax.Array


def image_key(root_key, epoch, index):
    """The key of image `index` in `epoch`: fold_in(fold_in(root_key, epoch), index)."""
    return jax.random.fold_in(jax.random.fold_in(root_key, epoch), index)


def _rate(raster, start, stop, dt_ms):
    """Mean rate (Hz) of neurons [start, stop) over a raster [T, n]."""
    count = jnp.sum(raster[:, start:stop], dtype=jnp.float32)
    return count / ((stop - start) * raster.shape[0] * dt_ms * 1e-3)


# fold_in data of a raster front end's key within an image key (`FrontEnd.raster`).
FRONT_END_STREAM = 2 ** 31 - 3


def front_end_raster(key, pixels, n_ticks: int, params, spec: Spec):
    """The data neurons' spikes of one image from a raster front end (bool [n_ticks, n_data]),
    or None for a front end that codes probabilities. key: the image's (segment's) key."""
    if not spec.front_end.emits_raster:
        return None
    return spec.front_end.raster(jax.random.fold_in(key, FRONT_END_STREAM), pixels, n_ticks,
                                 params, spec)


def _data_segment(key, weight, pixels, label, params, spec: Spec, record: bool = False):
    """Data segment of one image with all visible neurons clamped: (carry, visible, hidden),
    and with `record` the hidden neurons' traces (`network.run_clamped_segment`)."""
    data, _ = training_segments(spec)
    words = network.draw_segment_words(key, data.n_ticks, data.visible_free, spec)
    p_visible = encoding.visible_probabilities(pixels, label, params, spec)
    p_hidden = encoding.hidden_probabilities(params, spec)
    return network.run_clamped_segment(words, network.init_carry(spec), weight, p_visible,
                                       p_hidden, params, spec,
                                       front_end_raster(key, pixels, data.n_ticks, params, spec),
                                       record=record)


def _model_segment(key, carry, weight, pixels, params, spec: Spec, record: bool = False):
    """Model segment of one image, data and label neurons free: (visible, hidden) rasters, and
    with `record` the free neurons' traces (`network.run_free_segment`)."""
    _, model = training_segments(spec)
    words = network.draw_segment_words(key, model.n_ticks, model.visible_free, spec)
    p_visible = encoding.visible_probabilities(pixels, None, params, spec)
    p_hidden = encoding.hidden_probabilities(params, spec)
    out = network.run_free_segment(words, carry, weight, p_visible, p_hidden, params, spec,
                                   model.visible_free, record=record)
    return out[1:]


def train_images(keys, device_state, pixels, labels, params, spec: Spec, keep_rasters: bool = False,
                 keep_traces: bool = False):
    """Train on B images that share the weights; B = 1 is on-line eCD.

    Args:
      keys: [B] image keys (`image_key`); device_state: the synapse device state (`spec.device`);
      pixels: float32 [B, n_data] in [0, 1]; labels: int32 [B] in 0..9.
      keep_rasters: (static) also return the spike rasters of the whole image.
      keep_traces: (static) also return the neuron traces (`srbm_jax.monitors`): a dict of
        hidden_{membrane,drive,walk} float32 [B, T, n_hidden] and visible_{membrane,drive,walk}
        [B, T, n_data + n_label] (0 in the data segment, where those neurons are clamped):
        u after every tick, the synaptic input and the random walk's displacement in the tick
        (`network.run_clamped_segment`); implies keep_rasters.
    Returns:
      (device_state, ImageStats with leaves [B]), plus, with keep_rasters, (visible bool
      [B, T, n_visible], hidden bool [B, T, n_hidden_total]) over both segments (T ticks).

    The B images run side by side through the data segment with the same weights; their
    potentiation counts are summed and applied; then the B model segments run with the updated
    weights and their depression counts are summed and applied. With B > 1 this is *mini-batch*
    eCD (an explicit option, `train_epoch(batch_size=...)`): faster on CPU and GPU because the
    per-tick products become matrix products, but the images of a batch do not see each other's
    updates.
    """
    device = spec.device
    spec = network.lanes_spec(spec, keys.shape[0])  # images sharing the weights: dense by default
    split = jax.vmap(lambda key: jax.random.split(key, 4))(keys)
    key_data, key_model, key_ltp, key_ltd = split[:, 0], split[:, 1], split[:, 2], split[:, 3]

    # Data segment: every visible neuron clamped; LTP with the summed counts (`spec.rule`).
    weight = device.read(device_state, params.device)
    data_out = jax.vmap(_data_segment, in_axes=(0, None, 0, 0, None, None, None))(
        key_data, weight, pixels, labels, params, spec, keep_traces)
    carry, visible_data, hidden_data = data_out[:3]
    data_potentiation, data_depression = spec.rule.data_counts(visible_data, hidden_data, spec)
    device_state = device.apply(key_ltp[0], device_state, data_potentiation, data_depression,
                                params.device)

    # Model segment: data and label neurons free, reading the potentiated weights; LTD.
    weight = device.read(device_state, params.device)
    model_out = jax.vmap(_model_segment, in_axes=(0, 0, None, 0, None, None, None))(
        key_model, carry, weight, pixels, params, spec, keep_traces)
    visible_model, hidden_model = model_out[:2]
    model_potentiation, model_depression = spec.rule.model_counts(
        visible_data, hidden_data, visible_model, hidden_model, spec)
    device_state = device.apply(key_ltd[0], device_state, model_potentiation, model_depression,
                                params.device)
    if device.supports_relax:  # weight decay once per update, over the B images of the batch
        device_state = device.relax(jax.random.fold_in(key_ltd[0], 1), device_state,
                                    params.device, decay.weight_decay_fraction(params, keys.shape[0]))
        if params.label_weight_decay is not None:
            # the label rows' own decay, a second relax. None (the default) leaves it out of the
            # program: XLA fuses the two relaxes, which moves the first's float rounding by an
            # ulp even where the second is the identity (label_weight_decay 0 in a sweep)
            device_state = device.relax(jax.random.fold_in(key_ltd[0], 3), device_state,
                                        params.device,
                                        decay.label_decay_fraction(params, spec, keys.shape[0]))
    # The end of the update: the identity for a device; an update layer writes its step here.
    device_state = device.end_update(jax.random.fold_in(key_ltd[0], 2), device_state,
                                     params.device)

    label_slice = spec.label_slice
    rate = jax.vmap(_rate, in_axes=(0, None, None, None))
    stats = ImageStats(
        hidden_rate_data=rate(hidden_data, 0, spec.n_hidden, spec.dt_ms),
        hidden_rate_model=rate(hidden_model, 0, spec.n_hidden, spec.dt_ms),
        data_rate_model=rate(visible_model, 0, spec.n_data, spec.dt_ms),
        label_rate_model=rate(visible_model, label_slice.start, label_slice.stop, spec.dt_ms),
        potentiation_events=jnp.full(keys.shape, (jnp.sum(data_potentiation)
                                                  + jnp.sum(model_potentiation)) / keys.shape[0]),
        depression_events=jnp.full(keys.shape, (jnp.sum(data_depression)
                                                + jnp.sum(model_depression)) / keys.shape[0]),
    )
    if keep_rasters or keep_traces:
        rasters = (jnp.concatenate([visible_data, visible_model], axis=1),
                   jnp.concatenate([hidden_data, hidden_model], axis=1))
        if not keep_traces:
            return device_state, stats, rasters
        data_traces, model_traces = data_out[3], model_out[2]
        traces = {}
        for name, model_trace in model_traces.items():  # the data segment clamps the visible
            data_trace = data_traces.get(name, jnp.zeros(visible_data.shape[:2]
                                                         + model_trace.shape[2:], jnp.float32))
            traces[name] = jnp.concatenate([data_trace, model_trace], axis=1)
        return device_state, stats, rasters, traces
    return device_state, stats


def train_image(key, device_state, pixels, label, params, spec: Spec):
    """Train on one image (on-line eCD): `train_images` with a batch of one.

    key: the image key; pixels: float32 [n_data]; label: int32 scalar. Returns (device_state,
    ImageStats of scalars).
    """
    device_state, stats = train_images(key[None], device_state, pixels[None],
                                       jnp.asarray(label)[None], params, spec)
    return device_state, jax.tree_util.tree_map(lambda leaf: leaf[0], stats)


@functools.partial(jax.jit, static_argnames=("spec",))
def train_chunk(root_key, device_state, pixels, labels, indices, epoch, params, spec: Spec):
    """Train on a chunk of images in order (a `lax.scan` over batches of images).

    pixels: float32 [N, B, n_data]; labels: int32 [N, B]; indices: int32 [N, B], the images'
    positions in the data set (they select the keys). B = 1 is on-line training.
    Returns (device_state, ImageStats with leaves [N, B]).
    """

    def step(state, inputs):
        batch_pixels, batch_labels, batch_indices = inputs
        keys = jax.vmap(lambda index: image_key(root_key, epoch, index))(batch_indices)
        return train_images(keys, state, batch_pixels, batch_labels, params, spec)

    return jax.lax.scan(step, device_state, (pixels, labels, indices))


# fold_in data of the epoch permutation's key (image indices never reach it).
SHUFFLE_STREAM = 2 ** 31 - 1


def epoch_order(root_key, epoch: int, n_images: int) -> np.ndarray:
    """The order in which epoch `epoch` presents n_images training images when shuffling:
    jax.random.permutation(fold_in(fold_in(root_key, epoch), SHUFFLE_STREAM), n_images), a
    permutation of 0..n_images-1 that differs per epoch and is a pure function of the key (a
    resumed run recomputes it). Image keys stay tied to positions: the image at position p of
    epoch e draws from image_key(root_key, e, p)."""
    key = jax.random.fold_in(jax.random.fold_in(root_key, epoch), SHUFFLE_STREAM)
    return np.asarray(jax.random.permutation(key, n_images))


def chunk_inputs(images, labels, begin: int, end: int, batch_size: int, order=None):
    """(pixels float32 [N, B, n_data], labels int32 [N, B], indices int32 [N, B]) of positions
    [begin, end) for `train_chunk`, in batches of batch_size, or on-line (B = 1) when the chunk
    is not a multiple of batch_size (a ragged last chunk). images: validated uint8 or float.
    order: None (position p is image p), int [M] (position p is image order[p]), or int [K, M]
    for K networks with their own orders (pixels [K, N, B, n_data], labels [K, N, B]; the
    indices, which select the keys, stay positions)."""
    batch = batch_size if (end - begin) % batch_size == 0 else 1
    shape = ((end - begin) // batch, batch)
    positions = jnp.arange(begin, end, dtype=jnp.int32).reshape(shape)
    if order is None:
        return (jnp.asarray(encoding.to_pixels(images[begin:end]).reshape(*shape, -1)),
                jnp.asarray(np.asarray(labels[begin:end]).reshape(shape)), positions)
    chosen = np.asarray(order)[..., begin:end]
    lead = chosen.shape[:-1]
    return (jnp.asarray(encoding.to_pixels(images[chosen.reshape(-1)]).reshape(*lead, *shape, -1)),
            jnp.asarray(np.asarray(labels)[chosen].reshape(*lead, *shape)), positions)


def init_device(key, params, spec: Spec):
    """Initial device state of the n_visible x n_hidden_total synapse array."""
    return spec.device.init(key, spec.n_visible, spec.n_hidden_total, params.device)


def epoch_chunks(pixels, labels, params, spec: Spec, *, start: int = 0, chunk_size: int = 500,
                 batch_size: int = 1, params_at: Callable[[int], Params] | None = None,
                 progress: Callable[[int, int], None] | None = None, order=None):
    """The chunk loop of `train_epoch` and `sweep.train_networks`: checks the arguments, params
    and images, then yields ((pixels, labels, indices) as from `chunk_inputs`, chunk params) for
    each chunk of images [start, N); chunk_size is rounded down to a multiple of batch_size.
    `progress(end, total)` is called once the caller has trained a chunk (asks for the next).
    order: the images' order (`chunk_inputs`); positions then run over [start, order length).
    Raises ValueError for an empty data set, start outside [0, N], batch_size or chunk_size < 1."""
    check_int_argument(batch_size, "batch_size", 1)
    check_int_argument(chunk_size, "chunk_size", 1)
    chunk_size = max(batch_size, chunk_size - chunk_size % batch_size)
    validate(spec, params)
    images, labels = check_data_set(pixels, labels, spec)
    if labels is None:
        raise ValueError("labels = None: training needs int32 labels [N] in 0..9")
    total = images.shape[0]
    if order is not None:
        order = np.asarray(order)
        if order.ndim not in (1, 2) or order.dtype.kind not in "iu" or (
                order.size and (order.min() < 0 or order.max() >= total)):
            raise ValueError(f"order is out of range: allowed integer image indices in [0, {total}) "
                             "shaped [M] or [networks, M]")
        total = order.shape[-1]
    check_int_argument(start, "start", 0, total,
                       f" (N = {total} images in pixels; start = N leaves nothing to train)")
    for begin in range(start, total, chunk_size):
        end = min(begin + chunk_size, total)
        yield (chunk_inputs(images, labels, begin, end, batch_size, order),
               params if params_at is None else params_at(begin))
        if progress is not None:
            progress(end, total)


def train_epoch(root_key, device_state, pixels, labels, params, spec: Spec, *, epoch: int = 0,
                start: int = 0, chunk_size: int = 500, batch_size: int = 1,
                progress: Callable[[int, int], None] | None = None,
                params_at: Callable[[int], Params] | None = None, order=None):
    """Train on images [start, N) of a data set in chunks (streams the data to the device).

    pixels: images, uint8 [N, n_data] (0..255) or float in [0, 1] (or [N, H, W]), N >= 1.
    start: the first image to train, 0 <= start <= N (start = N trains nothing and returns
    device_state unchanged with empty stats: an epoch already finished); anything else, an empty
    data set, NaN or out-of-range pixels raise ValueError naming the argument.
    batch_size = 1 is on-line eCD; > 1 is mini-batch eCD (see `train_images`). chunk_size images
    (rounded down to a multiple of batch_size) go to the device per jitted call; a last chunk
    whose size is not a multiple of batch_size is trained on-line. pixels / labels are validated with
    `encoding.check_images` first and converted to float32 one chunk at a time, so host memory
    does not grow with the data set beyond the images themselves. `progress(done, total)` is
    called after every chunk. `params_at(begin)`, if given, supplies the Params of the chunk that
    starts at image `begin` (schedules, e.g. a decaying step: `decay.step_scaled_params`); they must
    keep the structure of `params` (traced values change, nothing recompiles). order: int [M],
    position p trains image order[p] (a shuffled epoch, `epoch_order`); positions run over
    [start, M). Returns (device_state, dict of per-image stats as numpy arrays).
    """
    collected = []
    for inputs, chunk_params in epoch_chunks(pixels, labels, params, spec, start=start,
                                             chunk_size=chunk_size, batch_size=batch_size,
                                             params_at=params_at, progress=progress, order=order):
        device_state, stats = train_chunk(root_key, device_state, *inputs, jnp.int32(epoch),
                                          chunk_params, spec)
        collected.append(jax.tree_util.tree_map(lambda leaf: np.asarray(leaf).reshape(-1), stats))
    merged = {name: np.concatenate([getattr(s, name) for s in collected]) if collected
              else np.zeros((0,), np.float32) for name in ImageStats._fields}
    return device_state, merged
