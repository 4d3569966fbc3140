"""What a run reports: metrics.jsonl records, progress lines, summaries.

`Progress` draws a tqdm bar (`tqdm.auto`: a widget in Jupyter / Colab, a redrawn line in a
terminal); when the output is neither (a log file), it prints a plain line every ~10 %, which
stays readable in `tail -f`.
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from srbm_jax.config import Spec
from srbm_jax.run import interrupt

METRICS_NAME = "metrics.jsonl"


def read_metrics(path) -> list[dict]:
    """The records of a metrics.jsonl file ([] if it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_metrics(path, record: dict) -> None:
    """Append one JSON line."""
    with open(path, "a") as handle:
        handle.write(json.dumps(record) + "\n")


def keep_metrics_before(path, epoch: int) -> None:
    """Drop the records of epochs > epoch (written after the checkpoint a run resumes from)."""
    path = Path(path)
    records = [r for r in read_metrics(path) if r["epoch"] <= epoch]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def emit_record(record: dict, out: str = "") -> None:
    """Print `record` as one JSON line; also append it to the file `out` if given."""
    print(json.dumps(record), flush=True)
    if out:
        append_metrics(out, record)


def accuracy_every_10_ms(accuracy_vs_time, spec: Spec) -> dict[str, float]:
    """{"10": a, "20": b, ...}: the accuracy had each image been presented for 10, 20, ... ms
    only, from `evaluate(...)["accuracy_vs_time"]` (one value per tick)."""
    stride = max(1, spec.ticks(10.0))
    return {f"{(tick + 1) * spec.dt_ms:g}": float(accuracy_vs_time[tick])
            for tick in range(stride - 1, len(accuracy_vs_time), stride)}


def accuracy_at_100_ms(accuracy_vs_time, spec: Spec) -> float:
    """The accuracy after 100 ms of presentation (or the whole presentation if shorter)."""
    return float(accuracy_vs_time[min(spec.ticks(100.0), len(accuracy_vs_time)) - 1])


def _in_notebook() -> bool:
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Progress:
    """Progress of `total` items (images): call it with the number done.

    A tqdm bar (`tqdm.auto`) in a notebook or on a terminal; elsewhere a line on the stream
    every ~10 % with done/total, images/s and the ETA. `start` is where a resumed run begins
    (its images are not counted in the rate)."""

    def __init__(self, label: str, total: int, start: int = 0, stream=None):
        self.label, self.total, self.start = label, total, start
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self.next_report = start + max(1, total // 10)
        self.bar = None
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        if tty or (stream is None and _in_notebook()):
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=start, desc=label, unit="img",
                            file=self.stream, dynamic_ncols=True, mininterval=0.5)

    def __call__(self, done: int, _total: int | None = None) -> None:
        interrupt.check()  # a Ctrl-C whose KeyboardInterrupt got lost stops here (`interrupt`)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            if done >= self.total:
                self.bar.close()
            return
        if done >= self.next_report or done >= self.total:
            while self.next_report <= done:
                self.next_report += max(1, self.total // 10)
            elapsed = time.perf_counter() - self.t0
            rate = (done - self.start) / elapsed if elapsed > 0 else float("nan")
            eta = (self.total - done) / rate if rate > 0 else float("nan")
            self.stream.write(f"{self.label}: {done}/{self.total} "
                              f"({100 * done / max(self.total, 1):.0f} %) {rate:.1f} images/s, "
                              f"ETA {eta:.0f} s\n")
            self.stream.flush()


def scaled_progress(label: str, images: int, networks: int, start: int = 0, stream=None
                    ) -> Callable[..., None]:
    """A progress callback over the images of `networks` networks trained side by side, called
    with the images done by each (a `Progress` of images x networks; `start`, the image a resumed
    epoch begins at, is left out of the rate as in `Progress`)."""
    line = Progress(f"{label} ({networks} networks)", images * networks, start * networks,
                    stream)
    return lambda done, total=None: line(done * networks)


def summary_line(summary: dict) -> str:
    """'final validation accuracy ..., test accuracy ...; best epoch e by validation accuracy
    (test ... there), wall ... s, workdir ...'."""
    def percent(x):
        return "n/a" if x is None else f"{100 * x:.2f} %"

    final = f"final test accuracy {percent(summary['final_test_accuracy'])}"
    if summary.get("final_validation_accuracy") is not None:
        final = (f"final validation accuracy {percent(summary['final_validation_accuracy'])}, "
                 + final)
    best_by = summary.get("best_by", "test_accuracy").replace("_", " ")
    return (f"{final}; best epoch {summary['best_epoch']} by {best_by} (test "
            f"{percent(summary['test_accuracy_at_best_epoch'])} there), "
            f"wall {summary['wall_s']:.1f} s, workdir {summary['workdir']}")
