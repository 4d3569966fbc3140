"""Does a generation-time input rescue generation from a label? (RESULTS 15, session 10)

Generation from labels alone (`generative.generate`, 200 ms, the first 50 not counted, 10 images
per class, key 7 folded with 1) on every network of a checkpoint, with one inference-only setting
changed at a time: the clamped label group's rate, the visible bias neurons' rate, the firing
threshold of every neuron, the random-walk step. The reference classifier judges each set.

  python results/generative/generation_drive.py <workdir> > results/generative/generation_drive.jsonl
  python results/generative/generation_drive.py <workdir> 8 results/generative/generation_drive.png

With a .png, only network 0 runs, as trained and with the last setting, and both sets are drawn
as grids (one row per class) to <png stem>_<setting>.png.
"""
from __future__ import annotations

import itertools
import json
import sys

import jax
import numpy as np

from srbm_jax import analysis, generative
from srbm_jax.generative import reference as reference_lib
from srbm_jax.run.saved_runs import load_trained_networks

SETTINGS = (("as trained", {}),
            ("label_rate_factor", {"label_rate_factor": 2.0}),
            ("label_rate_factor", {"label_rate_factor": 4.0}),
            ("bias_rate_factor", {"bias_rate_factor": 0.708}),
            ("firing_threshold", {"firing_threshold": 0.8}),
            ("firing_threshold", {"firing_threshold": 0.6}),
            ("firing_threshold", {"firing_threshold": 0.4}),
            ("walk", {"walk_up": 0.08, "walk_down": 0.08}),
            ("walk", {"walk_up": 0.03, "walk_down": 0.03}),
            ("walk", {"walk_up": 0.02, "walk_down": 0.02}),
            ("walk", {"walk_up": 0.01, "walk_down": 0.01}),
            ("walk and threshold", {"walk_up": 0.02, "walk_down": 0.02, "firing_threshold": 0.8}))


def main(workdir: str, per_class: int = 10, grid_png: str | None = None) -> None:
    networks, _, metadata = load_trained_networks(workdir)
    settings = SETTINGS
    if grid_png:
        networks, settings = networks[:1], (SETTINGS[0], SETTINGS[-1])
    model, _ = reference_lib.load_reference("results/reference_classifier/reference.npz")
    classes = np.repeat(np.arange(10), per_class)
    key = jax.random.fold_in(jax.random.key(7), 1)
    for (label, spec, params, state), (name, changes) in itertools.product(networks, settings):
        changed = params.replace(**{field: jax.numpy.asarray(value, jax.numpy.float32)
                                    for field, value in changes.items()})
        images = generative.generate(key, state, classes, changed, spec, duration_ms=200.0,
                                     burn_in_ms=50.0)
        print(json.dumps({**label, "epoch": metadata["epoch"], "setting": name, **changes,
                          "generated_per_class": per_class,
                          "reference_accuracy": float(np.mean(
                              reference_lib.predict(model, images) == classes)),
                          "mean_intensity": float(images.mean()),
                          "pixels_above_half": float((images > 0.5).sum(1).mean())}), flush=True)
        if grid_png:
            analysis.plot_image_grid([images[classes == c] for c in range(10)],
                                     [f"class {c}" for c in range(10)],
                                     grid_png.replace(".png", f"_{name.replace(' ', '_')}.png"))


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]), *sys.argv[3:4])
