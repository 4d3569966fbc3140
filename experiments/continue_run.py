"""Continue a finished run's weights with changed numeric settings (e.g. a smaller step).

  python -m experiments.continue_run --workdir=<train_mnist run> --epochs=1 \
      --set=set_step=0.00125 --set=reset_step=0.00125

See `srbm_jax.experiment.continue_run`: reads the run's `config.json` and checkpoint (at an epoch
boundary), trains `--epochs` more epochs with the changed fields, evaluates on the run's test
slice after each and prints one JSON line per epoch (also appended to `--out`). Nothing is
written into the source run.
"""
from __future__ import annotations

from absl import app, flags

from srbm_jax import experiment

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "A finished train_mnist run directory.", required=True)
flags.DEFINE_integer("epochs", 1, "Further epochs to train.")
flags.DEFINE_multi_string("set", [], "field=value: a numeric config field changed for the "
                          f"continuation, one of {sorted(experiment.CONTINUE_FIELDS)}.")
flags.DEFINE_string("out", "", "Optional file for the metrics lines (JSON lines).")


def main(argv):
    del argv
    experiment.continue_run(FLAGS.workdir, FLAGS.epochs, experiment.continue_overrides(FLAGS.set),
                            FLAGS.out)


if __name__ == "__main__":
    app.run(main)
