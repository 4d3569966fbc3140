"""Train the seed slides' small CNN once (srbm_jax.frontends.cnn) and save it with the feature
scales of both modes, for the CNN + sRBM front end (`--config.front_end.name=cnn`).

  python -m experiments.train_cnn --out=results/cnn/cnn.npz

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


def main(argv):
    del argv
    train_x, train_y, validation_x, validation_y, test_x, test_y = cli.mnist_split(
        FLAGS.train_size)
    start = time.perf_counter()

    def progress(epoch, batch, n_batches):
        if batch % 100 == 0:
            print(f"epoch {epoch + 1}/{FLAGS.epochs}: batch {batch}/{n_batches}", flush=True)

    params = cnn.train_cnn(jax.random.key(FLAGS.seed), train_x, train_y, epochs=FLAGS.epochs,
                           progress=progress)
    scales = {mode: cnn.feature_scales(params, train_x[:10000], mode) for mode in cnn.FEATURES}
    metadata = {
        "train_images": FLAGS.train_size, "epochs": FLAGS.epochs, "seed": FLAGS.seed,
        "wall_s": round(time.perf_counter() - start, 1),
        "validation_accuracy": float(np.mean(cnn.predict(params, validation_x) == validation_y)),
        "test_accuracy": float(np.mean(cnn.predict(params, test_x) == test_y)),
        "scales": "99th percentile of each feature over the first 10,000 training images",
    }
    path = cnn.save_cnn(FLAGS.out, params, scales, metadata)
    print(json.dumps({"checkpoint": str(path), **metadata}))


if __name__ == "__main__":
    cli.run(main)
