"""The validation split and shuffled epochs: train / validation / test never overlap, a poisoned
validation image never reaches training, every epoch has its own permutation (resumable bit for
bit), choices read validation accuracy, and a study row with shuffling equals the single run."""
from __future__ import annotations

import jax
import numpy as np
import pytest
from tiny_runs import TINY_COUNTS, cache, synthetic_mnist, tiny_config, tiny_mnist  # noqa: F401

import srbm_jax
from srbm_jax import checkpoint, study, train
from srbm_jax.data import mnist
from srbm_jax.run import load_data, train_and_evaluate
from srbm_jax.run.checkpoints import latest_path
from srbm_jax.run.records import METRICS_NAME, read_metrics
from srbm_jax.run.training import split_training_set

SPLIT = {"train_size": 30, "validation_size": 10, "shuffle": True}


def test_train_and_validation_never_overlap():
    images = np.arange(40)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    labels = np.arange(40) % 10
    train_x, train_y, validation_x, validation_y = split_training_set(images, labels, 30, 10)
    assert set(train_x[:, 0, 0]) == set(range(30))
    assert set(validation_x[:, 0, 0]) == set(range(30, 40))
    with pytest.raises(ValueError, match=r"config\.train_size.*<= 30"):
        split_training_set(images, labels, 31, 10)
    data = load_data(tiny_config(**SPLIT), verbose=False)
    arrays = synthetic_mnist()
    np.testing.assert_array_equal(data.validation_x, arrays["train_images"][30:])
    np.testing.assert_array_equal(data.train_x, arrays["train_images"][:30])
    assert len(data.test_y) == 20


def test_a_poisoned_validation_image_never_reaches_training(tmp_path, monkeypatch):
    arrays = synthetic_mnist()
    arrays["train_images"][30:] = 255  # the validation images: all white (no training image is)
    monkeypatch.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
    mnist._write_npz(tmp_path / mnist.CACHE_NAME, mnist.MnistSplits(**arrays, source="npz"))
    monkeypatch.setenv("SRBM_JAX_CACHE", str(tmp_path))
    seen = []
    real = srbm_jax.train.train_chunk

    def recording(root, state, pixels, labels, indices, epoch, params, spec):
        seen.append(np.asarray(pixels).reshape(-1, pixels.shape[-1]))
        return real(root, state, pixels, labels, indices, epoch, params, spec)

    monkeypatch.setattr(srbm_jax.train, "train_chunk", recording)
    train_and_evaluate(tiny_config(epochs=2, **SPLIT), tmp_path / "run", verbose=False)
    trained = np.concatenate(seen)
    assert trained.shape[0] == 60  # 2 epochs x 30 images
    assert not np.any(np.all(trained == 1.0, axis=1))


def test_epoch_order_is_a_permutation_that_differs_per_epoch():
    root = jax.random.key(3)
    orders = [train.epoch_order(root, epoch, 50) for epoch in range(3)]
    for order in orders:
        assert sorted(order.tolist()) == list(range(50))
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    np.testing.assert_array_equal(orders[1], train.epoch_order(root, 1, 50))  # a pure function


def test_shuffled_run_trains_each_image_once_per_epoch_in_the_epoch_order(tmp_path, monkeypatch):
    seen = []
    real = srbm_jax.train.chunk_inputs

    def recording(images, labels, begin, end, batch_size, order=None):
        seen.append(None if order is None else np.asarray(order)[begin:end])
        return real(images, labels, begin, end, batch_size, order)

    monkeypatch.setattr(srbm_jax.train, "chunk_inputs", recording)
    train_and_evaluate(tiny_config(epochs=2, **SPLIT), tmp_path, verbose=False)
    root = srbm_jax.sweep.network_keys(2)["train"]
    per_epoch = [np.concatenate(seen[:3]), np.concatenate(seen[3:])]
    for epoch, order in enumerate(per_epoch):
        np.testing.assert_array_equal(order, train.epoch_order(root, epoch, 30))


def test_shuffled_run_resumes_mid_epoch_bit_identically(tmp_path, monkeypatch):
    config = tiny_config(epochs=2, checkpoint_every_images=10, **SPLIT)
    straight = train_and_evaluate(config, tmp_path / "straight", verbose=False)
    calls = []
    real = srbm_jax.train.train_epoch

    def interrupted(*args, **kwargs):
        if kwargs["epoch"] == 1:
            calls.append(kwargs["start"])
            if len(calls) > 2:
                raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(srbm_jax.train, "train_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_and_evaluate(config, tmp_path / "resumed", verbose=False)
    monkeypatch.setattr(srbm_jax.train, "train_epoch", real)
    resumed = train_and_evaluate(config, tmp_path / "resumed", resume=True, verbose=False)
    a, _ = checkpoint.load(latest_path(tmp_path / "straight"))
    b, _ = checkpoint.load(latest_path(tmp_path / "resumed"))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    for key in ("validation_accuracy", "test_accuracy", "potentiation_events"):
        assert [r[key] for r in resumed["metrics"]] == [r[key] for r in straight["metrics"]]


def test_records_and_summary_choose_on_validation(tmp_path):
    summary = train_and_evaluate(tiny_config(epochs=2, **SPLIT), tmp_path, verbose=False)
    records = read_metrics(tmp_path / METRICS_NAME)
    for record in records:
        assert 0 <= record["validation_accuracy"] <= 1 and 0 <= record["test_accuracy"] <= 1
        assert "validation_accuracy_100ms" in record and "validation_accuracy_vs_time_ms" in record
    best = max(records, key=lambda r: r["validation_accuracy"])
    assert summary["best_by"] == "validation_accuracy" and summary["best_epoch"] == best["epoch"]
    assert summary["test_accuracy_at_best_epoch"] == best["test_accuracy"]


def test_shuffled_study_row_equals_the_single_run(tmp_path):
    config = tiny_config(epochs=2, batch_size=2, **SPLIT)
    records = study.run_study(config, {"spike_rate_hz": [180.0, 220.0]}, [3, 4],
                              load_data(config, verbose=False), tmp_path / "study",
                              log=lambda line: None)
    single = train_and_evaluate(tiny_config(epochs=2, batch_size=2, spike_rate_hz=220.0, seed=4,
                                            **SPLIT), tmp_path / "single", verbose=False)
    mine = [r for r in records if r["spike_rate_hz"] == 220.0 and r["seed"] == 4]
    for key in ("validation_accuracy", "test_accuracy"):
        assert [r[key] for r in mine] == [m[key] for m in single["metrics"]]
    assert study.choice_metric(records) == "validation_accuracy"
    assert study.markdown(records, ["spike_rate_hz"]).startswith("validation accuracy (%)")


def test_vmapped_evaluation_equals_one_network_at_a_time():
    spec, params = srbm_jax.run.spec_and_params(tiny_config())
    stacked = srbm_jax.sweep.stack_params(params, walk_up=[0.05, 0.07, 0.06])
    keys, states = srbm_jax.sweep.init_networks([1, 2, 3], stacked, spec)
    arrays = synthetic_mnist()
    images, labels = arrays["test_images"], arrays["test_labels"]
    together = srbm_jax.sweep.evaluate_networks_full(keys, states, images, labels, stacked, spec,
                                                     epoch=2, batch_size=24)  # 8 per network
    for n in range(3):
        state = jax.tree_util.tree_map(lambda leaf, n=n: leaf[n], states)
        own = jax.tree_util.tree_map(lambda leaf, n=n: leaf[n], stacked)
        alone = srbm_jax.evaluate(jax.random.fold_in(keys["evaluate"][n], 2), state, images,
                                  labels, own, spec, batch_size=8)
        np.testing.assert_array_equal(together[n]["counts"], alone["counts"])
        assert together[n]["accuracy"] == alone["accuracy"]


def test_the_pixel_threshold_is_strict():
    """The source slides: "if pixel value > mnist threshold, spike generation; else, no input
    spike": a pixel exactly at the threshold, and the background at threshold 0, stay silent."""
    from srbm_jax import encoding
    spec = srbm_jax.Spec(n_data=4, n_label=10, n_visible_bias=1, n_hidden=3, n_hidden_bias=1)
    pixels = np.float32([0.0, 51 / 255, 0.2, 0.9])
    for threshold, expected in ((0.0, [0, 1, 1, 1]), (float(np.float32(51 / 255)), [0, 0, 0, 1])):
        params = srbm_jax.default_params(spec, input_threshold=threshold)
        p = np.asarray(encoding.data_probabilities(pixels, params, spec))
        np.testing.assert_array_equal(p > 0, np.asarray(expected, bool))
