#!/bin/bash
# Round 3d: input threshold with the half step, 20,000 images (as run.sh).
# Usage: bash results/sweep_20k/run_round3d.sh <outdir>  (runs after run_round3c.sh)
out=${1:-/tmp/sw20}
while ! grep -q '^done_3c' "$out/summary.txt" 2>/dev/null; do sleep 10; done
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
base="--config.train_size=20000 --config.test_size=2000 --config.epochs=1 --config.inference_ms=300
 --config.init_std=0.1 --config.checkpoint_every_images=0"
run() { name=$1; shift; rm -rf "$out/$name"; .venv/bin/python -m experiments.train_mnist \
  --config=experiments/configs/default.py --workdir="$out/$name" $base "$@" > "$out/$name.log" 2>&1
  echo "$name $* :: $(tail -1 "$out/$name/metrics.jsonl" | .venv/bin/python -c 'import sys,json; d=json.loads(sys.stdin.read()); print("acc", d["test_accuracy"], "acc_vs_ms", {k: v for k, v in d["accuracy_vs_time_ms"].items() if k in ("50", "100", "200", "300")}, "img/s", round(d["images_per_s"], 1), "rates", round(d["hidden_rate_data"], 1), round(d["label_rate_model"], 1))')" >> "$out/summary.txt"; }
run T03_S005 --config.walk_up=0.05 --config.walk_down=0.05 --config.input_threshold=0.3 --config.set_step=0.005 --config.reset_step=0.005
run T02_S005 --config.walk_up=0.05 --config.walk_down=0.05 --config.input_threshold=0.2 --config.set_step=0.005 --config.reset_step=0.005
echo done_3d >> "$out/summary.txt"
