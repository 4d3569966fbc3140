#!/bin/bash
# walk 0.05 both ways: best.py's walk when these runs were made (session 10 re-chose 0.025)
# 10 epochs of experiments/configs/best.py with the SET/RESET steps shrinking by step_decay per
# epoch (continuously), seeds 1-3, evaluated after epochs 5 and 10 on all 10,000 test images.
# The three seeds run side by side as three processes with one XLA thread each: on the 2-core CPU
# this gave ~300 training images/s in all vs ~200 for one process using both cores (ad hoc timing
# of 496-image mini-batch-8 chunks, session 3).
# Usage: bash results/full/run_decay10.sh <outdir> [step_decay]
out=${1:-/tmp/full}
decay=${2:-0.6}
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
mkdir -p "$out"
for seed in 1 2 3; do
  dir="$out/best_decay${decay}_s$seed"
  ( .venv/bin/python -m experiments.train_mnist --config=experiments/configs/best.py --config.walk_up=0.05 --config.walk_down=0.05 --config.weight_decay=0 \
      --workdir="$dir" --config.seed="$seed" --config.epochs=10 --config.step_decay="$decay" \
      --config.eval_every=5 --resume >> "$dir.log" 2>&1
    echo "decay $decay seed $seed exit $?" >> "$out/summary.txt" ) &
done
wait
