"""What every absl entry point shares: renamed flags refused with their replacement, bad input
reported in one line, Ctrl-C with a hint how to continue (also during start-up: `experiments`).

    if __name__ == "__main__":
        cli.run(main)

Errors (ValueError, a busy workdir, a missing file) print one line `error: ...` naming the field
and exit with status 2; the traceback is shown with SRBM_JAX_DEBUG=1.
"""
from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

from absl import app

from experiments import EARLY_INTERRUPT, _record_interrupt
from srbm_jax.run import interrupt
from srbm_jax.run.objects import RENAMED_FIELDS
from srbm_jax.run.workdir import WorkdirBusy

RENAMED_FLAGS = {f"--config.{old}": new for old, new in RENAMED_FIELDS.items()}


def renamed_flag_errors(argv: list[str], renamed: dict[str, str]) -> list[str]:
    """'<flag> was renamed: use <new>' for every renamed flag in argv."""
    errors = []
    for arg in argv[1:]:
        name = arg.split("=", 1)[0]
        if name in renamed:
            errors.append(f"{name} was renamed: use {renamed[name]}")
    return errors


def _debug() -> bool:
    return os.environ.get("SRBM_JAX_DEBUG", "") not in ("", "0")


def run(main: Callable[[list[str]], None], renamed: dict[str, str] | None = None) -> None:
    """`absl.app.run(main)` with the checks of the module docstring. `renamed`: this script's
    own renamed flags (besides the config's)."""
    # Start-up is over: Ctrl-C raises KeyboardInterrupt and is recorded, so that the run driver
    # stops at its next check even if the exception is swallowed (`srbm_jax.run.interrupt`).
    if signal.getsignal(signal.SIGINT) in (_record_interrupt, signal.default_int_handler):
        interrupt.install()
    if EARLY_INTERRUPT["received"]:
        print("interrupted during start-up: nothing was written", file=sys.stderr)
        sys.exit(130)
    errors = renamed_flag_errors(sys.argv, {**RENAMED_FLAGS, **(renamed or {})})
    if errors:
        print("error: " + "; ".join(errors), file=sys.stderr)
        sys.exit(2)

    def guarded(argv):
        try:
            return main(argv)
        except KeyboardInterrupt:
            print("\ninterrupted: the newest checkpoint is kept; run the same command with "
                  "--resume to continue", file=sys.stderr)
            sys.exit(130)
        except (ValueError, WorkdirBusy, FileNotFoundError, NotImplementedError) as e:
            if _debug():
                raise
            print(f"error: {e}", file=sys.stderr)
            print("(SRBM_JAX_DEBUG=1 shows the traceback)", file=sys.stderr)
            sys.exit(2)

    app.run(guarded)


def mnist_split(train_size: int):
    """(train images, train labels, validation images, validation labels, test images, test
    labels) of MNIST for the yardstick models (reference classifier, CNN): the first
    `train_size` training images, the rest of the training split as validation, as the runs
    split it (`srbm_jax.run.training.split_training_set`). ValueError names --train_size."""
    from srbm_jax.data import mnist
    from srbm_jax.run.training import split_training_set
    splits = mnist.load_mnist()
    total = len(splits.train_labels)
    if not (isinstance(train_size, int) and 1 <= train_size < total):
        raise ValueError(f"--train_size={train_size} is out of range: allowed 1..{total - 1}")
    return (*split_training_set(splits.train_images, splits.train_labels, train_size,
                                total - train_size), splits.test_images, splits.test_labels)

