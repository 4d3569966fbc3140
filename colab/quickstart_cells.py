"""Cells of colab/01_quickstart.ipynb (built by colab/build_notebooks.py, which adds the install
and runtime cells after the title)."""

CELLS = [
    ("markdown", """\
# 01 · Quick start: train a spiking RBM on MNIST

A spiking Restricted Boltzmann Machine trained on-line by event-driven contrastive divergence (eCD),
with each synapse a pair of phase-change-memory devices (weight = Gp - Gm, IBM's 6T2R cell), at the
IBM simulator's defaults: train, evaluate, look at the accuracy against the presentation time, the
learned receptive fields and the spikes of one image. Runs on CPU, GPU or TPU (Colab: *Runtime →
Change runtime type*).

**Saved outputs**: one on-line epoch over the first 10,000 MNIST training images (100 ms each), then
the first 1,000 test images presented for 300 ms each; the whole notebook took @RUN_TIME@ on this
project's 2-core CPU (shared with other runs). With `SRBM_SMOKE=1` (the tests): synthetic digits and a
32-unit network, seconds."""),
    ("markdown", """\
## Data and the network
`Spec` holds everything that fixes shapes (sizes, phase lengths, the device); `Params` every numeric
hyperparameter (rates, thresholds, device steps), the IBM simulator's values by default.
`load_mnist` reads a local cache, tfds, or the MNIST wheel from PyPI."""),
    ("code", """\
import time

import numpy as np

from srbm_jax import analysis
from srbm_jax.data import load_mnist, synthetic_digits

if SMOKE:  # synthetic blobs (their labels carry no information), 32 hidden units, short phases
    spec = srbm_jax.Spec(n_hidden=32, transition_data_ms=2, data_ms=8, transition_model_ms=2,
                         model_ms=8, inference_ms=20)
    train_x, train_y = synthetic_digits(64, spec.n_data, seed=0)
    test_x, test_y = synthetic_digits(32, spec.n_data, seed=1)
else:
    spec = srbm_jax.Spec(inference_ms=300.0)  # 784 + 40 + 8 visible, 824 + 8 hidden neurons
    mnist = load_mnist()
    train_x, train_y = mnist.train_images[:10000], mnist.train_labels[:10000]
    test_x, test_y = mnist.test_images[:1000], mnist.test_labels[:1000]
params = srbm_jax.default_params(spec)  # the IBM simulator's defaults
print(f"{spec.n_visible} visible x {spec.n_hidden_total} hidden neurons, device {spec.device.name}; "
      f"{len(train_y)} training and {len(test_y)} test images")"""),
    ("markdown", """\
## Train on-line
One image at a time: 10 ms transition, 40 ms data phase (pixels and label clamped, potentiation),
10 ms transition, 40 ms model phase (free, depression). `train_epoch` streams the images to the
device in jitted chunks and returns per-image statistics."""),
    ("code", """\
state = srbm_jax.init_device(jax.random.key(2), params, spec)
start = time.perf_counter()
state, stats = srbm_jax.train_epoch(jax.random.key(0), state, train_x, train_y, params, spec,
                                    chunk_size=500)
train_s = time.perf_counter() - start
print(f"{len(train_y)} images in {train_s:.0f} s ({len(train_y) / train_s:.0f} images/s, compilation included)")
for name, values in stats.items():
    print(f"  {name:20s} mean {np.mean(values):8.2f}")"""),
    ("code", """\
# eCD events per image during training (moving average over 100 images)
window = min(100, len(train_y))
smooth = lambda x: np.convolve(x, np.ones(window) / window, mode="valid")  # noqa: E731
fig = analysis.InlineFigure(figsize=(6, 3.2))
ax = fig.add_subplot()
ax.plot(smooth(stats["potentiation_events"]), label="potentiation (data phase)")
ax.plot(smooth(stats["depression_events"]), label="depression (model phase)")
ax.set_xlabel("training image")
ax.set_ylabel("coincidence events per image")
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
fig"""),
    ("markdown", """\
## Evaluate
Pixels clamped, labels free: the prediction is the label group that spikes most during the
presentation. `accuracy_vs_time` is the accuracy had the presentation stopped after each tick."""),
    ("code", """\
start = time.perf_counter()
result = srbm_jax.evaluate(jax.random.key(1), state, test_x, test_y, params, spec, batch_size=250)
print(f"test accuracy {100 * result['accuracy']:.1f} % on {len(test_y)} images, "
      f"{spec.inference_ms:g} ms each ({time.perf_counter() - start:.0f} s)")
analysis.plot_confusion(test_y, result["predictions"])"""),
    ("code", """\
curve = 100 * np.asarray(result["accuracy_vs_time"])
ms = np.arange(1, len(curve) + 1) * spec.dt_ms
for t in (10, 50, 100, 200, 300):
    if t <= ms[-1]:
        print(f"after {t:3d} ms: {curve[int(round(t / spec.dt_ms)) - 1]:.1f} %")
fig = analysis.InlineFigure(figsize=(5, 3.4))
ax = fig.add_subplot()
ax.plot(ms, curve)
ax.set_xlabel("presentation time (ms)")
ax.set_ylabel("test accuracy (%)")
ax.set_ylim(0, 100)
ax.grid(alpha=0.3)
fig"""),
    ("markdown", """\
## Receptive fields
Every plot function of `srbm_jax.analysis` returns a matplotlib `Figure`, shown inline when it ends a
cell; give it a path (`plot_receptive_fields(weight, spec, "fields.png")`) to save it as well."""),
    ("code", """\
weight = spec.device.read(state, params.device)  # W = alpha (Gp - Gm), visible x hidden
analysis.plot_receptive_fields(weight, spec, n_units=32)"""),
    ("markdown", """\
## The spikes of one image
One training presentation re-run with the rasters kept (the trained weights, the first test image):
data phase, then model phase."""),
    ("code", """\
raster = analysis.spike_raster(jax.random.key(3), state, test_x[0], int(test_y[0]), params, spec)
analysis.plot_raster(raster, spec, label=int(test_y[0]))"""),
    ("code", """\
import json

print("SRBM_RESULT " + json.dumps({
    "notebook": "01_quickstart", "smoke": SMOKE, "train_images": int(len(train_y)),
    "test_images": int(len(test_y)), "accuracy": float(result["accuracy"]),
    "accuracy_at_100ms": float(curve[min(len(curve), int(round(100 / spec.dt_ms))) - 1] / 100),
    "train_images_per_s": round(len(train_y) / train_s, 1)}))"""),
]
