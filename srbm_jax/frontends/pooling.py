"""2x2 pooling front ends: the seed slides' average, max and combined pooling.

The 28 x 28 image is pooled in 2 x 2 blocks into 14 x 14 maps: "avg" (the block mean), "max",
and "combo", the slides' combination, whose four maps are avg, avg, max and min. Each map is
standardised per image, z = (m - mean(m)) / std(m) (the slides standardise the 784-vector; for
the combination they subtract each map's own mean: the sign of z, which is all that the
threshold sees, is the same), and a data neuron spikes at spike_rate_hz where z > threshold
(0: above the image's mean, the slides' "mnist threshold = 0"; `Spec.input_coding` "rate" codes
the pooled value itself, p = m * spike_rate * dt, unstandardised).

Layouts: "quadrants", the slides' 784-vector, the map(s) written into the four 14 x 14
quadrants (`pixel[28 i + j + 14 (28 k + l)]`: avg and max repeat their map four times, combo
places avg, avg, max, min); "compact", each distinct map once: 196 data neurons for avg or max,
392 for combo (avg and max; the min map of 2 x 2 MNIST blocks is almost all zero).
"""
from __future__ import annotations

import dataclasses

import jax.numpy as jnp

from srbm_jax.frontends.base import FrontEnd, thresholded

MAPS = ("avg", "max", "combo")
LAYOUTS = ("quadrants", "compact")
SIDE = 28


def pooled_maps(pixels: jnp.ndarray, maps: str, layout: str, side: int = SIDE) -> jnp.ndarray:
    """float32 [..., n_maps, side/2, side/2]: the maps of `maps` in layout order (quadrants: 4
    maps, row-major quadrant order (0,0), (0,1), (1,0), (1,1); compact: the distinct maps), from
    square images of `side` x `side` pixels [..., side^2]."""
    blocks = pixels.reshape(*pixels.shape[:-1], side // 2, 2, side // 2, 2)
    avg, big = blocks.mean(axis=(-3, -1)), blocks.max(axis=(-3, -1))
    if maps == "avg":
        chosen = [avg] * (4 if layout == "quadrants" else 1)
    elif maps == "max":
        chosen = [big] * (4 if layout == "quadrants" else 1)
    elif layout == "quadrants":
        chosen = [avg, avg, big, blocks.min(axis=(-3, -1))]
    else:
        chosen = [avg, big]
    return jnp.stack(chosen, axis=-3)


def layout_vector(maps: jnp.ndarray, layout: str) -> jnp.ndarray:
    """[..., n_maps, h, h] -> the data vector: quadrants as a 2h x 2h image, row-major, or the
    maps concatenated (compact)."""
    if layout == "compact":
        return maps.reshape(*maps.shape[:-3], -1)
    top = jnp.concatenate([maps[..., 0, :, :], maps[..., 1, :, :]], axis=-1)
    bottom = jnp.concatenate([maps[..., 2, :, :], maps[..., 3, :, :]], axis=-1)
    side = 2 * maps.shape[-1]
    return jnp.concatenate([top, bottom], axis=-2).reshape(*maps.shape[:-3], side * side)


@dataclasses.dataclass(frozen=True)
class Pooling(FrontEnd):
    """maps: "avg" | "max" | "combo"; layout: "quadrants" | "compact"; threshold: on the
    standardised map (0 = above the mean); side: the square images' side (28 for MNIST, even);
    see the module docstring."""

    maps: str = "avg"
    layout: str = "quadrants"
    threshold: float = 0.0
    side: int = SIDE
    name: str = "pooling"

    def input_size(self, spec) -> int:
        return self.side * self.side

    @classmethod
    def default_n_data(cls) -> int:
        return cls().output_size(None)

    def output_size(self, spec) -> int:
        if self.layout == "quadrants":
            return self.side * self.side
        return (self.side // 2) ** 2 * (2 if self.maps == "combo" else 1)

    def validate(self, spec, params) -> None:
        if self.maps not in MAPS:
            raise ValueError(f"config.front_end.maps = {self.maps!r} is out of range: allowed "
                             f"one of {MAPS}")
        if not (isinstance(self.side, int) and self.side >= 2 and self.side % 2 == 0):
            raise ValueError(f"config.front_end.side = {self.side!r} is out of range: allowed an "
                             "even integer >= 2")
        if self.layout not in LAYOUTS:
            raise ValueError(f"config.front_end.layout = {self.layout!r} is out of range: "
                             f"allowed one of {LAYOUTS}")
        super().validate(spec, params)

    def probabilities(self, pixels, params, spec):
        p_on = params.spike_rate_hz * spec.dt_ms * 1e-3
        maps = pooled_maps(pixels, self.maps, self.layout, self.side)
        if spec.input_coding == "rate":
            return (layout_vector(maps, self.layout) * p_on).astype(jnp.float32)
        mean = maps.mean(axis=(-2, -1), keepdims=True)
        std = maps.std(axis=(-2, -1), keepdims=True)
        z = (maps - mean) / jnp.maximum(std, 1e-6)
        return thresholded(layout_vector(z, self.layout), self.threshold, p_on)
