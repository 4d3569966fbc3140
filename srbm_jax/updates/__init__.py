"""Update layers: an Optax optimiser between eCD's counts and a synapse device.

    from srbm_jax.updates import UpdateLayer
    layer = UpdateLayer(GpGmLinear(), optimizer="adam", write="transfer")   # itself a Device
    spec = Spec(device=layer); params = default_params(spec)                # LayerParams

or from a config, `config.optimizer` (name "none" = plain eCD, the default):

    --config.optimizer.name=momentum --config.optimizer.learning_rate=0.05
    --config.optimizer.write=transfer --config.optimizer.schedule=cosine \
    --config.optimizer.schedule_steps=200000

See `layer` for what is written when, and `optimizers` for the optimisers and schedules.
"""
from __future__ import annotations

from typing import Any

import ml_collections
from ml_collections import config_dict

from srbm_jax.updates import optimizers
from srbm_jax.updates.layer import EVERY, MODES, ROUNDINGS, WRITES, LayerParams, LayerState, UpdateLayer
from srbm_jax.updates.optimizers import OPTIMIZERS, SCHEDULES, OptimizerParams

# The layer's static options in config.optimizer, with their defaults.
LAYER_OPTIONS = {"schedule": "constant", "schedule_steps": 0, "schedule_rate": 1.0,
                 "write": "pulses", "rounding": "nearest", "every": "phase", "mode": "replace"}


def optimizer_section(name: str = "none") -> ml_collections.ConfigDict:
    """config.optimizer: the optimiser's name ("none" = plain eCD), its hyperparameters (unset =
    the optimiser's default, `optimizers`), the learning-rate schedule and how the update is
    written (`layer`)."""
    section = ml_collections.ConfigDict({"name": name})
    for field in optimizers.HYPERPARAMETERS:
        section[field] = config_dict.placeholder(float)
    section.update(LAYER_OPTIONS)
    return section


def optimizer_section_from(values: dict) -> ml_collections.ConfigDict:
    """optimizer_section(values["name"]) with the set values of `values` (plain data, e.g. a
    config after a JSON round trip, whose unset hyperparameters lost their float type): unset
    ones stay typed placeholders, so a command line can still set them
    (--config.optimizer.eps=0)."""
    values = dict(values)
    section = optimizer_section(values.pop("name", "none"))
    for field, value in values.items():
        if value is not None:
            section[field] = value
    return section


def default_section() -> dict:
    """optimizer_section() as plain data (what runs without an optimiser record)."""
    return optimizer_section().to_dict()


def wrap_device(device: Any, device_params: Any, section: Any) -> tuple[Any, Any]:
    """(device, params) unchanged for name "none" (or no section), else (UpdateLayer, LayerParams)
    from config.optimizer. ValueError naming config.optimizer.<field> for anything out of
    range, an unknown field, or a setting given while the name is "none"."""
    if section is None:
        return device, device_params
    values = dict(section)
    name = values.pop("name", "none")
    allowed = ("name", *optimizers.HYPERPARAMETERS, *LAYER_OPTIONS)
    for field in values:
        if field not in allowed:
            raise ValueError(f"config.optimizer.{field} is not a field of config.optimizer: "
                             f"allowed {', '.join(allowed)}")
    if name == "none":
        for field, value in values.items():
            if value is not None and value != LAYER_OPTIONS.get(field):
                raise ValueError(f"config.optimizer.{field} = {value!r} is set but "
                                 "config.optimizer.name is 'none' (plain eCD): choose an "
                                 f"optimiser, one of {sorted(OPTIMIZERS)}")
        return device, device_params
    optimizers.check_name(name)
    params = optimizers.check_settings(
        name, {field: values.get(field) for field in optimizers.HYPERPARAMETERS})
    options = {field: values.get(field, default) for field, default in LAYER_OPTIONS.items()}
    for field, default in LAYER_OPTIONS.items():
        value = options[field]
        kind = type(default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = options[field] = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"config.optimizer.{field} = {value!r} is out of range: allowed a "
                             f"{kind.__name__}")
    layer = UpdateLayer(device=device, optimizer=name, **options)
    layer_params = LayerParams(device_params, params)
    layer.validate(layer_params)
    return layer, layer_params


def sweepable_fields(section: Any) -> tuple[str, ...]:
    """The optimiser hyperparameters a study can sweep in one program (optimizer.<field>): those
    the chosen optimiser uses; none for name "none"."""
    if section is None or section.get("name", "none") == "none":
        return ()
    optimizers.check_name(section["name"])
    return tuple(f"optimizer.{field}" for field in OPTIMIZERS[section["name"]][0])


__all__ = ["EVERY", "LAYER_OPTIONS", "MODES", "OPTIMIZERS", "ROUNDINGS", "SCHEDULES", "WRITES",
           "LayerParams", "LayerState", "OptimizerParams", "UpdateLayer", "default_section",
           "optimizer_section", "optimizer_section_from", "optimizers", "sweepable_fields",
           "wrap_device"]
