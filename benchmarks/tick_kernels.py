"""What one tick of the model segment costs on this backend: the kernels XLA compiles into the
tick loop's body, and the time per tick (default network, fresh weights, synthetic digit).

  python -m benchmarks.tick_kernels            # one JSON line

kernels: the body's top-level instructions that run as their own kernels (fusions, copies,
products, ...; not tuple plumbing), counted in the compiled HLO of `network.run_free_segment`;
us_per_tick: median of 5 windows of 40 calls. RESULTS 14 (session 11) reports these figures.
"""
from __future__ import annotations

import collections
import json
import re
import time

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
    segment = jax.jit(lambda w, W: network.run_free_segment(
        w, network.init_carry(spec), W, p_visible, p_hidden, params, spec, model.visible_free)[1:])
    kernels = body_kernels(segment.lower(words, weight).compile().as_text())
    jax.block_until_ready(segment(words, weight))
    windows = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(40):
            out = segment(words, weight)
        jax.block_until_ready(out)
        windows.append((time.perf_counter() - start) / 40 / model.n_ticks * 1e6)
    print(json.dumps({"kernels": sum(kernels.values()), "by_op": kernels,
                      "us_per_tick": round(sorted(windows)[2], 1),
                      "spikes_per_tick": [round(float(r.sum()) / model.n_ticks, 1) for r in out],
                      "backend": jax.default_backend()}))


if __name__ == "__main__":
    app.run(main)
