"""Monitors: look inside the network, tick by tick (Brian2's StateMonitor, SpikeMonitor and
PopulationRateMonitor, for the sRBM's phases).

    record = record_image(key, device_state, pixels, label, params, spec,
                          visible=(100, 784), hidden=(0, 1, 2), synapses=((100, 0), (784, 1)))
    records, state = record_images(keys, device_state, images, labels, params, spec, ...)
    seen = record_inference(key, device_state, pixels, params, spec, hidden=(0, 1))

`record_image` replays one training image exactly as on-line training ran it
(`srbm_jax.train.train_images`, with the segment scans' `record` option, which costs nothing
when off) and returns, per tick: the gate g(t); the spikes of every neuron (data, label, bias,
hidden); for the chosen visible and hidden neurons the membrane u, the synaptic input and the
random walk's displacement of the tick; the label groups' spike counts; for the chosen synapses
the learning rule's windows (open STDP pulse or pre trace, update events or post trace), the
change each tick adds (`LearningRule.tick_changes`), and the weight and the device's own
conductances (Gp, Gm for a pair) as every tick reads them (the device is written at the end of
each segment). With `key = train.image_key(root, epoch, n)` and the device state before image
n it reproduces that image of a run (tests/test_monitors.py checks the final state against
training). `record_images` does so for consecutive images, carrying the state;
`record_inference` records one test image's presentation (fixed weights, labels free).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import infer, train
from srbm_jax.config import Spec
from srbm_jax.schedule import gate_trace, inference_segment, training_segments


class ImageRecord(NamedTuple):
    """One training image, tick by tick (T ticks; numpy arrays).

    gate: [T] g(t) in {-1, 0, +1}; visible_spikes: bool [T, n_visible]; hidden_spikes: bool
    [T, n_hidden_total]; visible_membrane, visible_drive, visible_walk: [T, len(visible)] u after
    the tick, the synaptic input and the random walk's displacement in the tick (membrane units;
    0 while clamped, the data segment); hidden_membrane, hidden_drive, hidden_walk: [T,
    len(hidden)]; label_counts: [T, 10]; visible, hidden: the chosen indices; synapses: [S, 2];
    weights: [3, S] G before, after potentiation, after depression; potentiation, depression:
    [S] eCD events of the two phases; conductances: {name: [3, S]} of the device's own state
    fields (e.g. g_plus, g_minus), at the same three points; pre_window, post_window, change:
    [T, S] the rule's windows and the signed change per tick (`LearningRule.tick_changes`);
    weight_trace: [T + 1, S] the weight each tick reads (row T: after the image);
    conductance_traces: {name: [T + 1, S]} likewise.
    """

    gate: np.ndarray
    visible_spikes: np.ndarray
    hidden_spikes: np.ndarray
    visible_membrane: np.ndarray
    hidden_membrane: np.ndarray
    label_counts: np.ndarray
    visible: np.ndarray
    hidden: np.ndarray
    synapses: np.ndarray
    weights: np.ndarray
    potentiation: np.ndarray
    depression: np.ndarray
    conductances: dict
    visible_drive: np.ndarray
    visible_walk: np.ndarray
    hidden_drive: np.ndarray
    hidden_walk: np.ndarray
    pre_window: np.ndarray
    post_window: np.ndarray
    change: np.ndarray
    weight_trace: np.ndarray
    conductance_traces: dict


class InferenceRecord(NamedTuple):
    """One test image's presentation, tick by tick (T = Spec.inference_ms ticks).

    visible_spikes: bool [T, n_visible]; hidden_spikes: bool [T, n_hidden_total];
    label_counts: [T, 10] spikes of each class's label group in the tick; running: [T] the
    decision had the presentation stopped after the tick (argmax of the counts so far, ties to
    the lower class); prediction: the decision at the end; visible, hidden: the chosen indices;
    visible_membrane, visible_walk: [T, len(visible)] (0 for clamped data neurons);
    hidden_membrane, hidden_walk: [T, len(hidden)]."""

    visible_spikes: np.ndarray
    hidden_spikes: np.ndarray
    label_counts: np.ndarray
    running: np.ndarray
    prediction: int
    visible: np.ndarray
    hidden: np.ndarray
    visible_membrane: np.ndarray
    visible_walk: np.ndarray
    hidden_membrane: np.ndarray
    hidden_walk: np.ndarray


# one compiled replay per Spec (a jit wrapper made per call would trace again every time)
_train_images = jax.jit(train.train_images, static_argnames=("spec", "keep_rasters",
                                                             "keep_traces"))


def _indices(values, size: int, name: str) -> np.ndarray:
    values = np.asarray(values, np.int64).reshape(-1)
    if values.size and (values.min() < 0 or values.max() >= size):
        raise ValueError(f"{name} = {values.tolist()} is out of range: allowed indices in "
                         f"[0, {size})")
    return values


def _pick(state: Any, rows: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    """Per-synapse values of the device state's [V, H] arrays (e.g. g_plus, g_minus)."""
    fields = state._asdict() if hasattr(state, "_asdict") else {}
    return {name: np.asarray(value, np.float32)[rows, cols] for name, value in fields.items()
            if np.ndim(value) == 2}


def _pixels(pixels) -> jax.Array:
    pixels = np.asarray(pixels)
    pixels = pixels / 255.0 if pixels.dtype == np.uint8 else pixels
    return jnp.asarray(pixels, jnp.float32).reshape(1, -1)


def _per_tick(points: np.ndarray, data_ticks: int, n_ticks: int) -> np.ndarray:
    """[3, S] values before, after the data segment and after the image -> [T + 1, S], the
    value each tick reads (the device is written at the end of each segment)."""
    return np.concatenate([np.repeat(points[:1], data_ticks, axis=0),
                           np.repeat(points[1:2], n_ticks - data_ticks, axis=0), points[2:]])


def record_image(key, device_state, pixels, label, params, spec: Spec, *, visible=(), hidden=(),
                 synapses=()) -> ImageRecord:
    """Replay one on-line training image with monitors (module docstring).

    Args:
      key: the image key (`train.image_key`); device_state: the state before the image.
      pixels: one image, float [input pixels] in [0, 1] (or uint8); label: its class.
      visible: indices of visible neurons (data and label neurons have a membrane in the model
        segment); hidden: indices of free hidden neurons; synapses: (visible, hidden) pairs.
    Returns:
      ImageRecord. ValueError names an index out of range.
    """
    return _record_and_train(key, device_state, pixels, label, params, spec, visible=visible,
                             hidden=hidden, synapses=synapses)[0]


def _record_and_train(key, device_state, pixels, label, params, spec: Spec, *, visible=(),
                      hidden=(), synapses=()) -> tuple[ImageRecord, Any]:
    """(record_image's record, the device state after the image)."""
    visible = _indices(visible, spec.n_data + spec.n_label, "visible")
    hidden = _indices(hidden, spec.n_hidden, "hidden")
    synapses = np.asarray(synapses, np.int64).reshape(-1, 2)
    rows = _indices(synapses[:, 0], spec.n_visible, "synapses (visible index)")
    cols = _indices(synapses[:, 1], spec.n_hidden_total, "synapses (hidden index)")
    labels = jnp.asarray([label], jnp.int32)
    after, _, rasters, traces = _train_images(key[None], device_state, _pixels(pixels), labels,
                                              params, spec, keep_traces=True)
    visible_raster, hidden_raster = (np.asarray(r[0]) for r in rasters)
    data, _ = training_segments(spec)
    # the state after potentiation: the same counts and key as train_images applied
    potentiation, depression = spec.rule.data_counts(jnp.asarray(visible_raster[None, :data.n_ticks]),
                                                     jnp.asarray(hidden_raster[None, :data.n_ticks]),
                                                     spec)
    key_ltp = jax.random.split(key, 4)[2]
    middle = spec.device.apply(key_ltp, device_state, potentiation, depression, params.device)
    _, model_depression = spec.rule.model_counts(
        jnp.asarray(visible_raster[None, :data.n_ticks]), jnp.asarray(hidden_raster[None, :data.n_ticks]),
        jnp.asarray(visible_raster[None, data.n_ticks:]), jnp.asarray(hidden_raster[None, data.n_ticks:]),
        spec)
    states = (device_state, middle, after)
    weights = np.stack([np.asarray(spec.device.read(s, params.device))[rows, cols]
                        for s in states])
    picked = [_pick(s, rows, cols) for s in states]
    conductances = {name: np.stack([p[name] for p in picked]) for name in picked[0]}
    label_raster = visible_raster[:, spec.label_slice].astype(np.float32)
    windows = {k: np.asarray(v) for k, v in spec.rule.tick_changes(
        visible_raster, hidden_raster, rows, cols, spec).items()}
    n_ticks = visible_raster.shape[0]
    trace = {name: np.asarray(value[0]) for name, value in traces.items()}
    return ImageRecord(
        gate=np.asarray(gate_trace(spec)), visible_spikes=visible_raster,
        hidden_spikes=hidden_raster,
        visible_membrane=trace["visible_membrane"][:, visible],
        hidden_membrane=trace["hidden_membrane"][:, hidden],
        label_counts=label_raster.reshape(-1, 10, spec.labels_per_class).sum(axis=2),
        visible=visible, hidden=hidden, synapses=synapses, weights=weights,
        potentiation=np.asarray(potentiation)[rows, cols],
        depression=np.asarray(model_depression)[rows, cols], conductances=conductances,
        visible_drive=trace["visible_drive"][:, visible],
        visible_walk=trace["visible_walk"][:, visible],
        hidden_drive=trace["hidden_drive"][:, hidden], hidden_walk=trace["hidden_walk"][:, hidden],
        pre_window=windows["pre_window"], post_window=windows["post_window"],
        change=windows["change"], weight_trace=_per_tick(weights, data.n_ticks, n_ticks),
        conductance_traces={name: _per_tick(value, data.n_ticks, n_ticks)
                            for name, value in conductances.items()}), after


def record_images(keys, device_state, images, labels, params, spec: Spec, **chosen
                  ) -> tuple[list[ImageRecord], Any]:
    """`record_image` for consecutive training images, each starting from the state the one
    before left (as on-line training runs them).

    Args:
      keys: [N] image keys (e.g. `train.image_key(root, epoch, n)` for n = first..first+N-1);
      images: [N, n_data] (float in [0, 1] or uint8); labels: [N]; chosen: visible=, hidden=,
      synapses= as in record_image.
    Returns:
      (the N ImageRecords, the device state after the last image).
    """
    images = np.asarray(images)
    labels = np.asarray(labels).reshape(-1)
    if len(keys) != len(images) or len(images) != len(labels):
        raise ValueError(f"keys, images and labels have {len(keys)}, {len(images)} and "
                         f"{len(labels)} entries: allowed the same number")
    records = []
    for key, pixels, label in zip(keys, images, labels, strict=True):
        record, device_state = _record_and_train(key, device_state, pixels, int(label), params,
                                                 spec, **chosen)
        records.append(record)
    return records, device_state


_inference = jax.jit(infer.inference_rasters, static_argnames=("spec", "record"))


def record_inference(key, device_state, pixels, params, spec: Spec, *, visible=(), hidden=()
                     ) -> InferenceRecord:
    """One test image's presentation with monitors: the same spikes as `infer.evaluate` gives
    image n with key = fold_in(eval key, n) (tests/test_monitors.py).

    Args:
      key: the image's key; device_state: the trained state; pixels: one image (float in [0, 1]
      or uint8); visible: visible indices (only the label neurons are free in inference; the
      data neurons' traces are 0); hidden: free hidden indices.
    Returns:
      InferenceRecord. ValueError names an index out of range.
    """
    visible = _indices(visible, spec.n_data + spec.n_label, "visible")
    hidden = _indices(hidden, spec.n_hidden, "hidden")
    weight = spec.device.read(device_state, params.device)
    visible_raster, hidden_raster, traces = _inference(key, weight, _pixels(pixels)[0], params,
                                                       spec, record=True)
    visible_raster, hidden_raster = np.asarray(visible_raster), np.asarray(hidden_raster)
    start, stop = inference_segment(spec).visible_free
    n_ticks = visible_raster.shape[0]

    def visible_trace(values):
        full = np.zeros((n_ticks, spec.n_visible), np.float32)
        full[:, start:stop] = np.asarray(values)
        return full[:, visible]

    counts = visible_raster[:, spec.label_slice].astype(np.float32).reshape(
        n_ticks, 10, spec.labels_per_class).sum(axis=2)
    running = np.argmax(np.cumsum(counts, axis=0), axis=1)
    return InferenceRecord(
        visible_spikes=visible_raster, hidden_spikes=hidden_raster, label_counts=counts,
        running=running, prediction=int(running[-1]), visible=visible, hidden=hidden,
        visible_membrane=visible_trace(traces["visible_membrane"]),
        visible_walk=visible_trace(traces["visible_walk"]),
        hidden_membrane=np.asarray(traces["hidden_membrane"])[:, hidden],
        hidden_walk=np.asarray(traces["hidden_walk"])[:, hidden])
