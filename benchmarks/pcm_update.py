"""The PCM pairs' update call: row-chunked pulses against the whole-matrix loop (RESULTS 16).

  python -m benchmarks.pcm_update [--repeats=5]

One JSON line per (device, count pattern): ms per call of the pulse loop alone on one network,
row-chunked (`pcm_pair.pulse_loop`) and whole-matrix (`pcm_pair.whole_matrix_pulse_loop`, the
loop of sessions 4-14), checked equal bit for bit; and ms per network of one whole `apply`
(pulses, counters, refresh) on 3 vmapped networks. Count patterns on 2 x 832 x 832 devices:
* mnist_like: what an MNIST call pulses (measured in session 15: devices in ~10 % of the rows,
  ~5 % of the devices, counts up to ~8): Poisson(1.5) on 20 % of the Gp rows and 60 % of the
  columns, Poisson(1.0) on 5 % of the Gm rows;
* poisson_0.1: Poisson(0.1) on every device (the older `benchmarks.micro` pattern; every row).
"""
from __future__ import annotations

import json
import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags

from srbm_jax.devices import PcmNonlinear, PcmStochastic, pcm_nonlinear, pcm_pair, pcm_stochastic

FLAGS = flags.FLAGS
flags.DEFINE_integer("repeats", 5, "Timed calls per figure (the fastest is printed).")
N_VISIBLE = N_HIDDEN = 832
N_NETWORKS = 3


def _ms(function, *args) -> float:
    """Fastest of FLAGS.repeats calls of an already jitted function, ms."""
    jax.block_until_ready(function(*args))
    times = []
    for _ in range(FLAGS.repeats):
        start = time.perf_counter()
        jax.block_until_ready(function(*args))
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def _counts(pattern: str, rng: np.random.Generator) -> np.ndarray:
    shape = (2, N_VISIBLE, N_HIDDEN)
    if pattern == "poisson_0.1":
        return rng.poisson(0.1, shape).astype(np.float32)
    counts = np.zeros(shape, np.float32)
    rows, cols = rng.random(N_VISIBLE) < 0.2, rng.random(N_HIDDEN) < 0.6
    counts[0][np.ix_(rows, cols)] = rng.poisson(1.5, (rows.sum(), cols.sum()))
    counts[1][rng.random(N_VISIBLE) < 0.05] = rng.poisson(1.0, (1, N_HIDDEN))
    return counts


def main(argv):
    del argv
    rng = np.random.default_rng(0)
    key = jax.random.key(0)
    # Each device with its SET step and its (carry, aux) as its _set_pulses passes them.
    devices = (
        (PcmStochastic(), pcm_stochastic.set_pulse,
         lambda s: ((jnp.stack([s.g_plus, s.g_minus]), jnp.zeros((2, *s.g_plus.shape))), ())),
        (PcmNonlinear(), pcm_nonlinear.set_pulse,
         lambda s: (jnp.stack([s.g_plus, s.g_minus]), jnp.stack([s.dtod_plus, s.dtod_minus]))))
    for device, step, carry_and_aux in devices:
        params = device.default_params()
        state = device.init(key, N_VISIBLE, N_HIDDEN, params)
        states = jax.vmap(lambda k, d=device, p=params: d.init(k, N_VISIBLE, N_HIDDEN, p))(
            jax.random.split(key, N_NETWORKS))
        carry, aux = carry_and_aux(state)
        for pattern in ("mnist_like", "poisson_0.1"):
            counts = jnp.asarray(np.minimum(_counts(pattern, rng), device.max_pulses_per_call))
            loops = {name: jax.jit(lambda k, n, c, a, loop=loop, s=step, p=params:
                                   loop(k, n, c, s, p, a))
                     for name, loop in (("chunked", pcm_pair.pulse_loop),
                                        ("whole", pcm_pair.whole_matrix_pulse_loop))}
            same = all(bool(jnp.array_equal(a, b)) for a, b in zip(
                jax.tree_util.tree_leaves(loops["chunked"](key, counts, carry, aux)),
                jax.tree_util.tree_leaves(loops["whole"](key, counts, carry, aux)), strict=True))
            batch = jnp.broadcast_to(counts, (N_NETWORKS, *counts.shape))
            apply = jax.jit(jax.vmap(lambda k, s, n, d=device, p=params:
                                     d.apply(k, s, n[0], n[1], p)))
            keys = jax.random.split(key, N_NETWORKS)
            print(json.dumps({
                "device": device.name, "counts": pattern,
                "rows_pulsed": float(np.mean(np.asarray(counts).max(axis=2) > 0)),
                "devices_pulsed": float(np.mean(np.asarray(counts) > 0)),
                "largest_count": float(counts.max()),
                "pulse_loop_ms": round(_ms(loops["chunked"], key, counts, carry, aux), 2),
                "whole_matrix_loop_ms": round(_ms(loops["whole"], key, counts, carry, aux), 2),
                "bit_identical": same,
                "apply_ms_per_network_of_3_vmapped": round(
                    _ms(apply, keys, states, batch) / N_NETWORKS, 2)}), flush=True)


if __name__ == "__main__":
    app.run(main)
