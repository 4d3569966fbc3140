"""srbm_jax.random: exact formulas and the statistics of the 'hash' and 'threefry' word sources."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpy_reference import lowbias32

from srbm_jax import random as srbm_random

SOURCES = ["hash", "threefry"]
N_WORDS = 400_000
# Every statistic below is compared with its exact expectation within N_SE standard errors; with
# ~80 such checks a false failure has probability ~ 80 * 6e-7 = 5e-5.
N_SE = 5.0


@pytest.fixture(scope="module", params=SOURCES)
def stream(request):
    return request.param, np.asarray(srbm_random.words(jax.random.key(42), (N_WORDS,),
                                                       request.param))


def test_hash_matches_documented_formula():
    key = jax.random.key(5)
    shape = (3, 7, 4)
    words = np.asarray(srbm_random.words(key, shape, "hash"))
    k1, k2 = np.asarray(jax.random.bits(key, (2,), jnp.uint32))
    counter = np.arange(np.prod(shape), dtype=np.uint32).reshape(shape)
    with np.errstate(over="ignore"):
        expected = lowbias32(((counter ^ k2) * np.uint32(0x9E3779B9) + k1).astype(np.uint32))
    np.testing.assert_array_equal(words, expected)
    assert words.dtype == np.uint32


def test_lowbias32_known_values():
    x = jnp.array([0, 1, 2, 0xFFFFFFFF, 123456789], jnp.uint32)
    np.testing.assert_array_equal(srbm_random.lowbias32(x), lowbias32(np.asarray(x)))
    assert int(srbm_random.lowbias32(jnp.uint32(0))) == 0   # 0 is a fixed point of xorshift-mult


def test_threefry_is_jax_random_bits():
    key = jax.random.key(9)
    np.testing.assert_array_equal(srbm_random.words(key, (5, 3), "threefry"),
                                  jax.random.bits(key, (5, 3), jnp.uint32))


def test_unknown_source_raises():
    with pytest.raises(ValueError, match="random_source"):
        srbm_random.words(jax.random.key(0), (3,), "mt19937")


@pytest.mark.parametrize("source", SOURCES)
def test_reproducible_and_key_dependent(source):
    a = np.asarray(srbm_random.words(jax.random.key(1), (1000,), source))
    b = np.asarray(srbm_random.words(jax.random.key(1), (1000,), source))
    c = np.asarray(srbm_random.words(jax.random.key(2), (1000,), source))
    d = np.asarray(srbm_random.words(jax.random.fold_in(jax.random.key(1), 0), (1000,), source))
    np.testing.assert_array_equal(a, b)
    # Two independent streams agree on a word with probability 2^-32.
    assert np.sum(a == c) <= 1 and np.sum(a == d) <= 1
    assert len(np.unique(a)) >= 999


def test_bit_balance(stream):
    """Each of the 32 bit positions is 1 with probability 1/2: SE = 0.5 / sqrt(N)."""
    _, words = stream
    bits = (words[:, None] >> np.arange(32, dtype=np.uint32)) & 1
    fraction = bits.mean(axis=0)
    assert np.all(np.abs(fraction - 0.5) < N_SE * 0.5 / np.sqrt(N_WORDS)), fraction


def test_popcount_of_100_bits_is_binomial(stream):
    """A tick's 100 coin flips (words 0-2 and the low 4 bits of word 3, as in neurons.random_walk)
    sum to Binomial(100, 1/2): mean 50, variance 25. SE(mean) = 5 / sqrt(n); SE(var) ~
    25 sqrt(2 / n) (excess kurtosis -0.02, negligible)."""
    _, words = stream
    groups = words.reshape(-1, 4).copy()
    groups[:, 3] &= np.uint32(0xF)
    counts = np.unpackbits(groups.view(np.uint8), axis=1).sum(axis=1).astype(np.float64)
    n = counts.size
    assert abs(counts.mean() - 50.0) < N_SE * 5.0 / np.sqrt(n), counts.mean()
    assert abs(counts.var(ddof=1) - 25.0) < N_SE * 25.0 * np.sqrt(2.0 / n), counts.var(ddof=1)


@pytest.mark.parametrize("lag", [1, 2, 4])
def test_neighbour_correlation(stream, lag):
    """Pearson correlation of words c and c + lag (as uniforms) and of their popcounts: ~0 with
    SE 1 / sqrt(N)."""
    _, words = stream
    u = words.astype(np.float64)
    limit = N_SE / np.sqrt(N_WORDS)
    assert abs(np.corrcoef(u[:-lag], u[lag:])[0, 1]) < limit
    pop = np.unpackbits(words.view(np.uint8).reshape(-1, 4), axis=1).sum(axis=1).astype(float)
    assert abs(np.corrcoef(pop[:-lag], pop[lag:])[0, 1]) < limit
    low = (words & 1).astype(float)
    assert abs(np.corrcoef(low[:-lag], low[lag:])[0, 1]) < limit


def test_adjacent_keys_uncorrelated():
    """Streams of fold_in(key, 0) and fold_in(key, 1) (adjacent image keys) at the same counter."""
    base = jax.random.key(11)
    for source in SOURCES:
        a = np.asarray(srbm_random.words(jax.random.fold_in(base, 0), (N_WORDS,), source))
        b = np.asarray(srbm_random.words(jax.random.fold_in(base, 1), (N_WORDS,), source))
        r = np.corrcoef(a.astype(float), b.astype(float))[0, 1]
        assert abs(r) < N_SE / np.sqrt(N_WORDS), (source, r)


def test_bernoulli_from_words_exact_threshold():
    """spike iff (word >> 8) < p * 2^24."""
    p = 0.25                                       # p * 2^24 = 4194304 exactly
    threshold = int(p * (1 << 24))
    words = jnp.array([(threshold - 1) << 8 | 0xFF, threshold << 8, 0, 0xFFFFFFFF], jnp.uint32)
    np.testing.assert_array_equal(srbm_random.bernoulli_from_words(words, jnp.float32(p)),
                                  [True, False, True, False])
    np.testing.assert_array_equal(srbm_random.bernoulli_from_words(words, jnp.float32(1.0)),
                                  [True] * 4)
    np.testing.assert_array_equal(srbm_random.bernoulli_from_words(words, jnp.float32(0.0)),
                                  [False] * 4)
    np.testing.assert_array_equal(srbm_random.bernoulli_from_words(words, jnp.float32(-0.5)),
                                  [False] * 4)


def test_uniform_from_words_exact():
    words = jnp.array([0, 0xFF, 0x100, 0xFFFFFFFF], jnp.uint32)
    np.testing.assert_array_equal(srbm_random.uniform_from_words(words),
                                  np.array([0, 0, 2.0 ** -24, 1 - 2.0 ** -24], np.float32))


@pytest.mark.parametrize("p", [0.2, 0.0708])
def test_bernoulli_rate(stream, p):
    """Mean of Bernoulli(p) over N words within N_SE * sqrt(p (1 - p) / N)."""
    _, words = stream
    spikes = np.asarray(srbm_random.bernoulli_from_words(jnp.asarray(words), jnp.float32(p)))
    assert abs(spikes.mean() - p) < N_SE * np.sqrt(p * (1 - p) / N_WORDS)



def test_normal_from_words_exact_quantiles():
    """Inversion at known words: z(u) = sqrt(2) erfinv(2u - 1), u = (top 24 bits + 1/2) / 2^24."""
    words = jnp.array([0x80000000, 0, 0xFFFFFFFF, 0xC0000000], jnp.uint32)
    got = np.asarray(srbm_random.normal_from_words(words), np.float64)
    u = (np.array([2**23, 0, 2**24 - 1, 3 * 2**22], np.float64) + 0.5) / 2**24
    # Reference normal quantiles: u = 1/2 + 2^-25 -> 7.5e-8; the extreme words -> -/+5.42 (the
    # quantile of 2^-25); 0.75 + 2^-25 -> 0.6745 (standard normal quantile).
    np.testing.assert_allclose(got[0], 0.0, atol=1e-6)
    np.testing.assert_allclose(got[[1, 2]], [-5.42, 5.42], atol=0.01)
    np.testing.assert_allclose(got[1], -got[2], rtol=1e-4)
    np.testing.assert_allclose(got[3], 0.6744898, atol=2e-5)
    assert np.all(np.diff(u[[1, 0, 3, 2]]) > 0) and np.all(np.diff(got[[1, 0, 3, 2]]) > 0)


def test_normal_moments(stream):
    """Mean, variance, third and fourth moments of N words' normals against 0, 1, 0, 3 within
    N_SE standard errors (the SEs of the sample moments of a standard normal: 1, sqrt 2, sqrt 15,
    sqrt 96 over sqrt N)."""
    _, words = stream
    z = np.asarray(srbm_random.normal_from_words(jnp.asarray(words)), np.float64)
    n = len(z)
    assert abs(z.mean()) < N_SE / np.sqrt(n)
    assert abs(np.mean(z**2) - 1) < N_SE * np.sqrt(2 / n)
    assert abs(np.mean(z**3)) < N_SE * np.sqrt(15 / n)
    assert abs(np.mean(z**4) - 3) < N_SE * np.sqrt(96 / n)
    assert np.all(np.abs(z) < 5.43)


def test_normal_is_a_function_of_the_key():
    a = srbm_random.normal(jax.random.key(3), (5, 7))
    np.testing.assert_array_equal(a, srbm_random.normal(jax.random.key(3), (5, 7)))
    assert not np.allclose(a, srbm_random.normal(jax.random.key(4), (5, 7)))
    assert a.shape == (5, 7) and a.dtype == jnp.float32


def test_a_row_drawn_alone_is_the_row_of_the_whole_draw():
    key = jax.random.key(11)
    whole = srbm_random.words(key, (7, 5, 3))
    key_words = srbm_random.hash_key_words(key)
    for row in range(7):
        np.testing.assert_array_equal(srbm_random.hash_words_row(key_words, (5, 3), row),
                                      whole[row])
    jitted = jax.jit(srbm_random.hash_words_row, static_argnums=1)
    np.testing.assert_array_equal(jitted(key_words, (5, 3), jnp.int32(6)), whole[6])


def test_normal_at_gives_the_whole_draws_elements():
    """`normal_at(key, counter)` is element `counter` (flat) of `normal(key, shape)`, so a sparse
    update draws exactly the noise of a whole-array draw."""
    key = jax.random.key(11)
    whole = srbm_random.normal(key, (3, 5, 7))
    counter = jnp.array([[0, 104], [57, 3]], jnp.uint32)
    np.testing.assert_array_equal(srbm_random.normal_at(key, counter),
                                  whole.reshape(-1)[np.asarray(counter)])
    assert not np.array_equal(srbm_random.normal_at(jax.random.key(12), counter),
                              whole.reshape(-1)[np.asarray(counter)])
