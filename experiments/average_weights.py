"""Evaluate the tail average of a run's weights over several of its checkpoints.

  python -m experiments.average_weights --workdir=<train_mnist run> \
      --checkpoints='<dir>/ckpt_*.npz' [--window=60000] [--eval_epoch=10] [--out=<file.jsonl>]

Polyak-Ruppert averaging (`srbm_jax.experiment.average_run_states`): the mean of the device
states saved during training (e.g. the mid-epoch checkpoints of the last epoch, kept as copies:
`train_mnist` overwrites its one checkpoint), evaluated on the run's test slice with the run's
config and the evaluation key of epoch `--eval_epoch` (default: the run's last epoch, so the
result pairs with that epoch's `test_accuracy` in metrics.jsonl). Prints one JSON line (also
appended to --out). Only for devices whose read is linear in the state (gpgm_linear analog, ideal).
On a chip the average is a second set of conductances (or the host's running mean), not the
trained array itself: report it beside the plain weights, not instead of them.
"""
from __future__ import annotations

import glob
from pathlib import Path

from absl import app, flags

import srbm_jax
from srbm_jax import experiment

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "The train_mnist run directory (its config.json).",
                    required=True)
flags.DEFINE_list("checkpoints", None, "Checkpoint files or glob patterns of the run.",
                  required=True)
flags.DEFINE_integer("window", 0, "Average only the checkpoints within the last this many "
                     "training images before the newest (60000 = the last epoch of full MNIST); "
                     "0 = all given.")
flags.DEFINE_integer("eval_epoch", 0, "Use the evaluation key of this (1-based) epoch; 0 = the "
                     "run's config.epochs.")
flags.DEFINE_integer("test_size", 0, "First N test images; 0 = the run's test_size.")
flags.DEFINE_string("out", "", "Optional file for the result line (JSON lines).")


def main(argv):
    del argv
    workdir = Path(FLAGS.workdir)
    config = experiment.load_run_config(workdir)
    paths = sorted({path for pattern in FLAGS.checkpoints for path in glob.glob(pattern)})
    if not paths:
        raise app.UsageError(f"--checkpoints {FLAGS.checkpoints} match no file")
    state, points = experiment.average_run_states(paths, config, FLAGS.window)
    if FLAGS.test_size:
        config.test_size = FLAGS.test_size
    spec, params = experiment.spec_and_params(config)
    _, _, test_x, test_y = experiment.load_data(config, verbose=False)
    eval_epoch = FLAGS.eval_epoch or config.epochs
    result = srbm_jax.evaluate(experiment.evaluation_key(config, eval_epoch), state, test_x,
                               test_y, params, spec,
                               batch_size=min(config.eval_batch_size, len(test_y)))
    record = {"run": str(workdir), "window": FLAGS.window, "averaged_points": [list(p) for p in points],
              "n_averaged": len(points), "eval_epoch": eval_epoch, "test_images": len(test_y),
              "test_accuracy": result["accuracy"],
              "accuracy_vs_time_ms": experiment.accuracy_every_10_ms(result, spec),
              **experiment.weight_statistics(state, params, spec)}
    experiment.emit_record(record, FLAGS.out)


if __name__ == "__main__":
    app.run(main)
