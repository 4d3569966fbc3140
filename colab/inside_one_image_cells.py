"""The cells of colab/02_inside_one_image.ipynb (built by colab/build_notebooks.py, which adds the
shared install and runtime cells in front)."""

CELLS = [
    ("markdown", """# 02 · Inside one image: the slides' phases in motion

One on-line eCD training image, tick by tick, recorded with `srbm_jax.monitors`: the gate g(t)
(burn-in, data phase with LTP, burn-in, model phase with LTD), the membrane of chosen neurons with
its two inputs (synaptic drive and the 6T2R random walk), the spikes of every group, the STDP
pulse windows and update events of chosen synapses, and their conductances Gp and Gm, which the
device writes at the end of each phase. Then one test image's presentation: the label groups
count spikes until the decision.

The saved outputs come from the full size below: the default network (784 + 40 + 8 visible,
824 + 8 hidden, 100 ms per image) trained on-line on the first 2,000 MNIST training images (one
epoch), then image 0 of epoch 2 recorded; the whole notebook took @RUN_TIME@ on this project's
2-core CPU. `SRBM_SMOKE=1` runs a 16-pixel network on synthetic digits in seconds."""),
    ("code", """import json

import jax
import numpy as np

import srbm_jax
from srbm_jax import analysis, monitors, train

if SMOKE:
    from srbm_jax.data import synthetic_digits
    spec = srbm_jax.Spec(n_data=16, n_label=10, n_visible_bias=2, n_hidden=12, n_hidden_bias=2)
    train_x, train_y = synthetic_digits(64, spec.n_data, seed=0)
    test_x, test_y = synthetic_digits(8, spec.n_data, seed=1)
else:
    from srbm_jax.data import load_mnist
    spec = srbm_jax.Spec()
    mnist = load_mnist()
    train_x, train_y = mnist.train_images[:2000], mnist.train_labels[:2000]
    test_x, test_y = mnist.test_images[:8], mnist.test_labels[:8]
params = srbm_jax.default_params(spec)
root = jax.random.key(0)
before = srbm_jax.init_device(jax.random.key(2), params, spec)
state, _ = srbm_jax.train_epoch(root, before, train_x, train_y, params, spec, chunk_size=500)
print(f"trained on {len(train_y)} images: {spec.n_visible} visible x {spec.n_hidden_total} hidden")"""),
    ("markdown", """## The input: which pixels can spike

A data neuron spikes (at `spike_rate_hz`, 200 Hz) only while its pixel is above the input
threshold (the slides' strict rule); the background never spikes."""),
    ("code", """analysis.plot_pixel_histogram(train_x[:1000], float(params.input_threshold))"""),
    ("markdown", """## One training image, tick by tick

The neurons to watch: an active pixel of the image, a label neuron of its class, the three
hidden neurons whose weights from that pixel are largest, and the synapses between them."""),
    ("code", """pixels, label = train_x[0], int(train_y[0])
values = np.asarray(pixels, np.float32) / (255.0 if np.asarray(pixels).dtype == np.uint8 else 1.0)
pixel = int(np.argmax(values))  # an active pixel
label_neuron = spec.n_data + label * spec.labels_per_class
weight = np.asarray(spec.device.read(state, params.device))
hidden = tuple(int(j) for j in np.argsort(weight[pixel, :spec.n_hidden])[-3:])
synapses = tuple((pixel, j) for j in hidden) + ((label_neuron, hidden[-1]),)
key = train.image_key(root, 1, 0)  # image 0 of epoch 2: what training would run next
record = monitors.record_image(key, state, pixels, label, params, spec,
                               visible=(pixel, label_neuron), hidden=hidden, synapses=synapses)
print("label", label, "| pixel", pixel, "| label neuron", label_neuron, "| hidden", hidden)
analysis.plot_image_record(record, firing_threshold=float(params.firing_threshold),
                           dt_ms=spec.dt_ms)"""),
    ("markdown", """Panel 2 is the random walk alone, summed over the image: the membrane
(panel 1) is its leak plus the synaptic input plus this walk, tick by tick
(`record.hidden_drive`, `record.hidden_walk`). Panel 4: the STDP pulse of the visible neuron
(solid) and the hidden neuron's update events (dashed); a dot is a coincidence, one SET/RESET
pulse pair, positive in the data phase and negative in the model phase.

## Population rates per phase"""),
    ("code", """analysis.plot_population_rates(record, spec, bin_ms=5.0)"""),
    ("markdown", """## The device: Gp and Gm of the watched synapses

The 6T2R cell stores a weight as two PCM conductances, G = Gp - Gm. The device is written at the
end of each phase: per coincidence of the data phase the default `gpgm_linear` pair SETs Gp
(+0.01) and RESETs Gm (-0.01); the model phase does the reverse (docs/model.md). The columns show
each conductance before the image -> after the data phase -> after the model phase."""),
    ("code", """names = sorted(record.conductances)
print("synapse        " + "  ".join(f"{n:>24s}" for n in names) + "   events +/-")
for s, (i, j) in enumerate(record.synapses):
    cells = "  ".join(" -> ".join(f"{v:7.3f}" for v in record.conductances[n][:, s]) for n in names)
    print(f"({i:4d}, {j:4d})  {cells}   {record.potentiation[s]:.0f} / {record.depression[s]:.0f}")
analysis.plot_conductance_histograms(state)"""),
    ("markdown", """## What training did to the weights"""),
    ("code", """analysis.plot_weight_change(spec.device.read(before, params.device),
                            spec.device.read(state, params.device), spec, n_units=8)"""),
    ("markdown", """## One test image: the label groups decide

Inference clamps the pixels and lets the label neurons run free; the class whose group has
spiked most wins (`srbm_jax.evaluate` counts the same spikes)."""),
    ("code", """seen = monitors.record_inference(jax.random.key(1), state, test_x[0], params, spec,
                                hidden=hidden)
first_lead = int(np.argmax(seen.running == seen.prediction))
print(f"prediction {seen.prediction}, true label {int(test_y[0])}; the decision holds from "
      f"{first_lead * spec.dt_ms:g} ms on" if np.all(seen.running[first_lead:] == seen.prediction)
      else f"prediction {seen.prediction}, true label {int(test_y[0])}")
analysis.plot_inference_record(seen, spec, true_label=int(test_y[0]))"""),
    ("code", """print("SRBM_RESULT " + json.dumps({
    "notebook": "02_inside_one_image", "smoke": SMOKE,
    "potentiation_events": float(record.potentiation.sum()),
    "depression_events": float(record.depression.sum()),
    "hidden_spikes": int(record.hidden_spikes.sum()),
    "prediction": seen.prediction, "label": int(test_y[0])}))"""),
]
