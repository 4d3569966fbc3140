"""srbm_jax.frontends: each front end's output shape and range on known inputs, pooling against
a slow transcription of the seed slides' C++ loops, size mismatches named, and the spiking DBN
(a lower sRBM as the front end of an upper one) end to end with checkpoints and resume."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import small_spec
from tiny_runs import cache, tiny_config, tiny_mnist  # noqa: F401

import srbm_jax
from srbm_jax import checkpoint, encoding, network, study
from srbm_jax.frontends import LowerParams, LowerRbm, PixelCoding, Pooling, lower_rbm
from srbm_jax.run import load_data, spec_and_params, training
from srbm_jax.run.checkpoints import latest_path
from srbm_jax.run.front_end_config import front_end_section

P_ON = np.float32(200.0) * np.float32(1e-3)  # 200 Hz at 1 ms, as float32 computes it


QUADRANTS = ((0, 0), (0, 1), (1, 0), (1, 1))  # (k, l) of the slides' loops


def slides_pooling(image: np.ndarray, maps: str) -> np.ndarray:
    """The slides' C++ (pixel[side*i + j + h*(side*k + l)], h = side/2), then their
    standardisation (avg, max: over the whole vector; combo: each quadrant's mean), as loops."""
    side = image.shape[0]
    h = side // 2
    flat = image.ravel()
    out = np.zeros(side * side)
    for i in range(h):
        for j in range(h):
            block = [flat[2 * (side * i + j) + side * a + b] for a in range(2) for b in range(2)]
            values = {"avg": [np.mean(block)] * 4, "max": [np.max(block)] * 4,
                      "combo": [np.mean(block), np.mean(block), np.max(block), np.min(block)]}[maps]
            for q, (a, b) in enumerate(QUADRANTS):
                out[side * i + j + h * (side * a + b)] = values[q]
    if maps == "combo":
        for a, b in QUADRANTS:
            index = [side * i + j + h * (side * a + b) for i in range(h) for j in range(h)]
            out[index] -= out[index].mean()
        return out
    return (out - out.mean()) / out.std()


def pooling_spec(front_end):
    return srbm_jax.Spec(n_data=front_end.output_size(None), n_label=10, n_visible_bias=2,
                         n_hidden=8, n_hidden_bias=2, front_end=front_end)


def test_pixel_front_end_is_the_strict_threshold_and_the_rate_code():
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    pixels = jnp.linspace(0, 1, 16)
    p = PixelCoding().probabilities(pixels, params, spec)
    np.testing.assert_array_equal(np.asarray(p), np.where(np.linspace(0, 1, 16) > 0.5, P_ON, 0))
    assert float(jnp.sum(PixelCoding().probabilities(jnp.zeros(16), params, spec))) == 0.0
    rate = PixelCoding().probabilities(pixels, params, spec.replace(input_coding="rate"))
    np.testing.assert_allclose(np.asarray(rate), np.linspace(0, 1, 16) * P_ON, rtol=1e-6)


@pytest.mark.parametrize("maps", ["avg", "max", "combo"])
def test_pooling_matches_the_slides_loops_on_a_known_4x4_image(maps):
    image = np.array([[0.0, 0.2, 0.9, 1.0],
                      [0.4, 0.0, 0.5, 0.1],
                      [1.0, 1.0, 0.0, 0.0],
                      [0.3, 0.6, 0.0, 0.7]])
    front_end = Pooling(maps=maps, layout="quadrants", side=4)
    spec = pooling_spec(front_end)
    params = srbm_jax.default_params(spec)
    p = np.asarray(front_end.probabilities(jnp.asarray(image.ravel(), jnp.float32), params, spec))
    expected = np.where(slides_pooling(image, maps) > 1e-6, P_ON, 0.0)
    np.testing.assert_allclose(p, expected, atol=1e-7)


@pytest.mark.parametrize("maps, layout, size", [("avg", "quadrants", 784), ("max", "compact", 196),
                                                ("combo", "quadrants", 784),
                                                ("combo", "compact", 392)])
def test_pooling_shapes_and_range_on_known_images(maps, layout, size):
    front_end = Pooling(maps=maps, layout=layout)
    spec = pooling_spec(front_end)
    params = srbm_jax.default_params(spec)
    assert spec.n_data == size
    blank = np.asarray(front_end.probabilities(jnp.zeros(784), params, spec))
    assert blank.shape == (size,) and blank.sum() == 0.0  # an all-zero image never spikes
    one = np.zeros(784, np.float32)
    one[28 * 10 + 6] = 1.0  # one bright pixel: row 10, col 6 -> block (5, 3)
    p = np.asarray(front_end.probabilities(jnp.asarray(one), params, spec))
    assert set(np.unique(p)) <= {0.0, np.float32(P_ON)}
    if layout == "compact":
        assert p[5 * 14 + 3] == np.float32(P_ON) and p.sum() == pytest.approx(
            P_ON * (2 if maps == "combo" else 1))


def test_a_size_mismatch_names_both_sizes():
    config = tiny_config()
    config.front_end = front_end_section("pooling", maps="avg", layout="compact")
    with pytest.raises(ValueError, match="config.n_data = 784 is out of range for front end "
                                         "'pooling': it drives 196 data neurons"):
        spec_and_params(config)
    with pytest.raises(ValueError, match="config.front_end.maps = 'median' is out of range"):
        config.front_end.maps = "median"
        config.n_data = 196
        spec_and_params(config)


def test_images_of_the_wrong_size_name_the_front_ends_input():
    front_end = Pooling(layout="compact")
    spec = pooling_spec(front_end)
    with pytest.raises(ValueError, match="allowed \\[N, 784\\].*front end 'pooling'"):
        encoding.check_images(np.zeros((3, 196), np.uint8), None, spec)


def test_label_rate_factor_zero_silences_the_labels():
    spec = small_spec()
    params = srbm_jax.default_params(spec, label_rate_factor=0.0)
    assert float(jnp.sum(encoding.label_probabilities(3, params, spec))) == 0.0


def test_the_lower_rbm_front_end_emits_the_lower_networks_hidden_spikes():
    lower = small_spec(n_hidden=20)
    lower_params = srbm_jax.default_params(lower)
    state = srbm_jax.init_device(jax.random.key(0), lower_params, lower)
    weight = lower.device.read(state, lower_params.device)
    upper = srbm_jax.Spec(n_data=20, n_label=10, n_visible_bias=2, n_hidden=6, n_hidden_bias=2,
                          front_end=LowerRbm(lower))
    params = srbm_jax.default_params(upper).replace(front_end=LowerParams(weight, lower_params))
    srbm_jax.validate(upper, params)
    pixels = jnp.asarray(np.random.default_rng(0).random(16), jnp.float32)
    key = jax.random.key(5)
    raster = upper.front_end.raster(key, pixels, 30, params, upper)
    words = network.draw_segment_words(key, 30, (0, 0), lower)
    _, _, hidden = network.run_clamped_segment(
        words, network.init_carry(lower), weight,
        encoding.visible_probabilities(pixels, None, lower_params, lower),
        encoding.hidden_probabilities(lower_params, lower), lower_params, lower)
    np.testing.assert_array_equal(np.asarray(raster), np.asarray(hidden[:, :20]))
    assert raster.shape == (30, 20) and int(jnp.sum(raster)) > 0


def test_a_spiking_dbn_trains_evaluates_and_resumes(tmp_path):
    """Layer 1 unsupervised (labels silent), layer 2 on its hidden spikes with labels on top,
    through the run driver: shapes, checkpoints, and a bit-identical resume."""
    training.train_and_evaluate(tiny_config(epochs=1, label_rate_factor=0.0), tmp_path / "l1",
                                verbose=False)
    changes = {"n_data": 16, "checkpoint_every_images": 20}

    def upper(epochs):
        config = tiny_config(epochs=epochs, **changes)
        config.front_end = front_end_section("lower_rbm", workdir=str(tmp_path / "l1"))
        return config

    spec, params = spec_and_params(upper(1))
    assert spec.n_data == 16 and spec.front_end.input_size(spec) == 784
    assert params.front_end.weight.shape == (784 + 10 + 2, 16 + 2)
    straight = training.train_and_evaluate(upper(2), tmp_path / "straight", verbose=False)
    training.train_and_evaluate(upper(1), tmp_path / "resumed", verbose=False)
    training.train_and_evaluate(upper(2), tmp_path / "resumed", resume=True, verbose=False)
    a, _ = checkpoint.load(latest_path(tmp_path / "straight"))
    b, _ = checkpoint.load(latest_path(tmp_path / "resumed"))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert 0.0 <= straight["metrics"][-1]["test_accuracy"] <= 1.0


def test_a_dbn_study_stacks_each_seed_on_its_own_lower_network(tmp_path, monkeypatch):
    """A vmapped study of upper networks on a lower study: network n reads the lower network of
    its own seed, and scores what the single run of that seed scores."""
    data = load_data(tiny_config(), verbose=False)
    study.run_study(tiny_config(epochs=1, label_rate_factor=0.0), {}, [1, 2], data,
                    tmp_path / "l1", log=lambda line: None)
    lower_states = study.load_study_states(tmp_path / "l1")[3]
    config = tiny_config(epochs=1, n_data=16)
    config.front_end = front_end_section("lower_rbm", workdir=str(tmp_path / "l1"))
    spec, params, grid = study.study_params(config, {}, [2, 1])
    for n, seed in enumerate(grid["seed"]):  # seed 2 first: matched by seed, not by position
        lower_state = jax.tree_util.tree_map(lambda leaf, i=seed - 1: leaf[i], lower_states)
        lower_device = jax.tree_util.tree_map(lambda leaf, i=n: leaf[i],
                                              params.front_end.params.device)
        expected = spec.front_end.lower.device.read(lower_state, lower_device)
        np.testing.assert_array_equal(np.asarray(params.front_end.weight[n]), np.asarray(expected))
    assert not np.array_equal(params.front_end.weight[0], params.front_end.weight[1])
    # two values x two seeds: the lower study is read once per seed, and each network still
    # stacks on its own seed's lower network
    reads = []
    real = lower_rbm.lower_params_from_run
    monkeypatch.setattr(lower_rbm, "lower_params_from_run",
                        lambda workdir, seed: reads.append(seed) or real(workdir, seed))
    _, swept, swept_grid = study.study_params(config, {"spike_rate_hz": [10.0, 20.0]}, [2, 1])
    assert sorted(reads) == [1, 2] and swept_grid["seed"] == [2, 1, 2, 1]
    for n, seed in enumerate(swept_grid["seed"]):
        np.testing.assert_array_equal(np.asarray(swept.front_end.weight[n]),
                                      np.asarray(params.front_end.weight[grid["seed"].index(seed)]))
    records = study.run_study(config, {}, [2, 1], data, tmp_path / "l2", log=lambda line: None)
    config.seed = 1
    single = training.train_and_evaluate(config, tmp_path / "single", verbose=False)
    assert records[1]["seed"] == 1
    assert records[1]["test_accuracy"] == single["metrics"][-1]["test_accuracy"]
    config.seed = 3
    with pytest.raises(ValueError, match=r"config.seed = 3 is out of range: allowed one of"):
        spec_and_params(config)


# ---- the CNN front end ------------------------------------------------------------------------
def test_the_slides_cnn_has_their_layers_and_feature_layouts():
    from srbm_jax.frontends import cnn
    params = cnn.init_cnn(jax.random.key(0))
    assert sum(leaf.size for leaf in jax.tree_util.tree_leaves(params)) == 101862  # Keras summary
    image = np.random.default_rng(1).random((2, 784)).astype(np.float32)
    for mode, size, (h, c) in ((1, 720, (12, 5)), (2, 768, (8, 12))):
        values = cnn.features(params, image, mode)
        assert values.shape == (2, size) and np.all(values >= 0)
        # channel-major, as the slides' pixel[64 m + 8 i + j]
        nhwc = np.asarray(jnp.transpose(values.reshape(2, c, h, h), (0, 2, 3, 1)))
        assert np.array_equal(values[:, 0 * h * h + 1 * h + 2], nhwc[:, 1, 2, 0])
    assert cnn.predict(params, image).shape == (2,)


def test_cnn_checkpoint_round_trip_and_the_front_end_in_a_run(tmp_path):
    from srbm_jax.frontends import cnn
    params = cnn.init_cnn(jax.random.key(0))
    images = np.random.default_rng(2).random((50, 784)).astype(np.float32)
    scales = {mode: cnn.feature_scales(params, images, mode) for mode in cnn.FEATURES}
    path = cnn.save_cnn(tmp_path / "cnn.npz", params, scales, {"note": "untrained"})
    loaded, loaded_scales, metadata = cnn.load_cnn(path)
    assert metadata["note"] == "untrained"
    for a, b in zip(jax.tree_util.tree_leaves(loaded), jax.tree_util.tree_leaves(params),
                    strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(loaded_scales[2], scales[2])
    checkpoint.save(tmp_path / "other.npz", (np.zeros(3),), {"format": "x"})
    with pytest.raises(ValueError, match="is not a SlidesCnn checkpoint"):
        cnn.load_cnn(tmp_path / "other.npz")

    config = tiny_config(n_data=768, train_size=20, test_size=10, epochs=1)
    config.front_end = front_end_section("cnn", mode=2, checkpoint=str(path))
    spec, run_params = spec_and_params(config)
    assert spec.n_data == 768 and spec.front_end.input_size(spec) == 784
    p = np.asarray(spec.front_end.probabilities(jnp.asarray(images[0]), run_params, spec))
    assert p.shape == (768,) and set(np.unique(p)) <= {0.0, P_ON}
    # deterministic for a fixed checkpoint: a second call and a second load give the same bits
    _, reloaded = spec_and_params(config)
    for again in (run_params, reloaded):
        q = spec.front_end.probabilities(jnp.asarray(images[:5]), again, spec)
        np.testing.assert_array_equal(np.asarray(q)[0], p)
    np.testing.assert_array_equal(cnn.features(loaded, images, 2), cnn.features(params, images, 2))
    summary = training.train_and_evaluate(config, tmp_path / "run", verbose=False)
    assert 0.0 <= summary["metrics"][-1]["test_accuracy"] <= 1.0
    # a study of the front end: its arrays are shared by the networks (stacked with them);
    # the network with the run's own threshold and seed scores what the single run above scored
    records = study.run_study(config, {"input_threshold": [config.input_threshold, 0.3]},
                              [config.seed], load_data(config, verbose=False), tmp_path / "study",
                              log=lambda line: None)
    assert [r["input_threshold"] for r in records] == [config.input_threshold, 0.3]
    assert records[0]["test_accuracy"] == summary["metrics"][-1]["test_accuracy"]
    config.n_data = 720
    with pytest.raises(ValueError, match="config.n_data = 720 is out of range for front end 'cnn'"):
        spec_and_params(config)


def test_a_wider_cnn_is_described_by_its_checkpoint_and_keeps_mode_2_at_768(tmp_path):
    from srbm_jax.frontends import cnn
    wide = cnn.CnnArchitecture((4, 6, 8, 48), final_pool=True)
    assert (wide.feature_size(1), wide.feature_size(2)) == (12 * 12 * 6, 4 * 4 * 48)
    params = cnn.init_cnn(jax.random.key(1), wide)
    kernel = params["Conv_3"]["kernel"]
    assert kernel.shape == (3, 3, 8, 48) and params["Dense_0"]["kernel"].shape == (768, 128)
    images = np.random.default_rng(3).random((20, 784)).astype(np.float32)
    # Mode 2 is conv 4 then a 2x2 max-pool, channel-major
    conv4 = np.asarray(cnn.SlidesCnn(cnn.CnnArchitecture((4, 6, 8, 48))).apply(
        {"params": params}, images.reshape(-1, 28, 28, 1), 2)).reshape(20, 48, 8, 8)
    pooled = conv4.reshape(20, 48, 4, 2, 4, 2).max(axis=(3, 5)).reshape(20, 768)
    np.testing.assert_allclose(cnn.features(params, images, 2, arch=wide), pooled, rtol=1e-6)
    scales = {m: cnn.feature_scales(params, images, m, arch=wide) for m in cnn.MODES}
    path = cnn.save_cnn(tmp_path / "wide.npz", params, scales, {}, wide)
    front_end, front_params = cnn.cnn_from_checkpoint(path, 2)
    assert front_end.arch == wide and front_end.output_size(None) == 768
    assert cnn.cnn_from_checkpoint(path, 1)[0].output_size(None) == 864
    config = tiny_config(n_data=768)
    config.front_end = front_end_section("cnn", mode=2, checkpoint=str(path))
    spec, run_params = spec_and_params(config)
    p = np.asarray(spec.front_end.probabilities(jnp.asarray(images[:3]), run_params, spec))
    expected = np.where(np.clip(pooled[:3] / scales[2], 0, 1) > config.input_threshold, P_ON, 0)
    np.testing.assert_array_equal(p, expected.astype(np.float32))
    # a checkpoint written before the architecture was recorded is the slides' CNN
    slides = cnn.init_cnn(jax.random.key(0))
    old = checkpoint.save(tmp_path / "old.npz", {"cnn": slides, "scales": {
        "1": np.ones(720, np.float32), "2": np.ones(768, np.float32)}}, {"format": cnn.FORMAT})
    assert cnn.cnn_from_checkpoint(old, 2)[0].arch == cnn.SLIDES
    with pytest.raises(ValueError, match=r"CNN channels = \(5, 5, 12\) is out of range"):
        cnn.CnnArchitecture((5, 5, 12))
