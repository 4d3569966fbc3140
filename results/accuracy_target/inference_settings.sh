#!/usr/bin/env bash
# Inference-only settings of the chosen epoch-5 networks (RESULTS 11), 2,000 validation images,
# 300 ms; one JSON line per setting (mean and sd over the 3 networks):
#   bash results/accuracy_target/inference_settings.sh <epoch-5 checkpoint dir> > inference_settings_validation.jsonl
cd "$(dirname "$0")/../.."
for set in "walk_up=0.03 walk_down=0.03" "walk_up=0.04 walk_down=0.04" "walk_up=0.07 walk_down=0.07" \
           "spike_rate_hz=250" "input_threshold=0.2"; do
  args=(); for s in $set; do args+=(--set=$s); done
  line=$(${PY:-.venv/bin/python} -m experiments.presentation_time --workdir="$1" --inference_ms=300 \
         --split=validation --images=2000 "${args[@]}" 2>/dev/null | tail -1)
  echo "{\"inference_overrides\": \"$set\", ${line#\{}"
done
