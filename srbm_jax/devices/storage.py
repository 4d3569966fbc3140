"""Number format of stored conductances: float32, or bfloat16 with nearest or stochastic rounding.

A device that stores its conductances in bfloat16 computes each update in float32 and rounds the
result back into the stored format (`to_storage`); reads upcast to float32 (`from_storage`).

Why the rounding matters: bfloat16 keeps 8 significant bits, so the spacing of representable
values at conductance G is 2^(floor(log2 G) - 7): 0.03125 for G in [4, 8), 0.0625 in [8, 16).
A SET/RESET step of 0.005-0.01 (IBM `wt_delta_g_set` = 0.01, experiments/configs/best.py 0.005)
is below half that spacing, so round-to-nearest returns the old value: a single event is lost
(tests/test_storage.py checks this at G = 5). An update of n events moves G by n steps rounded to
a multiple of the spacing: with mini-batches, whose counts sum the events of several images,
the larger counts survive (quantised), so training goes on but biased (RESULTS.md section 8).
Stochastic rounding (round up with probability equal to the fraction of the spacing; Gupta et al.
2015, "Deep learning with limited numerical precision") is unbiased, E[round(x)] = x, so small
steps survive in expectation, at the price of a rounding noise of standard deviation up to half a
spacing per update.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from srbm_jax import random as srbm_random

STORAGE_DTYPES = ("float32", "bfloat16")
ROUNDINGS = ("nearest", "stochastic")


def check_storage(storage_dtype: str, rounding: str) -> None:
    """ValueError naming the field unless storage_dtype is in STORAGE_DTYPES and rounding in
    ROUNDINGS (stochastic rounding only with bfloat16: float32 is the compute format)."""
    if storage_dtype not in STORAGE_DTYPES:
        raise ValueError(f"device.storage_dtype = {storage_dtype!r} is out of range: allowed one "
                         f"of {STORAGE_DTYPES}")
    if rounding not in ROUNDINGS:
        raise ValueError(f"device.rounding = {rounding!r} is out of range: allowed one of "
                         f"{ROUNDINGS}")
    if rounding == "stochastic" and storage_dtype == "float32":
        raise ValueError("device.rounding = 'stochastic' is out of range for storage_dtype "
                         "'float32': allowed 'nearest' (stochastic rounding needs bfloat16)")


def from_storage(conductance: jax.Array) -> jax.Array:
    """The stored conductance as float32 (exact: every bfloat16 value is a float32 value)."""
    return conductance.astype(jnp.float32)


def stochastic_round_bfloat16(key: jax.Array, value: jax.Array) -> jax.Array:
    """float32 -> bfloat16, rounding the magnitude up with probability (|x| - lo) / (hi - lo)
    where lo <= |x| < hi are the neighbouring bfloat16 magnitudes.

    Bit form: bfloat16 is the top 16 bits of float32, so adding a uniform 16-bit integer r to the
    float32 bit pattern and truncating the low 16 bits carries into the kept bits exactly when
    r >= 2^16 - (low bits), i.e. with probability low / 2^16 = (|x| - lo) / (hi - lo). Unbiased:
    E[result] = x for finite x below the largest bfloat16. Random bits: `srbm_jax.random.words`.
    """
    bits = jax.lax.bitcast_convert_type(value.astype(jnp.float32), jnp.uint32)
    noise = srbm_random.words(key, value.shape) >> 16
    rounded = (bits + noise) & jnp.uint32(0xFFFF0000)
    return jax.lax.bitcast_convert_type(rounded, jnp.float32).astype(jnp.bfloat16)


def to_storage(key: jax.Array, value: jax.Array, storage_dtype: str, rounding: str) -> jax.Array:
    """A float32 conductance in the storage format: unchanged for float32; bfloat16 rounded to
    nearest (even) or stochastically (`stochastic_round_bfloat16`, using `key`)."""
    if storage_dtype == "float32":
        return value.astype(jnp.float32)
    if rounding == "stochastic":
        return stochastic_round_bfloat16(key, value)
    return value.astype(jnp.bfloat16)
