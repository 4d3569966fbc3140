#!/bin/bash
# experiments/configs/best.py (weight decay 5e-6) with the ideal float weight instead of the 6T2R
# pair, 5 epochs, seeds 1-3, evaluated after epoch 5 on all 10,000 test images: the software
# reference for the devices comparison. Three processes side by side, one XLA thread each.
# Continue to 10 epochs later with the same command and EPOCHS=10 (epochs may change on --resume).
# Usage: bash results/full/run_ideal5.sh <outdir>
out=${1:-/tmp/full}
epochs=${EPOCHS:-5}
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
mkdir -p "$out"
for seed in 1 2 3; do
  dir="$out/best_wd5e-6_ideal_s$seed"
  ( .venv/bin/python -m experiments.train_mnist --config=experiments/configs/best.py \
      --workdir="$dir" --config.seed="$seed" --config.device=ideal --config.epochs="$epochs" \
      --resume >> "$dir.log" 2>&1
    echo "ideal seed $seed epochs $epochs exit $?" >> "$out/summary.txt" ) &
done
wait
