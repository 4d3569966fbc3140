"""Forking a study: all its networks continued from one of its checkpoints at an epoch boundary,
with changed settings, as a study of its own (`experiments/continue_run.py` on a study).

    records, config, axes, seeds = continue_study(
        "runs/best_v2/checkpoints/ckpt-0005-00000000.npz", 5, {"step_decay": 0.87}, data,
        "runs/best_v2_anneal")
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from srbm_jax.checks import check_int_argument
from srbm_jax.run.checkpoints import latest_path
from srbm_jax.run.objects import config_error, load_config
from srbm_jax.study import get_field, load_study_states, run_study_networks, set_axis


def continue_study(source, epochs: int, changes: dict, data, workdir, *, resume: bool = False,
                   log: Callable[[str], None] = print, progress: bool = False):
    """Train `epochs` more epochs of a study's networks from one of its checkpoints at an epoch
    boundary, with `changes` ({field or "device.<field>": value}, as
    `srbm_jax.run.saved_runs.parse_changes` checks them), as a study of its own in `workdir`
    (a fork: e.g. the same networks from epoch 5 on with a decaying step). Epoch e of the
    continuation uses the image, order and evaluation keys of epoch (source epochs + e), as the
    uninterrupted longer study would, so with no changes it reproduces that study's later epochs
    bit for bit. The source is only read.

    Args:
      source: a study workdir (its newest checkpoint) or a checkpoint file of one, e.g.
        workdir/checkpoints/ckpt-0005-00000000.npz (the end of epoch 5).
      epochs: further epochs, >= 1.
      changes: fields changed for the continuation; a swept field (the study's axes) cannot be.
      data: (train_x, train_y, test_x, test_y) as from `srbm_jax.run.load_data` for the
        study's config.
    Returns:
      (records as `run_study` returns them, the continuation's config, axes, seeds).
    Raises ValueError for a mid-epoch checkpoint, a changed swept field, workdir = the source's
    folder, or epochs < 1."""
    check_int_argument(epochs, "epochs", 1)
    path = Path(source)
    source_dir = path if path.is_dir() else path.parent.parent
    if Path(workdir).resolve() == source_dir.resolve():
        raise ValueError(f"workdir {workdir} is the source study: allowed another directory (the "
                         "source is only read)")
    if path.is_dir():
        path = latest_path(path)
    _, _, _, states, metadata = load_study_states(path)
    if int(metadata["next_image"]) != 0:
        raise ValueError(f"{path} is mid-epoch (image {metadata['next_image']}): allowed a "
                         "checkpoint at an epoch boundary (checkpoints/ckpt-EEEE-00000000.npz)")
    done = int(metadata["epoch"])
    config, axes, seeds = load_config(metadata["config"]), metadata["axes"], metadata["seeds"]
    swept = {field for axis in axes for field in axis.split("+")}
    for field, value in changes.items():
        if field in swept:
            raise config_error(field, f"is swept by the source study ({sorted(swept)}): a "
                                      "continuation cannot change it")
        try:
            get_field(config, field)
        except (KeyError, AttributeError):
            raise config_error(field, "is not a field of the study's config") from None
        set_axis(config, field, value)
    config.epochs = done + epochs
    records = run_study_networks(config, axes, seeds, data, workdir, resume=resume, log=log,
                                 progress=progress, initial=(states, done),
                                 source_checkpoint=str(path), source_epochs=done,
                                 changes=changes)
    return records, config, axes, seeds
