#!/bin/bash
# The seed's shape study: IBM defaults (experiments/configs/default.py: on-line eCD, gpgm_linear,
# threshold 0.5, 40 labels, 100 ms test presentation), seed 2, evaluated on all 10,000 test
# images after every epoch, up to 10 epochs (rerunning resumes from the last checkpoint).
# Usage: bash results/full/run_seed_default.sh <outdir>
out=${1:-/tmp/full}
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
mkdir -p "$out"
.venv/bin/python -m experiments.train_mnist --config=experiments/configs/default.py \
  --workdir="$out/seed_default10_s2" --config.epochs=10 --config.eval_every=1 --resume \
  >> "$out/seed_default10_s2.log" 2>&1
echo "seed_default10 exit $?" >> "$out/summary.txt"
