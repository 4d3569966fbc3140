"""The phase schedule of one training image and the global eCD gate g(t) (docs/model.md#phases).

IBM simulator: transition 10 ms -> data phase 40 ms -> transition 10 ms -> model phase 40 ms.
The image is simulated as two *segments* that differ in what is clamped:

* segment "data" = transition + data phase: data, label and bias neurons clamped to their input
  spike trains; g = 0 in the transition (burn-in, nothing learns), g = +1 in the data phase (LTP).
* segment "model" = transition + model phase: visible data and label neurons free (driven by the
  hidden layer through W^T), bias neurons still clamped; g = 0 then g = -1 (LTD).

Delta w = Delta w_data + Delta w_model = <v h>_data - <v h>_model (Neftci et al. 2014, eCD).
The gate of an update event is the gate of the tick in which the event happens.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:  # (srbm_jax.config imports the learning rules, which use this module)
    from srbm_jax.config import Spec


class Segment(NamedTuple):
    """n_ticks: length; gate: int8 [n_ticks] in {-1, 0, +1}; event_delay: ticks from a hidden spike
    in this segment to its update event; visible_free: (start, stop) of the free visible neurons."""

    name: str
    n_ticks: int
    gate: np.ndarray
    event_delay: int
    visible_free: tuple[int, int]


def training_segments(spec: Spec) -> tuple[Segment, Segment]:
    """The two segments of one training image (static numpy gates)."""
    t_data0, t_data = spec.ticks(spec.transition_data_ms), spec.ticks(spec.data_ms)
    t_model0, t_model = spec.ticks(spec.transition_model_ms), spec.ticks(spec.model_ms)
    data = Segment("data", t_data0 + t_data,
                   np.concatenate([np.zeros(t_data0, np.int8), np.ones(t_data, np.int8)]),
                   spec.ticks(spec.data_event_delay_ms), (0, 0))
    model = Segment("model", t_model0 + t_model,
                    np.concatenate([np.zeros(t_model0, np.int8), -np.ones(t_model, np.int8)]),
                    spec.ticks(spec.model_event_delay_ms), (0, spec.n_data + spec.n_label))
    return data, model


def inference_segment(spec: Spec) -> Segment:
    """Classification: data clamped, labels free, no learning, for inference_ms."""
    n = spec.ticks(spec.inference_ms)
    return Segment("inference", n, np.zeros(n, np.int8), 0,
                   (spec.n_data, spec.n_data + spec.n_label))


def gate_trace(spec: Spec) -> np.ndarray:
    """g(t) for every tick of one training image: 0 / +1 / 0 / -1."""
    return np.concatenate([segment.gate for segment in training_segments(spec)])
