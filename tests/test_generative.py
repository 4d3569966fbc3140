"""srbm_jax.generative: masks, pattern completion, generation, occlusion, the reference classifier.

A toy network trained on two patterns must complete each from half of it and generate each from
its label (a test that fails for an untrained or wrongly wired network); an empty mask changes
nothing; results are reproducible for a key and independent of the batch size."""
from __future__ import annotations

import jax
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import generative
from srbm_jax.generative import masks, reference

# Completion of the toy: hidden "on" pixels fire well above hidden "off" pixels.
ON_INTENSITY_MIN = 0.4
OFF_INTENSITY_MAX = 0.15


@pytest.fixture(scope="module")
def toy():
    """A small network (16 data pixels) trained on-line on two patterns with labels 0 and 1."""
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    patterns = np.zeros((2, 16), np.float32)
    patterns[0, :8], patterns[1, 8:] = 1.0, 1.0
    labels = (np.arange(400) % 2).astype(np.int32)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    state, _ = srbm_jax.train_epoch(jax.random.key(1), state, patterns[labels], labels, params,
                                    spec)
    return spec, params, state, patterns


def test_masks_have_their_shapes_and_fractions():
    assert masks.make("none", 784).sum() == 0
    assert masks.make("bottom_half", 784).reshape(28, 28)[14:].all()
    assert not masks.make("bottom_half", 784).reshape(28, 28)[:14].any()
    assert masks.make("quadrant_3", 784).reshape(28, 28)[14:, 14:].all()
    assert masks.make("quadrant_3", 784).sum() == 196
    assert masks.make("random", 784, fraction=0.25, seed=3).sum() == 196
    assert masks.make("occlusion_rows", 784, fraction=0.5).sum() == 392
    with pytest.raises(ValueError, match="mask kind 'middle' is out of range"):
        masks.make("middle", 784)
    with pytest.raises(ValueError, match="mask fraction = 1.5 is out of range"):
        masks.make("random", 784, fraction=1.5)
    with pytest.raises(ValueError, match="needs square images"):
        masks.make("top_half", 20)


def test_the_toy_completes_each_pattern_from_half_of_it(toy):
    spec, params, state, patterns = toy
    mask = np.zeros(16, bool)
    mask[::2] = True  # every other pixel hidden: half of each pattern
    result = generative.complete(jax.random.key(2), state, patterns * ~mask, mask, params, spec,
                                 duration_ms=300, burn_in_ms=50)
    for n in range(2):
        on, off = mask & (patterns[n] > 0), mask & (patterns[n] == 0)
        assert result.intensity[n, on].mean() > ON_INTENSITY_MIN
        assert result.intensity[n, off].mean() < OFF_INTENSITY_MAX
    np.testing.assert_array_equal(result.predictions, [0, 1])
    assert generative.masked_pixel_error(result.intensity, patterns, mask, params) < 0.35


def test_the_toy_generates_each_pattern_from_its_label_reproducibly(toy):
    spec, params, state, patterns = toy
    images = generative.generate(jax.random.key(3), state, np.array([0, 1]), params, spec,
                                 duration_ms=300)
    for n in range(2):
        assert images[n, patterns[n] > 0].mean() > ON_INTENSITY_MIN
        assert images[n, patterns[n] == 0].mean() < OFF_INTENSITY_MAX
    again = generative.generate(jax.random.key(3), state, np.array([0, 1]), params, spec,
                                duration_ms=300)
    np.testing.assert_array_equal(images, again)


def test_an_empty_mask_changes_nothing_and_batches_do_not_matter(toy):
    spec, params, state, patterns = toy
    images = np.repeat(patterns, 3, axis=0)
    one = generative.complete(jax.random.key(4), state, images, np.zeros(16, bool), params, spec,
                              batch_size=6)
    other = generative.complete(jax.random.key(4), state, images, np.zeros(16, bool), params,
                                spec, batch_size=4)
    np.testing.assert_array_equal(one.intensity, other.intensity)
    np.testing.assert_array_equal(one.label_counts, other.label_counts)
    assert np.all(one.intensity[images == 0] == 0.0)  # clamped off pixels never spike
    assert one.intensity[images > 0].mean() > 0.8  # clamped on pixels at the input rate


def test_occlusion_accuracy_has_one_point_per_fraction(toy):
    spec, params, state, patterns = toy
    curve = generative.occlusion_accuracy(jax.random.key(5), state, patterns, np.array([0, 1]),
                                          [0.0, 0.5], params, spec, kind="random", fill="free")
    assert [point["fraction"] for point in curve] == [0.0, 0.5]
    assert curve[0]["accuracy"] == 1.0
    with pytest.raises(ValueError, match="fill = 'grey' is out of range"):
        generative.occlusion_accuracy(jax.random.key(5), state, patterns, np.array([0, 1]),
                                      [0.0], params, spec, fill="grey")


def test_bad_completion_arguments_name_themselves(toy):
    spec, params, state, patterns = toy
    with pytest.raises(ValueError, match="masks has shape"):
        generative.complete(jax.random.key(0), state, patterns, np.zeros(5, bool), params, spec)
    with pytest.raises(ValueError, match="duration_ms"):
        generative.complete(jax.random.key(0), state, patterns, np.zeros(16, bool), params, spec,
                            duration_ms=50, burn_in_ms=60)


def test_the_reference_classifier_learns_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000).astype(np.int32)
    images = rng.random((2000, 16)).astype(np.float32) * 0.3
    images[np.arange(2000), labels] = 1.0  # class c lights pixel c
    model = reference.train_reference(jax.random.key(0), images, labels, epochs=20)
    assert np.mean(reference.predict(model, images) == labels) > 0.95
    path = reference.save_reference(tmp_path / "ref.npz", model, {"note": "toy"})
    loaded, metadata = reference.load_reference(path)
    np.testing.assert_array_equal(np.asarray(loaded.weight), np.asarray(model.weight))
    assert metadata["note"] == "toy"
    srbm_jax.checkpoint.save(tmp_path / "other.npz", (np.zeros(3),), {"format": "x"})
    with pytest.raises(ValueError, match="is not a reference classifier checkpoint"):
        reference.load_reference(tmp_path / "other.npz")
