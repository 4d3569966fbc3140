#!/usr/bin/env bash
# Session 11: the sparse drive for images side by side (Spec.batch_drive_chunk) against the dense
# default, alternated twice in one shell, on trained weights and real MNIST (CHECKPOINT: a run or
# study directory; session 11 used the 3-seed best.py study of RESULTS 11 at its epoch-5
# checkpoint, network 0). Mini-batch-8 training (1 network), 3 vmapped networks x mini-batch 8
# (the studies' regime), inference in batches of 250 at 100 ms.
#   CHECKPOINT=<dir> bash results/throughput_session11/batch_drive.sh > <out>.jsonl
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
COMMON=(--checkpoint="$CHECKPOINT" --window_s=2 --repeats=3)
for round in 1 2; do
  for chunk in 0 16; do
    $PY -m benchmarks.throughput "${COMMON[@]}" --batch_drive_chunk=$chunk --modes=minibatch \
      --batches=8 --images=200 2>/dev/null | grep '^{'
    $PY -m benchmarks.throughput "${COMMON[@]}" --batch_drive_chunk=$chunk --modes=networks \
      --networks=3 --network_batch=8 --network_images=96 2>/dev/null | grep '^{'
    $PY -m benchmarks.throughput "${COMMON[@]}" --batch_drive_chunk=$chunk --modes=inference \
      --inference_batch=250 --test_images=1000 --inference_ms=100 2>/dev/null | grep '^{'
  done
done
