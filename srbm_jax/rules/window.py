"""STDP windows: trace-based eCD (Neftci et al. 2014) and shaped windows Delta w = f(t_post - t_pre).

Every pair of a visible (pre) spike at t_v and a hidden (post) spike at t_h adds f(d),
d = t_h - t_v in ticks, to its synapse, signed by the gate g at the tick that completes the pair,
max(t_v, t_h):

    S_ij = sum_t g(t) [ h_j(t) sum_{d=0..K} f(d) v_i(t - d)  +  v_i(t) sum_{e=1..K} f(-e) h_j(t - e) ]

i.e. two matrix products of a raster with the other raster filtered by the window (the discrete
form of pre and post traces). S > 0 is potentiation, S < 0 depression (`rules.base`), in units
of one eCD event. The data segment's S counts the ticks of the data segment; the model
segment's counts the model ticks and reaches K ticks back into the data segment for the spikes
just before it. The gate is 0 in the transitions, so pairs completed there do not count.

* `TraceECD(tau_ms=4)`: Neftci et al. 2014 (Front. Neurosci. 7:272), eCD with a symmetric
  exponential STDP kernel of time constant tau_STDP = 4 ms on pre and post traces, gated by
  g(t): f(d) = exp(-|d| dt / tau). Its window area is about 2 tau / dt + 1 events per unit
  pair rate (9 ticks at 4 ms), against the 4-tick pulse of the coincidence rule, so it learns
  about twice as fast at equal device steps.
* `ShapedWindow`: exponential (a_plus e^{-d dt / tau_plus} for d >= 0, a_minus e^{-|d| dt /
  tau_minus} for d < 0; a_minus < 0 gives the classic asymmetric STDP), rectangular (a_plus for
  0 <= d < width, a_minus for -width < d < 0) or a table of f(-K..K).

On the 6T2R cell (docs/model.md#learning-rules): f(d) for d >= 0 is the amplitude of the
bit-line pulse STDP_BL d ticks after the visible spike, sampled by the word-line pulse STDP_WL
that the hidden spike sends; f(d) for d < 0 is the shape of a word-line pulse sampled by a
later visible spike.
"""
from __future__ import annotations

import dataclasses
import math

import jax.numpy as jnp
import numpy as np

from srbm_jax.rules.base import LearningRule, signed_split
from srbm_jax.schedule import training_segments

SHAPES = ("exponential", "rectangular", "table")


def causal_filter(raster: jnp.ndarray, weights: np.ndarray) -> jnp.ndarray:
    """out[t] = sum_d weights[d] raster[t - d] (d = 0..len-1; zeros before the start), for
    rasters [B, T, n] (static weights)."""
    out = jnp.zeros(raster.shape, jnp.float32)
    n_ticks = raster.shape[1]
    for delay, weight in enumerate(weights):
        if weight == 0.0 or delay >= n_ticks:
            continue
        shifted = raster[:, :n_ticks - delay].astype(jnp.float32)
        out = out.at[:, delay:].add(float(weight) * shifted)
    return out


def window_change(visible: jnp.ndarray, hidden: jnp.ndarray, gate: np.ndarray, first: int,
                  after: np.ndarray, before: np.ndarray) -> jnp.ndarray:
    """S [n_visible, n_hidden] summed over the batch, counting completions at ticks >= first.

    visible, hidden: rasters [B, T, n]; gate: static [T]; after[d] = f(d), d = 0..K; before[e] =
    f(-e), e = 0..K (before[0] unused)."""
    gate = np.asarray(gate, np.float32).copy()
    gate[:first] = 0.0
    g = jnp.asarray(gate)[None, :, None]
    filtered_visible = causal_filter(visible, after)
    filtered_hidden = causal_filter(hidden, np.concatenate([[0.0], before[1:]]))
    hidden_f = hidden.astype(jnp.float32)
    visible_f = visible.astype(jnp.float32)
    pre_first = jnp.einsum("btv,bth->vh", g * filtered_visible, hidden_f)
    post_first = jnp.einsum("btv,bth->vh", g * visible_f, filtered_hidden)
    return pre_first + post_first


@dataclasses.dataclass(frozen=True)
class ShapedWindow(LearningRule):
    """Delta w = f(t_post - t_pre), signed by the gate (module docstring).

    shape: "exponential" | "rectangular" | "table". a_plus, a_minus: amplitudes for d >= 0 and
    d < 0 (events per pair). tau_plus_ms, tau_minus_ms: exponential time constants; the window is
    cut at 5 tau. width_ms: rectangular half-width. table: f(-K), ..., f(K) (2K + 1 values, in
    ticks of dt)."""

    shape: str = "exponential"
    a_plus: float = 1.0
    a_minus: float = 1.0
    tau_plus_ms: float = 4.0
    tau_minus_ms: float = 4.0
    width_ms: float = 4.0
    table: tuple = ()
    name: str = "window"
    integer_counts = False

    def validate(self, spec) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"config.rule.shape = {self.shape!r} is out of range: allowed one of "
                             f"{SHAPES}")
        for field in ("a_plus", "a_minus"):
            value = getattr(self, field)
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise ValueError(f"config.rule.{field} = {value!r} is out of range: allowed a "
                                 "finite number")
        for field in ("tau_plus_ms", "tau_minus_ms", "width_ms"):
            value = getattr(self, field)
            if not (isinstance(value, (int, float)) and value >= spec.dt_ms):
                raise ValueError(f"config.rule.{field} = {value!r} is out of range: allowed a "
                                 f"number >= dt_ms = {spec.dt_ms}")
        if self.shape == "table":
            table = self.table
            if (len(table) % 2 != 1 or not all(isinstance(v, (int, float)) and math.isfinite(v)
                                               for v in table)):
                raise ValueError(f"config.rule.table = {table!r} is out of range: allowed an odd "
                                 "number of finite values f(-K), ..., f(K)")

    def kernel(self, dt_ms: float) -> tuple[np.ndarray, np.ndarray]:
        """(after, before): f(d) for d = 0..K and f(-e) for e = 0..K (before[0] = f(0))."""
        if self.shape == "table":
            values = np.asarray(self.table, np.float64)
            k = len(values) // 2
            return values[k:], values[k::-1]
        if self.shape == "rectangular":
            k = max(int(round(self.width_ms / dt_ms)), 1)
            after = np.full(k, self.a_plus)
            before = np.full(k, self.a_minus)
            return after, before
        k = int(math.ceil(5.0 * max(self.tau_plus_ms, self.tau_minus_ms) / dt_ms))
        d = np.arange(k + 1) * dt_ms
        return (self.a_plus * np.exp(-d / self.tau_plus_ms),
                self.a_minus * np.exp(-d / self.tau_minus_ms))

    def data_counts(self, visible_data, hidden_data, spec):
        data, _ = training_segments(spec)
        after, before = self.kernel(spec.dt_ms)
        return signed_split(window_change(visible_data, hidden_data, data.gate, 0, after, before))

    def model_counts(self, visible_data, hidden_data, visible_model, hidden_model, spec):
        data, model = training_segments(spec)
        after, before = self.kernel(spec.dt_ms)
        visible = jnp.concatenate([visible_data, visible_model], axis=1)
        hidden = jnp.concatenate([hidden_data, hidden_model], axis=1)
        gate = np.concatenate([np.zeros(data.n_ticks), model.gate])
        change = window_change(visible, hidden, gate, data.n_ticks, after, before)
        return signed_split(change)


    def tick_changes(self, visible, hidden, rows, cols, spec):
        data, model = training_segments(spec)
        after, before = self.kernel(spec.dt_ms)
        visible = jnp.asarray(visible)[None]
        hidden = jnp.asarray(hidden)[None]
        pre = causal_filter(visible, after)[0][:, rows]
        post = causal_filter(hidden, np.concatenate([[0.0], before[1:]]))[0][:, cols]
        gate = jnp.asarray(np.concatenate([data.gate, model.gate]), jnp.float32)[:, None]
        change = gate * (hidden[0][:, cols] * pre + visible[0][:, rows] * post)
        return {"pre_window": pre, "post_window": post, "change": change}


@dataclasses.dataclass(frozen=True)
class TraceECD(LearningRule):
    """Neftci et al. 2014's eCD: symmetric exponential pre/post traces of time constant
    tau_STDP = tau_ms (4 ms), gated by g(t) (module docstring): the exponential `ShapedWindow`
    with a_plus = a_minus = 1."""

    tau_ms: float = 4.0
    name: str = "trace"
    integer_counts = False

    def window(self) -> ShapedWindow:
        """The same rule as a ShapedWindow."""
        return ShapedWindow("exponential", 1.0, 1.0, self.tau_ms, self.tau_ms)

    def kernel(self, dt_ms: float) -> tuple[np.ndarray, np.ndarray]:
        """(after, before): f(d) = exp(-|d| dt / tau) for d = 0..K and d = 0..-K (`ShapedWindow.kernel`)."""
        return self.window().kernel(dt_ms)

    def validate(self, spec) -> None:
        if not (isinstance(self.tau_ms, (int, float)) and self.tau_ms >= spec.dt_ms):
            raise ValueError(f"config.rule.tau_ms = {self.tau_ms!r} is out of range: allowed a "
                             f"number >= dt_ms = {spec.dt_ms}")

    def data_counts(self, visible_data, hidden_data, spec):
        return self.window().data_counts(visible_data, hidden_data, spec)

    def model_counts(self, visible_data, hidden_data, visible_model, hidden_model, spec):
        return self.window().model_counts(visible_data, hidden_data, visible_model, hidden_model,
                                          spec)

    def tick_changes(self, visible, hidden, rows, cols, spec):
        return self.window().tick_changes(visible, hidden, rows, cols, spec)
