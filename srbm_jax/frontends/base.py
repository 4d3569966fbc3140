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
import dataclasses
from typing import Any

import jax
import jax.numpy as jnp


class FrontEnd(abc.ABC):
    """Abstract front end (see the module docstring)."""

    name: str = "abstract"
    emits_raster: bool = False
    reads_n_data_pixels: bool = False  # True: it reads one pixel per data neuron (pixels)

    # ---- the config section (config.front_end), written and read by the front end itself --
    @classmethod
    def section_defaults(cls) -> dict[str, Any]:
        """The fields of its config section (beside "name") with their defaults (default: the
        dataclass fields)."""
        defaults = cls()
        return {f.name: getattr(defaults, f.name) for f in dataclasses.fields(cls)
                if f.name != "name" and f.init}

    @classmethod
    def from_section(cls, values: dict[str, Any], seed: int | None) -> tuple[FrontEnd, Any]:
        """(front end, its Params.front_end) from the section's fields (`values`, checked
        against `section_defaults`); seed: the run's config.seed, for front ends whose
        parameters depend on it. Default: the dataclass built from the fields, no parameters."""
        del seed
        return cls(**values), None

    @classmethod
    def default_n_data(cls) -> int | None:
        """The data neurons it drives with its default section (None: it depends on what the
        section names, e.g. a lower run)."""
        return None

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
