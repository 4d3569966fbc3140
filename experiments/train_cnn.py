"""Train the seed slides' small CNN once (srbm_jax.frontends.cnn) and save it with the feature
scales of both modes, for the CNN + sRBM front end (`--config.front_end.name=cnn`).

  python -m experiments.train_cnn --out=results/cnn/cnn.npz
  python -m experiments.train_cnn --channels=16,16,32,48 --final_pool --epochs=8 \
      --out=results/cnn_wide/cnn.npz      # a wider CNN (ours), Mode 2 again 768 features

Trained on the first 50,000 MNIST training images (the runs' training split); its own accuracy
(its dense layers) is reported on the last 10,000 (validation) and the test set, so the sRBM's
contribution on its features can be read beside it.
"""
from __future__ import annotations

import json
import time

import jax
import numpy as np
from absl import flags

from experiments import cli
from srbm_jax.frontends import cnn

FLAGS = flags.FLAGS
flags.DEFINE_string("out", "results/cnn/cnn.npz", "Checkpoint path.")
flags.DEFINE_integer("epochs", 3, "Training epochs.")
flags.DEFINE_integer("seed", 0, "Key of the init and batch order.")
flags.DEFINE_integer("train_size", 50000, "First N training images (the rest validate).")
flags.DEFINE_list("channels", ["5", "5", "12", "12"],
                  "Output channels of the four convolutions (the slides': 5,5,12,12).")
flags.DEFINE_bool("final_pool", False, "A 2x2 max-pool after the fourth convolution (Mode 2 "
                  "reads after it).")


def main(argv):
    del argv
    try:
        arch = cnn.CnnArchitecture(tuple(int(c) for c in FLAGS.channels), FLAGS.final_pool)
    except ValueError as e:
        raise ValueError(f"--channels={','.join(FLAGS.channels)}: {e}") from e
    train_x, train_y, validation_x, validation_y, test_x, test_y = cli.mnist_split(
        FLAGS.train_size)
    start = time.perf_counter()

    def progress(epoch, batch, n_batches):
        if batch % 100 == 0:
            print(f"epoch {epoch + 1}/{FLAGS.epochs}: batch {batch}/{n_batches}", flush=True)

    params = cnn.train_cnn(jax.random.key(FLAGS.seed), train_x, train_y, epochs=FLAGS.epochs,
                           progress=progress, arch=arch)
    scales = {mode: cnn.feature_scales(params, train_x[:10000], mode, arch=arch)
              for mode in cnn.MODES}
    metadata = {
        "train_images": FLAGS.train_size, "epochs": FLAGS.epochs, "seed": FLAGS.seed,
        "wall_s": round(time.perf_counter() - start, 1),
        "validation_accuracy": float(np.mean(
            cnn.predict(params, validation_x, arch=arch) == validation_y)),
        "test_accuracy": float(np.mean(cnn.predict(params, test_x, arch=arch) == test_y)),
        "features": {str(mode): arch.feature_size(mode) for mode in cnn.MODES},
        "scales": "99th percentile of each feature over the first 10,000 training images",
    }
    path = cnn.save_cnn(FLAGS.out, params, scales, metadata, arch)
    print(json.dumps({"checkpoint": str(path), **metadata}))


if __name__ == "__main__":
    cli.run(main)
