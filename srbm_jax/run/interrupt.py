"""Ctrl-C that is not lost.

Python turns SIGINT into a KeyboardInterrupt raised wherever the main thread happens to be; if
that is inside a destructor or a weakref callback, Python prints it as "ignored" and goes on,
and a library's broad `except` can swallow it. So the handler that `install` puts in place also
records the request, and the run driver calls `check` between chunks (`records.Progress`, after
each checkpoint and evaluation), which raises KeyboardInterrupt again in ordinary code; the
experiments' `cli.run` catches it, keeps the newest checkpoint and exits with status 130. A
process that was started with SIGINT ignored (a background job of a shell) keeps ignoring it.
"""
from __future__ import annotations

import signal
import threading

_requested = threading.Event()


def _handler(signum, frame):
    _requested.set()
    raise KeyboardInterrupt


def install() -> None:
    """Make SIGINT record the request and raise KeyboardInterrupt (main thread only)."""
    signal.signal(signal.SIGINT, _handler)


def request() -> None:
    """Record an interrupt request (what SIGINT does once `install` ran)."""
    _requested.set()


def requested() -> bool:
    """Whether an interrupt was requested and not yet cleared."""
    return _requested.is_set()


def clear() -> None:
    """Forget a request (tests; a library user who handled it)."""
    _requested.clear()


def check() -> None:
    """Raise KeyboardInterrupt if an interrupt was requested."""
    if _requested.is_set():
        raise KeyboardInterrupt
