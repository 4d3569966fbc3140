#!/usr/bin/env bash
# Issue 13 item 5, the averaged-weights row: the mean of the accuracy-target run's epoch-end
# states (best.py, 3 seeds, runs/best_validation, kept locally) over the last 2, 3 and 5 epochs,
# each evaluated on all 10,000 validation images at 300 ms with the driver's key of epoch 10 (so
# it pairs with the plain epoch-10 record). The window is chosen on validation; the chosen one
# alone is then evaluated on the 10,000 test images, once:
#   bash results/accuracy_target/epoch_average/run.sh [run dir]           # validation
#   SPLIT=test EPOCHS=<chosen> bash results/accuracy_target/epoch_average/run.sh [run dir]
set -u
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
RUN=${1:-runs/best_validation}
OUT=results/accuracy_target/epoch_average
for epochs in ${EPOCHS:-9-10 8-10 6-10}; do
  $PY -m experiments.average_weights --workdir="$RUN" --epochs="$epochs" --split="${SPLIT:-validation}" \
      --out="$OUT/${SPLIT:-validation}.jsonl"
done
