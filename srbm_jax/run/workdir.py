"""A run's directory: refused when empty or unwritable, locked for one run at a time, and
cleared of the temporary files a killed writer leaves.

    with open_workdir(path) as workdir:   # Path; raises WorkdirBusy if another process holds it
        ...

The lock is an exclusive `fcntl.flock` on `workdir/.lock`, which also records the holder's pid
and command. The operating system releases it when the holder exits in any way (kill -9
included), so a lock file left by a dead process is stale and simply taken over.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".lock"


class WorkdirBusy(RuntimeError):
    """Another live process is running in this workdir."""


def check_workdir_path(workdir) -> Path:
    """The workdir as a Path; ValueError for an empty name (which would write into the current
    directory)."""
    if workdir is None or not str(workdir).strip():
        raise ValueError("workdir is empty: allowed a directory name (an empty --workdir would "
                         "write into the current directory)")
    return Path(workdir)


def check_writable(workdir: Path) -> None:
    """Create the directory and a file in it; ValueError naming the workdir if either fails,
    before any work is done."""
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        probe = workdir / f".write_test.{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise ValueError(f"workdir {workdir} is not writable ({type(e).__name__}: {e}): "
                         "allowed a directory this user can create files in") from e


def remove_orphaned_temporaries(workdir: Path) -> list[Path]:
    """Delete the `.<name>.*.tmp` files that `srbm_jax.files.atomic_write` leaves when its
    process is killed mid-write (in workdir and its checkpoints/ folder); returns them. Call only
    while holding the lock (no writer of this workdir is alive then)."""
    removed = []
    for folder in (workdir, workdir / "checkpoints"):
        if folder.is_dir():
            for path in folder.glob(".*.tmp"):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


@contextlib.contextmanager
def workdir_lock(workdir: Path) -> Iterator[Path]:
    """Hold the exclusive lock of `workdir` for the block; WorkdirBusy naming the holder's pid
    if another process holds it."""
    path = workdir / LOCK_NAME
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise WorkdirBusy(f"workdir {workdir} is in use by another run ({holder}); wait for "
                              "it to finish or use another --workdir") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}: {' '.join(sys.argv)[:200]}")
        handle.flush()
        yield workdir
    finally:
        handle.close()  # releases the lock


@contextlib.contextmanager
def open_workdir(workdir) -> Iterator[Path]:
    """`check_workdir_path`, `check_writable`, then hold `workdir_lock` and remove orphaned
    temporary files; yields the Path."""
    workdir = check_workdir_path(workdir)
    check_writable(workdir)
    with workdir_lock(workdir):
        removed = remove_orphaned_temporaries(workdir)
        if removed:
            print(f"removed {len(removed)} temporary file(s) left by a killed run in {workdir}",
                  file=sys.stderr, flush=True)
        yield workdir
