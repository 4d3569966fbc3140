#!/usr/bin/env bash
# Issue 15 (front ends): each front end with the sRBM, on the validation split, 3 seeds vmapped
# per row, with the best sRBM settings (experiments/configs/best.py; CONFIG=experiments/configs/
# default.py for the IBM defaults). Screening protocol as results/studies/run.sh (the first 5,000
# training images x 3 epochs, validation = the last 5,000 training images, test = the first
# 1,000 test images, reported; 100 ms presentation). The CNN rows need results/cnn/cnn.npz
# (python -m experiments.train_cnn).
#   bash results/frontends/run.sh [row ...]
#   CONFIG=experiments/configs/default.py bash results/frontends/run.sh [row ...]
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
CONFIG=${CONFIG:-experiments/configs/best.py}
# Checkpoints every 1,000 images (session 12; before: epoch ends only), so that a stopped row
# loses little; a run field, so the results and a resume are unchanged.
COMMON=(--seeds=1,2,3 --resume --config.inference_ms=100 --config.eval_every=1
        --config.train_size=5000 --config.validation_size=5000 --config.test_size=1000
        --config.epochs=3 --config.checkpoint_every_images=1000 --config.keep_checkpoints=1
        --config.keep_epoch_checkpoints=False)
declare -A ROW=(
  [pixels]="--config=$CONFIG --sweep=input_threshold=0.3"   # best.py itself: the baseline
  [pixels_rate]="--config=$CONFIG --config.input_coding=rate"
  [avg_quadrants]="--config=$CONFIG:gpgm_linear,pooling --config.front_end.maps=avg"
  [max_quadrants]="--config=$CONFIG:gpgm_linear,pooling --config.front_end.maps=max"
  [combo_quadrants]="--config=$CONFIG:gpgm_linear,pooling --config.front_end.maps=combo"
  [avg_compact]="--config=$CONFIG:gpgm_linear,pooling --config.front_end.maps=avg --config.front_end.layout=compact --config.n_data=196"
  [combo_compact]="--config=$CONFIG:gpgm_linear,pooling --config.front_end.maps=combo --config.front_end.layout=compact --config.n_data=392"
  [cnn_mode1]="--config=$CONFIG:gpgm_linear,cnn --config.front_end.mode=1 --config.n_data=720 --sweep=input_threshold=0.1,0.3"
  [cnn_mode2]="--config=$CONFIG:gpgm_linear,cnn --sweep=input_threshold=0.1,0.3"
  [cnn_mode2_rate]="--config=$CONFIG:gpgm_linear,cnn --config.input_coding=rate"
  # a wider CNN (ours, the issue's further row; results/cnn_wide: 16,16,32,48 channels and a
  # final pool, Mode 2 = 4 x 4 x 48 = 768 features; 98.96 % validation alone)
  [cnn_wide_mode2]="--config=$CONFIG:gpgm_linear,cnn --config.front_end.checkpoint=results/cnn_wide/cnn.npz --sweep=input_threshold=0.3,0.5"
  [cnn_wide_mode2_rate]="--config=$CONFIG:gpgm_linear,cnn --config.front_end.checkpoint=results/cnn_wide/cnn.npz --config.input_coding=rate"
  [max_compact]="--config=$CONFIG:gpgm_linear,pooling --config.front_end.maps=max --config.front_end.layout=compact --config.n_data=196"
)
ORDER=(pixels pixels_rate avg_quadrants max_quadrants combo_quadrants avg_compact max_compact
       combo_compact
       cnn_mode1 cnn_mode2 cnn_mode2_rate cnn_wide_mode2 cnn_wide_mode2_rate)
# shellcheck source=../run_rows.sh
source results/run_rows.sh
run_rows results/frontends ROW "${COMMON[@]}" -- "${@:-${ORDER[@]}}"
