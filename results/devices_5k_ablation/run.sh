#!/bin/bash
# walk 0.05 both ways: best.py's walk when these runs were made (session 10 re-chose 0.025)
# Single-network PCM rows beside results/devices_5k (same config, same first network: root seed 2;
# drift after 1 s and 1 year only), one process per row, one XLA thread each (session 5):
#   pcm_nonlinear_7e-5_quiet: pcm_nonlinear_7e-5 without step noise (dw_min_std = dw_min_dtod = 0);
#   pcm_stochastic_half: pcm_stochastic with every step coefficient halved (mean 0.01 at G = 0 ...
#     0.005 at G = 5) and a 32-pulse cap per call;
#   pcm_nonlinear_1.5e-4: pcm_nonlinear with dw_min 1.5e-4 and a 32-pulse cap per call.
# Usage: bash results/devices_5k_ablation/run.sh [outdir]
out=${1:-results/devices_5k_ablation}
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
common=(--config=experiments/configs/best.py --config.walk_up=0.05 --config.walk_down=0.05 --workdir="$out" --seeds=1 --drift_seconds=1,31536000
        --config.weight_decay=0 --config.train_size=5000 --config.test_size=1000 --config.epochs=10
        --config.eval_every=5)
mkdir -p "$out"
for variant in \
    pcm_nonlinear_7e-5_quiet:pcm_nonlinear:dw_min=7e-5,init_std=0.033,dw_min_std=0,dw_min_dtod=0 \
    pcm_stochastic_half:pcm_stochastic:mean_0=0.01,mean_g=-0.001,mean_p=-0.0001,std_0=0.002,std_g=-0.0001,std_p=0.00005,init_std=0.165,max_pulses_per_call=32 \
    pcm_nonlinear_1.5e-4:pcm_nonlinear:dw_min=1.5e-4,init_std=0.033,max_pulses_per_call=32; do
  label=${variant%%:*}
  .venv/bin/python -m experiments.compare_devices "${common[@]}" --devices="$label" \
      --variant="$variant" >> "$out/$label.log" 2>&1 &
done
wait
.venv/bin/python -m experiments.compare_devices "${common[@]}" --replot \
    --devices=pcm_nonlinear_7e-5_quiet,pcm_nonlinear_1.5e-4,pcm_stochastic_half >> "$out/run.log" 2>&1
