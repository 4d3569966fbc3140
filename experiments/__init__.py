"""Experiments: thin absl entry points over `srbm_jax.run` (the run driver), with commented configs.

Ctrl-C during start-up: the heavy imports that follow (JAX, its plugins) can swallow a
KeyboardInterrupt raised inside them, so a Ctrl-C pressed in the first seconds was lost and the
run went on. Importing this package (which every `python -m experiments.<script>` does first)
therefore records SIGINT in a flag instead; `experiments.cli.run` restores Python's handler and
exits with status 130 if the flag is set, before anything is written.
"""
import os
import signal

EARLY_INTERRUPT = {"received": False}


def _record_interrupt(signum, frame):  # noqa: ARG001 (signal handler signature)
    EARLY_INTERRUPT["received"] = True


if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when embedded elsewhere
    signal.signal(signal.SIGINT, _record_interrupt)
    if os.environ.get("SRBM_JAX_TEST_EARLY_SIGINT"):  # tests: a Ctrl-C during start-up
        os.kill(os.getpid(), signal.SIGINT)
