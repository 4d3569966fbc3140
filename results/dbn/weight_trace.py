"""Weight statistics of a DBN layer-2 study at each of its saved checkpoints, per block of the
weight matrix (data rows = layer 1's hidden units, label rows, visible-bias rows; hidden-bias
columns apart), mean over the study's networks. For following what layer 2 changes across an
epoch boundary (RESULTS 16).

  python results/dbn/weight_trace.py carry/dbn_boundary [n_data n_label]
"""
from __future__ import annotations

import glob
import sys

import numpy as np


def blocks(weights: np.ndarray, n_data: int, n_label: int, n_hidden: int) -> dict:
    rows = {"data": slice(0, n_data), "label": slice(n_data, n_data + n_label),
            "vbias": slice(n_data + n_label, None)}
    out = {}
    for name, row in rows.items():
        block = weights[:, row, :n_hidden]
        out[name] = (float(block.mean()), float(block.std()), float(block.min()),
                     float(block.max()), float(np.mean(np.abs(block) > 5.0)))
    out["hbias"] = tuple(float(f(weights[:, :n_data, n_hidden:])) for f in (np.mean, np.std))
    return out


def main(argv):
    workdir = argv[1]
    n_data = int(argv[2]) if len(argv) > 2 else 500
    n_label = int(argv[3]) if len(argv) > 3 else 40
    for path in sorted(glob.glob(f"{workdir}/checkpoints/ckpt-*.npz")):
        with np.load(path, allow_pickle=False) as z:
            gp, gm = z["leaf_00004"], z["leaf_00005"]  # device state: Gp, Gm [networks, v, h]
        weights = gp - gm
        n_hidden = weights.shape[2] - 8
        stats = blocks(weights, n_data, n_label, n_hidden)
        name = path.rsplit("/", 1)[1]
        line = " ".join(f"{k} m={v[0]:+.3f} sd={v[1]:.3f} [{v[2]:+.2f},{v[3]:+.2f}] >5:{v[4]:.4f}"
                        for k, v in stats.items() if k != "hbias")
        print(f"{name} {line} hbias m={stats['hbias'][0]:+.3f} sd={stats['hbias'][1]:.3f}")


if __name__ == "__main__":
    main(sys.argv)
