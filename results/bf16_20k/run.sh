#!/bin/bash
# walk 0.05 both ways: best.py's walk when these runs were made (session 10 re-chose 0.025)
# float32 vs bfloat16 conductance storage (nearest and stochastic rounding), 6T2R gpgm_linear pair,
# experiments/configs/best.py on the first 20,000 training images (one pass) and the first 2,000
# test images at 300 ms: the setting of results/sweep_20k run M8_S005_T03.
# Usage: bash results/bf16_20k/run.sh <outdir>
out=${1:-/tmp/bf16_20k}
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
mkdir -p "$out"
base="--config.train_size=20000 --config.test_size=2000 --config.epochs=1
 --config.checkpoint_every_images=0"
run() { name=$1; shift; rm -rf "$out/$name"; .venv/bin/python -m experiments.train_mnist \
  --config=experiments/configs/best.py --config.walk_up=0.05 --config.walk_down=0.05 --config.weight_decay=0 --workdir="$out/$name" $base "$@" > "$out/$name.log" 2>&1
  echo "$name $* :: $(tail -1 "$out/$name/metrics.jsonl" | .venv/bin/python -c 'import sys,json; d=json.loads(sys.stdin.read()); print("acc", d["test_accuracy"], "acc100", d["accuracy_vs_time_ms"]["100"], "img/s", round(d["images_per_s"], 1), "weight_std", round(d["weight_std"], 4))')" >> "$out/summary.txt"; }
run bf16_nearest --config.conductance_dtype=bfloat16 --config.conductance_rounding=nearest
run bf16_stochastic --config.conductance_dtype=bfloat16 --config.conductance_rounding=stochastic
run float32 --config.conductance_dtype=float32
echo done >> "$out/summary.txt"
