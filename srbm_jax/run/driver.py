"""The one run loop: epochs over N networks (N = 1 for train_mnist), with step schedules, an
evaluation cadence, checkpoints and their history, weight averages, metrics, progress and a
bit-exact resume. `train_mnist`, `study`, `compare_devices` and `continue_run` all run on it.

    records = run_networks(networks, data, plan, workdir, resume=False, metadata={...})

Reproducibility: image n of epoch e draws from `train.image_key(train key, e, n)` and the
evaluation after epoch e from fold_in(evaluate key, e), so no random state is saved; a checkpoint
holds the device states, the epoch's per-image statistics so far, the weight averages and the
position (epoch, next image). Checkpoints are written every `checkpoint_every_images` (rounded
up to whole chunks, so that mid-epoch chunks match those of an uninterrupted run), when an epoch's
training ends and after its evaluation. Restoring one and continuing gives the same states and
metrics bit for bit as an uninterrupted run.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import jax
import numpy as np

import srbm_jax
from srbm_jax import decay, train
from srbm_jax.run import interrupt
from srbm_jax.run import networks as nets
from srbm_jax.run.averaging import WeightAverages
from srbm_jax.run.checkpoints import CheckpointHistory
from srbm_jax.run.records import (
    METRICS_NAME,
    Progress,
    accuracy_at_100_ms,
    accuracy_every_10_ms,
    append_metrics,
    keep_metrics_before,
    read_metrics,
    scaled_progress,
)
from srbm_jax.run.tensorboard import BOARD_DIR, MetricsBoard
from srbm_jax.run.workdir import open_workdir


def step_decay_schedule(step_decay: float, images_per_epoch: int) -> Callable[[int], float] | None:
    """The step-size factor after `count` training images, step_decay ** (count /
    images_per_epoch): `optax.exponential_decay(1, images_per_epoch, step_decay)` evaluated in
    float64 (the form the recorded runs used); None for constant steps (step_decay = 1).
    Any Optax schedule (count -> factor) can be given to `RunPlan.step_schedule` instead."""
    if step_decay == 1.0:
        return None
    return lambda count: step_decay ** (count / images_per_epoch)


class RunOutcome(NamedTuple):
    """What `run_networks` returns: the metrics records, the final device states (leading
    network axis when N > 1) and the weight averages ({"ema": states, "tail": states})."""

    records: list[dict]
    states: Any
    averages: dict


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """How a run proceeds (see experiments/configs/default.py for each field's meaning).

    step_schedule: None (constant steps) or an Optax schedule, images trained so far -> factor
    on the device's change per event (`Device.scale_steps`, evaluated at every chunk start).
    schedule_weight_decay: the schedule scales weight_decay as well (`decay.step_scaled_params`).
    ema_half_life_images / tail_average_epochs: weight averages kept during the run
    (`srbm_jax.run.averaging`), evaluated beside the trained weights; 0 = off.
    shuffle: every epoch presents the training images in its own order (`train.epoch_order`
    of each network's train key).
    tensorboard: also write every record to workdir/tensorboard (`srbm_jax.run.tensorboard`)."""

    epochs: int
    eval_every: int = 1
    batch_size: int = 1
    chunk_size: int = 500
    eval_batch_size: int = 250
    checkpoint_every_images: int = 0
    step_schedule: Callable[[int], float] | None = None
    schedule_weight_decay: bool = False
    keep_checkpoints: int = 2
    keep_epoch_checkpoints: bool = True
    ema_half_life_images: int = 0
    tail_average_epochs: int = 0
    shuffle: bool = False
    tensorboard: bool = False


def plan_from_config(config, images_per_epoch: int) -> RunPlan:
    """The RunPlan of an experiment config."""
    return RunPlan(
        epochs=config.epochs, eval_every=config.eval_every, batch_size=config.batch_size,
        chunk_size=config.chunk_size, eval_batch_size=config.eval_batch_size,
        checkpoint_every_images=config.checkpoint_every_images,
        step_schedule=step_decay_schedule(float(config.get("step_decay", 1.0)), images_per_epoch),
        schedule_weight_decay=config.get("weight_decay_follows_steps", False),
        keep_checkpoints=config.get("keep_checkpoints", 2),
        keep_epoch_checkpoints=config.get("keep_epoch_checkpoints", True),
        ema_half_life_images=config.get("ema_half_life_images", 0),
        tail_average_epochs=config.get("tail_average_epochs", 0),
        shuffle=config.get("shuffle", False), tensorboard=config.get("tensorboard", False))


_LOGGED = ("validation_accuracy", "test_accuracy", "wall_s", "images_per_s", "eval_images_per_s", "hidden_rate_data",
           "hidden_rate_model", "label_rate_model", "potentiation_events", "depression_events",
           "weight_mean", "weight_std", "validation_accuracy_ema", "validation_accuracy_tail",
           "test_accuracy_ema", "test_accuracy_tail")


def run_networks(networks: nets.Networks, data, plan: RunPlan, workdir, *, resume: bool,
                 metadata: dict, check_checkpoint: Callable[[dict, Path], None] | None = None,
                 on_epoch: Callable[[int, Any, list[dict]], None] | None = None,
                 on_start: Callable[[], None] | None = None,
                 initial: tuple[Any, int] | None = None,
                 say: Callable[[str], None] = print, progress: bool = True) -> RunOutcome:
    """Train `networks` for plan.epochs epochs on data = (train_x, train_y, test_x, test_y[,
    validation_x, validation_y]) (`training.RunData`);
    returns RunOutcome(records: every record of workdir/metrics.jsonl, states: the final device
    states, averages: {"ema"/"tail": averaged states}).

    One record per network per completed epoch: epoch (1-based), the network's labels (when
    N > 1: network index, seed, swept values), train_images, total_train_images,
    resumed_at_image, wall_s and images_per_s (training), the epoch means of the per-image
    statistics (`train.ImageStats`) and their totals (<stat>_total), the device's weight
    statistics, and, when evaluated: validation_accuracy, validation_accuracy_100ms and
    validation_accuracy_vs_time_ms (when data has a validation split: data[4:6], key
    `networks.evaluation_keys(..., "validation")`), test_accuracy, test_accuracy_100ms,
    accuracy_vs_time_ms (the test set), eval_wall_s, eval_images_per_s, and
    <split>_accuracy_ema / <split>_accuracy_tail for the weight averages (test_accuracy and
    validation_accuracy are None in epochs that are not evaluated).

    The workdir is locked for the run (`srbm_jax.run.workdir`). resume=False refuses a workdir
    that holds checkpoints; resume=True continues from the newest readable one (after
    check_checkpoint(metadata, path), which raises ValueError for another config) or starts
    fresh. metadata (JSON) is stored in every checkpoint. on_epoch(epoch, states, results) runs
    after each epoch (results: per-network evaluation dicts, [] when not evaluated); on_start()
    once the workdir is locked and the checkpoint (if any) accepted, before training.
    initial = (states, epoch): start a fresh run from these states at `epoch` (0-based; a
    continuation of another run, `srbm_jax.run.saved_runs.continue_run`) instead of the
    networks' init; plan.epochs is then the absolute last epoch."""
    train_x, train_y, test_x, test_y = data[:4]
    validation_x, validation_y = data[4:6] if len(data) > 4 else (None, None)
    has_validation = validation_y is not None and len(validation_y) > 0
    n_train = len(train_y)
    with open_workdir(workdir) as workdir, contextlib.ExitStack() as closing:
        history = CheckpointHistory(workdir, plan.keep_checkpoints, plan.keep_epoch_checkpoints,
                                    log=say)
        metrics_path = workdir / METRICS_NAME
        states = nets.init_states(networks)
        averages = WeightAverages(plan.ema_half_life_images, plan.tail_average_epochs)
        carry = averages.init(states)
        stats, first_epoch, position, train_wall = nets.empty_stats(networks), 0, 0, 0.0
        if initial is not None:
            states, first_epoch = initial
            if not 0 <= first_epoch < plan.epochs:
                raise ValueError(f"initial epoch {first_epoch} is out of range: allowed "
                                 f"[0, {plan.epochs})")
        if not resume and history.paths():
            raise ValueError(f"{workdir} already holds a checkpoint ({history.paths()[-1]}); pass "
                             "resume=True (--resume) to continue it, or use a new workdir")
        restored = history.restore(
            lambda meta: {"device": states, "stats": nets.stats_like(networks, meta["next_image"]),
                          **({"averages": carry} if carry else {})},
            check_checkpoint) if resume else None
        if restored is not None:
            tree, meta, path = restored
            states = jax.tree_util.tree_map(jax.numpy.asarray, tree["device"])
            carry = jax.tree_util.tree_map(jax.numpy.asarray, tree.get("averages", {}))
            stats, first_epoch = tree["stats"], int(meta["epoch"])
            position, train_wall = int(meta["next_image"]), float(meta["train_wall_s"])
            if first_epoch > plan.epochs or (first_epoch == plan.epochs and position > 0):
                raise ValueError(f"config.epochs = {plan.epochs} is out of range: the checkpoint "
                                 f"{path} is in epoch {first_epoch + 1} (image {position}); "
                                 f"allowed >= {first_epoch + 1}")
            keep_metrics_before(metrics_path, first_epoch)
            say(f"resumed from {path}: epoch {first_epoch + 1}, image {position}")
            if first_epoch == plan.epochs:
                say(f"the run is already complete ({plan.epochs} epochs); give a larger "
                    "config.epochs to train further")
        else:
            if resume:
                say(f"no checkpoint in {workdir}; starting from scratch")
            metrics_path.write_text("")
        if on_start is not None:
            on_start()
        board = None
        if plan.tensorboard:
            board = MetricsBoard(workdir / BOARD_DIR, networks.labels if networks.stacked
                                 else None, purge_step=first_epoch * n_train + 1)
            closing.callback(board.close)

        def save(epoch, next_image, wall):
            tree = {"device": states, "stats": stats, **({"averages": carry} if carry else {})}
            history.save(tree, {**metadata, "train_wall_s": wall,
                                "srbm_jax_version": srbm_jax.__version__}, epoch, next_image)

        chunk = max(plan.batch_size, plan.chunk_size - plan.chunk_size % plan.batch_size)
        interval = n_train if plan.checkpoint_every_images == 0 else \
            chunk * math.ceil(plan.checkpoint_every_images / chunk)
        for epoch in range(first_epoch, plan.epochs):
            label = f"epoch {epoch + 1} train"
            bar = (Progress(label, n_train, start=position) if not networks.stacked else
                   scaled_progress(label, n_train, networks.n, position)) if progress else None
            resumed_at = position
            params_at = None
            if plan.step_schedule is not None:
                params_at = lambda begin, epoch=epoch: decay.step_scaled_params(  # noqa: E731
                    networks.params, networks.spec, plan.step_schedule(epoch * n_train + begin),
                    plan.schedule_weight_decay)
            order = nets.epoch_orders(networks, epoch, n_train) if plan.shuffle else None
            while position < n_train:
                stop = min(n_train, (position // interval + 1) * interval)
                t0 = time.perf_counter()
                states, new_stats = nets.train_range(
                    networks, states, train_x if plan.shuffle else train_x[:stop],
                    train_y if plan.shuffle else train_y[:stop], epoch=epoch, start=position,
                    chunk_size=plan.chunk_size, batch_size=plan.batch_size, params_at=params_at,
                    progress=bar, order=None if order is None else order[..., :stop])
                jax.block_until_ready(states)
                train_wall += time.perf_counter() - t0
                stats = {k: np.concatenate([stats[k], new_stats[k]], axis=-1) for k in stats}
                carry = averages.update(carry, states, epoch, stop - position)
                position = stop
                save(epoch, position, train_wall)
                interrupt.check()  # stop here after a Ctrl-C, with this checkpoint kept

            evaluate_now = (epoch + 1) % plan.eval_every == 0 or epoch + 1 == plan.epochs
            results, extra, eval_wall = {}, {}, None
            if evaluate_now:
                t0 = time.perf_counter()
                splits = ((("validation", validation_x, validation_y),) if has_validation
                          else ()) + (("test", test_x, test_y),)
                for split, x, y in splits:
                    results[split] = nets.evaluate(
                        networks, states, x, y, epoch=epoch, batch_size=plan.eval_batch_size,
                        split=split, progress=Progress(f"epoch {epoch + 1} {split}", len(y))
                        if progress else None)
                    interrupt.check()
                    for name, averaged in averages.states(carry).items():
                        extra[f"{split}_accuracy_{name}"] = nets.evaluate(
                            networks, averaged, x, y, epoch=epoch, split=split,
                            batch_size=plan.eval_batch_size)
                eval_wall = time.perf_counter() - t0
            n_evaluated = len(test_y) + (len(validation_y) if has_validation else 0)
            records = [_record(networks, index, states, stats, epoch, n_train, resumed_at,
                               train_wall, results, extra, eval_wall, n_evaluated)
                       for index in range(networks.n)]
            for record in records:
                append_metrics(metrics_path, record)
            if board is not None:
                board.write(records, [np.asarray(networks.spec.device.read(
                    networks.state_of(states, i), networks.params_of(i).device))
                    for i in range(networks.n)])
            say(_epoch_line(epoch, records, networks))
            if on_epoch is not None:
                on_epoch(epoch, states, results.get("test", []))
            stats, position, train_wall = nets.empty_stats(networks), 0, 0.0
            save(epoch + 1, 0, 0.0)
        return RunOutcome(read_metrics(metrics_path), states, averages.states(carry))


def _record(networks, index, states, stats, epoch, n_train, resumed_at, train_wall, results,
            extra, eval_wall, n_evaluated) -> dict:
    record = {"epoch": epoch + 1}
    if networks.stacked:
        record.update(network=index, **networks.labels[index])
    record.update(train_images=n_train, total_train_images=(epoch + 1) * n_train,
                  resumed_at_image=resumed_at if resumed_at else None, wall_s=train_wall,
                  images_per_s=n_train / train_wall if train_wall else None)
    own = nets.network_stats(networks, stats, index)
    record.update({k: float(np.mean(own[k])) for k in train.ImageStats._fields})
    record.update({f"{k}_total": float(np.sum(own[k])) for k in
                   ("potentiation_events", "depression_events")})
    spec = networks.spec
    record.update(spec.device.weight_statistics(networks.state_of(states, index),
                                                networks.params_of(index).device))
    record.update(test_accuracy=None, eval_wall_s=None, eval_images_per_s=None)
    if "validation" in results or not results:
        record["validation_accuracy"] = None
    for split, per_network in results.items():
        result = per_network[index]
        per_tick = result["accuracy_vs_time"]
        record.update({f"{split}_accuracy": result["accuracy"],
                       f"{split}_accuracy_100ms": accuracy_at_100_ms(per_tick, spec),
                       ("accuracy_vs_time_ms" if split == "test" else
                        f"{split}_accuracy_vs_time_ms"): accuracy_every_10_ms(per_tick, spec)})
    if results:
        record.update(eval_wall_s=eval_wall, eval_images_per_s=n_evaluated / eval_wall)
    for name, averaged in extra.items():
        record[name] = averaged[index]["accuracy"]
    return record


def _epoch_line(epoch: int, records: list[dict], networks) -> str:
    if not networks.stacked:
        return f"epoch {epoch + 1}: " + ", ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
            for k, v in records[0].items() if k in _LOGGED)
    if records[0]["test_accuracy"] is None:
        return f"epoch {epoch + 1}: trained ({records[0]['wall_s']:.0f} s)"
    parts = []
    for split in ("validation", "test"):
        accuracies = [r.get(f"{split}_accuracy") for r in records]
        if accuracies[0] is not None:
            parts.append(f"{split} accuracy " + ", ".join(f"{100 * a:.1f}" for a in accuracies)
                         + f" % (mean {100 * np.mean(accuracies):.2f})")
    return f"epoch {epoch + 1}: " + "; ".join(parts) + f", {records[0]['wall_s']:.0f} s training"
