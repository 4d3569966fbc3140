"""srbm_jax.train / infer: reproducibility, vmap over keys, no recompilation, and learning on a
tiny data set (classification and reconstruction in the model phase)."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import encoding, network
from srbm_jax.devices import GpGmParams
from srbm_jax.schedule import training_segments

N_IMAGES = 2


def _chunk_inputs(spec, n=N_IMAGES, seed=0):
    """n on-line images in train_chunk's layout [N, B = 1, ...]."""
    rng = np.random.default_rng(seed)
    pixels = jnp.asarray(rng.random((n, 1, spec.n_data)).astype(np.float32))
    labels = jnp.asarray(rng.integers(0, 10, (n, 1)).astype(np.int32))
    return pixels, labels, jnp.arange(n, dtype=jnp.int32)[:, None]


def _leaves(tree):
    return [np.asarray(x) for x in jax.tree_util.tree_leaves(tree)]


def test_same_key_bit_identical_different_key_differs():
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    state0 = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels, labels, indices = _chunk_inputs(spec)
    run = functools.partial(srbm_jax.train_chunk, device_state=state0, pixels=pixels,
                            labels=labels, indices=indices, epoch=jnp.int32(0), params=params,
                            spec=spec)
    a, stats_a = run(jax.random.key(1))
    b, stats_b = run(jax.random.key(1))
    c, _ = run(jax.random.key(2))
    for x, y in zip(_leaves(a), _leaves(b), strict=False):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(_leaves(stats_a), _leaves(stats_b), strict=False):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(_leaves(a), _leaves(c), strict=False))
    # Training changed the device and events were counted in both phases.
    assert any(not np.array_equal(x, y) for x, y in zip(_leaves(a), _leaves(state0), strict=False))
    assert np.all(np.asarray(stats_a.potentiation_events) > 0)
    assert np.all(np.asarray(stats_a.depression_events) > 0)
    assert stats_a.hidden_rate_data.shape == (N_IMAGES, 1)


def test_chunking_does_not_change_the_result():
    """Image keys come from (root, epoch, index): 2 images in one chunk == two chunks of 1."""
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    state0 = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels, labels, indices = _chunk_inputs(spec)
    root, epoch = jax.random.key(3), jnp.int32(2)
    whole, _ = srbm_jax.train_chunk(root, state0, pixels, labels, indices, epoch, params, spec)
    part, _ = srbm_jax.train_chunk(root, state0, pixels[:1], labels[:1], indices[:1], epoch,
                                   params, spec)
    part, _ = srbm_jax.train_chunk(root, part, pixels[1:], labels[1:], indices[1:], epoch, params,
                                   spec)
    for x, y in zip(_leaves(whole), _leaves(part), strict=False):
        np.testing.assert_array_equal(x, y)


def test_vmap_over_keys_equals_loop():
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    pixels, labels, indices = _chunk_inputs(spec)
    n_keys = 3
    roots = jax.random.split(jax.random.key(10), n_keys)
    states = jax.vmap(lambda k: srbm_jax.init_device(k, params, spec))(
        jax.random.split(jax.random.key(11), n_keys))

    def one(root, state):
        return srbm_jax.train_chunk(root, state, pixels, labels, indices, jnp.int32(0), params,
                                    spec)

    batched, batched_stats = jax.vmap(one)(roots, states)
    for i in range(n_keys):
        state_i = jax.tree_util.tree_map(lambda x, i=i: x[i], states)
        single, single_stats = one(roots[i], state_i)
        for x, y in zip(_leaves(single), _leaves(batched), strict=False):
            np.testing.assert_allclose(x, y[i], rtol=0, atol=1e-6)
        for x, y in zip(_leaves(single_stats), _leaves(batched_stats), strict=False):
            np.testing.assert_allclose(x, y[i], rtol=0, atol=1e-6)
    assert not np.allclose(_leaves(batched)[0][0], _leaves(batched)[0][1])


def test_no_recompile_for_new_values_of_same_shapes():
    """`train_chunk._cache_size()` (the jitted function's compilation cache) grows by one on the
    first call with a new spec (so the counter really detects compiles) and stays put for new
    keys / data / epoch / params values of the same shapes and dtypes."""
    if not hasattr(srbm_jax.train_chunk, "_cache_size"):
        pytest.skip("jax without PjitFunction._cache_size")
    spec = small_spec(inference_ms=90.0)  # unique to this test: not compiled by any other test
    params = srbm_jax.default_params(spec)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels, labels, indices = _chunk_inputs(spec)
    before = srbm_jax.train_chunk._cache_size()
    state, _ = srbm_jax.train_chunk(jax.random.key(1), state, pixels, labels, indices,
                                    jnp.int32(0), params, spec)
    assert srbm_jax.train_chunk._cache_size() == before + 1
    new_params = srbm_jax.default_params(
        spec, alpha=0.2, spike_rate_hz=150.0, walk_up=0.05,
        device=GpGmParams(set_step=0.03, reset_step=0.02, g_max=9.0))
    pixels2, labels2, _ = _chunk_inputs(spec, seed=5)
    state, _ = srbm_jax.train_chunk(jax.random.key(2), state, pixels2, labels2, indices + 3,
                                    jnp.int32(1), new_params, spec)
    jax.block_until_ready(state)
    assert srbm_jax.train_chunk._cache_size() == before + 1


def test_train_epoch_matches_train_chunk_and_reports_stats():
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    state0 = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels, labels, indices = _chunk_inputs(spec)
    done = []
    epoch_state, stats = srbm_jax.train_epoch(jax.random.key(4), state0, np.asarray(pixels[:, 0]),
                                              np.asarray(labels[:, 0]), params, spec,
                                              chunk_size=N_IMAGES,
                                              progress=lambda d, t: done.append((d, t)))
    chunk_state, _ = srbm_jax.train_chunk(jax.random.key(4), state0, pixels, labels, indices,
                                          jnp.int32(0), params, spec)
    for x, y in zip(_leaves(epoch_state), _leaves(chunk_state), strict=False):
        np.testing.assert_array_equal(x, y)
    assert done == [(N_IMAGES, N_IMAGES)]
    assert set(stats) == set(srbm_jax.ImageStats._fields)
    assert stats["hidden_rate_data"].shape == (N_IMAGES,)
    with pytest.raises(ValueError, match="alpha"):
        srbm_jax.train_epoch(jax.random.key(4), state0, np.asarray(pixels[:, 0]),
                             np.asarray(labels[:, 0]),
                             srbm_jax.default_params(spec, alpha=-1.0), spec)


# ---- learning on a tiny data set ----------------------------------------------------------------
# Four disjoint 3x3 quadrants of a 6x6 image, labels 0..3. The small network needs larger device
# steps and a smaller initial spread than the MNIST defaults so that learning shows within a few
# hundred presentations: set/reset step 0.05 (default 0.01), init_std 0.3 (default 1.06).
LEARN_SPEC = srbm_jax.Spec(n_data=36, n_label=10, n_visible_bias=2, n_hidden=24, n_hidden_bias=2)
N_TRAIN = 200            # 50 presentations per class, classes interleaved
N_TEST = 40              # 10 presentations per class
# Chance is 1/4 at best (4 classes; the untrained label groups 4..9 can only lower it). Under
# chance P(Binomial(40, 1/4) >= 30) ~ 1e-9, so 0.75 separates learning from luck; the trained
# network reached 1.00 when this test was written.
MIN_ACCURACY = 0.75
RECON_KEYS = 8


def _patterns():
    p = np.zeros((4, 6, 6), np.float32)
    p[0, :3, :3] = 1
    p[1, :3, 3:] = 1
    p[2, 3:, :3] = 1
    p[3, 3:, 3:] = 1
    return p.reshape(4, 36)


def _learn_params():
    return srbm_jax.default_params(LEARN_SPEC, device=GpGmParams(set_step=0.05, reset_step=0.05,
                                                                 init_std=0.3))


@functools.partial(jax.jit, static_argnames=("spec",))
def _model_phase_counts(key, device_state, pixels, label, params, spec):
    """The phase schedule of train_image without learning: per-neuron visible spike counts in the
    model phase proper (after its transition)."""
    data, model = training_segments(spec)
    key_data, key_model = jax.random.split(key)
    weight = spec.device.read(device_state, params.device)
    p_hidden = encoding.hidden_probabilities(params, spec)
    words = network.draw_segment_words(key_data, data.n_ticks, data.visible_free, spec)
    carry, _, _ = network.run_clamped_segment(
        words, network.init_carry(spec), weight,
        encoding.visible_probabilities(pixels, label, params, spec), p_hidden, params, spec)
    words = network.draw_segment_words(key_model, model.n_ticks, model.visible_free, spec)
    _, visible, _ = network.run_free_segment(
        words, carry, weight, encoding.visible_probabilities(pixels, None, params, spec), p_hidden,
        params, spec, model.visible_free)
    return jnp.sum(visible[model.gate == -1], axis=0, dtype=jnp.float32)


def _reconstruction_contrast(state, params):
    """Mean model-phase spike count of on-pixels minus off-pixels, and the mean per-pattern
    correlation of pixel counts with the pattern."""
    patterns = _patterns()
    contrasts, correlations = [], []
    for label, pattern in enumerate(patterns):
        counts = np.mean([np.asarray(_model_phase_counts(jax.random.key(100 + k), state,
                                                         jnp.asarray(pattern), label, params,
                                                         LEARN_SPEC))[:36]
                          for k in range(RECON_KEYS)], axis=0)
        contrasts.append(counts[pattern == 1].mean() - counts[pattern == 0].mean())
        correlations.append(np.corrcoef(counts, pattern)[0, 1])
    return float(np.mean(contrasts)), float(np.mean(correlations))


def test_learning_classifies_and_reconstructs_tiny_dataset():
    spec, params = LEARN_SPEC, _learn_params()
    patterns = _patterns()
    labels = np.arange(N_TRAIN) % 4
    state0 = srbm_jax.init_device(jax.random.key(0), params, spec)
    state, stats = srbm_jax.train_epoch(jax.random.key(1), state0, patterns[labels], labels,
                                        params, spec, chunk_size=N_TRAIN)
    assert np.all(np.isfinite(stats["hidden_rate_data"]))
    test_labels = np.arange(N_TEST) % 4
    before = srbm_jax.evaluate(jax.random.key(99), state0, patterns[test_labels], test_labels,
                               params, spec, batch_size=N_TEST)
    after = srbm_jax.evaluate(jax.random.key(99), state, patterns[test_labels], test_labels,
                              params, spec, batch_size=N_TEST)
    assert after["accuracy"] >= MIN_ACCURACY, (before["accuracy"], after["accuracy"])
    assert after["accuracy"] > before["accuracy"]
    # Reconstruction: in the model phase the free data neurons fire more on the pattern's pixels.
    contrast0, corr0 = _reconstruction_contrast(state0, params)
    contrast, corr = _reconstruction_contrast(state, params)
    print(f"accuracy {before['accuracy']:.2f} -> {after['accuracy']:.2f}; model-phase on-off "
          f"count contrast {contrast0:.2f} -> {contrast:.2f}; correlation {corr0:.2f} -> {corr:.2f}")
    assert contrast > 0 and corr > MIN_RECON_CORRELATION
    assert contrast > contrast0


# Per-pattern Pearson correlation of the model-phase pixel counts (averaged over RECON_KEYS runs)
# with the binary pattern; 36 pixels give a null SE of 1/sqrt(35) = 0.17 per pattern and 0.085 for
# the mean of 4, so 0.5 is > 5 null standard errors.
MIN_RECON_CORRELATION = 0.5


def _train_two_ways(spec_a, spec_b, seed):
    """train_chunk on two mini-batches of three random images under two specs with the same
    keys, params and initial state: (state0, result a, result b, (params, pixels, labels,
    indices))."""
    params = srbm_jax.default_params(spec_a)
    state0 = srbm_jax.init_device(jax.random.key(0), params, spec_a)
    rng = np.random.default_rng(seed)
    pixels = jnp.asarray(rng.random((2, 3, spec_a.n_data)).astype(np.float32))
    labels = jnp.asarray(rng.integers(0, 10, (2, 3)).astype(np.int32))
    indices = jnp.arange(6, dtype=jnp.int32).reshape(2, 3)
    a, b = (srbm_jax.train_chunk(jax.random.key(1), state0, pixels, labels, indices,
                                 jnp.int32(0), params, spec) for spec in (spec_a, spec_b))
    return state0, a, b, (params, pixels, labels, indices)


def test_batches_use_the_dense_drive_whatever_drive_chunk_says():
    """Images sharing the weights (B > 1) run the dense drive by default (batch_drive_chunk = 0;
    vmap makes it a matrix product), so drive_chunk cannot change a mini-batch result; with B = 1
    the sparse drive gives the same spikes as the dense one up to float rounding (checked in
    test_network.py)."""
    sparse, dense = small_spec(drive_chunk=3), small_spec(drive_chunk=0)
    state0, a, b, (params, pixels, labels, indices) = _train_two_ways(sparse, dense, 5)
    for x, y in zip(_leaves(a), _leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)

    # Structurally: the sparse drive is a while loop; a batch of 3 has none, a batch of 1 has it.
    def program(batch):
        return str(jax.make_jaxpr(functools.partial(srbm_jax.train_chunk.__wrapped__,
                                                    spec=sparse))(
            jax.random.key(1), state0, pixels[:, :batch], labels[:, :batch],
            indices[:, :batch], jnp.int32(0), params))

    assert " while[" not in program(3) and " while[" in program(1)


def _one_update_with_and_without(changes: dict, batch: int, seed: int):
    """(spec, params, keys, state trained without `changes`, state trained with them): one
    update of `batch` random images from the same start and keys."""
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    state0 = srbm_jax.init_device(jax.random.key(0), params, spec)
    rng = np.random.default_rng(seed)
    pixels = jnp.asarray(rng.random((batch, spec.n_data)).astype(np.float32))
    labels = jnp.asarray(rng.integers(0, 10, batch).astype(np.int32))
    keys = jax.vmap(lambda i: srbm_jax.image_key(jax.random.key(seed + 2), 0, i))(
        jnp.arange(batch))
    plain, _ = srbm_jax.train.train_images(keys, state0, pixels, labels, params, spec)
    changed, _ = srbm_jax.train.train_images(keys, state0, pixels, labels,
                                             params.replace(**changes), spec)
    return spec, params, keys, plain, changed


def test_weight_decay_is_one_relax_per_update_after_the_counts():
    """train_images with weight_decay w equals training without it followed by one
    `Device.relax` with fraction 1 - (1 - w)^B (B = images per update), with the same key."""
    batch = 3
    spec, params, keys, plain, decayed = _one_update_with_and_without(
        {"weight_decay": np.float32(0.01)}, batch, seed=3)
    key_ltd = jax.random.split(keys[0], 4)[3]
    expected = spec.device.relax(jax.random.fold_in(key_ltd, 1), plain, params.device,
                                 jnp.float32(1.0 - 0.99 ** batch))
    for x, y in zip(_leaves(decayed), _leaves(expected), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)
    weight_plain = np.asarray(spec.device.read(plain, params.device))
    weight_decayed = np.asarray(spec.device.read(decayed, params.device))
    np.testing.assert_allclose(weight_decayed, weight_plain * 0.99 ** batch, rtol=1e-5, atol=1e-6)


def test_label_weight_decay_shrinks_only_the_label_rows():
    """label_weight_decay l (weight_decay 0) multiplies the label rows of the trained weight by
    (1 - l)^B and leaves every other row bit for bit as without it; at l = 0 the label rows'
    fraction is exactly 0 on every row (the relax the identity)."""
    batch = 2
    spec, params, _, plain, label_decayed = _one_update_with_and_without(
        {"label_weight_decay": np.float32(0.05)}, batch, seed=4)
    weight_plain = np.asarray(spec.device.read(plain, params.device))
    weight_decayed = np.asarray(spec.device.read(label_decayed, params.device))
    rows = spec.label_slice
    np.testing.assert_allclose(weight_decayed[rows], weight_plain[rows] * 0.95 ** batch,
                               rtol=1e-5, atol=1e-6)
    assert np.any(weight_plain[rows] != weight_decayed[rows])
    others = np.ones(spec.n_visible, bool)
    others[rows] = False
    np.testing.assert_array_equal(weight_decayed[others], weight_plain[others])

    fraction = np.asarray(srbm_jax.decay.label_decay_fraction(
        params.replace(label_weight_decay=np.float32(0.0)), spec, 3))
    assert fraction.shape == (spec.n_visible, 1) and np.all(fraction == 0)


def test_the_step_schedule_scales_the_label_rows_decay_with_the_weight_decay():
    """step_scaled_params(weight_decay_too): label_weight_decay follows the factor as
    weight_decay does; without weight_decay_too, or at its None default, it stays as it was."""
    spec = small_spec()
    params = srbm_jax.default_params(spec, weight_decay=1e-3, label_weight_decay=4e-3)
    scaled = srbm_jax.decay.step_scaled_params(params, spec, 0.5, weight_decay_too=True)
    assert float(scaled.weight_decay) == pytest.approx(5e-4)
    assert float(scaled.label_weight_decay) == pytest.approx(2e-3)
    kept = srbm_jax.decay.step_scaled_params(params, spec, 0.5)
    assert float(kept.label_weight_decay) == pytest.approx(4e-3)
    default = srbm_jax.decay.step_scaled_params(srbm_jax.default_params(spec), spec, 0.5, True)
    assert default.label_weight_decay is None


# ---- degenerate input ---------------------------------------------------------------------------
def test_train_epoch_refuses_degenerate_input():
    """An empty data set (a reshape error before), start past the end (trained nothing, silently,
    before), bad batch / chunk sizes, missing labels, NaN pixels and spike_rate_hz = 0 (chance
    accuracy before) are each a ValueError naming the argument and the allowed range, before
    anything is compiled. start = N is the documented empty case: nothing left to train."""
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    rng = np.random.default_rng(0)
    pixels = rng.random((4, spec.n_data)).astype(np.float32)
    labels = np.arange(4, dtype=np.int32)
    key = jax.random.key(1)

    def train(images=pixels, image_labels=labels, train_params=params, **kwargs):
        return srbm_jax.train_epoch(key, state, images, image_labels, train_params, spec, **kwargs)

    for empty in (np.zeros((0, 4, 4), np.uint8), np.zeros((0, spec.n_data), np.float32)):
        with pytest.raises(ValueError, match=r"pixels has shape \(0, .*\): allowed N >= 1"):
            train(empty, np.zeros(0, np.int32))
    for start in (10, 5, -1, 1.5):
        with pytest.raises(ValueError, match=rf"start = {start!r} is out of range: allowed an "
                                             r"integer in \[0, 4\] \(N = 4 images"):
            train(start=start)
    for name in ("batch_size", "chunk_size"):
        for bad in (0, -2, 2.5):
            with pytest.raises(ValueError, match=rf"{name} = {bad!r} is out of range: allowed an "
                                                 r"integer >= 1"):
                train(**{name: bad})
    with pytest.raises(ValueError, match="labels = None"):
        train(image_labels=None)
    nan = pixels.copy()
    nan[2, 0] = np.nan
    with pytest.raises(ValueError, match="pixels contains NaN or inf"):
        train(nan)
    with pytest.raises(ValueError, match=r"spike_rate_hz = .* is out of range: allowed > 0 Hz"):
        train(train_params=params.replace(spike_rate_hz=np.float32(0.0)))
    unchanged, stats = train(start=4)
    for x, y in zip(_leaves(unchanged), _leaves(state), strict=True):
        np.testing.assert_array_equal(x, y)
    assert all(v.shape == (0,) for v in stats.values())


# ---- image keys -----------------------------------------------------------------------------------
def test_image_key_is_its_documented_formula_and_distinct_per_image():
    """image_key(root, e, n) = fold_in(fold_in(root, e), n), so every image of every epoch has its
    own key; train_chunk trains image n of epoch e with exactly that key."""
    root = jax.random.key(9)
    n_images, epochs = 64, 3
    data = set()
    for epoch in range(epochs):
        for index in range(n_images):
            key = srbm_jax.image_key(root, epoch, index)
            expected = jax.random.fold_in(jax.random.fold_in(root, epoch), index)
            np.testing.assert_array_equal(jax.random.key_data(key), jax.random.key_data(expected))
            data.add(np.asarray(jax.random.key_data(key)).tobytes())
    assert len(data) == n_images * epochs
    # train_chunk uses the formula: one image at position 5 of epoch 2, by hand.
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    state0 = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels, labels, _ = _chunk_inputs(spec, n=1)
    chunk, _ = srbm_jax.train_chunk(root, state0, pixels, labels, jnp.full((1, 1), 5, jnp.int32),
                                    jnp.int32(2), params, spec)
    by_hand, _ = srbm_jax.train.train_images(
        jax.random.fold_in(jax.random.fold_in(root, 2), 5)[None], state0, pixels[0], labels[0],
        params, spec)
    for x, y in zip(_leaves(chunk), _leaves(by_hand), strict=True):
        np.testing.assert_array_equal(x, y)


def test_batch_drive_chunk_gives_batches_the_sparse_drive_with_the_same_result():
    """batch_drive_chunk > 0: images sharing the weights sum the spiking rows (a batched while
    loop) instead of the dense product. The sums differ from the product only by float rounding,
    so on the small network the spikes, the counts and hence the trained conductances agree."""
    dense = small_spec(drive_chunk=3)
    sparse = small_spec(drive_chunk=3, batch_drive_chunk=2)
    state0, a, b, (params, pixels, labels, indices) = _train_two_ways(dense, sparse, 6)
    for x, y in zip(_leaves(a), _leaves(b), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)
    # something was learned (the comparison is not between two unchanged arrays)
    assert np.abs(_leaves(a[0])[0] - _leaves(state0)[0]).max() > 0

    program = str(jax.make_jaxpr(functools.partial(srbm_jax.train_chunk.__wrapped__,
                                                   spec=sparse))(
        jax.random.key(1), state0, pixels, labels, indices, jnp.int32(0), params))
    assert " while[" in program
