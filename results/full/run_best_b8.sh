#!/bin/bash
# The best configuration of the 20,000-image sweep (results/sweep_20k, run M8_S005_T03), full
# MNIST, 5 epochs, seeds 1-3: mini-batch 8, SET/RESET step 0.005, input threshold 0.3, walk step
# 0.05, init_std 0.1, 300 ms test presentation. Seed 1 is evaluated after every epoch, seeds 2
# and 3 after epoch 5 (evaluation at 300 ms costs ~2.7 min on the 2-core CPU).
# Usage: bash results/full/run_best_b8.sh <outdir>
out=${1:-/tmp/full}
here="$(dirname "$0")"
common="--config.epochs=5 --config.batch_size=8 --config.set_step=0.005 --config.reset_step=0.005
 --config.input_threshold=0.3 --config.walk_up=0.05 --config.walk_down=0.05 --config.init_std=0.1
 --config.inference_ms=300"
bash "$here/run_seeds.sh" "$out" best_b8 "1" $common --config.eval_every=1
bash "$here/run_seeds.sh" "$out" best_b8 "2 3" $common --config.eval_every=5
echo done >> "$out/summary.txt"
