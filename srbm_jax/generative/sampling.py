"""Sampling fidelity: how closely a network of the IBM neurons samples a Boltzmann distribution.

A Boltzmann machine over binary units z (visible v, hidden h) with weights W and biases a, b,

    p(v, h) = exp(a.v + b.h + v.W.h) / Z,

is sampled by neurons whose state z_i(t) is 1 while neuron i is "on": it spiked within the last
`tau_on` ticks (the refractory window, Buesing et al. 2011, "neural sampling"; Neftci et al.
2014, Petrovici et al. 2016 for LIF neurons). The recipe, for the 6T2R chip's neuron (leaky
integrate-and-fire with the hardware random walk and a refractory period, `srbm_jax.neurons`):

1. **Calibrate** the activation: P(on) of one neuron against a constant input d (membrane units
   per tick), fitted by a logistic P(on) = sigmoid(beta (d - d0)) (`calibrate`).
2. **Map** the Boltzmann parameters to inputs: neuron i receives d_i(t) = d0 + (bias_i +
   sum_j W_ij z_j(t)) / beta per tick (`spiking_samples`): a rectangular post-synaptic input
   for as long as the presynaptic neuron is on, the shape the theory assumes. (The chip's synapse
   instead adds one jump alpha G at the spike, which decays with the membrane; `psp="jump"`
   applies the same total input that way, J = tau_on W / beta at the spike, to measure what the
   synapse's shape costs.)
3. **Compare**: the empirical distribution of the sampled joint states after T ticks against the
   exact one, enumerated over all 2^(V+H) states (`exact_distribution`), as the KL divergence
   KL(p_sampled || p_exact) against T, with block Gibbs sampling (`gibbs_samples`) of the same
   distribution as the reference (`kl_curve`).

For small networks only (V + H <= 16). `experiments/sampling_fidelity.py` runs the comparison.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import neurons
from srbm_jax.plasticity import pulse_open
from srbm_jax.random import words

MAX_UNITS = 16


class BoltzmannMachine(NamedTuple):
    """weight float [V, H], visible_bias [V], hidden_bias [H] (dimensionless log-odds)."""

    weight: np.ndarray
    visible_bias: np.ndarray
    hidden_bias: np.ndarray


class Calibration(NamedTuple):
    """P(on) = sigmoid(beta (d - d0)) for a constant input d per tick (membrane units);
    drives, p_on: the measured points; tau_on: the on-window in ticks; rms: the fit's
    root-mean-square error in P (the IBM neuron's activation is not exactly logistic)."""

    d0: float
    beta: float
    drives: np.ndarray
    p_on: np.ndarray
    tau_on: int
    rms: float


def random_machine(key, n_visible: int, n_hidden: int, scale: float = 1.0) -> BoltzmannMachine:
    """Weights and biases drawn N(0, scale^2), as numpy float64."""
    k1, k2, k3 = jax.random.split(key, 3)
    return BoltzmannMachine(
        scale * np.asarray(jax.random.normal(k1, (n_visible, n_hidden)), np.float64),
        scale * np.asarray(jax.random.normal(k2, (n_visible,)), np.float64),
        scale * np.asarray(jax.random.normal(k3, (n_hidden,)), np.float64))


def _check_size(machine: BoltzmannMachine) -> tuple[int, int]:
    n_visible, n_hidden = np.shape(machine.weight)
    if n_visible + n_hidden > MAX_UNITS:
        raise ValueError(f"a machine of {n_visible} + {n_hidden} units is out of range: allowed "
                         f"at most {MAX_UNITS} units (2^{MAX_UNITS} states are enumerated)")
    return n_visible, n_hidden


def all_states(n_units: int) -> np.ndarray:
    """int8 [2^n, n]: every binary state; row k is the binary expansion of k (unit 0 = bit 0)."""
    codes = np.arange(2 ** n_units)
    return ((codes[:, None] >> np.arange(n_units)[None, :]) & 1).astype(np.int8)


def state_codes(states) -> np.ndarray:
    """int64 [N]: the index of each state [N, n] in `all_states` order."""
    states = np.asarray(states).astype(np.int64)
    return states @ (1 << np.arange(states.shape[1], dtype=np.int64))


def exact_distribution(machine: BoltzmannMachine) -> np.ndarray:
    """float64 [2^(V+H)]: p(v, h), states ordered as `all_states` with v first, then h."""
    n_visible, n_hidden = _check_size(machine)
    states = all_states(n_visible + n_hidden).astype(np.float64)
    v, h = states[:, :n_visible], states[:, n_visible:]
    energy = -(v @ machine.visible_bias + h @ machine.hidden_bias
               + np.einsum("sv,vh,sh->s", v, machine.weight, h))
    logits = -energy - np.max(-energy)
    p = np.exp(logits)
    return p / p.sum()


def kl_divergence(samples, exact: np.ndarray) -> float:
    """KL(p_sampled || p_exact) in nats, p_sampled the histogram of `samples` [N, n] (0/1)."""
    counts = np.bincount(state_codes(samples), minlength=exact.size).astype(np.float64)
    p = counts / counts.sum()
    nonzero = p > 0
    return float(np.sum(p[nonzero] * np.log(p[nonzero] / exact[nonzero])))


def gibbs_samples(key, machine: BoltzmannMachine, n_samples: int) -> np.ndarray:
    """int8 [n_samples, V+H]: block Gibbs (h | v, then v | h) from v = 0, one sample per sweep
    (no burn-in discarded: the KL curve shows the approach)."""
    n_visible, n_hidden = _check_size(machine)
    weight = jnp.asarray(machine.weight, jnp.float32)
    a = jnp.asarray(machine.visible_bias, jnp.float32)
    b = jnp.asarray(machine.hidden_bias, jnp.float32)

    def sweep(v, key):
        kh, kv = jax.random.split(key)
        h = jax.random.bernoulli(kh, jax.nn.sigmoid(b + v @ weight)).astype(jnp.float32)
        v = jax.random.bernoulli(kv, jax.nn.sigmoid(a + weight @ h)).astype(jnp.float32)
        return v, jnp.concatenate([v, h])

    _, samples = jax.lax.scan(sweep, jnp.zeros((n_visible,), jnp.float32),
                              jax.random.split(key, n_samples))
    return np.asarray(samples, np.int8)


@functools.partial(jax.jit, static_argnames=("n_ticks", "spec"))
def _constant_drive_spikes(key, drives, n_ticks: int, params, spec):
    """bool [n_ticks, K]: spikes of K independent neurons with constant inputs `drives` [K]."""
    n = drives.shape[0]
    walk = words(key, (n_ticks, n, spec.walk_words), spec.random_source)

    def tick(state, walk_words):
        state, spikes = neurons.lif_tick(state, drives, walk_words, params,
                                         dt_ms=spec.dt_ms, flips_per_tick=spec.flips_per_tick,
                                         bridge_correction=spec.bridge_correction)
        return state, spikes

    _, spikes = jax.lax.scan(tick, neurons.init_layer(n), walk)
    return spikes


def on_window(params, spec) -> int:
    """tau_on in ticks: the refractory period rounded up to whole ticks (at least 1)."""
    return max(1, int(np.ceil(float(np.asarray(params.refractory_ms)) / spec.dt_ms - 1e-9)))


def fit_logistic(drives: np.ndarray, p_on: np.ndarray) -> tuple[float, float, float]:
    """(d0, beta, rms): the logistic sigmoid(beta (d - d0)) closest to the points in least
    squares on P (a grid over d0 in the drives' range and beta in 10^-1..10^2, then a finer grid
    around the best), and its root-mean-square error."""
    drives, p_on = np.asarray(drives, np.float64), np.asarray(p_on, np.float64)

    def best(d0s, betas):
        z = betas[:, None, None] * (drives[None, None, :] - d0s[None, :, None])
        error = ((1.0 / (1.0 + np.exp(-z)) - p_on) ** 2).mean(axis=2)
        i, j = np.unravel_index(np.argmin(error), error.shape)
        return d0s[j], betas[i], float(np.sqrt(error[i, j]))

    d0, beta, _ = best(np.linspace(drives.min(), drives.max(), 201), np.logspace(-1, 2, 201))
    span = (drives.max() - drives.min()) / 100
    return best(np.linspace(d0 - span, d0 + span, 101), np.linspace(0.95 * beta, 1.05 * beta, 101))


def calibrate(key, params, spec, drives=None, n_ticks: int = 20000) -> Calibration:
    """Measure P(on) for constant inputs `drives` (default -0.5..2 membrane units per tick,
    26 points) over n_ticks and fit the logistic (`fit_logistic`; its error is `rms`)."""
    drives = np.linspace(-0.5, 2.0, 26) if drives is None else np.asarray(drives, np.float64)
    spikes = _constant_drive_spikes(key, jnp.asarray(drives, jnp.float32), n_ticks, params, spec)
    tau_on = on_window(params, spec)
    p_on = np.asarray(pulse_open(spikes, tau_on)).mean(axis=0)
    if not (p_on.min() < 0.1 and p_on.max() > 0.6):
        raise ValueError("calibration: the drives do not span the activation (P(on) from "
                         f"{p_on.min():.3f} to {p_on.max():.3f}); allowed drives that reach "
                         "P < 0.1 and P > 0.6")
    d0, beta, rms = fit_logistic(drives, p_on)
    return Calibration(float(d0), float(beta), drives, p_on, tau_on, rms)


@functools.partial(jax.jit, static_argnames=("n_ticks", "n_visible", "psp", "tau_on", "spec"))
def _network_spikes(key, weight_in, bias_in, n_ticks: int, n_visible: int, psp: str, tau_on: int,
                    params, spec):
    """bool [n_ticks, V+H] spikes of the mapped network (symmetric coupling matrix weight_in
    [n, n] in input units per tick, bias_in [n])."""
    n = bias_in.shape[0]
    walk = words(key, (n_ticks, n, spec.walk_words), spec.random_source)

    def tick(carry, walk_words):
        state, history = carry  # history: spikes of the last tau_on ticks [tau_on, n]
        on = jnp.any(history, axis=0).astype(jnp.float32)
        if psp == "rectangular":
            drive = bias_in + weight_in @ on
        else:  # one jump at the spike carrying the whole window's input
            drive = bias_in + tau_on * (weight_in @ history[-1].astype(jnp.float32))
        state, spikes = neurons.lif_tick(state, drive, walk_words, params, dt_ms=spec.dt_ms,
                                         flips_per_tick=spec.flips_per_tick,
                                         bridge_correction=spec.bridge_correction)
        history = jnp.concatenate([history[1:], spikes[None]], axis=0)
        return (state, history), spikes

    history = jnp.zeros((tau_on, n), bool)
    _, spikes = jax.lax.scan(tick, (neurons.init_layer(n), history), walk)
    return spikes


def spiking_samples(key, machine: BoltzmannMachine, calibration: Calibration, params, spec,
                    n_ticks: int, psp: str = "rectangular") -> np.ndarray:
    """int8 [n_ticks, V+H]: the on-states z(t) of the IBM neurons sampling `machine` (module
    docstring, step 2). psp: "rectangular" (input while the presynaptic neuron is on) or
    "jump" (the same total input at the spike)."""
    if psp not in ("rectangular", "jump"):
        raise ValueError(f"psp = {psp!r} is out of range: allowed 'rectangular' or 'jump'")
    n_visible, n_hidden = _check_size(machine)
    n = n_visible + n_hidden
    coupling = np.zeros((n, n))
    coupling[:n_visible, n_visible:] = machine.weight
    coupling[n_visible:, :n_visible] = machine.weight.T
    bias = np.concatenate([machine.visible_bias, machine.hidden_bias])
    weight_in = coupling / calibration.beta
    bias_in = calibration.d0 + bias / calibration.beta
    spikes = _network_spikes(key, jnp.asarray(weight_in, jnp.float32),
                             jnp.asarray(bias_in, jnp.float32), n_ticks, n_visible, psp,
                             calibration.tau_on, params, spec)
    return np.asarray(pulse_open(spikes, calibration.tau_on), np.int8)


def kl_curve(samples, exact: np.ndarray, lengths) -> list[float]:
    """KL(p_sampled || p_exact) of the first L samples, for each L in `lengths`."""
    return [kl_divergence(np.asarray(samples)[:int(length)], exact) for length in lengths]
