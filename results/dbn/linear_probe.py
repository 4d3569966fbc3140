"""How much of the label does a DBN's layer 1 pass up? A linear probe on its hidden spike counts.

For each network of a trained layer-1 study (one per seed), every image runs through layer 1 as
the upper layer sees it (`LowerRbm.raster`: the image clamped, labels silent, the weights fixed)
for `--ms` of presentation; the hidden neurons' spike counts / ticks (rates in [0, 1] per tick)
are the features. A logistic regression (`srbm_jax.generative.reference.train_reference`) is
fitted on the first `--train` training images and scored on the validation split (the last
`--validation` training images, never trained on; `run.split_training_set`). The same probe on
the pixels is the yardstick. If layer 1's probe is far above layer 2's accuracy, the second
layer's eCD is what loses the label; if it is near it, layer 1 is.

  python results/dbn/linear_probe.py carry/dbn_full/layer1 [--train=10000 --validation=5000 --ms=300 --networks=0]
"""
from __future__ import annotations

import argparse
import functools
import statistics
import time
import types

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import encoding, run
from srbm_jax.data import mnist
from srbm_jax.frontends.lower_rbm import LowerParams, LowerRbm
from srbm_jax.generative import reference
from srbm_jax.run.training import split_training_set


@functools.partial(jax.jit, static_argnums=(0, 1))
def _chunk_rates(front_end, n_ticks: int, lower_params, keys, batch):
    """float32 [B, n_hidden] for one chunk; one compilation serves every network of a study
    (the lower network's weights are an argument, not a constant)."""
    # LowerRbm.raster reads one field of the upper network's Params (front_end) and not its spec
    upper = types.SimpleNamespace(front_end=lower_params)
    raster = jax.vmap(lambda k, p: front_end.raster(k, p, n_ticks, upper, None))(keys, batch)
    return jnp.mean(raster.astype(jnp.float32), axis=1)


def hidden_rates(spec, params, state, pixels, n_ticks: int, key, chunk: int = 250) -> np.ndarray:
    """float32 [N, n_hidden]: each image's layer-1 hidden spike count / n_ticks."""
    lower_params = LowerParams(spec.device.read(state, params.device), params)
    front_end = LowerRbm(spec)
    out = []
    for start in range(0, len(pixels), chunk):
        batch = jnp.asarray(pixels[start:start + chunk])
        keys = jax.random.split(jax.random.fold_in(key, start), batch.shape[0])
        out.append(np.asarray(_chunk_rates(front_end, n_ticks, lower_params, keys, batch)))
    return np.concatenate(out)


def probe(features_train, y_train, features_val, y_val, key) -> float:
    """Validation accuracy (%) of a logistic regression fitted on the training features."""
    fitted = reference.train_reference(key, features_train, y_train, epochs=20,
                                       learning_rate=3e-3)
    return 100.0 * float(np.mean(reference.predict(fitted, features_val) == y_val))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir")
    parser.add_argument("--train", type=int, default=10000)
    parser.add_argument("--validation", type=int, default=5000)
    parser.add_argument("--ms", type=float, default=300.0)
    parser.add_argument("--networks", type=int, default=0, help="the first N networks; 0 = all")
    args = parser.parse_args()
    splits = mnist.load_mnist(verbose=False)
    tx, ty, vx, vy = split_training_set(splits.train_images, splits.train_labels,
                                        args.train, args.validation)
    tx = encoding.to_pixels(tx.reshape(len(tx), -1))
    vx = encoding.to_pixels(vx.reshape(len(vx), -1))
    key = jax.random.PRNGKey(0)
    print(f"pixels: validation {probe(tx, ty, vx, vy, key):.2f} % "
          f"(logistic regression, {args.train} training / {args.validation} validation images)")
    networks, _, _ = run.load_trained_networks(args.workdir)
    networks = networks[:args.networks] if args.networks > 0 else networks
    scores = []
    for labels, spec, params, state in networks:
        start = time.time()
        n_ticks = spec.ticks(args.ms)
        ft = hidden_rates(spec, params, state, tx, n_ticks, jax.random.fold_in(key, 1))
        fv = hidden_rates(spec, params, state, vx, n_ticks, jax.random.fold_in(key, 2))
        score = probe(ft, ty, fv, vy, key)
        scores.append(score)
        print(f"{labels}: layer-1 hidden rates ({spec.n_hidden} neurons, {args.ms:g} ms, mean "
              f"{ft.mean() * 1e3 / spec.dt_ms:.1f} Hz): validation {score:.2f} % "
              f"({time.time() - start:.0f} s)", flush=True)
    if len(scores) > 1:
        print(f"layer 1, mean (sd): {statistics.mean(scores):.2f} ({statistics.stdev(scores):.2f}) %")


if __name__ == "__main__":
    main()
