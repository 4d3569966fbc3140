"""Synapse device models: swappable values with one interface (see `base.Device`).

Registered by name in `DEVICES`; `make_device("gpgm_linear", levels=128)` builds one.
"""
from srbm_jax.devices.base import Device
from srbm_jax.devices.gpgm_linear import GpGmLinear, GpGmParams, GpGmState, quantise
from srbm_jax.devices.ideal import IdealParams, IdealState, IdealWeight
from srbm_jax.devices.inference_noise import InferenceNoiseParams, noisy_weight
from srbm_jax.devices.pcm_nonlinear import PcmNonlinear, PcmNonlinearParams, PcmNonlinearState
from srbm_jax.devices.pcm_stochastic import PcmStochastic, PcmStochasticParams, PcmStochasticState
from srbm_jax.devices.refresh import refresh_pair

DEVICES = {"gpgm_linear": GpGmLinear, "ideal": IdealWeight, "pcm_nonlinear": PcmNonlinear,
           "pcm_stochastic": PcmStochastic}


def make_device(name: str, **options) -> Device:
    """The registered device `name` with structural `options` (e.g. levels=128)."""
    if name not in DEVICES:
        raise ValueError(f"device = {name!r} is out of range: allowed one of {sorted(DEVICES)}")
    return DEVICES[name](**options)


__all__ = ["DEVICES", "Device", "GpGmLinear", "GpGmParams", "GpGmState", "IdealParams",
           "IdealState", "IdealWeight", "InferenceNoiseParams", "PcmNonlinear", "PcmNonlinearParams",
           "PcmNonlinearState", "PcmStochastic", "PcmStochasticParams", "PcmStochasticState",
           "make_device", "noisy_weight", "quantise", "refresh_pair"]
