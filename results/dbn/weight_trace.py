"""Weight statistics of a study (or run) at each of its saved checkpoints, per block of the
weight matrix: data rows (for a DBN's layer 2, layer 1's hidden units), label rows and
visible-bias rows against the hidden units, and the hidden-bias columns; each block's mean, sd,
range and fraction beyond |W| > 5, pooled over the networks of the checkpoint. For following what
layer 2 changes across an epoch boundary (RESULTS 16). The weights are the device's own read
(`Device.read`), the blocks the spec's sizes.

  python results/dbn/weight_trace.py carry/dbn_boundary [--networks]

--networks: one line per network of the checkpoint (a study's sweep values apart), not pooled.
"""
from __future__ import annotations

import glob
import sys

import jax
import numpy as np

from srbm_jax.run.saved_runs import load_checkpoint_networks


def blocks(weights: np.ndarray, spec) -> dict[str, np.ndarray]:
    """{block name: weights [networks, rows, cols]} of stacked weights [networks, v, h]."""
    hidden = slice(0, spec.n_hidden)
    return {"data": weights[:, :spec.n_data, hidden],
            "label": weights[:, spec.label_slice, hidden],
            "vbias": weights[:, spec.n_data + spec.n_label:, hidden],
            "hbias": weights[:, :spec.n_data, spec.n_hidden:]}


def main(argv) -> None:
    per_network = "--networks" in argv
    argv = [arg for arg in argv if arg != "--networks"]
    if len(argv) != 2:
        raise SystemExit(__doc__)
    paths = sorted(glob.glob(f"{argv[1]}/checkpoints/ckpt-*.npz"))
    if not paths:
        raise SystemExit(f"{argv[1]}/checkpoints/ holds no ckpt-*.npz")
    for path in paths:
        networks, states, _, _ = load_checkpoint_networks(path)
        spec = networks.spec
        weights = np.stack([np.asarray(spec.device.read(
            jax.tree_util.tree_map(np.asarray, networks.state_of(states, n)),
            networks.params_of(n).device)) for n in range(networks.n)])
        groups = ([(f" network {n}", weights[n:n + 1]) for n in range(networks.n)]
                  if per_network else [("", weights)])
        for label, group in groups:
            cells = []
            for name, block in blocks(group, spec).items():
                cells.append(f"{name} m={block.mean():+.3f} sd={block.std():.3f} "
                             f"[{block.min():+.2f},{block.max():+.2f}] "
                             f">5:{np.mean(abs(block) > 5):.4f}")
            print(path.rsplit("/", 1)[1] + label, " ".join(cells))


if __name__ == "__main__":
    main(sys.argv)
