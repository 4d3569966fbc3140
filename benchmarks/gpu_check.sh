#!/bin/bash
# The device-machine check, prepared for a session that is lent a GPU (one call, ~10 minutes of
# the 15-minute budget; not yet run on a GPU: no task so far was lent one).
#
# Prepare here (the device machine has jax, flax, optax, absl-py, matplotlib, but not
# ml_collections, and cannot download anything; .gpu_carry/ is git-ignored):
#   mkdir -p .gpu_carry/whl .gpu_carry/cache
#   python3 -m pip download --no-deps --only-binary=:all: -d .gpu_carry/whl ml_collections==1.1.0
#   cp ~/.cache/srbm_jax/mnist.npz .gpu_carry/cache/      # or $SRBM_JAX_CACHE/mnist.npz
#   # trained weights for the measurements on the real regime (issue 19): a run or study dir
#   # with its config and newest checkpoint only, e.g. the 3-seed best.py study
#   mkdir -p .gpu_carry/trained/checkpoints && cp runs/best_validation/metrics.jsonl .gpu_carry/trained/ \
#     && cp "$(ls runs/best_validation/checkpoints/ckpt-*.npz | tail -1)" .gpu_carry/trained/checkpoints/
# Then: run(command="bash benchmarks/gpu_check.sh", carry=[".gpu_carry"], timeout_s=600).
# Locally (a smoke run of this script on the CPU): OUT=/tmp/gpu_out SMOKE=1 bash benchmarks/gpu_check.sh
#
# Writes to $OUT: throughput.jsonl (fresh weights, synthetic digits: on-line, mini-batch 8 / 32 /
# 128, inference in batches of 250 / 2000, 1 / 8 / 64 vmapped networks), trained.jsonl (the same
# paths and early-decision inference on the trained weights of .gpu_carry/trained and real MNIST,
# when carried, training with the dense coincidence counts beside the packed default, and images side by
# side with the sparse row sums, --batch_drive_chunk=16, beside the dense default), study.md + study.jsonl (a 1-epoch, 3-seed study of best.py on 10,000 images, for
# the speed of a real sweep), and log.txt. Each figure is the median of repeated timing windows.
set -u
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
if [ -d .gpu_carry/whl ] && ls .gpu_carry/whl/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .gpu_carry/whl/*.whl && export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONPATH=${PYTHONPATH:-$PWD} PYTHONUNBUFFERED=1
export SRBM_JAX_CACHE=${SRBM_JAX_CACHE:-$PWD/.gpu_carry/cache}
# the project's virtual environment where there is one (here), else the machine's python3 (the
# device machine, whose jax is preinstalled)
if [ -z "${PY:-}" ]; then [ -x .venv/bin/python ] && PY=.venv/bin/python || PY=python3; fi
if [ "${SMOKE:-0}" = 1 ]; then
  sizes=(--images=16 --test_images=16 --networks=1,2 --network_images=4 --batches=8
         --window_s=0.2 --repeats=2)
  infer_batches=(8)
  study_size=(--config.train_size=48 --config.validation_size=24 --config.test_size=24)
else
  sizes=(--images=400 --test_images=4000 --networks=1,8,64 --network_images=100
         --batches=8,32,128 --window_s=3 --repeats=3)
  infer_batches=(250 2000)
  study_size=(--config.train_size=10000 --config.validation_size=2000 --config.test_size=2000)
fi
{
  $PY -c "import jax; print('jax', jax.__version__, jax.devices())"
  nvidia-smi --query-gpu=name,memory.total --format=csv 2>/dev/null
  timeout 170 $PY -m benchmarks.throughput --modes=online,minibatch,networks \
    --init_std=0.1 "${sizes[@]}" | grep '^{' | tee "$OUT/throughput.jsonl"
  for batch in "${infer_batches[@]}"; do
    timeout 45 $PY -m benchmarks.throughput --modes=inference --init_std=0.1 "${sizes[@]}" \
      --inference_batch="$batch" | grep '^{' | tee -a "$OUT/throughput.jsonl"
  done
  if [ -d .gpu_carry/trained ]; then
    timeout 120 $PY -m benchmarks.throughput --checkpoint=.gpu_carry/trained \
      --modes=online,minibatch,inference,early "${sizes[@]}" | grep '^{' | tee "$OUT/trained.jsonl"
    # images side by side with the sparse row sums instead of dense products (batch_drive_chunk)
    timeout 90 $PY -m benchmarks.throughput --checkpoint=.gpu_carry/trained --batch_drive_chunk=16 \
      --modes=minibatch,inference,early "${sizes[@]}" | grep '^{' | tee -a "$OUT/trained.jsonl"
    # the coincidence counts as float products instead of bit-packed population counts
    timeout 60 $PY -m benchmarks.throughput --checkpoint=.gpu_carry/trained --counting=dense \
      --modes=online,minibatch "${sizes[@]}" | grep '^{' | tee -a "$OUT/trained.jsonl"
  fi
  # the PCM pairs' update call: row-chunked pulses against the whole-matrix loop
  timeout 60 $PY -m benchmarks.pcm_update | grep '^{' | tee "$OUT/pcm_update.jsonl"
  timeout 120 $PY -m experiments.study --config=experiments/configs/best.py \
    --workdir="$OUT/study" --sweep=device.set_step=0.005 --seeds=1,2,3 --config.epochs=1 "${study_size[@]}"
  cp "$OUT/study/study.md" "$OUT/study/study.jsonl" "$OUT/" 2>/dev/null
} 2>&1 | tee "$OUT/log.txt"
