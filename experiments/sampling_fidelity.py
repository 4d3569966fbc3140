"""How closely the IBM neurons sample a Boltzmann distribution (srbm_jax.generative.sampling).

  python -m experiments.sampling_fidelity --out=results/sampling_fidelity

Calibrates the neuron's activation (P(on) against a constant input), then for `machines` random
Boltzmann machines of visible + hidden units (weights and biases N(0, scale^2)) samples each with
the spiking network (rectangular and jump post-synaptic inputs) and with block Gibbs sampling,
and writes the KL divergence to the exact distribution against the number of samples (ticks of
1 ms, or Gibbs sweeps): kl.jsonl, calibration.json, kl.png, calibration.png.
"""
from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
from absl import flags

import srbm_jax
from experiments import cli
from srbm_jax import analysis
from srbm_jax.files import atomic_write
from srbm_jax.generative import sampling

FLAGS = flags.FLAGS
flags.DEFINE_string("out", "results/sampling_fidelity", "Output directory.")
flags.DEFINE_integer("visible", 5, "Visible units.")
flags.DEFINE_integer("hidden", 5, "Hidden units.")
flags.DEFINE_float("scale", 0.5, "Std of the random weights and biases.")
flags.DEFINE_integer("machines", 3, "Random machines (seeds 0..machines-1).")
flags.DEFINE_integer("samples", 200000, "Samples per method (ticks or sweeps).")
flags.DEFINE_integer("calibration_ticks", 50000, "Ticks per calibration point.")


def main(argv):
    del argv
    out = Path(FLAGS.out)
    spec = srbm_jax.Spec()
    params = srbm_jax.default_params(spec)
    calibration = sampling.calibrate(jax.random.key(100), params, spec,
                                     n_ticks=FLAGS.calibration_ticks)
    lengths = np.unique(np.logspace(2, np.log10(FLAGS.samples), 13).astype(int)).tolist()
    rows = []
    for seed in range(FLAGS.machines):
        machine = sampling.random_machine(jax.random.key(seed), FLAGS.visible, FLAGS.hidden,
                                          FLAGS.scale)
        exact = sampling.exact_distribution(machine)
        key = jax.random.key(1000 + seed)
        runs = {"gibbs": sampling.gibbs_samples(key, machine, FLAGS.samples)}
        for psp in ("rectangular", "jump"):
            runs[f"spiking_{psp}"] = sampling.spiking_samples(key, machine, calibration, params,
                                                              spec, FLAGS.samples, psp=psp)
        for method, samples in runs.items():
            rows.append({"machine": seed, "method": method, "samples": lengths,
                         "kl_nats": sampling.kl_curve(samples, exact, lengths)})
            print(json.dumps({"machine": seed, "method": method,
                              "kl_final": rows[-1]["kl_nats"][-1]}))
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "kl.jsonl", "w") as handle:
        handle.write("".join(json.dumps(r) + "\n" for r in rows))
    with atomic_write(out / "calibration.json", "w") as handle:
        handle.write(json.dumps({"d0": calibration.d0, "beta": calibration.beta,
                                 "rms": calibration.rms, "tau_on_ticks": calibration.tau_on,
                                 "drives": calibration.drives.tolist(),
                                 "p_on": calibration.p_on.tolist(),
                                 "visible": FLAGS.visible, "hidden": FLAGS.hidden,
                                 "scale": FLAGS.scale, "machines": FLAGS.machines}, indent=1))
    analysis.plot_kl_curves(rows, out / "kl.png", title=(
        f"{FLAGS.visible} + {FLAGS.hidden} units, {FLAGS.machines} machines, mean +- sd"))
    analysis.plot_calibration(calibration.drives, calibration.p_on, calibration.d0,
                              calibration.beta, calibration.rms, out / "calibration.png")

if __name__ == "__main__":
    cli.run(main)
