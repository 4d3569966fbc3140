"""Learning rules: spike rasters of one update -> eCD counts for the device (`base`).

Registered by name in `RULES` (like the devices): "coincidence" (the 6T2R pulse-coincidence rule,
the default), "trace" (Neftci et al. 2014's trace-based eCD) and "window" (a shaped STDP window).
Chosen in a config with `config.rule` (`rule_from_config`), or passed as `Spec(rule=...)`.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import ml_collections

from srbm_jax.rules.base import LearningRule, signed_split
from srbm_jax.rules.coincidence import PulseCoincidence
from srbm_jax.rules.window import SHAPES, ShapedWindow, TraceECD

RULES: dict[str, type[LearningRule]] = {"coincidence": PulseCoincidence, "trace": TraceECD,
                                        "window": ShapedWindow}


def register_rule(cls: type[LearningRule]) -> type[LearningRule]:
    """Add a LearningRule subclass to RULES under its name (usable as a decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, LearningRule)):
        raise ValueError(f"register_rule: {cls!r} is not a srbm_jax.rules.LearningRule subclass")
    name = cls().name
    if RULES.get(name, cls) is not cls:
        raise ValueError(f"register_rule: the name {name!r} is already taken by {RULES[name]}")
    RULES[name] = cls
    return cls


def _options(cls) -> dict[str, Any]:
    defaults = cls()
    return {f.name: getattr(defaults, f.name) for f in dataclasses.fields(cls)
            if f.name != "name" and f.init}


def rule_section(name: str = "coincidence") -> ml_collections.ConfigDict:
    """config.rule: the rule's name and its options at their defaults."""
    if name not in RULES:
        raise ValueError(f"config.rule.name = {name!r} is out of range: allowed one of "
                         f"{sorted(RULES)}")
    options = _options(RULES[name])
    options = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    return ml_collections.ConfigDict({"name": name, **options})


def rule_from_config(section: Any) -> LearningRule:
    """The rule of config.rule (None: the default). ValueError naming config.rule.<field> for an
    unknown name or field."""
    if section is None:
        return PulseCoincidence()
    values = dict(section)
    name = values.pop("name", "coincidence")
    if name not in RULES:
        raise ValueError(f"config.rule.name = {name!r} is out of range: allowed one of "
                         f"{sorted(RULES)}")
    allowed = _options(RULES[name])
    for field in values:
        if field not in allowed:
            raise ValueError(f"config.rule.{field} is not a field of rule {name!r}: allowed "
                             f"{', '.join(['name', *allowed]) }")
    chosen = {}
    for field, value in values.items():
        default = allowed[field]
        if isinstance(default, tuple):
            value = tuple(float(v) for v in value)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        chosen[field] = value
    return RULES[name](**chosen)


__all__ = ["RULES", "SHAPES", "LearningRule", "PulseCoincidence", "ShapedWindow", "TraceECD",
           "register_rule", "rule_from_config", "rule_section", "signed_split"]
