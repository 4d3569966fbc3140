"""The default front end: one data neuron per pixel (docs/model.md#input-spikes).

Spec.input_coding chooses the code: "threshold" (IBM, slides: a pixel > input_threshold spikes at
spike_rate_hz, else never) or "rate" (the slides' proposal: p = pixel * spike_rate * dt).
"""
from __future__ import annotations

import dataclasses

import jax.numpy as jnp

from srbm_jax.frontends.base import FrontEnd, thresholded


@dataclasses.dataclass(frozen=True)
class PixelCoding(FrontEnd):
    """Pixels as they are, one data neuron each, coded by `Spec.input_coding`."""

    name: str = "pixels"
    reads_n_data_pixels = True

    def output_size(self, spec) -> int:
        return spec.n_data

    @classmethod
    def default_n_data(cls) -> int:
        return 784  # MNIST's 28 x 28

    def probabilities(self, pixels, params, spec):
        p_on = params.spike_rate_hz * spec.dt_ms * 1e-3
        if spec.input_coding == "threshold":
            return thresholded(pixels, params.input_threshold, p_on)
        return (pixels * p_on).astype(jnp.float32)
