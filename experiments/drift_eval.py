"""Accuracy of a trained run's weights after PCM inference non-idealities (programming noise,
conductance drift to t, 1/f read noise; aihwkit's PCM formulas), without and with global drift
compensation.

  python -m experiments.drift_eval --workdir=<train_mnist run> \
      --drift_seconds=1,3600,86400,31536000 [--test_size=2000] [--out=<file.jsonl>]

Reads the run's `config.json` and `checkpoint.npz`, reads the trained weight G = Gp - Gm, and for
each time evaluates the noisy weight as a fixed weight (`srbm_jax.compare.drift_accuracies`,
the same stage as `experiments/compare_devices.py`) on the run's test slice (or its first
--test_size images) with the evaluation key of the run's last epoch. Prints one JSON line (also
appended to --out).
"""
from __future__ import annotations

from pathlib import Path

from absl import flags

from experiments import cli
from srbm_jax import compare, run
from srbm_jax.run.records import emit_record

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "A train_mnist run directory.", required=True)
flags.DEFINE_list("drift_seconds", ["1", "3600", "86400", "31536000"],
                  "Times after programming (s).")
flags.DEFINE_integer("test_size", 0, "First N test images; 0 = the run's test_size.")
flags.DEFINE_string("out", "", "Optional file for the result line (JSON lines).")


def main(argv):
    del argv
    workdir = Path(FLAGS.workdir)
    config = run.load_run_config(workdir)
    state, metadata = run.load_run_state(workdir, config)
    if FLAGS.test_size:
        config.test_size = FLAGS.test_size
    spec, params = run.spec_and_params(config)
    _, _, test_x, test_y, *_ = run.load_data(config, verbose=False)
    key = run.evaluation_key(config, config.epochs)
    weight = spec.device.read(state, params.device)
    accuracies = compare.drift_accuracies(key, weight, test_x, test_y, params, spec,
                                          [float(t) for t in FLAGS.drift_seconds],
                                          config.eval_batch_size)
    record = {"run": str(workdir), "checkpoint_epoch": metadata["epoch"],
              "next_image": metadata["next_image"], "test_images": len(test_y),
              "inference_ms": config.inference_ms, "accuracy": accuracies}
    emit_record(record, FLAGS.out)


if __name__ == "__main__":
    cli.run(main)
