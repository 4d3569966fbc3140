#!/bin/bash
# Round 3 sweep: 20,000 training images (one pass), first 2,000 test images, inference 300 ms
# (accuracy_vs_time_ms in metrics.jsonl gives 100 and 200 ms too). Baseline B = best of round 1-2:
# init_std 0.1, walk step 0.05. Usage: bash results/sweep_20k/run.sh <outdir>
out=${1:-/tmp/sw20}
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
mkdir -p "$out"
base="--config.train_size=20000 --config.test_size=2000 --config.epochs=1 --config.inference_ms=300
 --config.init_std=0.1 --config.walk_up=0.05 --config.walk_down=0.05 --config.checkpoint_every_images=0"
run() { name=$1; shift; rm -rf "$out/$name"; .venv/bin/python -m experiments.train_mnist \
  --config=experiments/configs/default.py --workdir="$out/$name" $base "$@" > "$out/$name.log" 2>&1
  echo "$name $* :: $(tail -1 "$out/$name/metrics.jsonl" | .venv/bin/python -c 'import sys,json; d=json.loads(sys.stdin.read()); print("acc", d["test_accuracy"], "acc_vs_ms", {k: v for k, v in d["accuracy_vs_time_ms"].items() if k in ("50", "100", "200", "300")}, "img/s", round(d["images_per_s"], 1))')" >> "$out/summary.txt"; }
run B_base
run S_step005 --config.set_step=0.005 --config.reset_step=0.005
run L_label100 --config.n_label=100
run T_thr03 --config.input_threshold=0.3
run S_step0025 --config.set_step=0.0025 --config.reset_step=0.0025
echo done >> "$out/summary.txt"
