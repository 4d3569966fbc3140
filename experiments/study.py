"""A hyperparameter study in one command: every combination of the swept values x every seed,
trained side by side on the run driver (`srbm_jax.study`), evaluated every eval_every epochs,
checkpointed (--resume continues a killed study bit for bit).

  python -m experiments.study --config=experiments/configs/best.py --workdir=/tmp/rates \
      --sweep=spike_rate_hz=190,200,210,220 --seeds=1,2,3 --config.train_size=20000 \
    --config.epochs=1

  (the source slides' spike-rate study; also e.g. --sweep=input_threshold=0.1,0.3,0.5 or
  --sweep=device.set_step=0.0025,0.005,0.01 --sweep=device.reset_step=... for a grid)

Writes `workdir/metrics.jsonl` (the driver's records, one per network per epoch),
`workdir/study.jsonl`, a markdown table `workdir/study.md` (mean and sd over seeds per epoch) and
`workdir/study.png`, and prints the table. Sizes and choices (n_label, n_hidden, batch_size,
device) are one study per value.
"""
from __future__ import annotations

from absl import flags
from ml_collections import config_flags

from experiments import cli
from srbm_jax import study
from srbm_jax.run import load_data
from srbm_jax.run.objects import expected_pixels
from srbm_jax.run.workdir import check_workdir_path

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/default.py", "Base config[:device].",
                                lock_config=True)
flags.DEFINE_string("workdir", None, "Output directory.", required=True)
flags.DEFINE_multi_string("sweep", [], "field=v1,v2,... (repeat for a grid; none: seeds only; device fields as "
                          "device.<field>).")
flags.DEFINE_list("seeds", None, "Seeds per combination (default: config.seed).")
flags.DEFINE_bool("resume", False, "Continue a killed study from its newest checkpoint.")


def main(argv):
    del argv
    config = FLAGS.config
    axes = study.parse_sweep(FLAGS.sweep)
    seeds = [int(s) for s in FLAGS.seeds] if FLAGS.seeds else [config.seed]
    workdir = check_workdir_path(FLAGS.workdir)
    study.check_study(config, axes, seeds)  # every combination checked before data or training
    expected_pixels(config)
    data = load_data(config)
    records = study.run_study(config, axes, seeds, data, workdir, resume=FLAGS.resume,
                              progress=True)
    study.write_outputs(workdir, records, config, axes, seeds)


if __name__ == "__main__":
    cli.run(main)
