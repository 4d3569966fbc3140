"""Continue a finished run's weights with changed numeric settings (e.g. a smaller step), as a
run of its own (checkpoints, metrics, resume).

  python -m experiments.continue_run --source=<train_mnist run> --workdir=<new dir> \
      --epochs=1 --set=device.set_step=0.00125 --set=device.reset_step=0.00125

See `srbm_jax.run.continue_run`: reads the source run's config.json and newest checkpoint (at an
epoch boundary), trains --epochs more epochs with the changed fields in --workdir, evaluates
after each and prints one JSON line per epoch (also appended to --out). The source is only read.
"""
from __future__ import annotations

from absl import flags

from experiments import cli
from srbm_jax.run import continue_run, load_run_config
from srbm_jax.run.saved_runs import CONTINUE_FIELDS, parse_changes

FLAGS = flags.FLAGS
flags.DEFINE_string("source", None, "A finished train_mnist run directory.", required=True)
flags.DEFINE_string("workdir", None, "The continuation's own directory.", required=True)
flags.DEFINE_integer("epochs", 1, "Further epochs to train.")
flags.DEFINE_multi_string("set", [], "field=value: a field changed for the continuation, one of "
                          f"{sorted(CONTINUE_FIELDS)} or device.<numeric field>.")
flags.DEFINE_string("out", "", "Optional file for the metrics lines (JSON lines).")
flags.DEFINE_bool("resume", False, "Continue a killed continuation in --workdir.")


def main(argv):
    del argv
    changes = parse_changes(FLAGS.set, load_run_config(FLAGS.source))
    continue_run(FLAGS.source, FLAGS.epochs, changes, FLAGS.workdir, resume=FLAGS.resume,
                 out=FLAGS.out)


if __name__ == "__main__":
    cli.run(main)
