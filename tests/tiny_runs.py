"""A tiny network on a tiny synthetic MNIST-like data set (40 train / 20 test images, written as
the npz cache in a tmp dir), shared by the experiment-layer tests. Import the fixtures
`cache` and `tiny_mnist` into a test module to use them."""
from __future__ import annotations

import numpy as np
import pytest

from experiments.configs import default
from srbm_jax.data import mnist

TINY_COUNTS = {"train": (4,) * 10, "test": (2,) * 10}
TINY_MODEL = {"n_label": 10, "n_visible_bias": 2, "n_hidden": 16, "n_hidden_bias": 2,
              "transition_data_ms": 2.0, "data_ms": 8.0, "transition_model_ms": 2.0,
              "model_ms": 8.0, "inference_ms": 10.0, "train_size": 40, "test_size": 20,
              "chunk_size": 10, "eval_batch_size": 20, "checkpoint_every_images": 0,
              "data_source": "npz", "validation_size": 0, "shuffle": False}


def synthetic_mnist(seed=0):
    """Per-class bar patterns with noise: a crude, learnable stand-in for MNIST."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, counts in TINY_COUNTS.items():
        labels = rng.permutation(np.repeat(np.arange(10), counts)).astype(np.int32)
        images = rng.integers(0, 60, (len(labels), 28, 28)).astype(np.uint8)
        for image, label in zip(images, labels, strict=False):
            image[4 + 2 * label: 7 + 2 * label, 3:25] = 230  # a horizontal bar per class
            image[3:25, 4 + 2 * label: 7 + 2 * label] = 200  # and a vertical one
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    return arrays


def write_cache(directory):
    """The synthetic set as the npz cache in `directory` (with the tiny label counts)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
        mnist._write_npz(directory / mnist.CACHE_NAME,
                         mnist.MnistSplits(**synthetic_mnist(), source="npz"))
    return directory


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return write_cache(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def tiny_mnist(cache, monkeypatch):
    monkeypatch.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
    monkeypatch.setenv("SRBM_JAX_CACHE", str(cache))
    monkeypatch.setattr(mnist, "_load_tfds", lambda: (_ for _ in ()).throw(ImportError("off")))


def tiny_config(device: str = "gpgm_linear", **changes):
    """default.get_config(device) shrunk to the tiny model, with `changes` (device fields as
    "device.<field>", optimiser fields as "optimizer.<field>")."""
    config = default.get_config(device)
    config.update(TINY_MODEL)
    for field, value in changes.items():
        section, _, name = field.rpartition(".")
        if section in ("device", "optimizer", "rule"):
            config[section][name] = value
        else:
            config[field] = value
    return config
