"""Continue a finished run's weights with changed numeric settings (e.g. a smaller step).

  python -m experiments.continue_run --workdir=<train_mnist run> --epochs=1 \
      --set=set_step=0.00125 --set=reset_step=0.00125

`--resume` of train_mnist refuses a changed config (it must give the same numbers as an
uninterrupted run); this is the explicit alternative. It reads `config.json` and the checkpoint
of a run that ended at an epoch boundary, trains `--epochs` more epochs from those device states
with the changed Params fields (the run's own epochs continue: epoch e of the continuation uses the
image keys of epoch (run epochs + e), as an uninterrupted longer run would), evaluates on the
run's test slice after each epoch and prints one JSON line per epoch. Nothing is written into the
source run; `--out` (optional) receives the metrics lines.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import jax
import ml_collections
import numpy as np
from absl import app, flags

import srbm_jax
from srbm_jax import checkpoint, experiment
from srbm_jax.train import ImageStats

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "A finished train_mnist run directory.", required=True)
flags.DEFINE_integer("epochs", 1, "Further epochs to train.")
flags.DEFINE_multi_string("set", [], "field=value: a numeric config field changed for the "
                          "continuation (set_step, reset_step, walk_up, walk_down, input_threshold, "
                          "spike_rate_hz, inference_ms, batch_size).")
flags.DEFINE_string("out", "", "Optional file for the metrics lines (JSON lines).")
CHANGEABLE = {"set_step": float, "reset_step": float, "walk_up": float, "walk_down": float,
              "input_threshold": float, "spike_rate_hz": float, "inference_ms": float,
              "batch_size": int}


def overrides(settings: list[str]) -> dict:
    """Parse --set field=value pairs of CHANGEABLE fields (shapes and device stay the run's)."""
    result = {}
    for setting in settings:
        field, _, value = setting.partition("=")
        if field not in CHANGEABLE:
            raise ValueError(f"--set {setting!r}: field must be one of {sorted(CHANGEABLE)}")
        try:
            result[field] = CHANGEABLE[field](value)
        except ValueError:
            raise ValueError(f"--set {setting!r}: value must be a {CHANGEABLE[field].__name__}") from None
    return result


def continue_run(workdir, epochs: int, changes: dict, out: str = "") -> list[dict]:
    """Train `epochs` more epochs of a finished run with `changes`; one record per epoch."""
    workdir = Path(workdir)
    config = ml_collections.ConfigDict(json.loads((workdir / "config.json").read_text()))
    trained_spec, trained_params = experiment.spec_and_params(config)
    path = workdir / experiment.CHECKPOINT_NAME
    metadata = checkpoint.read_metadata(path)
    if int(metadata["next_image"]) != 0:
        raise ValueError(f"{path} is mid-epoch (image {metadata['next_image']}); finish the run "
                         "with train_mnist --resume first")
    like = {"device": srbm_jax.init_device(jax.random.key(0), trained_params, trained_spec),
            "stats": {name: np.zeros((0,), np.float32) for name in ImageStats._fields}}
    tree, metadata = checkpoint.load(path, like)
    state = jax.tree_util.tree_map(jax.numpy.asarray, tree["device"])
    config.update(changes)
    spec, params = experiment.spec_and_params(config)
    train_x, train_y, test_x, test_y = experiment.load_data(config, verbose=False)
    _, train_root, eval_root = jax.random.split(jax.random.key(config.seed), 3)
    done, records = int(metadata["epoch"]), []
    for epoch in range(done, done + epochs):
        start = time.perf_counter()
        state, _ = srbm_jax.train_epoch(train_root, state, train_x, train_y, params, spec,
                                        epoch=epoch, chunk_size=config.chunk_size,
                                        batch_size=config.batch_size)
        jax.block_until_ready(state)
        wall = time.perf_counter() - start
        result = srbm_jax.evaluate(jax.random.fold_in(eval_root, epoch), state, test_x, test_y,
                                   params, spec, batch_size=min(config.eval_batch_size, len(test_y)))
        stride = max(1, spec.ticks(10.0))
        record = {
            "source_run": str(workdir), "source_epochs": done, "epoch": epoch + 1,
            "changes": changes, "train_images": len(train_y), "wall_s": round(wall, 1),
            "test_images": len(test_y), "test_accuracy": result["accuracy"],
            "accuracy_vs_time_ms": {f"{(t + 1) * spec.dt_ms:g}": float(result["accuracy_vs_time"][t])
                                    for t in range(stride - 1, len(result["accuracy_vs_time"]),
                                                   stride)}}
        records.append(record)
        print(json.dumps(record), flush=True)
        if out:
            with open(out, "a") as handle:
                handle.write(json.dumps(record) + "\n")
    return records


def main(argv):
    del argv
    continue_run(FLAGS.workdir, FLAGS.epochs, overrides(FLAGS.set), FLAGS.out)


if __name__ == "__main__":
    app.run(main)
