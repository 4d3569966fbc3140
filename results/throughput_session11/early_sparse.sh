#!/usr/bin/env bash
# Session 11, issue 19's inference target (>= 3,000 images/s at the accuracy of the fixed 100 ms
# presentation): early decisions (margin 6, at least 10 ms, walk 0.03 at inference, RESULTS 14)
# in 250 streaming lanes, with the dense drive (batch_drive_chunk 0) and the sparse row sums
# (16), beside the fixed 100 ms presentation as trained, on the same 2,000 validation images of
# a trained network (CHECKPOINT: a run or study dir; session 11: the epoch-5 checkpoint of the
# 3-seed best.py study of RESULTS 11, network 0). Alternated twice in one shell.
#   CHECKPOINT=<dir> bash results/throughput_session11/early_sparse.sh > <out>.jsonl
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
COMMON=(--checkpoint="$CHECKPOINT" --test_images=2000 --inference_batch=250 --inference_ms=100
        --window_s=2 --repeats=3)
for round in 1 2; do
  for chunk in 0 16; do
    $PY -m benchmarks.throughput "${COMMON[@]}" --batch_drive_chunk=$chunk --modes=inference \
      2>/dev/null | grep '^{'
    $PY -m benchmarks.throughput "${COMMON[@]}" --batch_drive_chunk=$chunk --modes=early \
      --early_margin=6 --set=walk_up=0.03 --set=walk_down=0.03 2>/dev/null | grep '^{'
  done
done
