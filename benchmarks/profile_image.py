"""Where the time of one on-line training image goes (default network, CPU or accelerator).

  python -m benchmarks.profile_image            # one JSON line per component, ms per image

Each component is jitted on its own and timed over `--repeats` calls after a warm-up call, on
synthetic MNIST-like input, so the parts do not add up exactly to `train_image` (fusion across
parts is lost) but show the order of magnitude of each.
"""
from __future__ import annotations

import json
import time

import jax
import jax.numpy as jnp
from absl import app, flags

import srbm_jax
from srbm_jax import encoding, network, plasticity, train
from srbm_jax.data import synthetic_digits
from srbm_jax.schedule import training_segments

FLAGS = flags.FLAGS
flags.DEFINE_integer("repeats", 50, "Timed calls per component.")
flags.DEFINE_integer("drive_chunk", 16, "Spec.drive_chunk (0 = dense drive).")


def timed(name: str, function, *args) -> None:
    function = jax.jit(function)
    jax.block_until_ready(function(*args))
    start = time.perf_counter()
    for _ in range(FLAGS.repeats):
        result = function(*args)
    jax.block_until_ready(result)
    milliseconds = (time.perf_counter() - start) / FLAGS.repeats * 1e3
    print(json.dumps({"component": name, "ms_per_image": round(milliseconds, 3),
                      "backend": jax.default_backend()}), flush=True)


def main(argv):
    del argv
    spec = srbm_jax.Spec(drive_chunk=FLAGS.drive_chunk)
    params = srbm_jax.default_params(spec)
    key = jax.random.key(0)
    state = srbm_jax.init_device(key, params, spec)
    weight = spec.device.read(state, params.device)
    images, labels = synthetic_digits(1, spec.n_data)
    pixels, label = jnp.asarray(images[0]), jnp.int32(labels[0])
    data, model = training_segments(spec)
    p_visible = encoding.visible_probabilities(pixels, label, params, spec)
    p_hidden = encoding.hidden_probabilities(params, spec)
    width = spec.ticks(spec.pulse_width_ms)

    timed("random words, data segment", lambda k: network.draw_segment_words(
        k, data.n_ticks, data.visible_free, spec), key)
    timed("random words, model segment", lambda k: network.draw_segment_words(
        k, model.n_ticks, model.visible_free, spec), key)
    data_words = network.draw_segment_words(key, data.n_ticks, data.visible_free, spec)
    model_words = network.draw_segment_words(key, model.n_ticks, model.visible_free, spec)
    timed("data segment (given words)", lambda w, W: network.run_clamped_segment(
        w, network.init_carry(spec), W, p_visible, p_hidden, params, spec), data_words, weight)
    carry, visible, hidden = network.run_clamped_segment(
        data_words, network.init_carry(spec), weight, p_visible, p_hidden, params, spec)
    timed("model segment (given words)", lambda w, c, W: network.run_free_segment(
        w, c, W, p_visible, p_hidden, params, spec, model.visible_free), model_words, carry, weight)
    timed("coincidence counts, one segment", lambda v, h: plasticity.coincidence_counts(
        plasticity.pulse_open(v, width), plasticity.delayed(h, data.event_delay), data.gate),
        visible, hidden)
    counts = jnp.ones_like(weight)
    timed("device apply + read, one segment", lambda s, c: spec.device.read(
        spec.device.apply(key, s, c, jnp.zeros_like(c), params.device), params.device), state, counts)
    timed("whole train_image", lambda k, s: train.train_image(k, s, pixels, label, params, spec),
          key, state)


if __name__ == "__main__":
    app.run(main)
