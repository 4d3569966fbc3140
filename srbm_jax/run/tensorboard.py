"""A TensorBoard view of a run, beside metrics.jsonl (`config.tensorboard = True`).

    tensorboard --logdir <workdir>/tensorboard

The driver (`srbm_jax.run.driver.run_networks`) hands every metrics record to `MetricsBoard`
as it appends it to metrics.jsonl, so TensorBoard shows the same numbers, with the number of
training images seen (record["total_train_images"]) as the step:

- one TensorBoard run per network: "run" for a single network;
  "network_03_seed=2_spike_rate_hz=220" for network 3 of a sweep or study;
- scalars: every number of the record, grouped by what it is (accuracy/..., activity/...,
  events/..., weights/..., speed/...); the accuracy-vs-presentation-time dicts as
  accuracy_vs_time/<split>/<ms>;
- weights/histogram: the read weights G (cu) of the network at every epoch end.

A resumed run rewrites the records after its checkpoint: the writer opens with TensorBoard's
purge step at the first rewritten step, so the events an interrupted run left behind are hidden.

Written with tensorboardX (pure Python: numpy, protobuf, packaging): TensorBoard's own
`tf.summary` and `flax.metrics.tensorboard` need TensorFlow, an install of several hundred MB
that the simulator does not otherwise need. Install it with `pip install 'srbm_jax[tensorboard]'`.
"""
from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BOARD_DIR = "tensorboard"

# Record fields that name a network or a position rather than measure anything.
_NOT_SCALARS = ("epoch", "network", "resumed_at_image", "train_images", "total_train_images")
_GROUPS = (("accuracy", "accuracy"), ("rate", "activity"), ("events", "events"),
           ("weight", "weights"), ("wall_s", "speed"), ("images_per_s", "speed"),
           ("update_", "updates"))


def _require_tensorboardx():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as error:  # pragma: no cover - the dev install has it
        raise ImportError("config.tensorboard = True needs tensorboardX: pip install "
                          "'srbm_jax[tensorboard]' (or pip install tensorboardX)") from error
    return SummaryWriter


def run_name(labels: dict | None, index: int) -> str:
    """The TensorBoard run of network `index`: "run" for a single network (labels None), else
    "network_03_seed=2_spike_rate_hz=220" (the network's labels, e.g. seed and swept values)."""
    if labels is None:
        return "run"
    parts = [f"network_{index:02d}"] + [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in labels.items()]
    return re.sub(r"[^\w=.+-]", "_", " ".join(parts))


def scalar_tags(record: dict, skip: Sequence[str] = ()) -> dict[str, float]:
    """{tag: value} for every number of a metrics record (None, text and the fields that name
    the network are left out; dicts of accuracy against presentation time become
    accuracy_vs_time/<split>/<ms>)."""
    tags = {}
    for key, value in record.items():
        if key in _NOT_SCALARS or key in skip or value is None or isinstance(value, (bool, str)):
            continue
        if isinstance(value, dict):
            if key.endswith("accuracy_vs_time_ms"):
                split = key.removesuffix("_accuracy_vs_time_ms") if key != \
                    "accuracy_vs_time_ms" else "test"
                tags.update({f"accuracy_vs_time/{split}/{ms}ms": float(v)
                             for ms, v in value.items()})
            continue
        if isinstance(value, (int, float, np.number)):
            group = next((g for pattern, g in _GROUPS if pattern in key), "run")
            tags[f"{group}/{key}"] = float(value)
    return tags


class MetricsBoard:
    """TensorBoard event files for the networks of a run (module docstring).

    Args:
      logdir: the folder (workdir/tensorboard); labels: the networks' labels (`Networks.labels`)
        or None for a single network; purge_step: the first step a resumed run writes again
        (None for a fresh run)."""

    def __init__(self, logdir, labels: Sequence[dict] | None, purge_step: int | None = None):
        summary_writer = _require_tensorboardx()
        self.logdir = Path(logdir)
        names = ["run"] if labels is None else [run_name(lab, i) for i, lab in enumerate(labels)]
        self.skip = tuple(labels[0]) if labels else ()
        # a file of its own per opening: two openings within one second (a quick resume) would
        # otherwise share a name, and the second would overwrite the first
        suffix = f".{time.time_ns()}"
        self.writers = [summary_writer(str(self.logdir / name), purge_step=purge_step,
                                       flush_secs=30, filename_suffix=suffix) for name in names]

    def write(self, records: Sequence[dict], weights: Sequence[np.ndarray] = ()) -> None:
        """Add one record per network (and, when given, each network's weight array as a
        histogram) at step record["total_train_images"]; flushed at once."""
        if len(records) != len(self.writers):
            raise ValueError(f"records has {len(records)} entries: allowed one per network "
                             f"({len(self.writers)})")
        for k, (writer, record) in enumerate(zip(self.writers, records, strict=True)):
            step = int(record["total_train_images"])
            for tag, value in scalar_tags(record, self.skip).items():
                writer.add_scalar(tag, value, step)
            if len(weights):
                writer.add_histogram("weights/histogram", np.asarray(weights[k], np.float32),
                                     step)
            writer.flush()

    def close(self) -> None:
        for writer in self.writers:
            writer.close()
