"""Synapse device models: swappable values with one interface (see `base.Device`).

Registered by name in `DEVICES`; `make_device("gpgm_linear", levels=128)` builds one. A device
of your own (a `Device` subclass in your module) joins with `register_device(MyDevice)`, or is
named in a config as "my_package.my_module:MyDevice" (`device_class` imports and registers it),
so the absl scripts run it with no edit inside srbm_jax.
"""
import importlib

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
# dt = 1 ms: Spec(**TWO_T_ONE_R_WINDOW, device=Bipolar2T1R()) (= Bipolar2T1R.stdp_window).
TWO_T_ONE_R_WINDOW = dict(Bipolar2T1R.stdp_window)


def register_device(cls: type[Device]) -> type[Device]:
    """Add a `Device` subclass to `DEVICES` under its `name` (usable as a class decorator).
    ValueError if it is not a Device subclass or its name is taken by another class."""
    if not (isinstance(cls, type) and issubclass(cls, Device)):
        raise ValueError(f"register_device: {cls!r} is not a srbm_jax.devices.Device subclass")
    name = cls().name
    if DEVICES.get(name, cls) is not cls:
        raise ValueError(f"register_device: the name {name!r} is already taken by {DEVICES[name]}")
    DEVICES[name] = cls
    return cls


def device_class(name: str) -> type[Device]:
    """The device class registered as `name`, or for "module.path:ClassName" that class
    (imported, checked and registered under its own name). ValueError naming config.device.name
    for anything else."""
    if name in DEVICES:
        return DEVICES[name]
    if ":" in name:
        module_name, _, class_name = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as e:
            raise ValueError(f"config.device.name = {name!r}: cannot import it ({e})") from e
        register_device(cls)
        return cls
    raise ValueError(f"config.device.name = {name!r} is out of range: allowed one of "
                     f"{sorted(DEVICES)} or 'module.path:ClassName' of your own Device")


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
           "device_class", "make_device", "noisy_weight", "register_device", "quantise", "refresh_pair"]
