#!/bin/bash
# Full-MNIST runs of one configuration for several seeds, one after the other.
# Usage: bash results/full/run_seeds.sh <outdir> <name> "<seeds>" <overrides...>
# e.g.   bash results/full/run_seeds.sh /tmp/full best "1 2 3" --config.epochs=5 --config.batch_size=32
# Each seed's run is `python -m experiments.train_mnist --config=experiments/configs/default.py
# --workdir=<outdir>/<name>_s<seed> --config.seed=<seed> <overrides>`; rerunning resumes.
out=$1; name=$2; seeds=$3; shift 3
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
mkdir -p "$out"
for seed in $seeds; do
  dir="$out/${name}_s$seed"
  .venv/bin/python -m experiments.train_mnist --config=experiments/configs/default.py \
    --workdir="$dir" --config.seed="$seed" "$@" --resume >> "$dir.log" 2>&1
  echo "$name seed $seed exit $?" >> "$out/summary.txt"
done
