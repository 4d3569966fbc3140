#!/usr/bin/env bash
# Issue 13 item 5, the lever RESULTS 11 named: anneal the steps after epoch 5. The 3 networks of
# the best.py confirmation run (results/accuracy_target/best_v2) are forked from their end-of-
# epoch-5 checkpoint and trained epochs 6-10 with step_decay 0.87 (the step factor 0.87^(images
# so far / 50,000): 0.50 at the fork, 0.25 at the end of epoch 10), the same image, order and
# evaluation keys as the constant-step run (experiments/continue_run.py on a study). Chosen
# against the constant-step run on validation at epoch 10; test reported once.
#   bash results/accuracy_target/best_v2_anneal/run.sh        # waits for the source, resumes
set -u
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
SOURCE=${SOURCE:-runs/best_v2/checkpoints/ckpt-0005-00000000.npz}
WORKDIR=${WORKDIR:-runs/best_v2_anneal}
OUT=results/accuracy_target/best_v2_anneal
until [[ -f $SOURCE ]]; do sleep 60; done
RESUME=(); [[ -d $WORKDIR/checkpoints ]] && RESUME=(--resume)
$PY -m experiments.continue_run --source="$SOURCE" --workdir="$WORKDIR" --epochs=5 \
    --set=step_decay=0.87 "${RESUME[@]}"
for name in metrics.jsonl study.md study.png study.jsonl config.json; do
  [[ -f $WORKDIR/$name ]] && cp "$WORKDIR/$name" "$OUT/"
done
