#!/bin/bash
# Round 3e: mini-batch eCD around the best of round 3b (batch 8, step 0.005), 20,000 images,
# first 2,000 test images, inference 300 ms (as run.sh).
# Usage: bash results/sweep_20k/run_round3e.sh <outdir>  (runs after run_minibatch.sh)
out=${1:-/tmp/sw20}
while ! grep -q '^done_minibatch' "$out/summary.txt" 2>/dev/null; do sleep 10; done
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
base="--config.train_size=20000 --config.test_size=2000 --config.epochs=1 --config.inference_ms=300
 --config.init_std=0.1 --config.checkpoint_every_images=0 --config.batch_size=8"
run() { name=$1; shift; rm -rf "$out/$name"; .venv/bin/python -m experiments.train_mnist \
  --config=experiments/configs/default.py --workdir="$out/$name" $base "$@" > "$out/$name.log" 2>&1
  echo "$name $* :: $(tail -1 "$out/$name/metrics.jsonl" | .venv/bin/python -c 'import sys,json; d=json.loads(sys.stdin.read()); print("acc", d["test_accuracy"], "acc_vs_ms", {k: v for k, v in d["accuracy_vs_time_ms"].items() if k in ("50", "100", "200", "300")}, "img/s", round(d["images_per_s"], 1), "rates", round(d["hidden_rate_data"], 1), round(d["label_rate_model"], 1))')" >> "$out/summary.txt"; }
w05="--config.walk_up=0.05 --config.walk_down=0.05"
run M8_S005_T03 $w05 --config.set_step=0.005 --config.reset_step=0.005 --config.input_threshold=0.3
run M16_S0025 $w05 --config.set_step=0.0025 --config.reset_step=0.0025
# not run (stopped to free the CPU for the full runs): run M8_S0025 $w05 --config.set_step=0.0025 --config.reset_step=0.0025
# not run (stopped to free the CPU for the full runs): run M8_S005_W04 --config.walk_up=0.04 --config.walk_down=0.04 --config.set_step=0.005 --config.reset_step=0.005
# not run (stopped to free the CPU for the full runs): run M4_S005 $w05 --config.batch_size=4 --config.set_step=0.005 --config.reset_step=0.005
echo done_3e >> "$out/summary.txt"
