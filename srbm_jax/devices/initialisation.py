"""Initial conductance draws shared by the devices: the IBM Gaussian, Xavier, uniform.

    draw(key, shape, kind, mean, std)

* "gaussian": N(mean, std) (IBM `wij_init_mu` 5.0, `wij_init_sigma` 1.06 per 6T2R device).
* "xavier": N(mean, s) with s = sqrt(2 / (n_visible + n_hidden)) from the layer sizes (Glorot &
  Bengio 2010); the seed slides' 0.03426 is this for 852 + 852 neurons, computed here from the
  network's own sizes, not typed in. `std` is ignored.
* "uniform": U(mean - sqrt(3) std, mean + sqrt(3) std), the same mean and std as the Gaussian.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

KINDS = ("gaussian", "xavier", "uniform")


def xavier_std(n_visible: int, n_hidden: int) -> float:
    """sqrt(2 / (n_visible + n_hidden)) (Glorot & Bengio 2010, normal form)."""
    return math.sqrt(2.0 / (n_visible + n_hidden))


def check_kind(kind: str) -> None:
    """ValueError naming config.device.init_kind unless kind is one of KINDS."""
    if kind not in KINDS:
        raise ValueError(f"device.init_kind = {kind!r} is out of range: allowed one of {KINDS}")


def draw(key: jax.Array, shape: tuple[int, int], kind: str, mean, std) -> jax.Array:
    """float32 [n_visible, n_hidden] initial values (module docstring); shape gives the sizes."""
    check_kind(kind)
    if kind == "uniform":
        half_width = math.sqrt(3.0) * std
        return mean + half_width * jax.random.uniform(key, shape, jnp.float32, -1.0, 1.0)
    if kind == "xavier":
        std = xavier_std(*shape)
    return mean + std * jax.random.normal(key, shape, jnp.float32)
