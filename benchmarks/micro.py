"""Micro-benchmarks behind RESULTS.md section 5 (one JSON line each, microseconds or ms).

  python -m benchmarks.micro

* matvec: one 824 x 832 float32 matrix-vector product per tick in a 50-tick scan, post-major
  (W @ s, the dense drive's layout) and pre-major (s @ W); `network.synaptic_drive` dense and
  sparse (16 rows per loop step) with ~25 spikes per tick;
* lif: `neurons.lif_tick` of 824 neurons per tick (one and two layers), no drive;
* model_tick: a whole tick of the model segment (`network.run_free_segment`, default network),
  dense drive and sparse drive in chunks of 8, 16, 32, with the spikes per tick it saw;
* words: 50 x 832 x 4 uint32 random words from the hash and from threefry; normals for a PCM
  pair's SET pulse (2 x 832 x 832) from both;
* device_apply: one update call of each registered device on an 832 x 832 array with
  Poisson(0.1) event counts; and of the 6T2R pair with bfloat16 storage (nearest, stochastic);
* device_read: one read (G = Gp - Gm, float32) of the 6T2R pair per storage format.
"""
from __future__ import annotations

import json
import time

import jax
import jax.numpy as jnp
from absl import app

import srbm_jax
from srbm_jax import encoding, network, neurons
from srbm_jax import random as srbm_random
from srbm_jax.devices import DEVICES, GpGmLinear
from srbm_jax.schedule import training_segments

TICKS = 50


def _time(function, *args, repeats: int = 30) -> float:
    """Seconds per call of jit(function) after one warm-up call."""
    function = jax.jit(function)
    jax.block_until_ready(function(*args))
    start = time.perf_counter()
    for _ in range(repeats):
        result = function(*args)
    jax.block_until_ready(result)
    return (time.perf_counter() - start) / repeats


def _emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"benchmark": name, unit: round(value, 3), "backend": jax.default_backend()}),
          flush=True)


def _per_tick(body, carry, xs) -> float:
    """Microseconds per tick of a TICKS-tick scan of body."""
    return _time(lambda c, x: jax.lax.scan(body, c, x)[1].sum(), carry, xs) / TICKS * 1e6


def main(argv):
    del argv
    key = jax.random.key(0)
    spec = srbm_jax.Spec()
    params = srbm_jax.default_params(spec)
    post_major = jax.random.normal(key, (824, 832))
    spikes = jax.random.uniform(key, (TICKS, 832)) < 0.1
    _emit("matvec post-major (W @ s)", _per_tick(
        lambda c, s: (c, c @ s.astype(jnp.float32)), post_major, spikes), "us_per_tick")
    sparse_rows = network.sparse_rows(post_major.T)
    few_spikes = jax.random.uniform(key, (TICKS, 832)) < 0.03  # ~25 per tick, as when trained
    _emit("drive dense (W @ s), ~25 spikes", _per_tick(
        lambda c, s: (c, network.synaptic_drive(s, c, 0)), post_major, few_spikes), "us_per_tick")
    _emit("drive sparse (drive_chunk=16), ~25 spikes", _per_tick(
        lambda c, s: (c, network.synaptic_drive(s, c, 16)), sparse_rows, few_spikes),
        "us_per_tick")
    _emit("matvec pre-major (s @ W)", _per_tick(
        lambda c, s: (c, s.astype(jnp.float32) @ c), post_major.T.copy(), spikes), "us_per_tick")

    walk = srbm_random.words(key, (TICKS, 2, 824, spec.walk_words))
    drive = jnp.zeros((824,))

    def lif(layers):
        def body(states, words):
            new, total = [], 0
            for state, layer_words in zip(states, words[:layers], strict=True):
                state, fired = neurons.lif_tick(state, drive, layer_words, params, dt_ms=spec.dt_ms,
                                                flips_per_tick=spec.flips_per_tick)
                new.append(state)
                total = total + fired.sum()
            return tuple(new), total
        return body

    for layers in (1, 2):
        states = tuple(neurons.init_layer(824) for _ in range(layers))
        _emit(f"lif {layers} layer(s) of 824", _per_tick(lif(layers), states, walk), "us_per_tick")

    _, model = training_segments(spec)
    weight = spec.device.read(srbm_jax.init_device(key, params, spec), params.device)
    words = network.draw_segment_words(key, model.n_ticks, model.visible_free, spec)
    p_visible = encoding.visible_probabilities(jnp.zeros(spec.n_data), None, params, spec)
    p_hidden = encoding.hidden_probabilities(params, spec)
    for chunk in (0, 8, 16, 32):
        chunk_spec = spec.replace(drive_chunk=chunk)

        def segment(w, W, chunk_spec=chunk_spec):
            _, visible, hidden = network.run_free_segment(
                w, network.init_carry(chunk_spec), W, p_visible, p_hidden, params, chunk_spec,
                model.visible_free)
            return visible.sum(), hidden.sum()

        seconds = _time(segment, words, weight)
        visible_spikes, hidden_spikes = jax.jit(segment)(words, weight)
        print(json.dumps({"benchmark": f"model segment tick, drive_chunk={chunk}",
                          "us_per_tick": round(seconds / model.n_ticks * 1e6, 3),
                          "visible_spikes_per_tick": float(visible_spikes) / model.n_ticks,
                          "hidden_spikes_per_tick": float(hidden_spikes) / model.n_ticks,
                          "backend": jax.default_backend()}), flush=True)

    for source in ("hash", "threefry"):
        _emit(f"words {source} 50x832x4", _time(
            lambda k, s=source: srbm_random.words(k, (TICKS, 832, 4), s).sum(), key) * 1e3,
            "ms")

    shape = (2, 832, 832)
    _emit("normal threefry 2x832x832", _time(lambda k: jax.random.normal(k, shape).sum(), key) * 1e3,
          "ms")
    _emit("normal hash 2x832x832", _time(lambda k: srbm_random.normal(k, shape).sum(), key) * 1e3,
          "ms")

    counts = jax.random.poisson(key, 0.1, (832, 832)).astype(jnp.float32)
    for name, device_class in DEVICES.items():
        device = device_class()
        device_params = device.default_params()
        state = device.init(key, 832, 832, device_params)
        _emit(f"device_apply {name}", _time(
            lambda s, c, d=device, p=device_params: d.apply(key, s, c, jnp.zeros_like(c), p),
            state, counts, repeats=5) * 1e3, "ms")
    for storage_dtype, rounding in (("float32", "nearest"), ("bfloat16", "nearest"),
                                    ("bfloat16", "stochastic")):
        device = GpGmLinear(storage_dtype=storage_dtype, rounding=rounding)
        device_params = device.default_params()
        state = device.init(key, 832, 832, device_params)
        label = f"gpgm_linear {storage_dtype} {rounding}"
        _emit(f"device_apply {label}", _time(
            lambda s, c, d=device, p=device_params: d.apply(key, s, c, jnp.zeros_like(c), p),
            state, counts, repeats=5) * 1e3, "ms")
        _emit(f"device_read {label}", _time(
            lambda s, d=device, p=device_params: d.read(s, p), state, repeats=20) * 1e3, "ms")


if __name__ == "__main__":
    app.run(main)
