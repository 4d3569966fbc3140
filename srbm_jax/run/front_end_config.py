"""config.front_end: the front end's config section, and the FrontEnd value and parameters it
builds (`srbm_jax.frontends`), for `srbm_jax.run.objects.spec_and_params`."""
from __future__ import annotations

import dataclasses
from typing import Any

import ml_collections

from srbm_jax import frontends
from srbm_jax.run.config_errors import config_error, require


def front_end_and_params(config) -> tuple[Any, Any]:
    """(FrontEnd, its Params.front_end) from config.front_end (absent: the pixel front end).
    ValueError naming config.front_end.<field> for an unknown name or field."""
    section = config.get("front_end")
    values = dict(section) if section is not None else {}
    name = values.pop("name", "pixels")
    if name not in frontends.FRONT_ENDS:
        raise config_error("front_end.name", f"{name!r} is out of range: allowed one of "
                                             f"{sorted(frontends.FRONT_ENDS)}")
    if name == "lower_rbm":
        workdir = values.pop("workdir", "")
        for field in values:
            raise config_error(f"front_end.{field}", "is not a field of front end 'lower_rbm': "
                                                     "allowed name, workdir")
        require(isinstance(workdir, str) and workdir != "", "front_end.workdir",
                "the workdir of the trained lower run", workdir)
        lower, lower_params = frontends.lower_params_from_run(workdir, config.get("seed"))
        return frontends.LowerRbm(lower), lower_params
    if name == "cnn":
        path = values.pop("checkpoint", frontends.DEFAULT_CNN_CHECKPOINT)
        mode = values.pop("mode", 2)
        for field in values:
            raise config_error(f"front_end.{field}", "is not a field of front end 'cnn': "
                                                     "allowed name, mode, checkpoint")
        require(mode in frontends.cnn.MODES, "front_end.mode", "1 (the features after the "
                "max-pool: 720 for the slides' CNN) or 2 (after conv 4: 768)", mode)
        return frontends.cnn_from_checkpoint(path, mode)  # its architecture from the checkpoint
    cls = frontends.FRONT_ENDS[name]
    allowed = {f.name for f in dataclasses.fields(cls) if f.name != "name"}
    for field in values:
        if field not in allowed:
            raise config_error(f"front_end.{field}", f"is not a field of front end {name!r}: "
                                                     f"allowed {', '.join(['name', *allowed])}")
    return cls(**values), None


# Data neurons of each front end with its default options (config_for_front_end sets n_data).
FRONT_END_SIZES = {"pixels": 784, "pooling": 784, "cnn": 768}


def config_for_front_end(config, name: str) -> ml_collections.ConfigDict:
    """`config` with the section of front end `name` (`front_end_section`) and n_data set to
    what it drives with its default options (lower_rbm: left to the lower run's size, set it
    with --config.n_data)."""
    config.front_end = front_end_section(name)
    if name in FRONT_END_SIZES:
        config.n_data = FRONT_END_SIZES[name]
    return config


def front_end_section(name: str = "pixels", **fields: Any) -> ml_collections.ConfigDict:
    """config.front_end for a front end: its name and its static options at their defaults
    (lower_rbm: the lower run's workdir), then `fields`."""
    if name not in frontends.FRONT_ENDS:
        raise config_error("front_end.name", f"{name!r} is out of range: allowed one of "
                                             f"{sorted(frontends.FRONT_ENDS)}")
    if name == "lower_rbm":
        section = {"name": name, "workdir": ""}
    elif name == "cnn":
        section = {"name": name, "mode": 2, "checkpoint": frontends.DEFAULT_CNN_CHECKPOINT}
    else:
        cls = frontends.FRONT_ENDS[name]
        defaults = cls()
        section = {"name": name, **{f.name: getattr(defaults, f.name)
                                    for f in dataclasses.fields(cls) if f.name != "name"}}
    section.update(fields)
    return ml_collections.ConfigDict(section)
