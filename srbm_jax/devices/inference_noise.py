"""Inference-time PCM non-idealities: programming noise, conductance drift, 1/f read noise.

A separate stage applied to trained weights before inference, with the formulas of aihwkit's
`PCMLikeNoiseModel` (docs/model.md#inference-noise; Nandakumar et al. 2019, Joshi et al.
2020). Conductances are in microsiemens (uS), g = G / g_max the normalised conductance with
g_max = 25 uS, times t in seconds:
* programming: G_prog = max(G_target + sigma_prog xi, 0),
  sigma_prog = max(-1.1731 g^2 + 1.965 g + 0.2635, 0) uS;
* drift: G(t) = G_prog (t / t0)^-nu for t >= t0 (t0 = 20 s, G_prog before), per-device exponent
  nu = |N(mu_nu, sigma_nu)| drawn once from the programmed g,
  mu_nu = clip(-0.0155 ln g + 0.0244, 0.049, 0.1), sigma_nu = clip(-0.0125 ln g - 0.0059, 0.008, 0.045);
* read noise: G_read = max(G + sigma_read xi, 0), sigma_read = G Q_s sqrt(ln((t + t_read) / (2 t_read))),
  Q_s = min(0.0088 / g^0.65, 0.2), t_read = 250 ns (the log is clipped at 0 for t < t_read);
* global drift compensation: the read weights are scaled by
  alpha = sum |W_reference| / sum |W(t)|.
ln(0) and 0^-0.65 are guarded by evaluating ln g and g^0.65 at max(g, 1e-6) (aihwkit clips at
1e-7 similarly); at g <= 1e-6 mu_nu and sigma_nu are at their upper clips and Q_s at 0.2, and
the read-noise std G Q_s vanishes with G.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

G_FLOOR = 1e-6  # smallest normalised conductance used inside ln and the power law


@struct.dataclass
class InferenceNoiseParams:
    """g_max_us: conductance of full scale, uS (25). full_scale: simulator conductance units of
    one device at g_max_us (10: the IBM simulator's [0, 10] range). t0: drift reference time
    after programming, s (20). t_read: read pulse duration, s (250e-9)."""

    g_max_us: Any = 25.0
    full_scale: Any = 10.0
    t0: Any = 20.0
    t_read: Any = 250e-9


def _normalised(g_us, g_max_us):
    return jnp.maximum(g_us / g_max_us, G_FLOOR)


def program(key: jax.Array, g_target_us: jax.Array, g_max_us=25.0) -> jax.Array:
    """Programmed conductance, uS: max(G_target + sigma_prog xi, 0) with
    sigma_prog = max(-1.1731 g^2 + 1.965 g + 0.2635, 0) uS, g = G_target / g_max_us
    (aihwkit PCMLikeNoiseModel programming noise)."""
    g = g_target_us / g_max_us
    sigma = jnp.maximum(-1.1731 * g**2 + 1.965 * g + 0.2635, 0.0)
    return jnp.maximum(g_target_us + sigma * jax.random.normal(key, jnp.shape(g_target_us)), 0.0)


def drift_moments(g_prog_us: jax.Array, g_max_us=25.0) -> tuple[jax.Array, jax.Array]:
    """(mu_nu, sigma_nu) of the drift exponent at programmed conductance G (uS), g = G / g_max_us:
    mu_nu = clip(-0.0155 ln g + 0.0244, 0.049, 0.1), sigma_nu = clip(-0.0125 ln g - 0.0059,
    0.008, 0.045); ln evaluated at max(g, 1e-6)."""
    log_g = jnp.log(_normalised(g_prog_us, g_max_us))
    mu = jnp.clip(-0.0155 * log_g + 0.0244, 0.049, 0.1)
    sigma = jnp.clip(-0.0125 * log_g - 0.0059, 0.008, 0.045)
    return mu, sigma


def drift_exponent(key: jax.Array, g_prog_us: jax.Array, g_max_us=25.0) -> jax.Array:
    """Per-device drift exponent nu = |N(mu_nu, sigma_nu)| (dimensionless), drawn once after
    programming (see `drift_moments`)."""
    mu, sigma = drift_moments(g_prog_us, g_max_us)
    return jnp.abs(mu + sigma * jax.random.normal(key, jnp.shape(g_prog_us)))


def drift(g_prog_us: jax.Array, nu: jax.Array, t_seconds, t0=20.0) -> jax.Array:
    """Drifted conductance, uS: G_prog (t / t0)^-nu for t >= t0, G_prog for t < t0."""
    return g_prog_us * jnp.maximum(t_seconds / t0, 1.0) ** (-nu)


def read_noise_std(g_us: jax.Array, t_seconds, g_max_us=25.0, t_read=250e-9) -> jax.Array:
    """1/f read-noise std, uS: G Q_s sqrt(max(ln((t + t_read) / (2 t_read)), 0)) with
    Q_s = min(0.0088 / g^0.65, 0.2), g = max(G / g_max_us, 1e-6)."""
    q_s = jnp.minimum(0.0088 / _normalised(g_us, g_max_us) ** 0.65, 0.2)
    return g_us * q_s * jnp.sqrt(jnp.maximum(jnp.log((t_seconds + t_read) / (2.0 * t_read)), 0.0))


def read_noise(key: jax.Array, g_us: jax.Array, t_seconds, g_max_us=25.0, t_read=250e-9) -> jax.Array:
    """One noisy read, uS: max(G + read_noise_std(G, t) xi, 0)."""
    sigma = read_noise_std(g_us, t_seconds, g_max_us, t_read)
    return jnp.maximum(g_us + sigma * jax.random.normal(key, jnp.shape(g_us)), 0.0)


def drift_compensation_factor(w_reference: jax.Array, w_now: jax.Array) -> jax.Array:
    """Global drift compensation alpha = sum |W_reference| / sum |W_now| (aihwkit
    GlobalDriftCompensation: one scalar per array from a reference read right after programming
    and a read at time t); 1 when sum |W_now| = 0."""
    now = jnp.sum(jnp.abs(w_now))
    return jnp.where(now > 0, jnp.sum(jnp.abs(w_reference)) / jnp.where(now > 0, now, 1.0), 1.0)


def noisy_weight(key: jax.Array, weight: jax.Array, t_seconds, params: InferenceNoiseParams,
                 compensate: bool = True) -> jax.Array:
    """The weight an inference at time t (s after programming) sees, simulator conductance units.

    Mapping (aihwkit style): W >= 0 is programmed on the plus device, W < 0 on the minus device,
        G_plus = max(W, 0) * k,  G_minus = max(-W, 0) * k,  k = g_max_us / full_scale
    (2.5 uS per unit: a device's full scale of 10 units is 25 uS). Both devices are programmed
    (`program`, so an unused device reads a small positive conductance), drift to t with their own
    nu (`drift_exponent`, `drift`) and are read once (`read_noise`); W(t) = (G_plus - G_minus) / k.
    With `compensate`, W(t) is scaled by alpha = sum |W_prog| / sum |W(t)| (W_prog: the programmed
    weight, the reference read taken without read noise).
    """
    k_prog, k_nu, k_read = jax.random.split(key, 3)
    k = params.g_max_us / params.full_scale
    target = jnp.stack([jnp.maximum(weight, 0.0), jnp.maximum(-weight, 0.0)]) * k
    g_prog = program(k_prog, target, params.g_max_us)
    nu = drift_exponent(k_nu, g_prog, params.g_max_us)
    g_now = read_noise(k_read, drift(g_prog, nu, t_seconds, params.t0), t_seconds, params.g_max_us,
                       params.t_read)
    w_now = (g_now[0] - g_now[1]) / k
    if compensate:
        w_prog = (g_prog[0] - g_prog[1]) / k
        w_now = drift_compensation_factor(w_prog, w_now) * w_now
    return w_now
