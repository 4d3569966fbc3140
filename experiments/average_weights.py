"""Evaluate the average of a run's (or a study's) weights over several of its checkpoints.

  python -m experiments.average_weights --workdir=<run or study> --epochs=6-10      # validation
  python -m experiments.average_weights --workdir=<run or study> --epochs=6-10 --split=test
  python -m experiments.average_weights --workdir=<run> \\
      --checkpoints='<run>/checkpoints/ckpt-*.npz' --window=60000 --split=test

Polyak-Ruppert averaging (`srbm_jax.run.average_run_states`): the mean of the device states
saved during training (the run's checkpoint history keeps one per epoch,
`config.keep_epoch_checkpoints`; `config.tail_average_epochs` / `ema_half_life_images` average
inside the run instead), per network for a study. The average is evaluated on a split
(validation, the default, where a window is chosen; test to report the chosen one, once) with
the driver's evaluation key of epoch `--eval_epoch` (default: the newest averaged epoch), so the
result pairs with that epoch's plain `<split>_accuracy` in metrics.jsonl. Prints one JSON line
per network (also appended to --out) and, for several networks, one line with their mean and
sample sd. Only for devices whose read is linear in the state (gpgm_linear analog, ideal).
On a chip the average is a second set of conductances (or the host's running mean), not the
trained array itself: report it beside the plain weights, not instead of them.
"""
from __future__ import annotations

import glob
import math
from pathlib import Path

import numpy as np
from absl import app, flags

from experiments import cli
from srbm_jax import checkpoint, run
from srbm_jax.run import networks as nets
from srbm_jax.run.records import Progress, accuracy_every_10_ms, emit_record

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "The train_mnist run or study directory (its "
                    "checkpoints/).", required=True)
flags.DEFINE_list("checkpoints", None, "Checkpoint files or glob patterns of the run "
                  "(default: all of its checkpoints/ckpt-*.npz).")
flags.DEFINE_string("epochs", "", "FIRST-LAST (1-based, inclusive): average only the states "
                    "saved at the ends of these epochs, e.g. 6-10; empty = every checkpoint.")
flags.DEFINE_integer("window", 0, "Average only the checkpoints within the last this many "
                     "training images before the newest (60000 = the last epoch of full MNIST); "
                     "0 = all given.")
flags.DEFINE_enum("split", "validation", ["validation", "test"],
                  "Images to evaluate: validation (to choose a window) or test (to report).")
flags.DEFINE_integer("images", 0, "First N images of the split; 0 = all of it.")
flags.DEFINE_float("inference_ms", 0.0, "Presentation time per image; 0 = the run's.")
flags.DEFINE_integer("eval_epoch", 0, "Use the evaluation key of this (1-based) epoch; 0 = the "
                     "newest averaged epoch.")
flags.DEFINE_string("out", "", "Optional file for the result lines (JSON lines).")


def parse_epochs(text: str) -> tuple[int, int] | None:
    """"6-10" -> (6, 10), "10" -> (10, 10), "" -> None; ValueError naming the flag otherwise."""
    if not text:
        return None
    first, _, last = text.partition("-")
    try:
        epochs = (int(first), int(last or first))
    except ValueError:
        raise ValueError(f"--epochs={text}: allowed FIRST-LAST, two integers, e.g. 6-10") from None
    if not 1 <= epochs[0] <= epochs[1]:
        raise ValueError(f"--epochs={text}: allowed 1 <= FIRST <= LAST")
    return epochs


def main(argv):
    del argv
    workdir = Path(FLAGS.workdir)
    epochs = parse_epochs(FLAGS.epochs)
    patterns = FLAGS.checkpoints or [str(workdir / "checkpoints" / "ckpt-*.npz")]
    paths = sorted({path for pattern in patterns for path in glob.glob(pattern)})
    if not paths:
        raise app.UsageError(f"--checkpoints {FLAGS.checkpoints} match no file")
    is_study = "study" in checkpoint.read_metadata(paths[0])
    run_config = None if is_study else run.load_run_config(workdir)
    networks, state, config, points = run.average_run_states(paths, run_config, FLAGS.window,
                                                             epochs)
    if FLAGS.inference_ms:
        networks.spec = networks.spec.replace(inference_ms=float(FLAGS.inference_ms))
    data = run.load_data(config, verbose=False)
    if FLAGS.split == "validation":
        if len(data.validation_y) == 0:
            raise app.UsageError(f"--split=validation: the run at {workdir} has no validation "
                                 "split (config.validation_size = 0): allowed --split=test "
                                 "(report only)")
        images, labels = data.validation_x, data.validation_y
    else:
        images, labels = data.test_x, data.test_y
    if FLAGS.images < 0:
        raise app.UsageError(f"--images={FLAGS.images} is out of range: allowed >= 0 (0 = all)")
    if FLAGS.images:
        images, labels = images[:FLAGS.images], labels[:FLAGS.images]
    newest = max(epoch + math.ceil(image / config.train_size) for epoch, image in points)
    eval_epoch = FLAGS.eval_epoch or newest
    results = nets.evaluate(networks, state, images, labels, epoch=eval_epoch - 1,
                            batch_size=min(config.eval_batch_size, len(labels)),
                            split=FLAGS.split,
                            progress=Progress(f"average of {len(points)} states, {FLAGS.split}",
                                              len(labels)))
    spec = networks.spec
    hundred = spec.ticks(100.0) - 1 if spec.inference_ms >= 100 else None
    common = {"run": str(workdir), "epochs": FLAGS.epochs, "window": FLAGS.window,
              "averaged_points": [list(p) for p in points], "n_averaged": len(points),
              "eval_epoch": eval_epoch, "split": FLAGS.split, "images": len(labels),
              "inference_ms": spec.inference_ms}
    accuracies = []
    for index, result in enumerate(results):
        accuracies.append(result["accuracy"])
        record = {**common, **networks.labels[index],
                  f"{FLAGS.split}_accuracy": result["accuracy"],
                  f"{FLAGS.split}_accuracy_100ms": (float(result["accuracy_vs_time"][hundred])
                                                    if hundred is not None else None),
                  "accuracy_vs_time_ms": accuracy_every_10_ms(result["accuracy_vs_time"], spec),
                  **spec.device.weight_statistics(networks.state_of(state, index),
                                                  networks.params_of(index).device)}
        emit_record(record, FLAGS.out)
    if len(results) > 1:
        emit_record({**common, "networks": len(results),
                     f"{FLAGS.split}_accuracy_mean": float(np.mean(accuracies)),
                     f"{FLAGS.split}_accuracy_sd": float(np.std(accuracies, ddof=1))}, FLAGS.out)


if __name__ == "__main__":
    cli.run(main)
