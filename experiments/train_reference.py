"""Train the fixed reference classifier (logistic regression, `srbm_jax.generative.reference`)
that judges completed and generated images, and save it with its accuracies.

  python -m experiments.train_reference --out=results/reference_classifier/reference.npz

Trained on the first 50,000 MNIST training images (the runs' training split), reported on the
last 10,000 (validation) and the 10,000 test images.
"""
from __future__ import annotations

import json

import jax
import numpy as np
from absl import flags

from experiments import cli
from srbm_jax.generative import reference

FLAGS = flags.FLAGS
flags.DEFINE_string("out", "results/reference_classifier/reference.npz", "Checkpoint path.")
flags.DEFINE_integer("epochs", 5, "Training epochs.")
flags.DEFINE_integer("seed", 0, "Key of the batch order.")
flags.DEFINE_integer("train_size", 50000, "First N training images (the rest validate).")


def main(argv):
    del argv
    train_x, train_y, validation_x, validation_y, test_x, test_y = cli.mnist_split(
        FLAGS.train_size)
    model = reference.train_reference(jax.random.key(FLAGS.seed), train_x, train_y,
                                      epochs=FLAGS.epochs)
    accuracy = {
        "validation_accuracy": float(np.mean(reference.predict(model, validation_x)
                                             == validation_y)),
        "test_accuracy": float(np.mean(reference.predict(model, test_x) == test_y)),
    }
    metadata = {"train_images": FLAGS.train_size, "epochs": FLAGS.epochs, "seed": FLAGS.seed, **accuracy}
    path = reference.save_reference(FLAGS.out, model, metadata)
    print(json.dumps({"checkpoint": str(path), **metadata}))


if __name__ == "__main__":
    cli.run(main)
