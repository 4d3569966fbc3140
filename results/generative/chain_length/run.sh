#!/usr/bin/env bash
# Issue 16 item 2: does a longer free run before the model phase (a longer chain, as CD-k with a
# larger k) make the network generate digits instead of near-silent blobs (RESULTS 15)?
# best.py with transition_model_ms = 10 (as is), 60 and 160 ms (no learning in the transition;
# the model phase still counts 40 ms), 3 seeds vmapped per row; the first 5,000 training images
# x 2 epochs, validation = the last 2,000 training images, 100 ms presentation, test = the first
# 500 test images (reported only). Then every row's networks generate 20 images per class
# (results/generative/generation_checks.py), judged by the reference classifier.
#   bash results/generative/chain_length/run.sh [row ...]
set -u
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
CONFIG=--config=experiments/configs/best.py
COMMON=(--seeds=1,2,3 --resume --config.train_size=5000 --config.validation_size=2000
        --config.test_size=500 --config.epochs=2 --config.eval_every=1 --config.inference_ms=100
        --config.checkpoint_every_images=0 --config.keep_checkpoints=1
        --config.keep_epoch_checkpoints=False)
declare -A ROW=(
  [transition_10]="$CONFIG --config.transition_model_ms=10 --sweep=input_threshold=0.3"
  [transition_60]="$CONFIG --config.transition_model_ms=60 --sweep=input_threshold=0.3"
  [transition_160]="$CONFIG --config.transition_model_ms=160 --sweep=input_threshold=0.3"
)
ORDER=(transition_10 transition_60 transition_160)
# shellcheck source=../../run_rows.sh
source results/run_rows.sh
run_rows results/generative/chain_length ROW "${COMMON[@]}" -- "${@:-${ORDER[@]}}"
for name in "${@:-${ORDER[@]}}"; do
  dir=results/generative/chain_length/$name
  [[ -d $dir/checkpoints ]] || continue
  PYTHONPATH=${PYTHONPATH:-.} $PY results/generative/generation_checks.py "$dir" 20 \
    > "$dir/generation_checks.jsonl" 2>> "$dir/log.txt"
done
