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

import jax

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


def load_data(config, verbose: bool = True):
    """(train images, train labels, test images, test labels): the first train_size / test_size
    images of MNIST from config.data_source; ValueError naming the field if there are fewer."""
    splits = mnist.load_mnist(config.data_source, data_dir=config.data_dir or None,
                              verbose=verbose)
    for field, labels in (("train_size", splits.train_labels), ("test_size", splits.test_labels)):
        require(config[field] <= len(labels), field, f"<= {len(labels)} (images available)",
                config[field])
    n, m = config.train_size, config.test_size
    return (splits.train_images[:n], splits.train_labels[:n], splits.test_images[:m],
            splits.test_labels[:m])


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
    train_x, train_y, test_x, test_y = data
    networks = nets.one_network(spec, params, config.seed)
    n_train = len(train_y)
    say(f"sRBM {spec.n_visible} visible x {spec.n_hidden_total} hidden, device "
        f"{device_summary(spec)}; {n_train} train / {len(test_y)} test images, "
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
    evaluated = [r for r in records if r.get("test_accuracy") is not None]
    best = max(evaluated, key=lambda r: r["test_accuracy"], default=None)
    summary = {"final_test_accuracy": evaluated[-1]["test_accuracy"] if evaluated else None,
               "best_test_accuracy": best["test_accuracy"] if best else None,
               "best_epoch": best["epoch"] if best else None, "epochs": len(records),
               "wall_s": time.perf_counter() - t_run, "workdir": str(workdir), "metrics": records}
    say(summary_line(summary))
    return summary


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
