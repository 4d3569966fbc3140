"""Argument checks shared by the training and inference entry points (`train`, `infer`,
`sweep`): integers in range and non-empty data sets, with errors that name the argument."""
from __future__ import annotations

import numpy as np

from srbm_jax import encoding
from srbm_jax.config import Spec


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_int_argument(value, name: str, low: int, high: int | None = None, note: str = "") -> None:
    """Raise ValueError('<name> = <value> is out of range: allowed ...') unless value is an
    integer in [low, high] (no upper bound when high is None)."""
    if not (_is_int(value) and value >= low and (high is None or value <= high)):
        allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
        raise ValueError(f"{name} = {value!r} is out of range: allowed {allowed}{note}")


def check_data_set(pixels, labels, spec: Spec, name: str = "pixels"):
    """`encoding.check_images` for the training and inference entry points, refusing an empty data
    set first (N = 0 images: nothing to train or classify, and no accuracy to report).

    Returns (images [N, n_data] in their own dtype, int32 labels [N] or None); raises ValueError
    naming `name` for an empty set, a wrong shape or dtype, pixels out of range, NaN or inf."""
    shape = np.shape(pixels)
    if len(shape) >= 1 and shape[0] == 0:
        size = spec.front_end.input_size(spec)
        raise ValueError(f"{name} has shape {tuple(shape)}: allowed N >= 1 images, [N, "
                         f"{size}] or [N, H, W] with H*W = {size}")
    return encoding.check_images(pixels, labels, spec, name)
