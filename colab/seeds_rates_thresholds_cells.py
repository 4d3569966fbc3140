"""Cells of colab/04_seeds_rates_thresholds.ipynb (built by colab/build_notebooks.py, which adds
the install and runtime cells after the title)."""

CELLS = [
    ("markdown", """\
# 04 · One vmapped sweep: seeds × spike rate × input threshold

Every numeric hyperparameter of srbm_jax is a traced leaf of `Params`, so a sweep over the input
spike rate and the pixel threshold, times several seeds, is one compiled program: `jax.vmap` over a
leading *network* axis (`srbm_jax.sweep`). Network n of the sweep gives what a single run with its
seed and values gives (`tests/test_sweep.py`). On a runtime with several accelerators (a TPU's
cores, several GPUs) the networks are spread over all of them (`sweep.network_sharding`, used by
`init_networks(..., sharding="auto")`), each training its share in parallel; on a CPU they take
about N times one network. Every network is judged on a validation slice, the last training images,
never trained on; the test set is not used.

**Saved outputs**: 3 spike rates × 2 thresholds × 2 seeds = 12 networks, one epoch over the first 1,500
MNIST training images (100 ms each, mini-batches of 8, the settings of `experiments/configs/best.py`
otherwise), validation on the last 500 training images (100 ms each); the whole notebook took
@RUN_TIME@ on this project's 2-core CPU (shared with other runs). On a runtime with D accelerators the
seed count grows to fill them (the network count must be a multiple of D). With `SRBM_SMOKE=1` (the
tests): synthetic digits, a 24-unit network, seconds."""),
    ("code", """\
import math

import numpy as np

from srbm_jax import analysis, sweep
from srbm_jax.data import load_mnist, synthetic_digits

SPIKE_RATES = [150.0, 200.0, 250.0]  # Hz (the source slides found 210-220 Hz best)
THRESHOLDS = [0.3, 0.5]  # a pixel spikes when its intensity exceeds this (IBM: 0.5)
# Seeds per combination: at least 2, and enough that the network count fills every device.
combinations = len(SPIKE_RATES) * len(THRESHOLDS)
per_device = jax.device_count() // math.gcd(combinations, jax.device_count())
SEEDS = list(range(1, per_device * math.ceil(2 / per_device) + 1))

if SMOKE:  # synthetic blobs (labels carry no information), 24 hidden units, short phases
    spec = srbm_jax.Spec(n_hidden=24, transition_data_ms=2, data_ms=8, transition_model_ms=2,
                         model_ms=8, inference_ms=20)
    images, labels = synthetic_digits(72, spec.n_data, seed=0)
    train_x, train_y = images[:48], labels[:48]
    validation_x, validation_y = images[-24:], labels[-24:]  # the last images, never trained on
else:
    spec = srbm_jax.Spec()  # 784 + 40 + 8 visible, 824 + 8 hidden neurons
    mnist = load_mnist()
    train_x, train_y = mnist.train_images[:1500], mnist.train_labels[:1500]
    validation_x = mnist.train_images[-500:]  # the last 500 training images, never trained on
    validation_y = mnist.train_labels[-500:]
# experiments/configs/best.py's settings, then the swept fields, one value per network
base = srbm_jax.default_params(spec, walk_up=0.05, walk_down=0.05, weight_decay=5e-6)
base = base.replace(device=base.device.replace(set_step=0.005, reset_step=0.005, init_std=0.1))
grid = sweep.product(spike_rate_hz=SPIKE_RATES, input_threshold=THRESHOLDS, seed=SEEDS)
params = sweep.stack_params(base, spike_rate_hz=grid["spike_rate_hz"],
                            input_threshold=grid["input_threshold"])
n = len(grid["seed"])
print(f"{n} networks = {len(SPIKE_RATES)} rates x {len(THRESHOLDS)} thresholds x {len(SEEDS)} seeds; "
      f"{len(train_y)} training images, {len(validation_y)} validation images")"""),
    ("markdown", """\
## Spread the networks over the devices
`sweep.network_sharding(n)` splits the network axis over all local devices when there are several
and n is a multiple of their number (None otherwise: one device holds them all).
`init_networks(..., sharding="auto")` places the keys and device states with it; the jitted, vmapped
training step is then partitioned along that axis and the images are replicated."""),
    ("code", """\
sharding = sweep.network_sharding(n)
print("sharding:", sharding if sharding is not None else f"none (one device holds all {n} networks)")
keys, states = sweep.init_networks(grid["seed"], params, spec, sharding="auto")
leaf = jax.tree_util.tree_leaves(states)[0]
print(f"device state leaf {leaf.shape} on {len(leaf.sharding.device_set)} device(s): "
      f"{n // len(leaf.sharding.device_set)} networks each")"""),
    ("markdown", """\
## Train one epoch and evaluate every network on the validation slice"""),
    ("code", """\
import time

start = time.perf_counter()
states, stats = sweep.train_networks(keys, states, train_x, train_y, params, spec, batch_size=8,
                                     chunk_size=496)
train_s = time.perf_counter() - start
accuracy = sweep.evaluate_networks(keys, states, validation_x, validation_y, params, spec)
print(f"trained {n} x {len(train_y)} images in {train_s:.0f} s "
      f"({n * len(train_y) / train_s:.0f} network-images/s); evaluated in "
      f"{time.perf_counter() - start - train_s:.0f} s")
records = [{"epoch": 1, "spike_rate_hz": rate, "input_threshold": threshold, "seed": seed,
            "validation_accuracy": float(a)}
           for rate, threshold, seed, a in zip(grid["spike_rate_hz"], grid["input_threshold"],
                                               grid["seed"], accuracy, strict=True)]"""),
    ("markdown", """\
## Validation accuracy: mean ± sd over seeds"""),
    ("code", """\
from IPython.display import Markdown, display

table = np.asarray(accuracy).reshape(len(SPIKE_RATES), len(THRESHOLDS), len(SEEDS))
lines = ["| spike rate (Hz) | " + " | ".join(f"threshold {t:g}" for t in THRESHOLDS) + " |",
         "|---|" + "---|" * len(THRESHOLDS)]
for rate, row in zip(SPIKE_RATES, table, strict=True):
    lines.append(f"| {rate:g} | " + " | ".join(
        f"{100 * cell.mean():.1f} ± {100 * cell.std(ddof=1):.1f}" for cell in row) + " |")
display(Markdown("\\n".join(lines)))
best = np.unravel_index(np.argmax(table.mean(axis=2)), table.shape[:2])
print(f"best on validation: {SPIKE_RATES[best[0]]:g} Hz, threshold {THRESHOLDS[best[1]]:g} "
      f"({100 * table.mean(axis=2)[best]:.1f} %, mean of {len(SEEDS)} seeds)")"""),
    ("code", """\
analysis.plot_study(records, ["spike_rate_hz", "input_threshold"], metric="validation_accuracy")"""),
    ("code", """\
import json

print("SRBM_RESULT " + json.dumps({
    "notebook": "04_seeds_rates_thresholds", "smoke": SMOKE, "networks": n, "seeds": len(SEEDS),
    "devices": jax.device_count(), "sharded": sharding is not None,
    "train_images": int(len(train_y)), "validation_images": int(len(validation_y)),
    "accuracy_mean": float(np.mean(accuracy)), "accuracy_min": float(np.min(accuracy)),
    "accuracy_max": float(np.max(accuracy)),
    "best": {"spike_rate_hz": SPIKE_RATES[best[0]], "input_threshold": THRESHOLDS[best[1]],
             "accuracy": float(table.mean(axis=2)[best])}}))"""),
]
