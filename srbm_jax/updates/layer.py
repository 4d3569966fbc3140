"""An update layer between eCD and any device: Optax transforms eCD's change, the device writes it.

eCD gives, per update, coincidence counts C+ (data phase) and C- (model phase). The layer treats
the weight change they ask for as a negative gradient,

    g = -pulse_weight * (C+ - C-)            (conductance units; Device.pulse_weight)

passes it through an `optax.GradientTransformation` (a named optimiser with traced
hyperparameters, `optimizers.OPTIMIZERS`, or any transformation you pass), and writes the
resulting update u [n_visible, n_hidden] back in the device's own terms (`write`):

* "pulses": n = round(u / pulse_weight) whole pulses, to nearest or stochastically
  (`rounding`); potentiation pulses for n > 0, depression pulses for n < 0, through
  `Device.apply`, so bounds, nonlinear steps, noise and refresh are the device's own. The
  rounded-away remainder is dropped and counted (`update_rounded_away`).
* "transfer": digital accumulation and transfer (aihwkit's mixed-precision idea, Nandakumar et
  al. 2018): u / pulse_weight is added to a float buffer per synapse; whole pulses, trunc(buffer),
  are written and subtracted; the remainder waits in the buffer. A device never moves by more
  than the pulses written.
* "analog": `Device.add_weight(u)`, an exact analog write (the seed's `Gp += velocity`; devices
  with `supports_analog_write`).

Where the device realises the written pulses differently (less at a bound, more or less where
its step differs from pulse_weight, noise), the difference is counted as update_not_taken =
sum |written - achieved change of G| (a miss either way); update_requested = sum |u|.
Nothing is dropped silently: the three totals are in every metrics record
(`weight_statistics`).

When (`every`, `mode`):
* every="phase", mode="replace" (default): each device call of the training loop (the data
  phase's C+, then the model phase's C-) is one optimiser update, written at once, so the model
  phase reads the potentiated weights as in plain eCD. With optax.sgd(1.0) and nearest rounding
  the pulses are exactly eCD's counts: plain eCD bit for bit (tests/test_updates.py).
* every="update", mode="replace": the counts of the whole update (one image, or one mini-batch)
  are summed, C+ - C-, and the optimiser runs once at its end (`Device.end_update`); the weights
  stay fixed during the image.
* mode="add" (every="update"): the device runs plain eCD during the image; at its end the change
  of G over the image, Delta = G - G_saved, is the negative gradient and the optimiser's update
  is written *in addition*, then G_saved = G. With optimizer "momentum" and write "analog"
  on gpgm_linear this is the seed's rule exactly: velocity = gamma velocity + lr (G - G_saved);
  Gp += velocity (optax.sgd(lr, momentum=gamma) keeps lr * trace = velocity); its Adam is
  optimizer "adam" with eps 0 and eps_root = its epsilon.

The optimiser state (moments, counts), the buffers and the totals are part of the device state,
so they are checkpointed, resumed and vmapped with it.
"""
from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct

from srbm_jax.devices.base import Device
from srbm_jax.updates import optimizers

WRITES = ("pulses", "transfer", "analog")
ROUNDINGS = ("nearest", "stochastic")
EVERY = ("phase", "update")
MODES = ("replace", "add")


@struct.dataclass
class LayerParams:
    """inner: the device's numeric parameters; optimizer: `optimizers.OptimizerParams`."""

    inner: Any
    optimizer: optimizers.OptimizerParams


class LayerState(NamedTuple):
    """device: the device's state; optimizer: the Optax state; pending: float32 [V, H] counts
    C+ - C- of the update so far (every="update", mode="replace"; else [0, 0]); residual:
    float32 [V, H] pulses waiting to be transferred (write="transfer"; else [0, 0]); saved:
    float32 [V, H] G at the last end of update (mode="add"; else [0, 0]); totals (float32
    scalars, conductance units unless said): requested = sum |u|, rounded_away, not_taken,
    pulses_up / pulses_down (pulses written), updates (optimiser steps)."""

    device: Any
    optimizer: Any
    pending: jax.Array
    residual: jax.Array
    saved: jax.Array
    requested: jax.Array
    rounded_away: jax.Array
    not_taken: jax.Array
    pulses_up: jax.Array
    pulses_down: jax.Array
    updates: jax.Array


TOTALS = ("requested", "rounded_away", "not_taken", "pulses_up", "pulses_down", "updates")


@dataclasses.dataclass(frozen=True)
class UpdateLayer(Device):
    """A device wrapped by an optimiser (see the module docstring).

    device: the synapse device. optimizer: a name in `optimizers.OPTIMIZERS` (its
    hyperparameters traced in `LayerParams.optimizer`) or an `optax.GradientTransformation`
    (fixed hyperparameters). schedule, schedule_steps, schedule_rate: the learning-rate schedule
    (`optimizers.make_schedule`; named optimisers only). write, rounding, every, mode: how and
    when the update reaches the device.
    """

    device: Device = None  # type: ignore[assignment]
    optimizer: Any = "sgd"
    schedule: str = "constant"
    schedule_steps: int = 0
    schedule_rate: float = 1.0
    write: str = "pulses"
    rounding: str = "nearest"
    every: str = "phase"
    mode: str = "replace"

    @property
    def name(self) -> str:  # type: ignore[override]
        label = self.optimizer if isinstance(self.optimizer, str) else "optax"
        return f"{self.device.name}+{label}"

    def default_params(self) -> LayerParams:
        named = isinstance(self.optimizer, str)
        return LayerParams(self.device.default_params(), optimizers.default_params(
            self.optimizer) if named else optimizers.OptimizerParams())

    def validate(self, params: LayerParams) -> None:
        if not isinstance(self.device, Device) or isinstance(self.device, UpdateLayer):
            raise ValueError(f"UpdateLayer.device = {self.device!r} is out of range: allowed a "
                             "srbm_jax.devices.Device (not another update layer)")
        for field, value, allowed in (("write", self.write, WRITES),
                                      ("rounding", self.rounding, ROUNDINGS),
                                      ("every", self.every, EVERY), ("mode", self.mode, MODES)):
            if value not in allowed:
                raise ValueError(f"config.optimizer.{field} = {value!r} is out of range: "
                                 f"allowed one of {allowed}")
        if self.mode == "add" and self.every != "update":
            raise ValueError("config.optimizer.every = 'phase' is out of range for mode 'add': "
                             "allowed 'update' (the change of G over a whole update is the "
                             "gradient)")
        if self.write == "analog" and not self.device.supports_analog_write:
            raise ValueError(f"config.optimizer.write = 'analog' is out of range for device "
                             f"{self.device.name!r} (no analog write): allowed 'pulses' or "
                             "'transfer'")
        if self.write != "analog" and self.device.pulse_weight(
                self.device.default_params()) is None:
            raise ValueError(f"config.optimizer.write = {self.write!r} is out of range for "
                             f"device {self.device.name!r} (it has no pulse_weight): allowed "
                             "'analog'")
        if isinstance(self.optimizer, str):
            optimizers.check_name(self.optimizer)
            optimizers.make_schedule(self.schedule, self.schedule_steps, self.schedule_rate)
            for field in optimizers.OPTIMIZERS[self.optimizer][0]:  # every network's value
                for value in np.asarray(getattr(params.optimizer, field)).ravel():
                    optimizers.check_settings(self.optimizer, {field: float(value)})
        elif not isinstance(self.optimizer, optax.GradientTransformation):
            raise ValueError(f"UpdateLayer.optimizer = {self.optimizer!r} is out of range: "
                             "allowed an optimiser name or an optax.GradientTransformation")
        self.device.validate(params.inner)

    # ---- the optimiser ----------------------------------------------------------------------
    def transform(self, params: LayerParams) -> optax.GradientTransformation:
        """The Optax transformation with these (possibly traced) hyperparameters."""
        if not isinstance(self.optimizer, str):
            return self.optimizer
        schedule = (None if self.schedule == "constant" else
                    optimizers.make_schedule(self.schedule, self.schedule_steps,
                                             self.schedule_rate))
        return optimizers.optimizer_transform(self.optimizer, params.optimizer, schedule)

    # ---- Device interface -------------------------------------------------------------------
    def init(self, key, n_visible, n_hidden, params):
        inner = self.device.init(key, n_visible, n_hidden, params.inner)
        weight = self.device.read(inner, params.inner)
        shape, empty = (n_visible, n_hidden), jnp.zeros((0, 0), jnp.float32)
        zero = jnp.zeros((), jnp.float32)
        return LayerState(
            device=inner,
            optimizer=self.transform(params).init(jnp.zeros(shape, jnp.float32)),
            pending=(jnp.zeros(shape, jnp.float32)
                     if (self.every, self.mode) == ("update", "replace") else empty),
            residual=jnp.zeros(shape, jnp.float32) if self.write == "transfer" else empty,
            saved=weight.astype(jnp.float32) if self.mode == "add" else empty,
            **{name: zero for name in TOTALS})

    def read(self, state, params):
        return self.device.read(state.device, params.inner)

    def apply(self, key, state, potentiation, depression, params):
        """Per device call of the training loop: plain eCD on the device (mode "add"), the
        counts added to the update's pending sum (every "update"), or one optimiser step."""
        if self.mode == "add":
            return state._replace(device=self.device.apply(key, state.device, potentiation,
                                                           depression, params.inner))
        if self.every == "update":
            return state._replace(pending=state.pending + (potentiation - depression))
        return self._step(key, state, potentiation - depression, params)

    def end_update(self, key, state, params):
        """Per update: the optimiser step of every="update" (pending counts, or the change of G
        since the last update in mode "add")."""
        if self.mode == "add":
            change = self.read(state, params).astype(jnp.float32) - state.saved
            state = self._optimise(key, state, -change, params)
            return state._replace(saved=self.read(state, params).astype(jnp.float32))
        if self.every == "update":
            counts = state.pending
            return self._step(key, state._replace(pending=jnp.zeros_like(counts)), counts,
                              params)
        return state

    def _step(self, key, state, counts, params):
        """One optimiser step on eCD counts C+ - C- (gradient -pulse_weight * counts)."""
        # One event's weight change; a device without pulses (analog write only) counts 1 cu.
        unit = self.device.pulse_weight(params.inner)
        return self._optimise(key, state, -(1.0 if unit is None else unit) * counts, params)

    def _optimise(self, key, state, gradient, params):
        """u = optax update of `gradient`; write u to the device; update the totals."""
        weight = self.read(state, params).astype(jnp.float32)
        updates, opt_state = self.transform(params).update(gradient, state.optimizer, weight)
        state = state._replace(optimizer=opt_state, updates=state.updates + 1.0,
                               requested=state.requested + jnp.sum(jnp.abs(updates)))
        return self._write(key, state, updates, weight, params)

    def _write(self, key, state, updates, before, params):
        """Write `updates` (conductance units) in the device's terms (module docstring)."""
        inner_params = params.inner
        if self.write == "analog":
            device = self.device.add_weight(key, state.device, updates, inner_params)
            target, state = updates, state
        else:
            unit = self.device.pulse_weight(inner_params)
            wanted = updates / unit
            if self.write == "transfer":
                wanted = state.residual + wanted
                pulses = jnp.trunc(wanted)
                state = state._replace(residual=wanted - pulses)
            else:
                if self.rounding == "stochastic":
                    noise = jax.random.uniform(jax.random.fold_in(key, 7), wanted.shape)
                    pulses = jnp.floor(wanted + noise)
                else:
                    pulses = jnp.round(wanted)
                state = state._replace(rounded_away=state.rounded_away
                                       + unit * jnp.sum(jnp.abs(wanted - pulses)))
            up, down = jnp.maximum(pulses, 0.0), jnp.maximum(-pulses, 0.0)
            device = self.device.apply(key, state.device, up, down, inner_params)
            target = unit * pulses
            state = state._replace(pulses_up=state.pulses_up + jnp.sum(up),
                                   pulses_down=state.pulses_down + jnp.sum(down))
        after = self.device.read(device, inner_params).astype(jnp.float32)
        return state._replace(device=device, not_taken=state.not_taken
                              + jnp.sum(jnp.abs(target - (after - before))))

    # ---- capabilities and statistics, from the device ---------------------------------------
    scalable_step = True

    def scale_steps(self, params, factor):
        """The optimiser's learning rate multiplied by factor (named optimisers)."""
        if not isinstance(self.optimizer, str):
            raise NotImplementedError("a step schedule needs a named optimiser (its learning "
                                      "rate is traced); an optax object has fixed settings")
        return params.replace(optimizer=params.optimizer.replace(
            learning_rate=params.optimizer.learning_rate * factor))

    @property
    def supports_relax(self) -> bool:  # type: ignore[override]
        return self.device.supports_relax

    def relax(self, key, state, params, fraction):
        return state._replace(device=self.device.relax(key, state.device, params.inner,
                                                       fraction))

    @property
    def stdp_window(self):  # type: ignore[override]
        return self.device.stdp_window

    def structural_options(self) -> dict[str, Any]:
        options = {"device": self.device.name, **self.device.structural_options()}
        options.update({field.name: getattr(self, field.name) for field in
                        dataclasses.fields(self) if field.name not in ("device",)})
        if not isinstance(self.optimizer, str):
            options["optimizer"] = "optax object"
        return options

    def weight_statistics(self, state, params) -> dict[str, float]:
        """The device's statistics plus the layer's totals: update_requested,
        update_rounded_away, update_not_taken (conductance units, summed over synapses and
        updates), update_pulses (pulses written) and optimizer_updates."""
        result = self.device.weight_statistics(state.device, params.inner)
        result.update(update_requested=float(state.requested),
                      update_rounded_away=float(state.rounded_away),
                      update_not_taken=float(state.not_taken),
                      update_pulses=float(state.pulses_up) + float(state.pulses_down),
                      optimizer_updates=float(state.updates))
        return result

    def pulse_counts(self, states, potentiation, depression) -> dict[str, list]:
        """The device's pulse counts, from the pulses the layer wrote (not eCD's events)."""
        del potentiation, depression
        return self.device.pulse_counts(states.device, np.asarray(states.pulses_up),
                                        np.asarray(states.pulses_down))
