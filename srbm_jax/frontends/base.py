"""The interface of an input front end: an image in, the data neurons' input spikes out.

A front end is a frozen dataclass (a static choice in `Spec.front_end`, jitted with the trainer);
its numeric parameters, if it has any (a CNN's weights, a lower sRBM's weights), are a pytree in
`Params.front_end`, so they are traced and travel with the other hyperparameters.

    p = front_end.probabilities(pixels, params, spec)          # float32 [n_data] per tick
    raster = front_end.raster(key, pixels, n_ticks, params, spec)   # bool [n_ticks, n_data]

`pixels` is one image, float32 [input_size] in [0, 1] (`input_size(spec)` pixels; MNIST: 784).
A front end that codes each data neuron as a Bernoulli spike train with a fixed probability per
tick implements `probabilities` (`emits_raster` False); one whose output is itself a spike train
(a lower sRBM of a stacked network) implements `raster` (`emits_raster` True), which the
network uses in place of the Bernoulli draws of the clamped data neurons.
"""
from __future__ import annotations

import abc
from typing import Any

import jax
import jax.numpy as jnp


class FrontEnd(abc.ABC):
    """Abstract front end (see the module docstring)."""

    name: str = "abstract"
    emits_raster: bool = False

    def input_size(self, spec) -> int:
        """Pixels per image this front end reads (default: one per data neuron)."""
        return spec.n_data

    @abc.abstractmethod
    def output_size(self, spec) -> int:
        """Data neurons this front end drives (must equal spec.n_data)."""

    def probabilities(self, pixels: jax.Array, params: Any, spec) -> jax.Array:
        """float32 [..., n_data]: spike probability per tick of each data neuron."""
        raise NotImplementedError(f"front end {self.name!r} emits spike rasters, not "
                                  "probabilities")

    def raster(self, key: jax.Array, pixels: jax.Array, n_ticks: int, params: Any, spec
               ) -> jax.Array:
        """bool [n_ticks, n_data]: the data neurons' spikes for one image."""
        raise NotImplementedError(f"front end {self.name!r} codes probabilities, not rasters")

    def validate(self, spec, params: Any) -> None:
        """ValueError naming config.front_end.<field> or n_data for settings out of range."""
        if self.output_size(spec) != spec.n_data:
            raise ValueError(f"config.n_data = {spec.n_data} is out of range for front end "
                             f"{self.name!r}: it drives {self.output_size(spec)} data neurons "
                             f"(from {self.input_size(spec)} pixels); allowed n_data = "
                             f"{self.output_size(spec)}")


def thresholded(values: jax.Array, threshold: Any, p_on: Any) -> jax.Array:
    """p_on where values > threshold (strict, as the slides' rule), else 0; float32."""
    return jnp.where(values > threshold, p_on, 0.0).astype(jnp.float32)
