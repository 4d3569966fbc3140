"""Why generation from a label fails (RESULTS 15): two checks on every network of a checkpoint.

1. Does the one always-on hidden unit per network (RESULTS 11, "the saturated units") cause the
   blob attractors? Generate with the unit as trained and silenced (its column at Gp = Gm = the
   device's mid conductance).
2. Does a longer free run help? 1,000 ms, the first 500 not counted, against 200 / 50 ms.

  python results/generative/generation_checks.py <workdir> [per_class] [out.png]

The reference classifier judges every set; the mean intensity and the pixels above 0.5 per
image are printed beside the validation images' own. One JSON line per network; grids of the
first network's images to out_<variant>.png if given. Generation as `experiments/reconstruct.py`
does it (key 7 folded with 1).
"""
from __future__ import annotations

import json
import sys

import jax
import numpy as np

from srbm_jax import analysis, generative, run
from srbm_jax.generative import reference as reference_lib
from srbm_jax.run.saved_runs import load_trained_networks

EXTREME = 5.0  # |w| beyond which a pixel weight counts as extreme (the device bound is +-10)


def main(workdir: str, per_class: int = 20, out_png: str | None = None) -> None:
    networks, config, metadata = load_trained_networks(workdir)
    model, _ = reference_lib.load_reference("results/reference_classifier/reference.npz")
    classes = np.repeat(np.arange(10), per_class)
    key = jax.random.fold_in(jax.random.key(7), 1)
    mid = 0.5 * (float(config.device.g_min) + float(config.device.g_max))
    data = run.load_data(config, verbose=False)
    real = np.asarray(data.validation_x[:2000], np.float32).reshape(-1, config.n_data) / 255.0
    print(json.dumps({"validation_images": len(real), "mean_intensity": float(real.mean()),
                      "pixels_above_half": float((real > 0.5).sum(1).mean())}), flush=True)
    for n, (label, spec, params, state) in enumerate(networks):
        pixels = np.asarray(state.g_plus - state.g_minus)[:config.n_data, :config.n_hidden]
        unit = int(np.argmax((np.abs(pixels) > EXTREME).sum(0)))
        silenced = state._replace(g_plus=state.g_plus.at[:, unit].set(mid),
                                  g_minus=state.g_minus.at[:, unit].set(mid))
        line = {**label, "epoch": metadata["epoch"], "extreme_unit": unit,
                "generated_per_class": per_class}
        for name, device_state, duration_ms, burn_in_ms in (
                ("as_trained", state, 200.0, 50.0), ("unit_silenced", silenced, 200.0, 50.0),
                ("as_trained_1000ms", state, 1000.0, 500.0)):
            images = generative.generate(key, device_state, classes, params, spec,
                                         duration_ms=duration_ms, burn_in_ms=burn_in_ms)
            line[f"reference_accuracy_{name}"] = float(np.mean(
                reference_lib.predict(model, images) == classes))
            line[f"mean_intensity_{name}"] = float(images.mean())
            line[f"pixels_above_half_{name}"] = float((images > 0.5).sum(1).mean())
            if out_png and n == 0:
                analysis.plot_image_grid([images[classes == c][:8] for c in range(10)],
                                         [f"class {c}" for c in range(10)],
                                         out_png.replace(".png", f"_{name}.png"))
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]), *sys.argv[3:4])
