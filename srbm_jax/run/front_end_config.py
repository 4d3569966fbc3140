"""config.front_end: the front end's config section, and the FrontEnd value and parameters it
builds (`srbm_jax.frontends`), for `srbm_jax.run.objects.spec_and_params`."""
from __future__ import annotations

import json
from typing import Any

import ml_collections

from srbm_jax import frontends
from srbm_jax.run.config_errors import config_error


def front_end_and_params(config, cache: dict | None = None) -> tuple[Any, Any]:
    """(FrontEnd, its Params.front_end) from config.front_end (absent: the pixel front end),
    built by the front end's own `from_section`. ValueError naming config.front_end.<field>
    for an unknown name or field, or a value out of range.

    cache: a dict kept by the caller across configs (a study's networks): a front end is built
    once per (section, seed), so a CNN or lower-sRBM checkpoint is read once per seed, not once
    per network."""
    section = config.get("front_end")
    values = dict(section) if section is not None else {}
    cls = _front_end_class(values.pop("name", "pixels"))
    allowed = cls.section_defaults()
    for field in values:
        if field not in allowed:
            raise config_error(f"front_end.{field}", f"is not a field of front end {cls.name!r}: "
                                                     f"allowed {', '.join(['name', *allowed])}")
    if cache is None:
        return cls.from_section(values, config.get("seed"))
    key = json.dumps({"name": cls.name, **values, "seed": config.get("seed")}, sort_keys=True,
                     default=str)
    if key not in cache:
        cache[key] = cls.from_section(values, config.get("seed"))
    return cache[key]


def _front_end_class(name: str):
    if name not in frontends.FRONT_ENDS:
        raise config_error("front_end.name", f"{name!r} is out of range: allowed one of "
                                             f"{sorted(frontends.FRONT_ENDS)}")
    return frontends.FRONT_ENDS[name]


def config_for_front_end(config, name: str) -> ml_collections.ConfigDict:
    """`config` with the section of front end `name` (`front_end_section`) and n_data set to
    what it drives with its default section (`FrontEnd.default_n_data`; lower_rbm: left to
    the lower run's size, set it with --config.n_data)."""
    config.front_end = front_end_section(name)
    n_data = _front_end_class(name).default_n_data()
    if n_data is not None:
        config.n_data = n_data
    return config


def front_end_section(name: str = "pixels", **fields: Any) -> ml_collections.ConfigDict:
    """config.front_end for a front end: its name and its section's fields at their defaults
    (`FrontEnd.section_defaults`), then `fields`."""
    section = {"name": name, **_front_end_class(name).section_defaults()}
    section.update(fields)
    return ml_collections.ConfigDict(section)
