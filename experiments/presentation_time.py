"""Accuracy against presentation time for a trained run's checkpoint, optionally with
inference-only settings.

  python -m experiments.presentation_time --workdir=<run dir> --inference_ms=1000 --images=5000
  python -m experiments.presentation_time --workdir=<run dir> --set=walk_up=0.03 --set=walk_down=0.03
  python -m experiments.presentation_time --workdir=<run dir> --split=test   # report only

Reads the newest checkpoint of a `train_mnist` run or an `experiments.study` (every network),
evaluates the first `images` images of the split (validation by default: the held-out last
training images, where a presentation time is chosen; `--split=test` reports, never chooses)
with the presentation lengthened to inference_ms, and prints one JSON line per network with the
accuracy had the presentation stopped after 25, 50, 100, ... ms and at its end (label-group
counts so far); for a study, then one line with their mean and sample sd.
"""
from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
from absl import flags

import srbm_jax
from experiments import cli
from srbm_jax import run
from srbm_jax.run import saved_runs

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "A train_mnist run or study directory (every network of "
                    "a study is evaluated, then their mean and sd).", required=True)
flags.DEFINE_float("inference_ms", 300.0, "Presentation time per test image.")
flags.DEFINE_enum("split", "validation", ["validation", "test"],
                  "Images to evaluate: validation (to choose) or test (to report).")
flags.DEFINE_integer("images", 2000, "First N images of the split.")
flags.DEFINE_integer("seed", 5, "Evaluation key.")
flags.DEFINE_multi_string("set", [], "field=value: a numeric Params field of the run's config "
                          "changed for inference only (e.g. walk_up=0.03, spike_rate_hz=250); "
                          "saved_runs.INFERENCE_FIELDS.")


def main(argv):
    del argv
    workdir = Path(FLAGS.workdir)
    overrides = saved_runs.parse_inference_overrides(FLAGS.set)
    # The states are read with the trained config (the overrides are inference-only numbers).
    networks, config, metadata = saved_runs.load_trained_networks(workdir, FLAGS.inference_ms)
    data = run.load_data(config, verbose=False)
    if FLAGS.split == "validation":
        if len(data.validation_y) == 0:
            raise ValueError(f"--split=validation: the run at {workdir} has no validation split "
                             "(config.validation_size = 0): allowed --split=test (report only)")
        images, labels = data.validation_x, data.validation_y
    else:
        images, labels = data.test_x, data.test_y
    if FLAGS.images < 1:
        raise ValueError(f"--images={FLAGS.images} is out of range: allowed an integer >= 1")
    images, labels = images[:FLAGS.images], labels[:FLAGS.images]
    end = int(FLAGS.inference_ms) if float(FLAGS.inference_ms).is_integer() else FLAGS.inference_ms
    times = [t for t in (25, 50, 100, 150, 200, 300, 500, 1000) if t < end] + [end]
    curves = []
    for label, spec, params, state in networks:
        params = saved_runs.with_inference_overrides(params, overrides)
        result = srbm_jax.evaluate(jax.random.key(FLAGS.seed), state, images, labels, params,
                                   spec, batch_size=min(250, len(labels)))
        accuracy = result["accuracy_vs_time"]
        curves.append([float(accuracy[spec.ticks(t) - 1]) for t in times])
        print(json.dumps({**({} if len(networks) == 1 else {"network": label}),
                          "checkpoint_epoch": metadata["epoch"],
                          "next_image": metadata["next_image"], "split": FLAGS.split,
                          "images": len(labels), "inference_overrides": overrides,
                          "accuracy_vs_time_ms": {t: round(a, 4)
                                                  for t, a in zip(times, curves[-1], strict=True)}}),
              flush=True)
    if len(networks) > 1:  # a study: the mean and sample sd over its networks
        curves = np.asarray(curves)
        print(json.dumps({"networks": len(networks), "split": FLAGS.split,
                          "images": len(labels),
                          "accuracy_vs_time_ms_mean": dict(zip(times, np.round(
                              curves.mean(0), 4).tolist(), strict=True)),
                          "accuracy_vs_time_ms_sd": dict(zip(times, np.round(
                              curves.std(0, ddof=1), 4).tolist(), strict=True))}))


if __name__ == "__main__":
    cli.run(main)
