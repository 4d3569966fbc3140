"""Smoke config: the default model shrunk to run in about a minute on a CPU.

Same fields and sources as `default.py`; only the sizes below differ (ours). n_data stays 784.
"""
import ml_collections

from experiments.configs import default


def get_config(device: str = "gpgm_linear") -> ml_collections.ConfigDict:
    """default.get_config(device) with 200 training images, 100 test images and 50 hidden neurons."""
    config = default.get_config(device)
    config.train_size = 200  # first 200 training images (ours)
    config.test_size = 100  # first 100 test images (ours)
    config.n_hidden = 50  # 50 hidden neurons (ours; the slides used 824)
    config.chunk_size = 100  # training images per jitted call (ours)
    config.eval_batch_size = 100  # test images side by side (ours)
    config.checkpoint_every_images = 100  # checkpoint twice per epoch, exercising resume (ours)
    return config
