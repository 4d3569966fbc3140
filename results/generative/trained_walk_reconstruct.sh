#!/usr/bin/env bash
# Issue 16 items 1-3 on networks trained at walk 0.03 and 0.05 (best.py's walk rows of
# results/best_choice/walk_step: networks 0-2 = walk 0.03, seeds 1-3; 6-8 = walk 0.05, seeds 1-3):
# completion of the bottom half, generation from labels and the occlusion curve
# (experiments/reconstruct.py defaults: the first 200 / 500 test images, reported only), then one
# table of mean (sd) over the seeds.
#   bash results/generative/trained_walk_reconstruct.sh [network ...]
#   bash results/generative/trained_walk_reconstruct.sh --summary      # the table only
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
[[ ${1:-} == --summary ]] && set -- || set -- ${@:-0 1 2 6 7 8}
for n in "$@"; do
  walk=$([[ $n -le 2 ]] && echo 003 || echo 005)
  $PY -m experiments.reconstruct --workdir=results/best_choice/walk_step --network="$n" \
      --out="results/generative/walk${walk}_network$n"
done
$PY - <<'PY'
import glob, json
import numpy as np
for walk in ("003", "005"):
    reports = [json.load(open(p)) for p in sorted(glob.glob(f"results/generative/walk{walk}_network*/generative.json"))]
    def show(name, values):
        print(f"walk 0.{walk[1:]} {name}: {100 * np.mean(values):.1f} ({100 * np.std(values, ddof=1):.1f})"
              if len(values) > 1 else f"walk 0.{walk[1:]} {name}: {100 * values[0]:.1f}")
    print(f"walk 0.{walk[1:]}: {len(reports)} networks")
    show("completed, reference", [r["reference_accuracy"]["completed"] for r in reports])
    show("masked, reference", [r["reference_accuracy"]["masked"] for r in reports])
    show("sRBM, bottom half masked, labels free", [r["srbm_accuracy_masked_labels_free"] for r in reports])
    show("masked pixel error (x100)", [r["masked_pixel_error"] for r in reports])
    show("generation, reference", [r["generation"]["reference_accuracy"] for r in reports])
    for fill in ("free", "silent"):
        curves = np.array([[c["accuracy"] for c in r["occlusion"][fill]] for r in reports])
        fractions = [c["fraction"] for c in reports[0]["occlusion"][fill]]
        print(f"walk 0.{walk[1:]} occlusion {fill}: " + ", ".join(
            f"{f:g}: {100 * m:.1f}" for f, m in zip(fractions, curves.mean(0))))
PY
