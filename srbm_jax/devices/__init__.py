"""Synapse device models: swappable values with one interface (see `base.Device`).

Registered by name in `DEVICES`; `make_device("gpgm_linear", levels=128)` builds one.
"""
from srbm_jax.devices.base import Device
from srbm_jax.devices.gpgm_linear import GpGmLinear, GpGmParams, GpGmState, quantise
from srbm_jax.devices.ideal import IdealParams, IdealState, IdealWeight

DEVICES = {"gpgm_linear": GpGmLinear, "ideal": IdealWeight}


def make_device(name: str, **options) -> Device:
    """The registered device `name` with structural `options` (e.g. levels=128)."""
    if name not in DEVICES:
        raise ValueError(f"device = {name!r} is out of range: allowed one of {sorted(DEVICES)}")
    return DEVICES[name](**options)


__all__ = ["DEVICES", "Device", "GpGmLinear", "GpGmParams", "GpGmState", "IdealParams",
           "IdealState", "IdealWeight", "make_device", "quantise"]
