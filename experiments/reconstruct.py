"""The generative side of a trained run: pattern completion, generation from labels and
classification under occlusion, judged by a fixed reference classifier.

  python -m experiments.reconstruct --workdir=<train_mnist run> --mask=bottom_half --images=200
  python -m experiments.reconstruct --workdir=<study dir> --network=2   # network 2 of a study
  python -m experiments.reconstruct --workdir=<run> --generation_set=walk_up=0.02 \
      --generation_set=walk_down=0.02 --generation_set=firing_threshold=0.8  # colder sampling

Reads the run's config and newest checkpoint (of a study: network --network); on the first
`images` test images (reported, never used to choose) it completes the masked part (labels
free), measures the pixel error on it and the reference classifier's accuracy on the original,
masked and completed images, generates `per_class` images per class from the label alone, and
measures the sRBM's own accuracy against the fraction of rows occluded, with the occluded pixels
free (completed while classifying) and silent (a black occluder). Writes generative.json,
completion.png, generation.png and occlusion.png to --out (default <workdir>/generative).
"""
from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
from absl import flags

from experiments import cli
from srbm_jax import analysis, generative, run
from srbm_jax.files import atomic_write
from srbm_jax.generative import reference as reference_lib
from srbm_jax.run import saved_runs

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "A train_mnist run or study directory.", required=True)
flags.DEFINE_integer("network", 0, "Which network of a study (0 for a single run).")
flags.DEFINE_string("out", None, "Output directory (default <workdir>/generative).")
flags.DEFINE_enum("mask", "bottom_half", list(generative.masks.KINDS), "Completion mask.")
flags.DEFINE_float("fraction", 0.5, "Fraction for the random and occlusion_rows masks.")
flags.DEFINE_integer("images", 200, "First N test images to complete.")
flags.DEFINE_float("duration_ms", 200.0, "Free-running time per image.")
flags.DEFINE_float("burn_in_ms", 50.0, "Ticks not counted in the completed rates.")
flags.DEFINE_integer("per_class", 8, "Generated images per class.")
flags.DEFINE_list("occlusion_fractions", ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6"],
                  "Fractions of the rows occluded (from the bottom).")
flags.DEFINE_integer("occlusion_images", 500, "First N test images of the occlusion curve.")
flags.DEFINE_string("reference", "results/reference_classifier/reference.npz",
                    "Reference classifier (experiments/train_reference.py).")
flags.DEFINE_integer("seed", 7, "Key of the free-running networks.")
flags.DEFINE_multi_string("generation_set", [], "field=value: a numeric Params field changed for "
                          "generation from labels only (saved_runs.INFERENCE_FIELDS), e.g. "
                          "walk_up=0.02 --generation_set=walk_down=0.02 "
                          "--generation_set=firing_threshold=0.8, a lower sampling temperature "
                          "(RESULTS 15).")


def main(argv):
    del argv
    workdir = Path(FLAGS.workdir)
    out = Path(FLAGS.out) if FLAGS.out else workdir / "generative"
    generation_overrides = saved_runs.parse_inference_overrides(FLAGS.generation_set)
    networks, config, metadata = run.load_trained_networks(workdir)
    if not 0 <= FLAGS.network < len(networks):
        raise ValueError(f"--network={FLAGS.network} is out of range: allowed 0..{len(networks) - 1}")
    _, spec, params, state = networks[FLAGS.network]
    data = run.load_data(config, verbose=False)
    if not 1 <= FLAGS.images <= len(data.test_y):
        raise ValueError(f"--images={FLAGS.images} is out of range: allowed 1..{len(data.test_y)}")
    model, ref_meta = reference_lib.load_reference(FLAGS.reference)
    key = jax.random.key(FLAGS.seed)
    images, labels = data.test_x[:FLAGS.images], data.test_y[:FLAGS.images]
    pixels = images.reshape(len(labels), -1).astype(np.float32) / 255.0
    mask = generative.masks.make(FLAGS.mask, spec.n_data, fraction=FLAGS.fraction)
    masked = pixels * ~mask
    result = generative.complete(key, state, masked, mask, params, spec,
                                 duration_ms=FLAGS.duration_ms, burn_in_ms=FLAGS.burn_in_ms)
    completed = np.where(mask, result.intensity, pixels)

    def ref_accuracy(x):
        return float(np.mean(reference_lib.predict(model, x) == labels))

    classes = np.repeat(np.arange(10), FLAGS.per_class)
    generated = generative.generate(
        jax.random.fold_in(key, 1), state, classes,
        saved_runs.with_inference_overrides(params, generation_overrides), spec,
        duration_ms=FLAGS.duration_ms, burn_in_ms=FLAGS.burn_in_ms)
    n_occ = min(FLAGS.occlusion_images, len(data.test_y))
    fractions = [float(f) for f in FLAGS.occlusion_fractions]
    curves = {fill: generative.occlusion_accuracy(
        jax.random.fold_in(key, 2), state, data.test_x[:n_occ], data.test_y[:n_occ], fractions,
        params, spec, fill=fill) for fill in ("free", "silent")}
    report = {
        "workdir": str(workdir), "network": FLAGS.network, "checkpoint_epoch": metadata["epoch"],
        "mask": FLAGS.mask, "fraction_masked": float(mask.mean()), "test_images": len(labels),
        "duration_ms": FLAGS.duration_ms, "burn_in_ms": FLAGS.burn_in_ms,
        "masked_pixel_error": generative.masked_pixel_error(result.intensity, images, mask,
                                                             params),
        "srbm_accuracy_masked_labels_free": float(np.mean(result.predictions == labels)),
        "reference": {"path": FLAGS.reference, **ref_meta},
        "reference_accuracy": {"original": ref_accuracy(pixels), "masked": ref_accuracy(masked),
                               "completed": ref_accuracy(completed)},
        "generation": {"per_class": FLAGS.per_class, "overrides": generation_overrides,
                       "reference_accuracy": float(np.mean(
            reference_lib.predict(model, generated) == classes))},
        "occlusion": curves, "occlusion_images": n_occ,
    }
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "generative.json", "w") as handle:
        handle.write(json.dumps(report, indent=1))
    show = slice(0, min(10, len(labels)))
    analysis.plot_image_grid([pixels[show], masked[show], completed[show]],
                             ["original", "masked", "completed"], out / "completion.png",
                             masks=mask)
    analysis.plot_image_grid([generated[classes == c] for c in range(10)],
                             [f"class {c}" for c in range(10)], out / "generation.png")
    analysis.plot_occlusion({f"occluded pixels {fill}": curve for fill, curve in curves.items()},
                            out / "occlusion.png")
    print(json.dumps({k: report[k] for k in ("masked_pixel_error", "reference_accuracy",
                                             "generation")}))


if __name__ == "__main__":
    cli.run(main)
