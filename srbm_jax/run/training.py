"""Train and evaluate one network on MNIST from an experiment config (the train_mnist job).

    summary = train_and_evaluate(config, workdir, resume=False)

A run writes into `workdir`: config.json (the config), metrics.jsonl (one record per epoch,
`driver.run_networks`), checkpoints/ckpt-<epoch>-<image>.npz (the history,
`srbm_jax.run.checkpoints`), and the plots accuracy.png, receptive_fields.png, confusion.png,
raster.png (`srbm_jax.analysis`). Keys: root = jax.random.key(config.seed) split into (init,
train, evaluate) (`sweep.network_keys`).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import jax
import numpy as np

from srbm_jax import analysis, sweep
from srbm_jax.data import mnist
from srbm_jax.files import atomic_write
from srbm_jax.run import networks as nets
from srbm_jax.run.driver import plan_from_config, run_networks
from srbm_jax.run.objects import (
    config_dict,
    config_differences,
    device_summary,
    expected_pixels,
    fingerprint,
    is_legacy_config,
    legacy_fingerprint,
    require,
    spec_and_params,
    upgrade_legacy_config,
)
from srbm_jax.run.records import summary_line
from srbm_jax.run.workdir import check_workdir_path
from srbm_jax.train import image_key

PLOTS = ("accuracy.png", "receptive_fields.png", "confusion.png", "raster.png")


class RunData(NamedTuple):
    """The images of a run: training (the first train_size of MNIST's training split),
    test (the first test_size of its test split) and validation (the LAST validation_size of
    the training split, never trained on; empty arrays when validation_size = 0)."""

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    validation_x: np.ndarray
    validation_y: np.ndarray


def split_training_set(images, labels, train_size: int, validation_size: int):
    """(train images, train labels, validation images, validation labels): the first
    train_size and the last validation_size of a training set; ValueError naming the fields if
    they overlap. The validation images sit at indices N - validation_size .. N - 1, the
    training images at 0 .. train_size - 1, so no validation image is ever trained on."""
    total = len(labels)
    require(train_size + validation_size <= total, "train_size",
            f"<= {total - validation_size} (the training split's {total} images minus "
            f"validation_size = {validation_size}, which are held out)", train_size)
    start = total - validation_size
    return images[:train_size], labels[:train_size], images[start:], labels[start:]


def load_data(config, verbose: bool = True) -> RunData:
    """The run's images from config.data_source (`RunData`): train_size, validation_size and
    test_size images; ValueError naming the field if there are too few."""
    splits = mnist.load_mnist(config.data_source, data_dir=config.data_dir or None,
                              verbose=verbose)
    require(config.test_size <= len(splits.test_labels), "test_size",
            f"<= {len(splits.test_labels)} (images available)", config.test_size)
    train_x, train_y, validation_x, validation_y = split_training_set(
        splits.train_images, splits.train_labels, config.train_size,
        config.get("validation_size", 0))
    m = config.test_size
    return RunData(train_x, train_y, splits.test_images[:m], splits.test_labels[:m],
                   validation_x, validation_y)


def checkpoint_check(config) -> Callable[[dict, Path], None]:
    """check(metadata, path) for `CheckpointHistory.restore`: ValueError unless the checkpoint
    was written by a run of this config (fields other than the run fields equal; checkpoints of
    configs from before the device section are compared in today's form and checked against
    the fingerprint of their own version)."""
    current = config_dict(config)
    expected = fingerprint(config)

    def check(metadata: dict, path: Path) -> None:
        saved = metadata.get("config", {})
        differences = config_differences(upgrade_legacy_config(saved), current)
        if differences:
            raise ValueError(f"cannot resume from {path}: the config differs from the "
                             f"checkpoint's in {', '.join(differences)}")
        own = legacy_fingerprint(saved) if is_legacy_config(saved) else expected
        if metadata.get("fingerprint") != own:
            raise ValueError(f"cannot resume from {path}: config fingerprint mismatch")

    return check


def train_and_evaluate(config, workdir, resume: bool = False, verbose: bool = True,
                       log: Callable[[str], None] | None = None) -> dict:
    """Train one network for config.epochs epochs, evaluating every `eval_every`; returns
    dict(final_test_accuracy, best_test_accuracy, best_epoch, epochs, wall_s, workdir, metrics).

    Everything is checked before any file is written: the config (fields named in errors), the
    workdir (not empty, writable, not in use by another run), the data. resume=True continues
    from the newest readable checkpoint and gives what an uninterrupted run gives;
    resume=False refuses a workdir that has one."""
    say = log or ((lambda message: print(message, flush=True)) if verbose else (lambda _: None))
    t_run = time.perf_counter()
    spec, params = spec_and_params(config)
    expected_pixels(config)
    workdir = check_workdir_path(workdir)
    data = load_data(config, verbose)
    train_x, train_y, test_x, test_y = data[:4]
    networks = nets.one_network(spec, params, config.seed)
    n_train = len(train_y)
    say(f"sRBM {spec.n_visible} visible x {spec.n_hidden_total} hidden, device "
        f"{device_summary(spec)}; {n_train} train / {len(data.validation_y)} validation / "
        f"{len(test_y)} test images{', shuffled every epoch' if config.get('shuffle') else ''}, "
        f"{config.epochs} epoch(s), workdir {workdir}")
    if n_train % config.batch_size:
        say(f"note: train_size {n_train} is not a multiple of batch_size {config.batch_size}: "
            f"the last {n_train % min(n_train, config.chunk_size) % config.batch_size or ''} "
            "images of each epoch's last chunk are trained on-line")
    train_root = networks.keys["train"]
    config_json = json.dumps(config_dict(config), indent=2) + "\n"

    def on_epoch(epoch, state, results):
        if results:
            analysis.plot_confusion(test_y, results[0]["predictions"], workdir / "confusion.png")
        write_plots(workdir, state, params, spec, train_x, train_y,
                    image_key(train_root, epoch + 1, 0))

    def first_write():  # config.json as soon as the workdir is ours
        with atomic_write(workdir / "config.json", "w") as handle:
            handle.write(config_json)

    records, _, _ = run_networks(
        networks, data, plan_from_config(config, n_train), workdir, resume=resume,
        metadata={"config": config_dict(config), "fingerprint": fingerprint(config)},
        check_checkpoint=checkpoint_check(config), on_epoch=on_epoch, say=say,
        progress=verbose, on_start=first_write)
    summary = summarize(records, time.perf_counter() - t_run, workdir)
    if not config.get("validation_size", 0):
        say("note: no validation split (validation_size = 0): these are test figures; choose "
            "nothing on them")
    say(summary_line(summary))
    return summary


def summarize(records: list[dict], wall_s: float, workdir) -> dict:
    """The summary of a one-network run. The best epoch is chosen on validation accuracy (on
    test accuracy only when the run has no validation split, as the key best_by says); the test
    accuracy is reported at that epoch and at the last."""
    evaluated = [r for r in records if r.get("test_accuracy") is not None]
    by = "validation_accuracy" if any(r.get("validation_accuracy") is not None
                                      for r in evaluated) else "test_accuracy"
    best = max(evaluated, key=lambda r: r[by], default=None)
    last = evaluated[-1] if evaluated else {}
    return {"final_test_accuracy": last.get("test_accuracy"),
            "final_validation_accuracy": last.get("validation_accuracy"),
            "best_epoch": best["epoch"] if best else None, "best_by": by,
            "best_validation_accuracy": best.get("validation_accuracy") if best else None,
            "test_accuracy_at_best_epoch": best["test_accuracy"] if best else None,
            "best_test_accuracy": best["test_accuracy"] if best else None,
            "epochs": len(records), "wall_s": wall_s, "workdir": str(workdir),
            "metrics": records}


def write_plots(workdir, device_state, params, spec, train_x, train_y, raster_key) -> None:
    """accuracy.png, receptive_fields.png and raster.png into workdir (confusion.png is drawn
    after evaluation). The raster shows the first training image as the next epoch would
    present it (key image_key(train root, next epoch, 0), the current weights)."""
    workdir = Path(workdir)
    analysis.plot_accuracy(analysis.read_metrics(workdir / "metrics.jsonl"),
                           workdir / "accuracy.png")
    weight = spec.device.read(device_state, params.device)
    analysis.plot_receptive_fields(weight, spec, workdir / "receptive_fields.png")
    raster = analysis.spike_raster(raster_key, device_state, train_x[0], int(train_y[0]), params,
                                   spec)
    analysis.plot_raster(raster, spec, workdir / "raster.png", label=int(train_y[0]))


def evaluation_key(config, epoch: int) -> jax.Array:
    """The key of the evaluation after `epoch` (1-based) epochs of a run with config.seed:
    fold_in(evaluate root, epoch - 1), as in `train_and_evaluate`."""
    return jax.random.fold_in(sweep.network_keys(config.seed)["evaluate"], epoch - 1)
