#!/bin/bash
# walk 0.05 both ways: best.py's walk when these runs were made (session 10 re-chose 0.025)
# The device comparison of RESULTS.md section 7 (session 5): best.py without weight decay (the
# PCM pairs and the 2T1R cell cannot decay), 5,000 training images x 10 epochs, first 1,000 test
# images at 300 ms, evaluated after epochs 5 and 10; 2 seeds vmapped per device; drift after
# 1 s, 1 hour, 1 day, 1 year. The devices' own params are calibrated to best.py's change per event
# (0.01 conductance units: gpgm_linear SETs one device by 0.005 and RESETs the other by 0.005):
#   pcm_nonlinear: dw_min 7e-5 (a SET changes G by 5 x 7e-5 x 26.3 = 0.0092 at the init point,
#                  less as the device saturates; the pilots of session 5 with dw_min 2e-4 / 5e-4
#                  reached 67.4 / 9.6 % vs 74.2 % after 3,000 images), init_std 0.033 (G std
#                  0.141 = best.py's 0.1 x sqrt 2);
#   pcm_stochastic: its default step law (mean 0.02 at G = 0 ... 0.01 at G = 5), init_std 0.165;
#   bipolar_2t1r: set_step = reset_step = 0.01, init_std 0.141.
#   gpgm_linear_128: the 6T2R pair read through 128 conductance levels (IBM conductance_level).
# Three processes side by side, one XLA thread each; each trained row is saved in rows/ and a
# rerun skips it (a row's result does not depend on the process that trains it). Session 5 ran
# processes a and b from the start and c 25 minutes later, with gpgm_linear also queued last in a
# (skipped there: its row was saved by then).
# Usage: bash results/devices_5k/run.sh [outdir]
out=${1:-results/devices_5k}
cd "$(dirname "$0")/../.."
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-/tmp/srbm_cache}
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
common=(--config=experiments/configs/best.py --config.walk_up=0.05 --config.walk_down=0.05 --workdir="$out" --seeds=2 --drift_seconds=1,3600,86400,31536000
        --config.weight_decay=0 --config.train_size=5000 --config.test_size=1000 --config.epochs=10
        --config.eval_every=5
        --variant=pcm_nonlinear_7e-5:pcm_nonlinear:dw_min=7e-5,init_std=0.033
        --variant=pcm_stochastic_cal:pcm_stochastic:init_std=0.165
        --variant=bipolar_2t1r_cal:bipolar_2t1r:set_step=0.01,reset_step=0.01,init_std=0.141
        --variant=gpgm_linear_128:gpgm_linear:levels=128)
mkdir -p "$out"
.venv/bin/python -m experiments.compare_devices "${common[@]}" \
    --devices=pcm_nonlinear_7e-5,ideal >> "$out/run_a.log" 2>&1 &
.venv/bin/python -m experiments.compare_devices "${common[@]}" \
    --devices=pcm_stochastic_cal,bipolar_2t1r_cal >> "$out/run_b.log" 2>&1 &
.venv/bin/python -m experiments.compare_devices "${common[@]}" \
    --devices=gpgm_linear,gpgm_linear_128 >> "$out/run_c.log" 2>&1 &
wait
.venv/bin/python -m experiments.compare_devices "${common[@]}" --replot \
    --devices=ideal,gpgm_linear,gpgm_linear_128,pcm_nonlinear_7e-5,pcm_stochastic_cal,bipolar_2t1r_cal \
    >> "$out/run.log" 2>&1
