"""Cells of colab/05_generation_and_completion.ipynb (built by colab/build_notebooks.py, which
adds the install and runtime cells after the title)."""

CELLS = [
    ("markdown", """\
# 05 · The generative side: completion, generation, occlusion

An RBM models the joint distribution of pixels and labels, so a trained sRBM can also fill in what
it does not see. With the weights fixed (`srbm_jax.generative`): the data neurons under a mask run
free, driven by the hidden layer, while the others are clamped to the image; their firing rates
are the completed pixels. With every pixel free and one label group clamped, the network
generates that digit. Classifying with part of the image occluded shows how much of it the
network needs. A fixed reference classifier (logistic regression on the pixels,
`srbm_jax.generative.reference`) judges whether a completion restored the digit's shape.

**Saved outputs**: a short training first, one epoch over the first 10,000 MNIST training images
(100 ms each, mini-batches of 8, the settings of `experiments/configs/best.py`); the bottom half of
100 test images completed (200 ms, 50 ms burn-in), 4 images generated per class, accuracy against
the occluded fraction on 300 test images (100 ms each); the reference classifier trained on the first
50,000 training images (5 epochs). The whole notebook took @RUN_TIME@ on this project's 2-core CPU
(shared with other runs). With `SRBM_SMOKE=1` (the tests): synthetic digits, a 32-unit network, seconds."""),
    ("code", """\
import time

import numpy as np

from srbm_jax import analysis, generative
from srbm_jax.data import load_mnist, synthetic_digits
from srbm_jax.generative import reference as reference_lib

if SMOKE:  # synthetic blobs (labels carry no information), 32 hidden units, short phases
    spec = srbm_jax.Spec(n_hidden=32, transition_data_ms=2, data_ms=8, transition_model_ms=2,
                         model_ms=8, inference_ms=20)
    train_x, train_y = synthetic_digits(64, spec.n_data, seed=0)
    test_x, test_y = synthetic_digits(24, spec.n_data, seed=1)
    reference_x, reference_y = train_x, train_y
    DURATION_MS, BURN_IN_MS, COMPLETE, OCCLUDE, PER_CLASS = 20.0, 5.0, 10, 24, 2
else:
    spec = srbm_jax.Spec()  # 784 + 40 + 8 visible, 824 + 8 hidden neurons
    mnist = load_mnist()
    train_x, train_y = mnist.train_images[:10000], mnist.train_labels[:10000]
    test_x, test_y = mnist.test_images, mnist.test_labels
    reference_x, reference_y = mnist.train_images[:50000], mnist.train_labels[:50000]
    DURATION_MS, BURN_IN_MS, COMPLETE, OCCLUDE, PER_CLASS = 200.0, 50.0, 100, 300, 4
# experiments/configs/best.py's settings
params = srbm_jax.default_params(spec, input_threshold=0.3, walk_up=0.05, walk_down=0.05,
                                 weight_decay=5e-6)
params = params.replace(device=params.device.replace(set_step=0.005, reset_step=0.005, init_std=0.1))
print(f"{len(train_y)} training images; {COMPLETE} completed, {OCCLUDE} occluded test images")"""),
    ("markdown", """\
## A short training"""),
    ("code", """\
start = time.perf_counter()
state = srbm_jax.init_device(jax.random.key(2), params, spec)
state, _ = srbm_jax.train_epoch(jax.random.key(0), state, train_x, train_y, params, spec,
                                batch_size=8, chunk_size=496)
print(f"trained in {time.perf_counter() - start:.0f} s")
reference = reference_lib.train_reference(jax.random.key(0), reference_x, reference_y, epochs=5)
print(f"reference classifier: {100 * np.mean(reference_lib.predict(reference, test_x[:1000]) == test_y[:1000]):.1f} % "
      "on clean test images")"""),
    ("markdown", """\
## Pattern completion: the bottom half hidden
The masked pixels are free neurons (labels free too); `completed` keeps the visible half and takes
the network's rates for the hidden one. The red line marks the hidden part."""),
    ("code", """\
key = jax.random.key(7)
images, labels = test_x[:COMPLETE], test_y[:COMPLETE]
pixels = images.reshape(len(labels), -1).astype(np.float32)
pixels = pixels / 255.0 if images.dtype == np.uint8 else pixels
mask = generative.masks.make("bottom_half", spec.n_data)
masked = pixels * ~mask
completion = generative.complete(key, state, masked, mask, params, spec, duration_ms=DURATION_MS,
                                 burn_in_ms=BURN_IN_MS)
completed = np.where(mask, completion.intensity, pixels)
error = generative.masked_pixel_error(completion.intensity, images, mask, params)


def reference_accuracy(x):
    return float(np.mean(reference_lib.predict(reference, x) == labels))


judged = {name: reference_accuracy(x) for name, x in
          (("original", pixels), ("masked", masked), ("completed", completed))}
print(f"mean |completed - binary image| over the hidden pixels: {error:.3f}")
print("reference classifier on", ", ".join(f"{k} {100 * v:.1f} %" for k, v in judged.items()))
print(f"the sRBM's own labels with half the image hidden: "
      f"{100 * np.mean(completion.predictions == labels):.1f} %")
show = slice(0, 10)
analysis.plot_image_grid([pixels[show], masked[show], completed[show]],
                         ["original", "masked", "completed"], masks=mask)"""),
    ("markdown", """\
## Generation from a label
Every pixel free, the label group of one class clamped: the rates after the burn-in. After one
short epoch the generated digits are faint and few of them are recognisable (the reference
classifier's reading below); completion, which starts from the visible half, fares much better."""),
    ("code", """\
classes = np.repeat(np.arange(10), PER_CLASS)
generated = generative.generate(jax.random.fold_in(key, 1), state, classes, params, spec,
                                duration_ms=DURATION_MS, burn_in_ms=BURN_IN_MS)
generated_accuracy = float(np.mean(reference_lib.predict(reference, generated) == classes))
print(f"reference classifier reads the intended class in {100 * generated_accuracy:.0f} % of "
      "the generated images")
analysis.plot_image_grid([generated[classes == c] for c in range(10)],
                         [f"class {c}" for c in range(10)])"""),
    ("markdown", """\
## Accuracy against occlusion
The bottom rows hidden, a growing fraction of them: the hidden pixels either run free (completed
while the network classifies) or are clamped off (a black occluder)."""),
    ("code", """\
fractions = [0.0, 0.2, 0.4, 0.6]
curves = {fill: generative.occlusion_accuracy(jax.random.fold_in(key, 2), state, test_x[:OCCLUDE],
                                              test_y[:OCCLUDE], fractions, params, spec, fill=fill)
          for fill in ("free", "silent")}
for fill, curve in curves.items():
    print(f"occluded pixels {fill:6s}:", ", ".join(f"{p['fraction']:.0%} -> {100 * p['accuracy']:.1f} %"
                                                   for p in curve))
analysis.plot_occlusion({f"occluded pixels {fill}": curve for fill, curve in curves.items()})"""),
    ("code", """\
import json

print("SRBM_RESULT " + json.dumps({
    "notebook": "05_generation_and_completion", "smoke": SMOKE, "train_images": int(len(train_y)),
    "masked_pixel_error": error, "reference_accuracy": judged,
    "generated_reference_accuracy": generated_accuracy,
    "occlusion": {fill: [p["accuracy"] for p in curve] for fill, curve in curves.items()}}))"""),
]
