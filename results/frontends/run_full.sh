#!/usr/bin/env bash
# Issue 15's target run: CNN + sRBM with best.py's settings, 3 seeds vmapped, the first 50,000
# training images x 10 shuffled epochs, validation = the last 10,000, all 10,000 test images at
# 300 ms (100 ms recorded beside), evaluated after epochs 5 and 10; the CNN (its checkpoint), its
# mode and the feature threshold as chosen on validation by the screening rows
# (results/frontends/run.sh cnn_mode1 / cnn_mode2 / cnn_wide_mode2), given here:
#   MODE=2 THRESHOLD=0.3 bash results/frontends/run_full.sh        # resumes where it stopped
#   CNN=results/cnn_wide/cnn.npz MODE=2 THRESHOLD=0.3 bash results/frontends/run_full.sh
# EPOCHS=5 stops after epoch 5 (evaluated there); a later call with EPOCHS=10 resumes it to the
# same networks a 10-epoch run trains (epochs is a run field: the shuffles and steps are per
# epoch, so the first five epochs are the same either way).
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
CNN=${CNN:-results/cnn/cnn.npz}
EPOCHS=${EPOCHS:-10}
KEEP_EPOCHS=${KEEP_EPOCHS:-True}   # False: only the newest checkpoint stays (a small workdir to carry)
MODE=${MODE:?set MODE=1 or 2 (chosen on validation by the screening rows)}
THRESHOLD=${THRESHOLD:?set THRESHOLD (chosen on validation by the screening rows)}
# the data neurons follow the CNN's features (its checkpoint records its architecture)
N_DATA=$($PY -c "from srbm_jax.frontends import cnn_from_checkpoint as c; print(c('$CNN', $MODE)[0].output_size(None))") || exit 2
NAME=$(basename "$(dirname "$CNN")")_mode${MODE}_full   # cnn_mode2_full, cnn_wide_mode2_full
NAME=${NAME/#cnn_cnn/cnn}
WORKDIR=${WORKDIR:-runs/$NAME}
OUT=results/frontends/$NAME
mkdir -p "$OUT"
CMD="$PY -m experiments.study --config=experiments/configs/best.py:gpgm_linear,cnn
  --config.front_end.checkpoint=$CNN --config.front_end.mode=$MODE --config.n_data=$N_DATA
  --seeds=1,2,3 --resume --config.epochs=$EPOCHS --config.checkpoint_every_images=5000
  --config.keep_checkpoints=1 --config.keep_epoch_checkpoints=$KEEP_EPOCHS
  --config.tail_average_epochs=1
  --workdir=$WORKDIR --sweep=input_threshold=$THRESHOLD"
echo $CMD > "$OUT/command.txt"
$CMD
for name in metrics.jsonl study.md study.png study.jsonl config.json; do
  [[ -f $WORKDIR/$name ]] && cp "$WORKDIR/$name" "$OUT/"
done
