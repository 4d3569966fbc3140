"""Random words for a whole segment of ticks, drawn from an explicit JAX key.

How every key of a run is derived: docs/model.md#random-numbers.

Every random draw of the simulation loop (random-walk coin flips, bridge-crossing uniforms,
Bernoulli input spikes, the PCM devices' per-pulse noise) is a uint32 word from
`words(key, shape, source)`. Two sources give words of the same
shape, so the choice is a `Spec.random_source` string and nothing else changes:

* 'threefry': `jax.random.bits(key, shape, uint32)`, JAX's default counter-based generator.
* 'hash' (default): the key is turned into two 32-bit words (k1, k2) with one threefry call, then
  word[c] = lowbias32((c XOR k2) * 0x9E3779B9 + k1) for the flat counter c. lowbias32 (C. Wellons'
  "hash-prospector", two multiply-xorshift rounds) is a bijection of uint32 with low avalanche bias.
  On a 2-core CPU it is ~13x faster than threefry per word (benchmarks/micro.py), which matters
  because a training image needs ~0.5 M words. Its statistics are tested in tests/test_random.py
  (bit balance, popcount mean and variance, neighbour correlation).

Both are pure functions of the key, so a run is reproducible bit for bit.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

_GOLDEN = np.uint32(0x9E3779B9)


def lowbias32(x: jax.Array) -> jax.Array:
    """Bijective 32-bit integer hash: x ^= x>>16; x *= 0x7feb352d; x ^= x>>15; x *= 0x846ca68b;
    x ^= x>>16 (uint32 arithmetic wraps modulo 2^32)."""
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def words(key: jax.Array, shape: tuple[int, ...], source: str = "hash") -> jax.Array:
    """uint32 words of `shape`, a pure function of `key` (a typed or raw JAX PRNG key)."""
    if source == "threefry":
        return jax.random.bits(key, shape, jnp.uint32)
    if source != "hash":
        raise ValueError(f"random_source = {source!r} is out of range: allowed 'hash' or 'threefry'")
    size = int(np.prod(shape)) if shape else 1
    counter = jax.lax.iota(jnp.uint32, size).reshape(shape)
    return _hash_words(hash_key_words(key), counter)


def hash_key_words(key: jax.Array) -> jax.Array:
    """The hash source's two key words (k1, k2), uint32 [2]: one threefry call on `key`."""
    return jax.random.bits(key, (2,), jnp.uint32)


def _hash_words(key_words: jax.Array, counter: jax.Array) -> jax.Array:
    return lowbias32((counter ^ key_words[1]) * _GOLDEN + key_words[0])


def hash_words_row(key_words: jax.Array, row_shape: tuple[int, ...], row) -> jax.Array:
    """Row `row` (traced int) of `words(key, (n,) + row_shape, "hash")`, from the key's
    `hash_key_words`, without drawing the other rows: counters row * R .. row * R + R - 1,
    R = prod(row_shape). Lets a tick's words be drawn when the tick runs (a while loop over
    ticks, `srbm_jax.decision`) with the words the whole-segment draw gives."""
    size = int(np.prod(row_shape)) if row_shape else 1
    start = jnp.asarray(row).astype(jnp.uint32) * jnp.uint32(size)
    counter = (start + jax.lax.iota(jnp.uint32, size)).reshape(row_shape)
    return _hash_words(key_words, counter)


def bernoulli_from_words(word: jax.Array, probability: jax.Array) -> jax.Array:
    """Bernoulli(p) from a uint32 word: spike iff (word >> 8) < p * 2^24 (resolution 6e-8)."""
    threshold = jnp.clip(probability, 0.0, 1.0) * jnp.float32(1 << 24)
    return (word >> 8).astype(jnp.float32) < threshold


def uniform_from_words(word: jax.Array) -> jax.Array:
    """Uniform in [0, 1) with 24-bit resolution from the top 24 bits of a uint32 word."""
    return (word >> 8).astype(jnp.float32) * jnp.float32(1.0 / (1 << 24))


def normal_from_words(word: jax.Array) -> jax.Array:
    """Standard normal from a uint32 word by inversion: z = sqrt(2) erfinv(2 u - 1) with
    u = (v + 1/2) / 2^24, v the top 24 bits. 2u - 1 = (2v + 1 - 2^24) / 2^24 is formed in int32
    (exact in float32, strictly inside (-1, 1)), so |z| <= 5.42 (the tails beyond are cut:
    probability 6e-8)."""
    top = (word >> 8).astype(jnp.int32)
    centred = (2 * top + (1 - (1 << 24))).astype(jnp.float32) * jnp.float32(1.0 / (1 << 24))
    return jnp.float32(np.sqrt(2.0)) * jax.lax.erf_inv(centred)


def normal(key: jax.Array, shape: tuple[int, ...], source: str = "hash") -> jax.Array:
    """float32 standard normals of `shape` from `words(key, shape, source)` (`normal_from_words`).

    With the hash source ~3x faster than `jax.random.normal` on the 2-core CPU for the
    2 x 832 x 832 values a PCM pair draws per SET pulse (`python -m benchmarks.micro`)."""
    return normal_from_words(words(key, shape, source))


def normal_at(key: jax.Array, counter: jax.Array) -> jax.Array:
    """The elements at flat indices `counter` (uint32) of `normal(key, shape, "hash")`, for any
    shape that holds them, without drawing the others (the hash source's words depend on the
    key and the flat index only). Lets a sparse update draw the noise a whole-array draw gives."""
    return normal_from_words(_hash_words(hash_key_words(key), counter))
