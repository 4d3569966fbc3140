"""Train the sRBM on MNIST and evaluate it: a thin absl entry point over
`srbm_jax.run.train_and_evaluate`.

    python -m experiments.train_mnist --config=experiments/configs/default.py --workdir=/tmp/run \
        [--config.train_size=1000 --config.epochs=2 --config.device.set_step=0.005 ...] [--resume]

Writes config.json, metrics.jsonl, checkpoints/ and PNG plots into --workdir and prints the final
test accuracy. --resume continues a killed or finished run from its newest checkpoint. The
device is chosen by the config argument (`--config=experiments/configs/default.py:pcm_nonlinear`).
"""
from absl import app, flags
from ml_collections import config_flags

from experiments import cli
from srbm_jax.run import train_and_evaluate

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Directory for metrics, checkpoints and plots.")
flags.DEFINE_bool("resume", False, "Continue from the newest checkpoint in --workdir.")
config_flags.DEFINE_config_file("config", "experiments/configs/default.py",
                                "Experiment config file[:device]; override fields with "
                                "--config.<field>=... and --config.device.<field>=...",
                                lock_config=True)
flags.mark_flags_as_required(["workdir"])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Too many command-line arguments: {argv[1:]}")
    train_and_evaluate(FLAGS.config, FLAGS.workdir, resume=FLAGS.resume)


if __name__ == "__main__":
    cli.run(main)
