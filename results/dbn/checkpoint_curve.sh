#!/usr/bin/env bash
# Validation accuracy of each saved checkpoint of a study (one state at a time, not averaged):
# the learning curve inside and across epochs (RESULTS 16). Validation only.
#   WORKDIR=carry/dbn_boundary IMAGES=2000 bash results/dbn/checkpoint_curve.sh
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
WORKDIR=${WORKDIR:?set WORKDIR}; IMAGES=${IMAGES:-2000}; OUT=${OUT:-$WORKDIR/checkpoint_curve.jsonl}
for path in "$WORKDIR"/checkpoints/ckpt-*.npz; do
  name=$(basename "$path" .npz); epoch=$((10#$(echo "$name" | cut -d- -f2)))
  image=$((10#$(echo "$name" | cut -d- -f3)))
  point="\"averaged_points\": \[\[$epoch, $image\]\]"
  if [ -f "$OUT" ] && grep -q "$point" "$OUT"; then continue; fi  # resumable
  $PY -m experiments.average_weights --workdir="$WORKDIR" --checkpoints="$path" \
    --split=validation --images="$IMAGES" --out="$OUT" 2>>"$OUT.stderr" | tail -1
  [ "${PIPESTATUS[0]}" -eq 0 ] || echo "$name FAILED (see $OUT.stderr)"
done
