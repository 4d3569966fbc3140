"""A trained lower sRBM as the front end of an upper one: the spiking DBN's stacking.

The upper network's data neurons are the lower network's hidden neurons: for each image the
lower sRBM runs with the image clamped on its data neurons (label neurons silent, its weights
fixed), and its hidden spike trains, tick by tick, are the upper network's clamped data spikes,
in the data phase of training and during inference. The upper network's label neurons carry
the labels (greedy layer-wise training, Hinton et al. 2006; on-line eCD in both layers, as in
the spiking DBNs of O'Connor et al. 2013 and Stromatias et al. 2015, which trained offline).

Static: the lower network's Spec (`lower`). Traced (`Params.front_end`): `LowerParams`, its read
weight [V1, H1 + bias] and its Params. `lower_params_from_run` builds them from a saved run.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from flax import struct

from srbm_jax.frontends.base import FrontEnd


@struct.dataclass
class LowerParams:
    """weight: float32 [n_visible, n_hidden_total] of the lower network (read once from its
    device); params: its `srbm_jax.Params`."""

    weight: Any
    params: Any


@dataclasses.dataclass(frozen=True)
class LowerRbm(FrontEnd):
    """The hidden spikes of a trained lower sRBM (`lower`: its Spec) as data spikes."""

    lower: Any = None
    name: str = "lower_rbm"
    emits_raster = True

    def input_size(self, spec) -> int:
        return self.lower.front_end.input_size(self.lower)

    @classmethod
    def section_defaults(cls) -> dict:
        """workdir: the trained lower run (or study of seeds)."""
        return {"workdir": ""}

    @classmethod
    def from_section(cls, values: dict, seed) -> tuple[LowerRbm, LowerParams]:
        workdir = values.get("workdir", "")
        if not (isinstance(workdir, str) and workdir != ""):
            raise ValueError(f"config.front_end.workdir: {workdir!r} is out of range: allowed "
                             "the workdir of the trained lower run")
        lower, lower_params = lower_params_from_run(workdir, seed)
        return cls(lower), lower_params

    def output_size(self, spec) -> int:
        return self.lower.n_hidden

    def validate(self, spec, params) -> None:
        from srbm_jax.config import Spec
        if not isinstance(self.lower, Spec):
            raise ValueError(f"config.front_end.lower = {self.lower!r} is out of range: allowed "
                             "the lower network's srbm_jax.Spec")
        if not isinstance(params.front_end, LowerParams):
            raise ValueError("Params.front_end is out of range for front end 'lower_rbm': "
                             "allowed LowerParams (the lower network's weight and Params)")
        super().validate(spec, params)

    def probabilities(self, pixels, params, spec):
        """Zeros (the data neurons are driven by `raster`; this serves the shapes of the model
        segment, in which they are free)."""
        import jax.numpy as jnp
        return jnp.zeros(pixels.shape[:-1] + (self.output_size(spec),), jnp.float32)

    def raster(self, key, pixels, n_ticks, params, spec):
        from srbm_jax import encoding, network
        lower, lower_params = self.lower, params.front_end.params
        words = network.draw_segment_words(key, n_ticks, (0, 0), lower)
        p_visible = encoding.visible_probabilities(pixels, None, lower_params, lower)
        p_hidden = encoding.hidden_probabilities(lower_params, lower)
        _, _, hidden = network.run_clamped_segment(words, network.init_carry(lower),
                                                   params.front_end.weight, p_visible, p_hidden,
                                                   lower_params, lower)
        return hidden[:, :lower.n_hidden]


def lower_params_from_run(workdir, seed: int | None = None) -> tuple[Any, LowerParams]:
    """(lower Spec, LowerParams) from the newest checkpoint of a saved run or study.

    Args:
      workdir: a train_mnist run's workdir (its one network is the lower network), or a study's
        workdir with one network per seed (`experiments/study.py --seeds=1,2,3`, no swept axis):
        then the network trained with `seed` is the lower network, so each seed of a vmapped
        upper study stacks onto its own lower network.
      seed: the upper network's seed (config.seed); used only for a study.
    Returns:
      (the lower Spec, LowerParams with its read weight and Params).
    """
    from srbm_jax import run
    networks, _, _ = run.load_trained_networks(workdir)
    if len(networks) > 1:
        seeds = [labels["seed"] for labels, *_ in networks]
        chosen = [entry for entry in networks if entry[0]["seed"] == seed]
        if len(chosen) != 1:
            raise ValueError(
                f"config.front_end.workdir = {str(workdir)!r} is a study of {len(networks)} "
                f"networks with seeds {seeds}; config.seed = {seed} is out of range: allowed one "
                "of those seeds, each held by exactly one network (a study of seeds only)")
        networks = chosen
    _, spec, params, state = networks[0]
    return spec, LowerParams(spec.device.read(state, params.device), params)
