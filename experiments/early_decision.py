"""Early-decision inference of trained networks against fixed-time inference.

  python -m experiments.early_decision --workdir=<run or study dir> --margins=2,4,6,8 --min_ms=10
  python -m experiments.early_decision --workdir=<run> --split=test --margins=6   # report only

Reads a train_mnist run (one network) or a study (every network of its newest checkpoint),
evaluates the first `images` images of the split (validation by default, where a rule is
chosen) with the fixed presentation of --inference_ms (default: the run's config) and with each
early-decision rule (`srbm_jax.decision`: stop when the leading label group leads by `margin`
spikes after `min_ms`), and prints one JSON line per network and rule (accuracy, mean decision
time, the fraction of ticks the batches computed, images/s), then a table of mean +- sd over
the networks. --out writes the lines to a file as well.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import jax
import numpy as np
from absl import flags

import srbm_jax
from experiments import cli
from srbm_jax import run
from srbm_jax.decision import EarlyDecision, evaluate_early
from srbm_jax.files import atomic_write
from srbm_jax.run import saved_runs

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "A train_mnist run or a study directory.", required=True)
flags.DEFINE_enum("split", "validation", ["validation", "test"],
                  "Images to evaluate: validation (to choose) or test (to report).")
flags.DEFINE_integer("images", 1000, "First N images of the split.")
flags.DEFINE_list("margins", ["2", "4", "6", "8"], "Early-decision margins (spikes).")
flags.DEFINE_float("min_ms", 10.0, "Shortest presentation of an early decision (ms).")
flags.DEFINE_float("inference_ms", None, "Presentation time (the fixed one, and the longest "
                   "early one); default: the run's config.inference_ms.")
flags.DEFINE_integer("batch_size", 50, "Images run side by side.")
flags.DEFINE_integer("batch_drive_chunk", None, "Spec.batch_drive_chunk of the images side by "
                     "side (speed only; 16: the sparse drive, ~1.5x faster early decisions on the "
                     "2-core CPU, RESULTS 14); default: the run's config.")
flags.DEFINE_integer("seed", 5, "Evaluation key.")
flags.DEFINE_string("out", "", "Also write the JSON lines to this file.")
flags.DEFINE_multi_string("set", [], "field=value: a numeric neuron or input field changed for "
                          "inference only (e.g. walk_up=0.03); saved_runs.INFERENCE_FIELDS.")
flags.DEFINE_bool("fixed", True, "Also evaluate the fixed presentation (off: the early rules "
                  "only, e.g. on test when the run's metrics already hold the fixed figure).")
flags.DEFINE_integer("timing_repeats", 2, "Evaluations per rule; images/s is that of the fastest "
                     "(the first includes compilation; 1 = one evaluation, compilation included).")


def timed(function, *args, **kwargs):
    """(function(*args, **kwargs), the shortest wall time of --timing_repeats calls)."""
    walls = []
    for _ in range(max(1, FLAGS.timing_repeats)):
        t0 = time.perf_counter()
        result = function(*args, **kwargs)
        walls.append(time.perf_counter() - t0)
    return result, min(walls)


def main(argv):
    del argv
    workdir = Path(FLAGS.workdir)
    margins = [float(m) for m in FLAGS.margins]
    overrides = saved_runs.parse_inference_overrides(FLAGS.set)
    networks, config, metadata = saved_runs.load_trained_networks(workdir, FLAGS.inference_ms)
    data = run.load_data(config, verbose=False)
    images, labels = ((data.validation_x, data.validation_y) if FLAGS.split == "validation"
                      else (data.test_x, data.test_y))
    if len(labels) == 0:
        raise ValueError(f"--split={FLAGS.split}: the run has no such images")
    if FLAGS.images < 1:
        raise ValueError(f"--images={FLAGS.images} is out of range: allowed an integer >= 1")
    images, labels = images[:FLAGS.images], labels[:FLAGS.images]
    key = jax.random.key(FLAGS.seed)
    lines = []
    for label, spec, params, state in networks:
        params = saved_runs.with_inference_overrides(params, overrides)
        if FLAGS.batch_drive_chunk is not None:
            spec = spec.replace(batch_drive_chunk=FLAGS.batch_drive_chunk)
        common = {**label, "epoch": metadata["epoch"], "split": FLAGS.split,
                  "images": len(labels), "inference_ms": spec.inference_ms,
                  "batch_drive_chunk": spec.batch_drive_chunk,
                  **({"inference_overrides": overrides} if overrides else {})}
        first = len(lines)
        if FLAGS.fixed:
            fixed, wall = timed(srbm_jax.evaluate, key, state, images, labels, params, spec,
                                batch_size=FLAGS.batch_size)
            lines.append({**common, "rule": "fixed", "accuracy": fixed["accuracy"],
                          "mean_decision_ms": spec.inference_ms, "ticks_run_fraction": 1.0,
                          "images_per_s": len(labels) / wall})
        if FLAGS.fixed and spec.inference_ms > 100.0:  # the same spikes, stopped at 100 ms
            short = spec.ticks(100.0)
            lines.append({**common, "rule": "fixed 100 ms",
                          "accuracy": float(fixed["accuracy_vs_time"][short - 1]),
                          "mean_decision_ms": 100.0, "ticks_run_fraction": short / spec.ticks(
                              spec.inference_ms), "images_per_s": None})
        for margin in margins:
            rule = EarlyDecision(margin=margin, min_ms=FLAGS.min_ms)
            early, wall = timed(evaluate_early, key, state, images, labels, params, spec, rule,
                                batch_size=FLAGS.batch_size)
            lines.append({**common, "rule": f"margin={margin:g},min_ms={FLAGS.min_ms:g}",
                          "accuracy": early["accuracy"],
                          "mean_decision_ms": early["mean_decision_ms"],
                          "ticks_run_fraction": early["ticks_run_fraction"],
                          "decided_fraction": early["decided_fraction"],
                          "images_per_s": len(labels) / wall})
        for line in lines[first:]:
            print(json.dumps(line), flush=True)
    if FLAGS.out:
        with atomic_write(FLAGS.out, "w") as handle:
            handle.write("".join(json.dumps(line) + "\n" for line in lines))
    print(f"\n{FLAGS.split}, {len(labels)} images, {len(networks)} networks (mean +- sd):")
    print("| rule | accuracy (%) | mean decision (ms) | ticks computed | images/s |")
    print("|---|---|---|---|---|")
    for name in dict.fromkeys(line["rule"] for line in lines):
        rows = [line for line in lines if line["rule"] == name]

        def stat(field, scale=1.0, rows=rows):
            if any(r[field] is None for r in rows):
                return "-"
            values = scale * np.asarray([r[field] for r in rows], np.float64)
            sd = values.std(ddof=1) if len(values) > 1 else 0.0
            return f"{values.mean():.2f} +- {sd:.2f}"
        print(f"| {name} | {stat('accuracy', 100)} | {stat('mean_decision_ms')} | "
              f"{stat('ticks_run_fraction')} | {stat('images_per_s')} |")


if __name__ == "__main__":
    cli.run(main)
