"""Do networks trained with a quieter random walk generate better, as trained? (RESULTS 15)

Generation from labels alone (`generative.generate`, 200 ms, the first 50 not counted, 10 images
per class, key 7 folded with 1, every setting as trained) on every network of the given study
checkpoints; the reference classifier judges each set. With --grid=<png> the first network of
the first workdir whose walk equals --grid_walk is also drawn (one row per class).

  python results/generative/trained_walk.py results/best_choice/walk_step \\
      results/best_choice/walk_step_low > results/generative/trained_walk.jsonl
  python results/generative/trained_walk.py results/best_choice/walk_step \\
      --grid=results/generative/trained_walk_0.03.png --grid_walk=0.03
"""
from __future__ import annotations

import json
import sys

import jax
import numpy as np

from srbm_jax import analysis, generative
from srbm_jax.generative import reference as reference_lib
from srbm_jax.run.saved_runs import load_trained_networks


def main(workdirs: list[str], grid: str | None = None, grid_walk: float | None = None,
         per_class: int = 10) -> None:
    model, _ = reference_lib.load_reference("results/reference_classifier/reference.npz")
    classes = np.repeat(np.arange(10), per_class)
    key = jax.random.fold_in(jax.random.key(7), 1)
    for workdir in workdirs:
        networks, _, metadata = load_trained_networks(workdir)
        for label, spec, params, state in networks:
            walk = float(np.asarray(params.walk_up))
            if grid and not np.isclose(walk, grid_walk):
                continue
            images = generative.generate(key, state, classes, params, spec, duration_ms=200.0,
                                         burn_in_ms=50.0)
            print(json.dumps({"workdir": workdir, **label, "epoch": metadata["epoch"],
                              "trained_walk": walk, "generated_per_class": per_class,
                              "reference_accuracy": float(np.mean(
                                  reference_lib.predict(model, images) == classes)),
                              "mean_intensity": float(images.mean()),
                              "pixels_above_half": float((images > 0.5).sum(1).mean())}),
                  flush=True)
            if grid:
                analysis.plot_image_grid([images[classes == c][:8] for c in range(10)],
                                         [f"class {c}" for c in range(10)], grid)
                return


if __name__ == "__main__":
    options = dict(arg[2:].split("=", 1) for arg in sys.argv[1:] if arg.startswith("--"))
    main([arg for arg in sys.argv[1:] if not arg.startswith("--")], options.get("grid"),
         float(options["grid_walk"]) if "grid_walk" in options else None)
