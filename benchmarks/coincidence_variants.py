"""Formulations of one segment's coincidence counts, C = open^T @ events (issue 19 item 2), timed
side by side in one process: float32 (today's), bfloat16 and int8 products with wide
accumulation (all exact for 0/1 inputs and counts <= T), and a compaction of the hidden neurons
that have any event (a product over them only, scattered back). One JSON line per variant and
repeat (ms per segment; the repeats interleave the variants, so a loaded machine slows all alike).

  python -m benchmarks.coincidence_variants [--ticks=40 --open_density=0.15 --event_density=0.02]

Densities: ~15 % of the visible neurons have an open STDP pulse in a data tick and ~2 % of the
hidden neurons an update event (about the default network's rates).
"""
from __future__ import annotations

import json
import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_integer("ticks", 40, "Gated ticks of the segment.")
flags.DEFINE_integer("neurons", 832, "Visible and hidden neurons.")
flags.DEFINE_float("open_density", 0.15, "Fraction of visible neurons open per tick.")
flags.DEFINE_float("event_density", 0.02, "Fraction of hidden neurons with an event per tick.")
flags.DEFINE_integer("calls", 200, "Calls per timing.")
flags.DEFINE_integer("repeats", 3, "Interleaved repeats.")


def variants(n: int, ticks: int):
    def compact(opened, events):
        cap = n  # static; the neurons with any event come first, the rest point at a zero column
        index = jnp.nonzero(events.any(0), size=cap, fill_value=n)[0]
        padded = jnp.concatenate([events, jnp.zeros((ticks, 1), bool)], 1)
        sub = opened.astype(jnp.float32).T @ padded[:, index].astype(jnp.float32)
        return jnp.zeros((n, n + 1), jnp.float32).at[:, index].set(sub)[:, :n]

    return {
        "float32": lambda o, e: o.astype(jnp.float32).T @ e.astype(jnp.float32),
        "bfloat16": lambda o, e: jnp.dot(o.astype(jnp.bfloat16).T, e.astype(jnp.bfloat16),
                                         preferred_element_type=jnp.float32),
        "int8": lambda o, e: jnp.dot(o.astype(jnp.int8).T, e.astype(jnp.int8),
                                     preferred_element_type=jnp.int32).astype(jnp.float32),
        "compact_hidden": compact,
    }


def main(argv):
    del argv
    rng = np.random.default_rng(0)
    n, ticks = FLAGS.neurons, FLAGS.ticks
    opened = jnp.asarray(rng.random((ticks, n)) < FLAGS.open_density)
    events = jnp.asarray(rng.random((ticks, n)) < FLAGS.event_density)
    compiled = {name: jax.jit(fn) for name, fn in variants(n, ticks).items()}
    reference = np.asarray(compiled["float32"](opened, events))
    for name, fn in compiled.items():
        if not np.array_equal(np.asarray(fn(opened, events)), reference):
            raise AssertionError(f"{name} differs from the float32 counts")
    for repeat in range(FLAGS.repeats):
        for name, fn in compiled.items():
            start = time.perf_counter()
            for _ in range(FLAGS.calls):
                out = fn(opened, events)
            jax.block_until_ready(out)
            print(json.dumps({"variant": name, "repeat": repeat, "ms_per_segment": round(
                (time.perf_counter() - start) / FLAGS.calls * 1e3, 3), "ticks": ticks,
                "neurons": n, "backend": jax.default_backend()}), flush=True)


if __name__ == "__main__":
    app.run(main)
