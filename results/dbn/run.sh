#!/usr/bin/env bash
# Issue 16 (spiking DBN): per seed, layer 1 trained unsupervised with on-line eCD (label neurons
# silent: --config.label_rate_factor=0), then layer 2 on layer 1's hidden spike trains with the
# labels on top (front end lower_rbm), classified through layer 2's label neurons. Each seed is
# its own stack. Sizes and lengths from the environment (default: the screening protocol of
# results/studies/run.sh, 5,000 training images x 3 epochs, validation 5,000, test 1,000):
#   bash results/dbn/run.sh                   # seeds 1 2 3
#   TRAIN=50000 VALIDATION=10000 TEST=10000 EPOCHS=10 bash results/dbn/run.sh
#   CONFIG=experiments/configs/best.py bash results/dbn/run.sh      # best.py's settings per layer
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
CONFIG=${CONFIG:-experiments/configs/default.py}
TRAIN=${TRAIN:-5000}; VALIDATION=${VALIDATION:-5000}; TEST=${TEST:-1000}; EPOCHS=${EPOCHS:-3}
HIDDEN1=${HIDDEN1:-500}; HIDDEN2=${HIDDEN2:-500}; TAG=$(basename "$CONFIG" .py); TAG=${TAG/default/}
OUT=${OUT:-results/dbn/${TAG:+${TAG}_}h${HIDDEN1}_h${HIDDEN2}_t${TRAIN}_e${EPOCHS}}
SIZES=(--config.train_size=$TRAIN --config.validation_size=$VALIDATION --config.test_size=$TEST
       --config.epochs=$EPOCHS --resume)
for seed in ${SEEDS:-1 2 3}; do
  l1=$OUT/seed$seed/layer1; l2=$OUT/seed$seed/layer2
  mkdir -p "$l1" "$l2"
  cmd1="$PY -m experiments.train_mnist --config=$CONFIG ${SIZES[*]} --config.seed=$seed --config.n_hidden=$HIDDEN1 --config.label_rate_factor=0 --workdir=$l1"
  cmd2="$PY -m experiments.train_mnist --config=$CONFIG:gpgm_linear,lower_rbm ${SIZES[*]} --config.seed=$seed --config.front_end.workdir=$l1 --config.n_data=$HIDDEN1 --config.n_hidden=$HIDDEN2 --workdir=$l2"
  echo "$cmd1" > "$l1/command.txt"; echo "$cmd2" > "$l2/command.txt"
  echo "== seed $seed layer 1"; $cmd1 > "$l1/log.txt" 2>&1 || { echo "layer 1 FAILED"; continue; }
  echo "== seed $seed layer 2"; $cmd2 > "$l2/log.txt" 2>&1 || echo "layer 2 FAILED"
done
