"""Synapse device models: swappable values with one interface (see `base.Device`).

Registered by name in `DEVICES`; `make_device("gpgm_linear", levels=128)` builds one.
"""
from srbm_jax.devices.base import Device
from srbm_jax.devices.bipolar_2t1r import Bipolar2T1R, Bipolar2T1RParams, Bipolar2T1RState
from srbm_jax.devices.gpgm_linear import GpGmLinear, GpGmParams, GpGmState, quantise
from srbm_jax.devices.ideal import IdealParams, IdealState, IdealWeight
from srbm_jax.devices.inference_noise import InferenceNoiseParams, noisy_weight
from srbm_jax.devices.optax_weight import (
    OptaxAdam,
    OptaxMomentum,
    OptaxParams,
    OptaxState,
    OptaxWeight,
)
from srbm_jax.devices.pcm_nonlinear import PcmNonlinear, PcmNonlinearParams, PcmNonlinearState
from srbm_jax.devices.pcm_stochastic import PcmStochastic, PcmStochasticParams, PcmStochasticState
from srbm_jax.devices.refresh import refresh_pair

DEVICES = {"gpgm_linear": GpGmLinear, "ideal": IdealWeight, "pcm_nonlinear": PcmNonlinear,
           "pcm_stochastic": PcmStochastic, "bipolar_2t1r": Bipolar2T1R,
           "optax_momentum": OptaxMomentum, "optax_adam": OptaxAdam}

# The 2T1R cell's symmetric STDP window (+-2 ms around the hidden spike) as Spec settings at
# dt = 1 ms: Spec(**TWO_T_ONE_R_WINDOW, device=Bipolar2T1R()).
TWO_T_ONE_R_WINDOW = {"data_event_delay_ms": 2.0, "model_event_delay_ms": 2.0,
                      "pulse_width_ms": 5.0}


def make_device(name: str, **options) -> Device:
    """The registered device `name` with structural `options` (e.g. levels=128)."""
    if name not in DEVICES:
        raise ValueError(f"device = {name!r} is out of range: allowed one of {sorted(DEVICES)}")
    return DEVICES[name](**options)


__all__ = ["DEVICES", "TWO_T_ONE_R_WINDOW", "Bipolar2T1R", "Bipolar2T1RParams", "Bipolar2T1RState",
           "Device", "GpGmLinear", "GpGmParams", "GpGmState", "IdealParams",
           "IdealState", "IdealWeight", "InferenceNoiseParams", "OptaxAdam", "OptaxMomentum",
           "OptaxParams", "OptaxState", "OptaxWeight", "PcmNonlinear", "PcmNonlinearParams",
           "PcmNonlinearState", "PcmStochastic", "PcmStochasticParams", "PcmStochasticState",
           "make_device", "noisy_weight", "quantise", "refresh_pair"]
