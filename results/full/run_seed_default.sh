#!/bin/bash
# The seed's shape study: IBM defaults (experiments/configs/default.py: on-line eCD, gpgm_linear,
# threshold 0.5, 40 labels, 100 ms test presentation), evaluated on all 10,000 test images after
# every epoch, up to 10 epochs (rerunning resumes from the last checkpoint). With several seeds:
# one process per seed, side by side, one XLA thread each; one seed uses both cores.
# Usage: bash results/full/run_seed_default.sh <outdir> ["<seeds>"]
out=${1:-/tmp/full}
seeds=${2:-"2 3"}
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
if [ "$(echo $seeds | wc -w)" -gt 1 ]; then
  export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
fi
mkdir -p "$out"
for seed in $seeds; do
  dir="$out/seed_default10_s$seed"
  ( .venv/bin/python -m experiments.train_mnist --config=experiments/configs/default.py \
      --workdir="$dir" --config.seed="$seed" --config.epochs=10 --config.eval_every=1 --resume \
      >> "$dir.log" 2>&1
    echo "seed_default10 seed $seed exit $?" >> "$out/summary.txt" ) &
done
wait
