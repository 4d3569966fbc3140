"""Masks over the data neurons for pattern completion and occlusion: bool [n_data], True where
a pixel is hidden from the network (left free to be completed, or silenced).

    masks.make("bottom_half", n_data=784)           # the chip paper's blocked half
    masks.make("random", n_data=784, fraction=0.3, seed=0)

Kinds (`KINDS`): none, top_half, bottom_half, left_half, right_half, quadrant_0..3 (top-left,
top-right, bottom-left, bottom-right), random (a `fraction` of the pixels, drawn with `seed`),
and occlusion_rows (the bottom `fraction` of the rows, for occlusion curves). Square images only
(n_data = side^2) except none and random.
"""
from __future__ import annotations

import math

import numpy as np

KINDS = ("none", "top_half", "bottom_half", "left_half", "right_half", "quadrant_0",
         "quadrant_1", "quadrant_2", "quadrant_3", "random", "occlusion_rows")


def _side(n_data: int, kind: str) -> int:
    side = math.isqrt(n_data)
    if side * side != n_data:
        raise ValueError(f"mask kind {kind!r} needs square images: n_data = {n_data} is not a "
                         "square; allowed kinds for it: none, random")
    return side


def make(kind: str, n_data: int, *, fraction: float = 0.5, seed: int = 0) -> np.ndarray:
    """bool [n_data] mask of `kind` (module docstring); ValueError naming the argument for an
    unknown kind or a fraction outside [0, 1]."""
    if kind not in KINDS:
        raise ValueError(f"mask kind {kind!r} is out of range: allowed one of {KINDS}")
    if not (isinstance(fraction, (int, float)) and 0.0 <= fraction <= 1.0):
        raise ValueError(f"mask fraction = {fraction!r} is out of range: allowed [0, 1]")
    if kind == "none":
        return np.zeros(n_data, bool)
    if kind == "random":
        mask = np.zeros(n_data, bool)
        count = int(round(fraction * n_data))
        mask[np.random.default_rng(seed).choice(n_data, count, replace=False)] = True
        return mask
    side = _side(n_data, kind)
    grid = np.zeros((side, side), bool)
    half = side // 2
    if kind == "top_half":
        grid[:half] = True
    elif kind == "bottom_half":
        grid[half:] = True
    elif kind == "left_half":
        grid[:, :half] = True
    elif kind == "right_half":
        grid[:, half:] = True
    elif kind == "occlusion_rows":
        rows = int(round(fraction * side))
        grid[side - rows:] = True
    else:
        index = int(kind[-1])
        rows = slice(0, half) if index < 2 else slice(half, side)
        cols = slice(0, half) if index % 2 == 0 else slice(half, side)
        grid[rows, cols] = True
    return grid.ravel()
