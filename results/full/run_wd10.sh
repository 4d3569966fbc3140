#!/bin/bash
# walk 0.05 both ways: best.py's walk when these runs were made (session 10 re-chose 0.025)
# 10 epochs of experiments/configs/best.py with weight decay (G <- (1 - weight_decay) G per
# training image, `Device.relax`), seeds 1-3, evaluated after epochs 5 and 10 on all 10,000 test
# images. Three processes side by side with one XLA thread each (see run_decay10.sh).
# Usage: [EPOCHS=10] bash results/full/run_wd10.sh <outdir> [weight_decay] [device]
# (device: gpgm_linear by default, the 6T2R pair of best.py; e.g. ideal for the software reference;
# EPOCHS may be raised later on the same outdir: the runs resume)
out=${1:-/tmp/full}
decay=${2:-2e-6}
device=${3:-gpgm_linear}
epochs=${EPOCHS:-10}
suffix=$([ "$device" = gpgm_linear ] && echo "" || echo "_$device")
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
mkdir -p "$out"
for seed in 1 2 3; do
  dir="$out/best_wd${decay}${suffix}_s$seed"
  ( .venv/bin/python -m experiments.train_mnist --config=experiments/configs/best.py --config.walk_up=0.05 --config.walk_down=0.05 \
      --workdir="$dir" --config.seed="$seed" --config.epochs="$epochs" --config.weight_decay="$decay" \
      --config.device="$device" \
      --config.eval_every=5 --resume >> "$dir.log" 2>&1
    echo "weight_decay $decay device $device epochs $epochs seed $seed exit $?" >> "$out/summary.txt" ) &
done
wait
