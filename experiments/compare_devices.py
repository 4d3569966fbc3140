"""Train the same network with each synapse device (seeds vmapped) and tabulate what each costs.

  python -m experiments.compare_devices --workdir=/tmp/devices \
      --config=experiments/configs/default.py --config.train_size=60000 --config.epochs=10

See `srbm_jax.compare` for what is measured. Writes `workdir/compare_devices.json`, a markdown
table `workdir/compare_devices.md` and a plot `workdir/compare_devices.png`, and prints the table.
`--replot` only redraws the table and plot from an existing `compare_devices.json`.
"""
from __future__ import annotations

import json
from pathlib import Path

import ml_collections
from absl import app, flags
from ml_collections import config_flags

from srbm_jax import analysis, experiment
from srbm_jax.compare import compare_device, markdown

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/default.py", "Base config.")
flags.DEFINE_string("workdir", None, "Output directory.", required=True)
flags.DEFINE_list("devices", ["ideal", "gpgm_linear", "pcm_nonlinear", "pcm_stochastic",
                              "bipolar_2t1r"], "Registered device names to compare.")
flags.DEFINE_integer("seeds", 2, "Networks per device, vmapped (seeds config.seed, +1, ...).")
flags.DEFINE_list("drift_seconds", ["1", "3600", "86400", "31536000"],
                  "Times after programming at which to evaluate (1 s, 1 h, 1 day, 1 year).")
flags.DEFINE_bool("replot", False, "Redraw compare_devices.md / .png from the workdir's JSON.")


def write_outputs(workdir: Path, results: list[dict], config) -> str:
    """The markdown table and the plot of `results`; returns the table."""
    table = markdown(results, config)
    (workdir / "compare_devices.md").write_text(table)
    analysis.plot_device_comparison(results, workdir / "compare_devices.png")
    return table


def main(argv):
    del argv
    config = FLAGS.config
    workdir = Path(FLAGS.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if FLAGS.replot:
        saved = json.loads((workdir / "compare_devices.json").read_text())
        print(write_outputs(workdir, saved["results"], ml_collections.ConfigDict(saved["config"])))
        return
    data = experiment.load_data(config)
    drift_seconds = [float(value) for value in FLAGS.drift_seconds]
    results = [compare_device(name, config, data, FLAGS.seeds, drift_seconds)
               for name in FLAGS.devices]
    (workdir / "compare_devices.json").write_text(json.dumps(
        {"config": experiment.config_dict(config), "seeds": FLAGS.seeds, "results": results},
        indent=1))
    print(write_outputs(workdir, results, config))


if __name__ == "__main__":
    app.run(main)
