"""Checkpoint history of a run: the last K checkpoints and one per epoch, newest first on resume,
falling back to an older one when the newest is corrupt.

    history = CheckpointHistory(workdir, keep=2, keep_epochs=True)
    history.save(tree, metadata, epoch, next_image)
    tree, metadata, path = history.restore(like_for)   # newest readable checkpoint, or None

Files: `workdir/checkpoints/ckpt-<epoch>-<next image>.npz` in the format of `srbm_jax.checkpoint`
(pickle-free npz, SHA-256 checked, written atomically). A run written before the history
existed has a single `workdir/checkpoint.npz`; it is read as the oldest entry.

Why our own npz and not orbax-checkpoint's `CheckpointManager`: the run state is one small
pytree written by one process; the npz format gives what the project promises (no pickle, a
SHA-256 over the content that detects any modified byte, atomic replace, old checkpoints still
load) with numpy alone, while orbax adds tensorstore and an asynchronous multi-host machinery that
a single-host simulator does not use, and verifies no content checksum.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from srbm_jax import checkpoint

FOLDER = "checkpoints"
LEGACY_NAME = "checkpoint.npz"
_PATTERN = re.compile(r"^ckpt-(\d+)-(\d+)\.npz$")


def checkpoint_name(epoch: int, next_image: int) -> str:
    """'ckpt-<epoch, 4 digits>-<next image, 8 digits>.npz'."""
    return f"ckpt-{epoch:04d}-{next_image:08d}.npz"


def history_paths(workdir) -> list[Path]:
    """The run's checkpoint files, oldest first (a legacy checkpoint.npz before the others)."""
    workdir = Path(workdir)
    found = []
    for path in (workdir / FOLDER).glob("ckpt-*.npz"):
        match = _PATTERN.match(path.name)
        if match:
            found.append(((int(match[1]), int(match[2])), path))
    paths = [path for _, path in sorted(found)]
    legacy = workdir / LEGACY_NAME
    return ([legacy] if legacy.exists() else []) + paths


def latest_path(workdir) -> Path:
    """The newest checkpoint file of a run; FileNotFoundError naming the workdir if none."""
    paths = history_paths(workdir)
    if not paths:
        raise FileNotFoundError(f"no checkpoint in {workdir} (neither {FOLDER}/ckpt-*.npz nor "
                                f"{LEGACY_NAME})")
    return paths[-1]


class CheckpointHistory:
    """Save and restore a run's checkpoints (see the module docstring).

    keep: how many of the newest checkpoints to keep (>= 1); keep_epochs: also keep every
    checkpoint written at an epoch boundary (next image 0), e.g. for tail averages later."""

    def __init__(self, workdir, keep: int = 2, keep_epochs: bool = True,
                 log: Callable[[str], None] | None = None):
        if keep < 1:
            raise ValueError(f"keep = {keep} is out of range: allowed >= 1")
        self.workdir = Path(workdir)
        self.folder = self.workdir / FOLDER
        self.keep, self.keep_epochs = keep, keep_epochs
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))

    def paths(self) -> list[Path]:
        return history_paths(self.workdir)

    def save(self, tree: Any, metadata: dict, epoch: int, next_image: int) -> Path:
        """Write checkpoint (epoch, next_image) atomically, then prune the history."""
        path = checkpoint.save(self.folder / checkpoint_name(epoch, next_image), tree,
                               {**metadata, "epoch": epoch, "next_image": next_image})
        self._prune()
        return path

    def _prune(self) -> None:
        paths = [p for p in self.paths() if p.parent == self.folder]
        newest = set(paths[-self.keep:])
        for path in paths:
            at_epoch_end = _PATTERN.match(path.name)[2] == "0" * 8
            if path not in newest and not (self.keep_epochs and at_epoch_end):
                path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Delete every checkpoint of the run (a fresh start)."""
        for path in self.paths():
            path.unlink(missing_ok=True)

    def restore(self, like_for: Callable[[dict], Any],
                check: Callable[[dict, Path], None] | None = None):
        """(tree, metadata, path) of the newest checkpoint that reads back, or None if the run
        has none. like_for(metadata) gives the expected tree for `checkpoint.load`; check
        (metadata, path) may raise ValueError to refuse a checkpoint of another config (that
        error is raised, not skipped). A corrupt newest checkpoint is reported and the next
        older one is tried; if none reads back, ValueError lists them all."""
        failures = []
        for path in reversed(self.paths()):
            try:
                metadata = checkpoint.read_metadata(path)
            except ValueError as e:
                failures.append(f"{path.name}: {e}")
                self.log(f"checkpoint {path} is unreadable ({e}); trying the previous one")
                continue
            if check is not None:
                check(metadata, path)
            tree, metadata = checkpoint.load(path, like_for(metadata))
            return tree, metadata, path
        if failures:
            raise ValueError(f"no readable checkpoint in {self.workdir}: " + "; ".join(failures))
        return None
