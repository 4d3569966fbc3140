"""Synthetic stand-ins for MNIST: shapes and spike statistics without a download."""
from __future__ import annotations

import numpy as np


def synthetic_digits(n: int, n_data: int = 784, seed: int = 0):
    """n synthetic blob images, float32 [n, n_data] in [0, 1], about 19 % of pixels >= 0.5 (like
    MNIST at threshold 0.5), and random int32 labels 0..9. For benchmarks and smoke runs only: the
    labels carry no information about the images."""
    rng = np.random.default_rng(seed)
    side = int(round(np.sqrt(n_data)))
    yy, xx = np.mgrid[:side, :side]
    centres = rng.uniform(side * 0.3, side * 0.7, (n, 2))
    radius = rng.uniform(side * 0.2, side * 0.3, n)
    distance = np.hypot(yy[None] - centres[:, 0, None, None], xx[None] - centres[:, 1, None, None])
    images = np.clip(1.5 - distance / radius[:, None, None], 0, 1).reshape(n, -1)[:, :n_data]
    return images.astype(np.float32), rng.integers(0, 10, n).astype(np.int32)
