"""Named Optax optimisers with traced hyperparameters, and Optax learning-rate schedules.

An update layer (`srbm_jax.updates.UpdateLayer`) builds its `optax.GradientTransformation`
inside the jitted training step from `OptimizerParams`, a pytree of traced scalars, so the
hyperparameters can be vmapped (a study over learning rates is one compiled program) while the
optimiser's kind and the schedule's shape stay static:

    transform = optimizer_transform("adam", params, schedule)   # optax.adam(lr_t, b1, b2, ...)

The learning rate at update count t is learning_rate * schedule(t), with `schedule` an Optax
schedule of unit initial value (`make_schedule`: constant, exponential decay, cosine decay,
warm-up cosine). Each optimiser uses a subset of the hyperparameters (`OPTIMIZERS[name]`); the
rest must be left unset (`check_settings` names a field set for an optimiser that ignores it).
Every default is Optax's own, except the learning rates: sgd 1.0 (with the eCD change as
the negative gradient, sgd(1.0) is plain eCD, `UpdateLayer`), momentum and nesterov 0.1 (the
same mean step once the velocity has built up with momentum 0.9), and 0.01 for the adaptive
ones (about half a 6T2R pulse pair, 0.02, per update and synapse at full normalised step; a first
guess, not tuned).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optax
from flax import struct


@struct.dataclass
class OptimizerParams:
    """Traced hyperparameters of the named optimisers (Optax's names and meanings).

    learning_rate: step size (conductance units per unit gradient); momentum: trace decay
    (momentum, nesterov); b1, b2: moment decays (adam, adamw, lion); eps: denominator offset
    outside the square root; eps_root: offset inside it (the seed's Adam puts its epsilon there:
    eps 0, eps_root 1e-8); weight_decay: decoupled decay (adamw, lion); decay: the squared-gradient
    average's decay (rmsprop).
    """

    learning_rate: Any = 1.0
    momentum: Any = 0.9
    b1: Any = 0.9
    b2: Any = 0.999
    eps: Any = 1e-8
    eps_root: Any = 0.0
    weight_decay: Any = 1e-4
    decay: Any = 0.9


# name -> (hyperparameters it uses, its defaults where they differ from OptimizerParams,
#          factory(learning-rate schedule, params) -> optax.GradientTransformation)
OPTIMIZERS: dict[str, tuple[tuple[str, ...], dict[str, float], Callable[..., Any]]] = {
    "sgd": (("learning_rate",), {}, lambda lr, p: optax.sgd(lr)),
    "momentum": (("learning_rate", "momentum"), {"learning_rate": 0.1},
                 lambda lr, p: optax.sgd(lr, momentum=p.momentum)),
    "nesterov": (("learning_rate", "momentum"), {"learning_rate": 0.1},
                 lambda lr, p: optax.sgd(lr, momentum=p.momentum, nesterov=True)),
    "adam": (("learning_rate", "b1", "b2", "eps", "eps_root"), {"learning_rate": 0.01},
             lambda lr, p: optax.adam(lr, b1=p.b1, b2=p.b2, eps=p.eps, eps_root=p.eps_root)),
    "adamw": (("learning_rate", "b1", "b2", "eps", "eps_root", "weight_decay"),
              {"learning_rate": 0.01},
              lambda lr, p: optax.adamw(lr, b1=p.b1, b2=p.b2, eps=p.eps, eps_root=p.eps_root,
                                        weight_decay=p.weight_decay)),
    "rmsprop": (("learning_rate", "decay", "eps"), {"learning_rate": 0.01},
                lambda lr, p: optax.rmsprop(lr, decay=p.decay, eps=p.eps)),
    "lion": (("learning_rate", "b1", "b2", "weight_decay"), {"learning_rate": 0.001, "b2": 0.99},
             lambda lr, p: optax.lion(lr, b1=p.b1, b2=p.b2, weight_decay=p.weight_decay)),
}

HYPERPARAMETERS = tuple(OptimizerParams.__dataclass_fields__)

# Allowed ranges of the hyperparameters: (test, text).
_RANGES = {
    "learning_rate": (lambda v: v >= 0, ">= 0"),
    "momentum": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "b1": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "b2": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "eps": (lambda v: v >= 0, ">= 0"),
    "eps_root": (lambda v: v >= 0, ">= 0"),
    "weight_decay": (lambda v: v >= 0, ">= 0"),
    "decay": (lambda v: 0 <= v < 1, "in [0, 1)"),
}

SCHEDULES = ("constant", "exponential", "cosine", "warmup_cosine")


def default_params(name: str) -> OptimizerParams:
    """The hyperparameters of optimiser `name` at their defaults (module docstring)."""
    check_name(name)
    return OptimizerParams(**OPTIMIZERS[name][1])


def check_name(name: str) -> None:
    """ValueError naming config.optimizer.name unless `name` is a registered optimiser."""
    if name not in OPTIMIZERS:
        raise ValueError(f"config.optimizer.name = {name!r} is out of range: allowed 'none' or "
                         f"one of {sorted(OPTIMIZERS)} (or pass an optax.GradientTransformation "
                         "to srbm_jax.updates.UpdateLayer)")


def check_settings(name: str, settings: dict[str, Any]) -> OptimizerParams:
    """OptimizerParams of optimiser `name` with `settings` ({field: value or None}; None = the
    default) applied. ValueError naming config.optimizer.<field> for a field the optimiser does
    not use, an unknown field, or a value out of range."""
    check_name(name)
    used = OPTIMIZERS[name][0]
    chosen = {}
    for field, value in settings.items():
        if value is None:
            continue
        if field not in HYPERPARAMETERS:
            raise ValueError(f"config.optimizer.{field} is not an optimiser setting: allowed "
                             f"{', '.join(HYPERPARAMETERS)}")
        if field not in used:
            raise ValueError(f"config.optimizer.{field} = {value!r} is not used by optimiser "
                             f"{name!r}: it uses {', '.join(used)}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        test, allowed = _RANGES[field]
        if number is None or isinstance(value, bool) or number != number or not test(number):
            raise ValueError(f"config.optimizer.{field} = {value!r} is out of range: allowed a "
                             f"number {allowed}")
        chosen[field] = number
    return default_params(name).replace(**chosen)


def make_schedule(kind: str, steps: int, rate: float) -> optax.Schedule:
    """An Optax schedule of unit initial value, multiplied by the traced learning rate.

    constant: 1. exponential: rate^(t / steps) (optax.exponential_decay; rate in (0, 1]).
    cosine: optax.cosine_decay_schedule(1, steps, alpha=rate), from 1 to `rate` over `steps`.
    warmup_cosine: optax.warmup_cosine_decay_schedule(0, 1, steps // 10, steps, end=rate).
    t counts the optimiser's updates (two per image with every='phase'). ValueError naming
    config.optimizer.schedule* for a bad choice.
    """
    if kind not in SCHEDULES:
        raise ValueError(f"config.optimizer.schedule = {kind!r} is out of range: allowed one of "
                         f"{SCHEDULES}")
    if kind == "constant":
        return optax.constant_schedule(1.0)
    if not (isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1):
        raise ValueError(f"config.optimizer.schedule_steps = {steps!r} is out of range: allowed "
                         f"an integer >= 1 for schedule {kind!r} (optimiser updates)")
    if not (isinstance(rate, (int, float)) and 0.0 < rate <= 1.0) if kind == "exponential" else \
            not (isinstance(rate, (int, float)) and 0.0 <= rate <= 1.0):
        raise ValueError(f"config.optimizer.schedule_rate = {rate!r} is out of range: allowed "
                         + ("(0, 1]" if kind == "exponential" else "[0, 1]")
                         + f" for schedule {kind!r}")
    if kind == "exponential":
        return optax.exponential_decay(1.0, transition_steps=steps, decay_rate=float(rate))
    if kind == "cosine":
        return optax.cosine_decay_schedule(1.0, decay_steps=steps, alpha=float(rate))
    return optax.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=max(steps // 10, 1),
                                              decay_steps=steps, end_value=float(rate))


def optimizer_transform(name: str, params: OptimizerParams,
                        schedule: optax.Schedule | None = None) -> optax.GradientTransformation:
    """optax transformation `name` with the (possibly traced) `params`; the learning rate at
    update t is params.learning_rate * schedule(t) (constant when schedule is None)."""
    check_name(name)
    if schedule is None:
        learning_rate = params.learning_rate
    else:
        def learning_rate(count):
            return params.learning_rate * schedule(count)
    return OPTIMIZERS[name][2](learning_rate, params)
