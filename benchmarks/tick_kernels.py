"""What one tick of the model segment costs on this backend: the kernels XLA compiles into the
tick loop's body, and the time per tick (default network, fresh weights, synthetic digit).

  python -m benchmarks.tick_kernels            # one JSON line

kernels: the body's top-level instructions that run as their own kernels (fusions, copies,
products, ...; not tuple plumbing), counted in the compiled HLO of `network.run_free_segment`;
us_per_tick: median of 5 windows of 40 calls. RESULTS 14 (session 11) reports these figures.
The same tick with both synaptic drives replaced by zeros (`us_per_tick_neurons_only`: the
neurons' own work, random walk and clamp included) bounds any formulation of the drives from
below: an on-line training image runs `model_ticks` such ticks (its model segment; the data
segment comes on top), hence `images_per_s_bound` = 1e6 / (model_ticks x
us_per_tick_neurons_only): no on-line image rate above it for the tick loop as compiled here,
even with free synapses and a free data segment (session 12).
"""
from __future__ import annotations

import collections
import json
import re
import time
from unittest import mock

import jax
import jax.numpy as jnp
from absl import app

import srbm_jax
from srbm_jax import encoding, network
from srbm_jax.data import synthetic_digits
from srbm_jax.schedule import training_segments

PLUMBING = {"get-tuple-element", "bitcast", "tuple", "parameter", "constant"}


def body_kernels(hlo_text: str) -> dict[str, int]:
    """Instruction counts (without tuple plumbing) of the body of the entry computation's while
    loop (the scan over ticks) in a compiled HLO text."""
    computations = {m.group(1): m.group(0) for m in re.finditer(
        r"(?ms)^(?:ENTRY )?%?(\S+) \(.*?^}", hlo_text)}
    entry = next(text for text in computations.values() if text.startswith("ENTRY"))
    bodies = re.findall(r"while\(.*?body=%?([\w.-]+)", entry)
    counts = max((collections.Counter(m.group(2) for m in re.finditer(
        r"\n\s+(ROOT )?%\S+ = \S+ ([\w-]+)\(", computations[body])) for body in bodies),
        key=lambda c: sum(c.values()))
    return {op: n for op, n in sorted(counts.items()) if op not in PLUMBING}


def main(argv):
    del argv
    spec = srbm_jax.Spec()
    params = srbm_jax.default_params(spec)
    key = jax.random.key(0)
    _, model = training_segments(spec)
    weight = spec.device.read(srbm_jax.init_device(key, params, spec), params.device)
    words = network.draw_segment_words(key, model.n_ticks, model.visible_free, spec)
    images, _ = synthetic_digits(1, spec.n_data)
    p_visible = encoding.visible_probabilities(jnp.asarray(images[0], jnp.float32), None,
                                               params, spec)
    p_hidden = encoding.hidden_probabilities(params, spec)

    def compiled():
        return jax.jit(lambda w, W: network.run_free_segment(
            w, network.init_carry(spec), W, p_visible, p_hidden, params, spec,
            model.visible_free)[1:])

    def us_per_tick(segment):
        jax.block_until_ready(segment(words, weight))
        windows = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(40):
                out = segment(words, weight)
            jax.block_until_ready(out)
            windows.append((time.perf_counter() - start) / 40 / model.n_ticks * 1e6)
        return sorted(windows)[2], out

    segment = compiled()
    kernels = body_kernels(segment.lower(words, weight).compile().as_text())
    full, out = us_per_tick(segment)

    def no_drive(spikes, rows, chunk):  # rows: post-major [n_post, n_pre] when dense
        return jnp.zeros(rows.shape[0] if chunk == 0 else rows.shape[1], rows.dtype)

    with mock.patch.object(network, "synaptic_drive", no_drive):
        neurons_only, _ = us_per_tick(compiled())
    print(json.dumps({"kernels": sum(kernels.values()), "by_op": kernels,
                      "us_per_tick": round(full, 1),
                      "us_per_tick_neurons_only": round(neurons_only, 1),
                      "model_ticks": model.n_ticks,
                      "images_per_s_bound": round(1e6 / (model.n_ticks * neurons_only)),
                      "spikes_per_tick": [round(float(r.sum()) / model.n_ticks, 1) for r in out],
                      "backend": jax.default_backend()}))


if __name__ == "__main__":
    app.run(main)
