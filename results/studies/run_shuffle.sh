#!/usr/bin/env bash
# The effect of shuffled epochs (issue 13 item 2): shuffle off / on, 3 seeds, the protocol of
# results/studies/run.sh (IBM defaults, the first 5,000 training images x 3 epochs, validation =
# the last 5,000 training images, test = the first 1,000 test images).
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
out=results/studies/shuffle
mkdir -p "$out"
cmd="$PY -m experiments.study --config=experiments/configs/default.py --seeds=1,2,3 --resume --config.train_size=5000 --config.validation_size=5000 --config.test_size=1000 --config.epochs=3 --config.checkpoint_every_images=0 --config.keep_checkpoints=1 --config.keep_epoch_checkpoints=False --workdir=$out --sweep=shuffle=0,1"
echo "$cmd" > "$out/command.txt"
$cmd > "$out/log.txt" 2>&1
