"""Train the same network with each synapse device (seeds vmapped) and tabulate what each costs.

  python -m experiments.compare_devices --workdir=/tmp/devices \\
      --config=experiments/configs/default.py --config.train_size=60000 --config.epochs=10

Rows are registered device names, or labels defined with --variant=LABEL:DEVICE:FIELDS, where
FIELDS are "field=value" overrides of the device's config section, e.g.

  --devices=ideal,gpgm_linear,pcm_fine --variant=pcm_fine:pcm_nonlinear:dw_min=2e-4,init_std=0.033

See `srbm_jax.compare` for what is measured. Each row trains in its own run directory
`workdir/rows/<label>/` (checkpoints and metrics; locked while it trains, so several processes
can share one workdir: a row that another process is training is skipped; a killed row resumes
bit for bit), and when finished is saved
as `workdir/rows/<label>.json` with its trained device states (all seeds) in
`workdir/rows/<label>.states.npz`; a rerun with the same config skips the rows already there
(another config in the same workdir is an error). After every row, `compare_devices.json`, the
markdown table `compare_devices.md` and the plot `compare_devices.png` are rewritten from all the
rows present, in --devices order, and the table is printed. `--replot` only redraws them.
"""
from __future__ import annotations

import json
from pathlib import Path

import ml_collections
from absl import flags
from ml_collections import config_flags

from experiments import cli
from srbm_jax import analysis
from srbm_jax.compare import compare_device, markdown, parse_variants, resolve_rows
from srbm_jax.files import atomic_write
from srbm_jax.run import config_dict, fingerprint, load_data, spec_and_params
from srbm_jax.run.objects import expected_pixels, upgrade_legacy_config
from srbm_jax.run.workdir import WorkdirBusy, check_workdir_path

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", "experiments/configs/default.py", "Base config.",
                                lock_config=True)
flags.DEFINE_string("workdir", None, "Output directory.", required=True)
flags.DEFINE_list("devices", ["ideal", "gpgm_linear", "pcm_nonlinear", "pcm_stochastic",
                              "bipolar_2t1r"],
                  "Rows to train: registered device names or --variant labels.")
flags.DEFINE_multi_string("variant", [], "LABEL:DEVICE:field=value,... a row of device DEVICE "
                          "with fields of its config section overridden.")
flags.DEFINE_integer("seeds", 2, "Networks per device, vmapped (seeds config.seed, +1, ...).")
flags.DEFINE_list("drift_seconds", ["1", "3600", "86400", "31536000"],
                  "Times after programming at which to evaluate (1 s, 1 h, 1 day, 1 year).")
flags.DEFINE_bool("replot", False, "Redraw compare_devices.json / .md / .png from the workdir's "
                  "rows, in --devices order (labels; then any other rows).")


def _write_atomic(path: Path, text: str) -> None:
    with atomic_write(path, "w") as handle:
        handle.write(text)


def base_fingerprint(config_data: dict) -> str:
    """The identity of a comparison's base config: every result-changing field except the device
    section (each row brings its own device). Configs from before the device section compare in
    today's form."""
    data = dict(upgrade_legacy_config(config_data))
    data.pop("device", None)
    return fingerprint(ml_collections.ConfigDict(data))


def _overrides(text: str) -> dict:
    result = {}
    for entry in (part for part in str(text).split(",") if part.strip()):
        name, _, value = entry.partition("=")
        result[name.strip()] = float(value)
    return result


def load_row(path: Path, identity: str, seeds: int, overrides: dict,
             drift_seconds: list[float]) -> dict | None:
    """The saved row at `path` if it exists; ValueError if it was made with another config,
    seed count, device overrides or drift times (or cannot be read)."""
    if not path.exists():
        return None
    try:
        saved = json.loads(path.read_text())
        found = (base_fingerprint(saved["config"]), saved["seeds"],
                 _overrides(saved["result"]["device_params"]), saved["drift_seconds"])
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: not a readable compare_devices row ({e}); delete it") from e
    if found != (identity, seeds, overrides, drift_seconds):
        raise ValueError(f"{path} was made with another config, seed count, device overrides or "
                         "drift times; use another --workdir or delete the row")
    return saved


def write_outputs(workdir: Path, order: list[str]) -> str:
    """compare_devices.json / .md / .png from the rows in workdir/rows (the labels in `order`
    first, then the others by name); returns the table. A workdir without rows (written
    before rows existed) has its .md / .png redrawn from its compare_devices.json."""
    rows = {path.stem: json.loads(path.read_text()) for path in (workdir / "rows").glob("*.json")}
    if not rows and (workdir / "compare_devices.json").exists():  # written before rows/ existed
        saved = json.loads((workdir / "compare_devices.json").read_text())
        table = markdown(saved["results"], ml_collections.ConfigDict(saved["config"]))
        _write_atomic(workdir / "compare_devices.md", table)
        analysis.plot_device_comparison(saved["results"], workdir / "compare_devices.png")
        return table
    if not rows:
        raise ValueError(f"{workdir / 'rows'}: no finished rows yet")
    labels = [label for label in order if label in rows] + sorted(set(rows) - set(order))
    identities = {base_fingerprint(rows[label]["config"]) for label in labels}
    if len(identities) > 1:
        raise ValueError(f"{workdir / 'rows'}: rows made with different configs")
    config = ml_collections.ConfigDict(rows[labels[0]]["config"])
    results = [rows[label]["result"] for label in labels]
    _write_atomic(workdir / "compare_devices.json", json.dumps(
        {"config": rows[labels[0]]["config"], "seeds": rows[labels[0]]["seeds"],
         "results": results}, indent=1))
    table = markdown(results, config)
    _write_atomic(workdir / "compare_devices.md", table)
    analysis.plot_device_comparison(results, workdir / "compare_devices.png")
    return table


def main(argv):
    del argv
    config = FLAGS.config
    workdir = check_workdir_path(FLAGS.workdir)
    if FLAGS.replot:  # --devices only orders the saved rows (variants need no definitions)
        print(write_outputs(workdir, FLAGS.devices))
        return
    rows = resolve_rows(FLAGS.devices, parse_variants(FLAGS.variant))
    spec_and_params(config)  # config errors before any data is loaded
    expected_pixels(config)
    identity = base_fingerprint(config_dict(config))
    drift_seconds = [float(value) for value in FLAGS.drift_seconds]
    (workdir / "rows").mkdir(parents=True, exist_ok=True)
    data = None
    for label, device, overrides in rows:
        path = workdir / "rows" / f"{label}.json"
        if load_row(path, identity, FLAGS.seeds, overrides, drift_seconds) is not None:
            print(f"{label}: already in {path}, skipped", flush=True)
            continue
        data = data if data is not None else load_data(config)
        try:
            result = compare_device(device, config, data, FLAGS.seeds, drift_seconds,
                                    workdir / "rows" / label, label=label, overrides=overrides,
                                    state_path=workdir / "rows" / f"{label}.states.npz")
        except WorkdirBusy as busy:  # another process trains this row: leave it to that one
            print(f"{label}: skipped, {busy}", flush=True)
            continue
        _write_atomic(path, json.dumps({"config": config_dict(config), "fingerprint": identity,
                                        "seeds": FLAGS.seeds, "drift_seconds": drift_seconds,
                                        "result": result}, indent=1))
        print(write_outputs(workdir, [label for label, _, _ in rows]), flush=True)


if __name__ == "__main__":
    cli.run(main)
