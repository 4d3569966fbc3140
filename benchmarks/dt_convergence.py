"""Is the default tick fine enough? Firing rate vs input at dt and at dt/10.

A population of independent LIF neurons (srbm_jax.neurons.lif_tick, the simulator's own neuron)
receives Poisson input spikes of weight `weight` (membrane units) at `input_hz`; the mean output
rate is measured over `duration_ms` for several input rates, at the default dt and at dt/10, with
and without the Brownian-bridge crossing correction. The criterion of the core issue: at the default
dt the mean rate is within 5 % of dt/10 on the whole curve.

  python -m benchmarks.dt_convergence                  # default dt = 1 ms vs 0.1 ms
  python -m benchmarks.dt_convergence --dt_ms=0.5

Prints one JSON line per (input rate, setting) and a summary line with the worst relative error.
"""
from __future__ import annotations

import json

import jax
import jax.numpy as jnp
from absl import app, flags

import srbm_jax
from srbm_jax import random as srbm_random
from srbm_jax.neurons import init_layer, lif_tick

FLAGS = flags.FLAGS
flags.DEFINE_float("dt_ms", 1.0, "The tick to check (compared with dt_ms / 10).")
flags.DEFINE_list("input_hz", ["0", "500", "1000", "2000", "4000", "8000"],
                  "Total Poisson input rates (Hz) onto each neuron.")
flags.DEFINE_float("weight", 0.05, "Membrane jump per input spike (alpha * G), membrane units.")
flags.DEFINE_integer("neurons", 2000, "Independent neurons per input rate.")
flags.DEFINE_float("duration_ms", 2000.0, "Simulated time per measurement.")
flags.DEFINE_float("tolerance", 0.05, "Allowed relative rate error of dt vs dt/10.")


def mean_rate(key, input_hz: float, dt_ms: float, bridge: bool, params) -> float:
    """Mean output rate (Hz) of FLAGS.neurons neurons driven by Poisson input at input_hz."""
    spec = srbm_jax.Spec(dt_ms=dt_ms, bridge_correction=bridge)
    n_ticks = int(round(FLAGS.duration_ms / dt_ms))
    n = FLAGS.neurons

    @jax.jit
    def run(key):
        def tick(state, tick_key):
            key_walk, key_input = jax.random.split(tick_key)
            walk = srbm_random.words(key_walk, (n, spec.walk_words), spec.random_source)
            drive = FLAGS.weight * jax.random.poisson(key_input, input_hz * dt_ms * 1e-3, (n,))
            state, spikes = lif_tick(state, drive.astype(jnp.float32), walk, params, dt_ms=dt_ms,
                                     flips_per_tick=spec.flips_per_tick, bridge_correction=bridge)
            return state, jnp.sum(spikes, dtype=jnp.int32)

        _, counts = jax.lax.scan(tick, init_layer(n), jax.random.split(key, n_ticks))
        return jnp.sum(counts)

    return float(run(key)) / (n * FLAGS.duration_ms * 1e-3)


def main(argv):
    del argv
    params = srbm_jax.default_params()
    key = jax.random.key(0)
    worst = 0.0
    for input_hz in map(float, FLAGS.input_hz):
        fine = mean_rate(key, input_hz, FLAGS.dt_ms / 10, True, params)
        for bridge in (True, False):
            coarse = mean_rate(key, input_hz, FLAGS.dt_ms, bridge, params)
            error = (coarse - fine) / fine
            if bridge:
                worst = max(worst, abs(error))
            print(json.dumps(dict(input_hz=input_hz, dt_ms=FLAGS.dt_ms, bridge=bridge,
                                  rate_hz=round(coarse, 2), rate_fine_hz=round(fine, 2),
                                  relative_error=round(error, 4))), flush=True)
    print(json.dumps(dict(summary="worst relative error with bridge", dt_ms=FLAGS.dt_ms,
                          worst=round(worst, 4), tolerance=FLAGS.tolerance,
                          passed=bool(worst <= FLAGS.tolerance))), flush=True)


if __name__ == "__main__":
    app.run(main)
