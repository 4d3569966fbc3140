"""A hyperparameter study in one command: every combination of the swept values x every seed,
trained side by side (`srbm_jax.study`, `srbm_jax.sweep`), evaluated after every epoch.

  python -m experiments.study --config=experiments/configs/best.py --workdir=/tmp/rates \
      --sweep=spike_rate_hz=190,200,210,220 --seeds=1,2,3 --config.train_size=20000 \
    --config.epochs=1

  (the seed's spike-rate study; also e.g. --sweep=input_threshold=0.1,0.3,0.5 or
  --sweep=set_step=0.0025,0.005,0.01 --sweep=reset_step=... for a grid)

Writes `workdir/study.jsonl` (one record per network per epoch), a markdown table
`workdir/study.md` (mean and sd over seeds per epoch) and `workdir/study.png`, and prints the
table. Sizes and choices (n_label, n_hidden, batch_size, device) are one study per value.
"""
from __future__ import annotations

import json
from pathlib import Path

from absl import app, flags
from ml_collections import config_flags

from srbm_jax import analysis, experiment, study

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/default.py", "Base config.")
flags.DEFINE_string("workdir", None, "Output directory.", required=True)
flags.DEFINE_multi_string("sweep", [], "field=v1,v2,... (repeat for a grid).")
flags.DEFINE_list("seeds", None, "Seeds per combination (default: config.seed).")


def main(argv):
    del argv
    config = FLAGS.config
    axes = study.parse_sweep(FLAGS.sweep)
    seeds = [int(s) for s in FLAGS.seeds] if FLAGS.seeds else [config.seed]
    workdir = Path(FLAGS.workdir)
    study.study_params(config, axes, seeds)  # every combination checked before data or training
    workdir.mkdir(parents=True, exist_ok=True)
    records = study.run_study(config, axes, seeds, experiment.load_data(config), progress=True)
    with open(workdir / "study.jsonl", "w") as f:
        for record in records:
            f.write(json.dumps(record) + "\n")
    (workdir / "config.json").write_text(json.dumps(
        {"config": experiment.config_dict(config), "sweep": axes, "seeds": seeds}, indent=1))
    table = study.markdown(records, list(axes))
    (workdir / "study.md").write_text(table)
    analysis.plot_study(records, list(axes), workdir / "study.png")
    print(table)


if __name__ == "__main__":
    app.run(main)
