#!/usr/bin/env bash
# Issue 13 item 5, the annealed fork (best_v2_anneal) with the weight decay scaled by the same
# factor as the steps (--set=weight_decay_follows_steps=True, session 12): best_v2_anneal kept the
# decay constant and its weights shrank (sd 0.54 -> 0.36), losing 1.8 points on validation.
# Otherwise as best_v2_anneal: anneal the steps after epoch 5. The 3 networks of
# the best.py confirmation run (results/accuracy_target/best_v2) are forked from their end-of-
# epoch-5 checkpoint and trained epochs 6-10 with step_decay 0.87 (the step factor 0.87^(images
# so far / 50,000): 0.50 at the fork, 0.25 at the end of epoch 10), the same image, order and
# evaluation keys as the constant-step run (experiments/continue_run.py on a study). Chosen
# against the constant-step run on validation at epoch 10; test reported once.
#   bash results/accuracy_target/best_v2_anneal_decay/run.sh        # waits for the source, resumes
set -u
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
SOURCE=${SOURCE:-runs/best_v2/checkpoints/ckpt-0005-00000000.npz}
WORKDIR=${WORKDIR:-runs/best_v2_anneal_decay}
OUT=results/accuracy_target/best_v2_anneal_decay
until [[ -f $SOURCE ]]; do sleep 60; done
RESUME=(); [[ -d $WORKDIR/checkpoints ]] && RESUME=(--resume)
$PY -m experiments.continue_run --source="$SOURCE" --workdir="$WORKDIR" --epochs=5 \
    --set=step_decay=0.87 --set=weight_decay_follows_steps=True "${RESUME[@]}"
for name in metrics.jsonl study.md study.png study.jsonl config.json; do
  [[ -f $WORKDIR/$name ]] && cp "$WORKDIR/$name" "$OUT/"
done
