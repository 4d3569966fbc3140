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
from srbm_jax.data import mnist
from srbm_jax.generative import reference

FLAGS = flags.FLAGS
flags.DEFINE_string("out", "results/reference_classifier/reference.npz", "Checkpoint path.")
flags.DEFINE_integer("epochs", 5, "Training epochs.")
flags.DEFINE_integer("seed", 0, "Key of the batch order.")
flags.DEFINE_integer("train_size", 50000, "First N training images (the rest validate).")


def main(argv):
    del argv
    splits = mnist.load_mnist()
    n = FLAGS.train_size
    if not 1 <= n < len(splits.train_labels):
        raise ValueError(f"--train_size={n} is out of range: allowed 1..{len(splits.train_labels) - 1}")
    model = reference.train_reference(jax.random.key(FLAGS.seed), splits.train_images[:n],
                                      splits.train_labels[:n], epochs=FLAGS.epochs)
    accuracy = {
        "validation_accuracy": float(np.mean(reference.predict(
            model, splits.train_images[n:]) == splits.train_labels[n:])),
        "test_accuracy": float(np.mean(reference.predict(model, splits.test_images)
                                       == splits.test_labels)),
    }
    metadata = {"train_images": n, "epochs": FLAGS.epochs, "seed": FLAGS.seed, **accuracy}
    path = reference.save_reference(FLAGS.out, model, metadata)
    print(json.dumps({"checkpoint": str(path), **metadata}))


if __name__ == "__main__":
    cli.run(main)
