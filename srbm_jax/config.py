"""Static network specification, traced numeric parameters, and their validation.

Two kinds of settings, kept apart so that `jit` and `vmap` do the right thing:

* `Spec` (a frozen, hashable dataclass, passed as a *static* argument): layer sizes, the tick,
  phase durations, pulse windows and delays in ticks, the device model and the input coding.
  Changing any of these changes array shapes or program structure, so it recompiles.
* `Params` (a `flax.struct` pytree, *traced*): every numeric hyperparameter (rates, thresholds,
  time constants, random-walk steps, device steps and bounds). `vmap` over a `Params` whose leaves
  carry a leading axis sweeps hyperparameters without new code or recompilation.

Defaults are the IBM 6T2R simulator's (see docs/model.md#defaults); each field says where
its default comes from. `validate(spec, params)` raises a `ValueError` naming the field and the
allowed range, and is called before anything is compiled.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from flax import struct

from srbm_jax.devices import Device, GpGmLinear
from srbm_jax.frontends import FrontEnd, PixelCoding
from srbm_jax.rules import LearningRule, PulseCoincidence


@dataclasses.dataclass(frozen=True)
class Spec:
    """Static structure of the sRBM simulation (hashable; a `jit` static argument).

    Sizes (neurons):
      n_data: data (pixel / feature) neurons in the visible layer. Default 784 (28x28 MNIST).
      n_label: label neurons, a multiple of 10, n_label/10 per class. Source slides' default 40.
      n_visible_bias: always-on visible bias neurons. IBM default 8.
      n_hidden: hidden neurons. Source slides' default 824.
      n_hidden_bias: always-on hidden bias neurons. IBM default 8.
    Time (ms):
      dt_ms: the simulation tick. 1 ms by default; `benchmarks/dt_convergence.py` shows the firing
        rate-vs-input curve at 1 ms matches 0.1 ms within 2 %.
      walk_interval_ms: interval of one random-walk coin flip, IBM `timestep_rng` = 10 us.
      transition_data_ms, data_ms, transition_model_ms, model_ms: the phase schedule of one training
        image, IBM defaults 10 / 40 / 10 / 40 ms.
      inference_ms: presentation time of one test image (pixels clamped, labels free). 100 ms.
      data_event_delay_ms, model_event_delay_ms: a hidden spike at t_h schedules a weight-update
        event at t_h + d; IBM: 6 ms in the data phase, 2 ms in the model phase.
      pulse_width_ms: a visible neuron's STDP pulse stays open for this long after its spike,
        IBM `tset_width` = 4 ms.
    Choices:
      device: the synapse device model (a `srbm_jax.devices.Device` value).
      rule: the learning rule, rasters -> eCD counts (a `srbm_jax.rules.LearningRule` value;
        default the 6T2R pulse-coincidence rule).
      front_end: how an image drives the data neurons (a `srbm_jax.frontends.FrontEnd` value;
        default one neuron per pixel, coded by input_coding); its parameters, if any, are
        Params.front_end.
      input_coding: 'threshold' (IBM: pixel > threshold spikes at spike_rate) or 'rate'
        (P(spike) proportional to the pixel value, the source slides' proposed refinement).
      random_source: 'hash' (fast counter-based hash keyed by a JAX key) or 'threefry'
        (`jax.random.bits`); both give uint32 words of the same shape, see `srbm_jax.random`.
      bridge_correction: detect threshold crossings inside a tick with the Brownian-bridge
        crossing probability (see `srbm_jax.neurons`).
      drive_chunk: how one image's free segment sums the weight rows of the neurons that spiked:
        > 0 (default 16) adds the spiking rows one by one, `drive_chunk` rows per loop step, so
        the cost follows the spike count (13 us per tick with ~25 spikes against 43-89 us for
        the dense product on the 2-core CPU, `python -m benchmarks.micro`); 0 uses dense
        matrix-vector products. Both forms give the same sums up to float rounding.
      batch_drive_chunk: drive_chunk of images that share the weights side by side (mini-batch
        training, inference and completion batches, early-decision lanes; `network.lanes_spec`):
        0 (default, the form of every recorded run) uses the dense form, which vmap turns into
        matrix products; > 0 the sparse row sums, one loop per image run as a batched while
        loop. On the 2-core CPU the sparse form was 7-38 % faster for mini-batch-8 training
        and 250-image inference on trained weights (RESULTS 14, session 11).
    """

    n_data: int = 784
    n_label: int = 40
    n_visible_bias: int = 8
    n_hidden: int = 824
    n_hidden_bias: int = 8
    dt_ms: float = 1.0
    walk_interval_ms: float = 0.01
    transition_data_ms: float = 10.0
    data_ms: float = 40.0
    transition_model_ms: float = 10.0
    model_ms: float = 40.0
    inference_ms: float = 100.0
    data_event_delay_ms: float = 6.0
    model_event_delay_ms: float = 2.0
    pulse_width_ms: float = 4.0
    device: Device = GpGmLinear()
    rule: LearningRule = PulseCoincidence()
    front_end: FrontEnd = PixelCoding()
    input_coding: str = "threshold"
    random_source: str = "hash"
    bridge_correction: bool = True
    drive_chunk: int = 16
    batch_drive_chunk: int = 0

    # ---- derived sizes -------------------------------------------------------------------
    @property
    def n_visible(self) -> int:
        return self.n_data + self.n_label + self.n_visible_bias

    @property
    def n_hidden_total(self) -> int:
        return self.n_hidden + self.n_hidden_bias

    @property
    def labels_per_class(self) -> int:
        return self.n_label // 10

    @property
    def label_slice(self) -> slice:
        return slice(self.n_data, self.n_data + self.n_label)

    def ticks(self, duration_ms: float) -> int:
        """Number of ticks in `duration_ms` (durations must be whole multiples of dt)."""
        return int(round(duration_ms / self.dt_ms))

    @property
    def flips_per_tick(self) -> int:
        """Random-walk coin flips summed in one tick: dt / walk_interval."""
        return int(round(self.dt_ms / self.walk_interval_ms))

    @property
    def walk_words(self) -> int:
        """uint32 words drawn per neuron per tick: the coin flips plus 24 bits for the bridge."""
        return max(1, math.ceil((self.flips_per_tick + 24) / 32))

    def replace(self, **changes: Any) -> Spec:
        return dataclasses.replace(self, **changes)


@struct.dataclass
class Params:
    """Traced numeric hyperparameters (a pytree; every leaf can be vmapped).

    spike_rate_hz: input Poisson rate of an active pixel and of a true-class label neuron, IBM 200 Hz.
    bias_rate_factor: bias neurons fire at spike_rate * factor, IBM 0.354 (70.8 Hz).
    input_threshold: a pixel in [0, 1] above this (strictly, as the slides state it) spikes
      ('threshold' coding), IBM `mnist_binary_threshold` 0.5.
    membrane_tau_ms: leak time constant, u <- u exp(-dt / tau), IBM `pt_lk_tau` 10 ms.
    firing_threshold: spike when u >= this, IBM `pt_threshold` 1.0 (membrane units).
    alpha: membrane jump per presynaptic spike per unit conductance, IBM `pt_alpha` 0.1.
    walk_up, walk_down: random-walk step up / down per coin flip, IBM `random_walk_step` 0.06.
    refractory_ms: after a spike the membrane is held at 0 for this long, IBM 4 ms.
    weight_decay: fraction of every weight removed per training image, G <- (1 - weight_decay) G
      (applied once per update as 1 - (1 - weight_decay)^batch, `Device.relax`); 0 = none (IBM).
      Ours: a restoring force against the slow growth of the weight spread under constant-step
      eCD (RESULTS.md section 4). Needs a device with `supports_relax` when nonzero.
    label_weight_decay: an extra fraction removed per training image from the label neurons'
      rows only, G <- (1 - label_weight_decay) G after weight_decay (per update:
      1 - ((1 - weight_decay)(1 - label_weight_decay))^batch on those rows); None (the
      default; `srbm_jax.run` maps a config's 0 to it) = none, with no extra operation in the
      program, so training is bit for bit as without the field; an explicit 0 (e.g. one value
      of a sweep) is the identity up to float rounding. Ours (session 18): in a DBN's top
      layer the label rows' spread grows without bound while the data rows' settles
      (RESULTS.md section 16). Needs a device with `supports_relax` when nonzero.
    label_rate_factor: the true class's label neurons fire at spike_rate * this (ours; 1 = the
      IBM rule, 0 = no label input: an unsupervised layer, e.g. the lower layer of a DBN).
    device: the device model's own numeric parameters (see `srbm_jax.devices`).
    front_end: the front end's parameters (None for the parameter-free front ends).
    """

    spike_rate_hz: Any = 200.0
    bias_rate_factor: Any = 0.354
    input_threshold: Any = 0.5
    membrane_tau_ms: Any = 10.0
    firing_threshold: Any = 1.0
    alpha: Any = 0.1
    walk_up: Any = 0.06
    walk_down: Any = 0.06
    refractory_ms: Any = 4.0
    weight_decay: Any = 0.0
    label_weight_decay: Any = None
    label_rate_factor: Any = 1.0
    device: Any = None
    front_end: Any = None


def default_params(spec: Spec | None = None, **overrides: Any) -> Params:
    """The IBM defaults, with the device's default parameters, as float32 leaves."""
    spec = spec or Spec()
    device_params = overrides.pop("device", None) or spec.device.default_params()
    params = Params(device=device_params, **overrides)
    return _as_float32(params)


def _as_float32(params: Params) -> Params:
    import jax

    return jax.tree_util.tree_map(lambda leaf: np.asarray(leaf, np.float32), params)


# ---- validation ---------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """A value as it reads in an error message: numpy arrays and scalars as Python numbers or
    lists (not `array(-1.)`)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value).tolist()
    return value


def _check(condition: bool, field: str, allowed: str, value: Any) -> None:
    if not condition:
        raise ValueError(f"{field} = {plain(value)!r} is out of range: allowed {allowed}")


def _whole_ticks(spec: Spec, field: str) -> None:
    value = getattr(spec, field)
    _check(value >= 0, field, ">= 0 ms", value)
    ticks = value / spec.dt_ms
    _check(abs(ticks - round(ticks)) < 1e-6, field, f"a whole multiple of dt_ms = {spec.dt_ms}", value)


def validate_spec(spec: Spec) -> Spec:
    """Check the static spec; raise ValueError naming the field and the allowed range."""
    for field in ("n_data", "n_hidden"):
        value = getattr(spec, field)
        _check(isinstance(value, int) and value >= 1, field, "an integer >= 1", value)
    for field in ("n_visible_bias", "n_hidden_bias"):
        value = getattr(spec, field)
        _check(isinstance(value, int) and value >= 0, field, "an integer >= 0", value)
    _check(isinstance(spec.n_label, int) and spec.n_label >= 10 and spec.n_label % 10 == 0,
           "n_label", "a positive multiple of 10 (n_label/10 neurons per class)", spec.n_label)
    _check(spec.dt_ms > 0, "dt_ms", "> 0 ms", spec.dt_ms)
    _check(0 < spec.walk_interval_ms <= spec.dt_ms, "walk_interval_ms",
           f"in (0, dt_ms = {spec.dt_ms}] ms", spec.walk_interval_ms)
    flips = spec.dt_ms / spec.walk_interval_ms
    _check(abs(flips - round(flips)) < 1e-6, "walk_interval_ms",
           f"a whole fraction of dt_ms = {spec.dt_ms}", spec.walk_interval_ms)
    for field in ("transition_data_ms", "data_ms", "transition_model_ms", "model_ms",
                  "inference_ms", "data_event_delay_ms", "model_event_delay_ms", "pulse_width_ms"):
        _whole_ticks(spec, field)
    for field in ("data_ms", "model_ms", "inference_ms", "pulse_width_ms"):
        _check(getattr(spec, field) > 0, field, "> 0 ms", getattr(spec, field))
    for field in ("data_event_delay_ms", "model_event_delay_ms"):
        # The delay line is carried within one phase pair; keep it shorter than each half.
        limit = min(spec.transition_data_ms + spec.data_ms, spec.transition_model_ms + spec.model_ms)
        _check(getattr(spec, field) < limit, field, f"< {limit} ms (one half of the image)",
               getattr(spec, field))
    _check(spec.input_coding in ("threshold", "rate"), "input_coding", "'threshold' or 'rate'",
           spec.input_coding)
    _check(spec.random_source in ("hash", "threefry"), "random_source", "'hash' or 'threefry'",
           spec.random_source)
    for field in ("drive_chunk", "batch_drive_chunk"):
        _check(isinstance(getattr(spec, field), int) and getattr(spec, field) >= 0, field,
               "an integer >= 0 (0 = dense matrix-vector products)", getattr(spec, field))
    _check(isinstance(spec.device, Device), "device", "a srbm_jax.devices.Device value",
           spec.device)
    _check(isinstance(spec.rule, LearningRule), "rule", "a srbm_jax.rules.LearningRule value",
           spec.rule)
    spec.rule.validate(spec)
    _check(isinstance(spec.front_end, FrontEnd), "front_end", "a srbm_jax.frontends.FrontEnd value",
           spec.front_end)
    if spec.device.integer_counts and not spec.rule.integer_counts:
        raise ValueError(f"config.rule.name = {spec.rule.name!r} is out of range for device "
                         f"{spec.device.name!r}: its counts are fractional and the device "
                         "applies whole pulses; allowed 'coincidence', or put an update layer "
                         "that rounds them in between (config.optimizer.name = 'sgd', "
                         "learning_rate 1, rounding 'stochastic')")
    return spec


def validate(spec: Spec, params: Params) -> None:
    """Validate spec and params (params may carry a leading vmap axis: every element is checked).

    Raises ValueError naming the field and what is allowed, before anything is compiled.
    """
    validate_spec(spec)

    def values(name: str) -> np.ndarray:
        value = np.asarray(getattr(params, name), dtype=np.float64)
        _check(np.all(np.isfinite(value)), name, "finite numbers", value)
        return value

    rate = values("spike_rate_hz")
    # 0 Hz silences every input, label and bias neuron: nothing is learned (chance accuracy).
    _check(np.all(rate > 0), "spike_rate_hz", "> 0 Hz (0 silences every input neuron)", rate)
    factor = values("bias_rate_factor")
    _check(np.all(factor >= 0), "bias_rate_factor", ">= 0", factor)
    max_rate = 1000.0 / spec.dt_ms
    _check(np.all(rate <= max_rate), "spike_rate_hz",
           f"<= {max_rate:g} Hz so that p = rate * dt <= 1 at dt_ms = {spec.dt_ms}", rate)
    _check(np.all(rate * factor <= max_rate), "bias_rate_factor",
           f"spike_rate_hz * bias_rate_factor <= {max_rate:g} Hz (p = rate * dt <= 1)", factor)
    threshold = values("input_threshold")
    _check(np.all((threshold >= 0) & (threshold <= 1)), "input_threshold", "[0, 1]", threshold)
    tau = values("membrane_tau_ms")
    _check(np.all(tau > 0), "membrane_tau_ms", "> 0 ms", tau)
    firing = values("firing_threshold")
    _check(np.all(firing > 0), "firing_threshold", "> 0 (the reset potential is 0)", firing)
    alpha = values("alpha")
    _check(np.all(alpha >= 0), "alpha", ">= 0", alpha)
    for name in ("walk_up", "walk_down"):
        step = values(name)
        _check(np.all(step >= 0), name, ">= 0 (membrane units per coin flip)", step)
    refractory = values("refractory_ms")
    _check(np.all(refractory >= 0), "refractory_ms", ">= 0 ms", refractory)
    label_factor = values("label_rate_factor")
    _check(np.all((label_factor >= 0) & (rate * label_factor <= max_rate)), "label_rate_factor",
           f">= 0 with spike_rate_hz * label_rate_factor <= {max_rate:g} Hz", label_factor)
    for name in ("weight_decay", "label_weight_decay"):
        if getattr(params, name) is None:  # label_weight_decay's default: none
            continue
        decay = values(name)
        _check(np.all((decay >= 0) & (decay < 1)), name, "[0, 1) per training image", decay)
        if not spec.device.supports_relax:
            _check(np.all(decay == 0), name,
                   f"0 for device {spec.device.name!r} (it has no weight decay; gpgm_linear and "
                   "ideal have)", decay)
    spec.device.validate(params.device)
    spec.front_end.validate(spec, params)
