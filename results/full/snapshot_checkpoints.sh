#!/bin/bash
# Keep a copy of every checkpoint a running train_mnist writes (it overwrites one checkpoint.npz,
# every checkpoint_every_images images and at each epoch end), for tail averaging afterwards
# (experiments/average_weights.py). Copies go to <run dir>.snapshots/ckpt_<mtime>.npz; polls
# every 20 s while any train_mnist process runs.
# Usage: bash results/full/snapshot_checkpoints.sh <run dir> [<run dir> ...]
while pgrep -f experiments.train_mnist > /dev/null; do
  for d in "$@"; do
    f=$d/checkpoint.npz; [ -f "$f" ] || continue
    m=$(stat -c %Y "$f"); mkdir -p "$d.snapshots"
    # The checkpoint is written to a temporary file and renamed; wait a little before copying.
    [ -f "$d.snapshots/ckpt_$m.npz" ] || { sleep 3; cp "$f" "$d.snapshots/ckpt_$m.npz"; }
  done
  sleep 20
done
