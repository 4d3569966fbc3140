"""Evaluate the tail average of a run's weights over several of its checkpoints.

  python -m experiments.average_weights --workdir=<train_mnist run> \
      [--checkpoints='<run>/checkpoints/ckpt-*.npz'] [--window=60000] [--eval_epoch=10]

Polyak-Ruppert averaging (`srbm_jax.run.average_run_states`): the mean of the device states
saved during training (the run's checkpoint history keeps one per epoch,
`config.keep_epoch_checkpoints`; `config.tail_average_epochs` / `ema_half_life_images` average
inside the run instead), evaluated on the run's test slice with the run's
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
from experiments import cli
from srbm_jax import run
from srbm_jax.run.records import accuracy_every_10_ms, emit_record

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "The train_mnist run directory (its config.json).",
                    required=True)
flags.DEFINE_list("checkpoints", None, "Checkpoint files or glob patterns of the run "
                  "(default: all of its checkpoints/ckpt-*.npz).")
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
    config = run.load_run_config(workdir)
    patterns = FLAGS.checkpoints or [str(workdir / "checkpoints" / "ckpt-*.npz")]
    paths = sorted({path for pattern in patterns for path in glob.glob(pattern)})
    if not paths:
        raise app.UsageError(f"--checkpoints {FLAGS.checkpoints} match no file")
    state, points = run.average_run_states(paths, config, FLAGS.window)
    if FLAGS.test_size:
        config.test_size = FLAGS.test_size
    spec, params = run.spec_and_params(config)
    _, _, test_x, test_y, *_ = run.load_data(config, verbose=False)
    eval_epoch = FLAGS.eval_epoch or config.epochs
    result = srbm_jax.evaluate(run.evaluation_key(config, eval_epoch), state, test_x,
                               test_y, params, spec,
                               batch_size=min(config.eval_batch_size, len(test_y)))
    record = {"run": str(workdir), "window": FLAGS.window, "averaged_points": [list(p) for p in points],
              "n_averaged": len(points), "eval_epoch": eval_epoch, "test_images": len(test_y),
              "test_accuracy": result["accuracy"],
              "accuracy_vs_time_ms": accuracy_every_10_ms(result["accuracy_vs_time"], spec),
              **spec.device.weight_statistics(state, params.device)}
    emit_record(record, FLAGS.out)


if __name__ == "__main__":
    cli.run(main)
