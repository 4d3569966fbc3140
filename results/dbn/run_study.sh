#!/usr/bin/env bash
# Issue 16 (spiking DBN), the seeds side by side: layer 1 is one study of seeds 1-3 (vmapped,
# label neurons silent: unsupervised eCD), layer 2 one study of the same seeds on layer 1's
# study, each seed stacked on the layer-1 network of its own seed (srbm_jax.frontends.lower_rbm),
# the labels on top, classified through layer 2's label neurons. The same model as run.sh (one
# process per seed and layer), about 3-4 times the images/s per network on two cores.
# Layer 1's own evaluation (at chance with its labels silent) is cut to 1,000 images at 100 ms; it
# does not touch the training images (the first TRAIN of the training split).
# Layer 2 also keeps the tail average of its last epoch (the mean of its ten segment-end states,
# TRAIN / 10 images apart) as its own row, as best.py's accuracy-target run does (RESULTS 11);
# the window is fixed here, before the run.
# Layer 2's step, weight decay and the images it trains on are set here before a run:
# STEP2 (SET = RESET step), DECAY2 (weight decay per image; both default: CONFIG's own, 0.005
# and 5e-6 for best.py) and EPOCHS2. LAYER1=<an existing layer-1 study> stacks layer 2 on it
# instead of training layer 1 again (its command.txt says how it was made). LABELS1 (default 0:
# label neurons silent, unsupervised greedy stacking) is layer 1's label_rate_factor: 1 trains
# layer 1 with the labels on its own label neurons (supervised greedy stacking); either way the
# stacked model runs layer 1 with its label neurons silent and reads the labels at the top.
# EXTRA2 (default empty): more arguments for layer 2's study, e.g. a --sweep of its own
# (session 18: EXTRA2=--sweep=label_weight_decay=3e-5,1e-4).
#   TRAIN=50000 VALIDATION=10000 TEST=10000 EPOCHS1=3 EPOCHS2=3 bash results/dbn/run_study.sh
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
CONFIG=${CONFIG:-experiments/configs/best.py}
TRAIN=${TRAIN:-5000}; VALIDATION=${VALIDATION:-5000}; TEST=${TEST:-1000}
EPOCHS1=${EPOCHS1:-3}; EPOCHS2=${EPOCHS2:-3}; SEEDS=${SEEDS:-1,2,3}
HIDDEN1=${HIDDEN1:-500}; HIDDEN2=${HIDDEN2:-500}; TAG=$(basename "$CONFIG" .py)
STEP2=${STEP2:-}; DECAY2=${DECAY2:-}; LAYER1=${LAYER1:-}; LABELS1=${LABELS1:-0}
LAYER2_SETTINGS=()
# shellcheck disable=SC2206
[ -n "${EXTRA2:-}" ] && LAYER2_SETTINGS+=($EXTRA2)
[ -n "$STEP2" ] && LAYER2_SETTINGS+=(--config.device.set_step=$STEP2 --config.device.reset_step=$STEP2)
[ -n "$DECAY2" ] && LAYER2_SETTINGS+=(--config.weight_decay=$DECAY2)
if [ -n "$LAYER1" ] && ! ls "$LAYER1"/checkpoints/ckpt-*.npz > /dev/null 2>&1; then
  echo "LAYER1=$LAYER1 holds no checkpoints/ckpt-*.npz: allowed a trained layer-1 study"; exit 1
fi
OUT=${OUT:-results/dbn/study_${TAG}_h${HIDDEN1}_h${HIDDEN2}_t${TRAIN}_e${EPOCHS1}_${EPOCHS2}}
l1=${LAYER1:-$OUT/layer1}; l2=$OUT/layer2
mkdir -p "$l1" "$l2"
COMMON=(--seeds=$SEEDS --resume --config.train_size=$TRAIN --config.checkpoint_every_images=1000
        --config.keep_checkpoints=1 --config.keep_epoch_checkpoints=False)
cmd1="$PY -m experiments.study --config=$CONFIG ${COMMON[*]} --config.epochs=$EPOCHS1
  --config.eval_every=$EPOCHS1 --config.validation_size=1000 --config.test_size=1000
  --config.inference_ms=100 --config.n_hidden=$HIDDEN1 --config.label_rate_factor=$LABELS1 --workdir=$l1"
cmd2="$PY -m experiments.study --config=$CONFIG:gpgm_linear,lower_rbm ${COMMON[*]}
  --config.epochs=$EPOCHS2 --config.eval_every=1 --config.validation_size=$VALIDATION
  --config.test_size=$TEST --config.front_end.workdir=$l1 --config.n_data=$HIDDEN1
  --config.n_hidden=$HIDDEN2 --config.tail_average_epochs=1
  --config.checkpoint_every_images=$((TRAIN / 10)) ${LAYER2_SETTINGS[*]} --workdir=$l2"
echo $cmd2 > "$l2/command.txt"
if [ -n "$LAYER1" ]; then
  echo "== layer 1: $LAYER1 (trained before; $LAYER1/command.txt)"
else
  echo $cmd1 > "$l1/command.txt"
  echo "== layer 1"; $cmd1 > "$l1/log.txt" 2>&1 || { echo "layer 1 FAILED (see $l1/log.txt)"; exit 1; }
fi
echo "== layer 2"; $cmd2 > "$l2/log.txt" 2>&1 || { echo "layer 2 FAILED (see $l2/log.txt)"; exit 1; }
