"""srbm_jax.config: Spec derived sizes, default params, and validation messages naming the field."""
from __future__ import annotations

import math

import jax
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax.devices import GpGmLinear, GpGmParams, IdealWeight


def test_spec_derived_sizes():
    spec = small_spec()
    assert spec.n_visible == 16 + 10 + 2
    assert spec.n_hidden_total == 14
    assert spec.labels_per_class == 1
    assert spec.label_slice == slice(16, 26)
    assert spec.ticks(40.0) == 40
    assert spec.flips_per_tick == 100
    assert spec.walk_words == 4                       # ceil((100 + 24) / 32)
    fine = spec.replace(dt_ms=0.1, walk_interval_ms=0.01)
    assert fine.flips_per_tick == 10 and fine.walk_words == 2 and fine.ticks(40.0) == 400
    assert srbm_jax.Spec(dt_ms=0.01).walk_words == 1
    assert hash(spec) == hash(small_spec())           # usable as a jit static argument


def test_default_params_are_float32_and_valid():
    spec = srbm_jax.Spec()
    params = srbm_jax.default_params(spec)
    for leaf in jax.tree_util.tree_leaves(params):
        assert leaf.dtype == np.float32
    assert float(params.spike_rate_hz) == 200.0
    assert math.isclose(float(params.bias_rate_factor), 0.354, rel_tol=1e-6)
    assert isinstance(params.device, GpGmParams)
    srbm_jax.validate(spec, params)
    ideal = small_spec(device=IdealWeight())
    srbm_jax.validate(ideal, srbm_jax.default_params(ideal))
    overridden = srbm_jax.default_params(spec, alpha=0.3)
    assert math.isclose(float(overridden.alpha), 0.3, rel_tol=1e-6)


BAD_SPECS = [
    ({"n_label": 45}, "n_label"),
    ({"n_label": 0}, "n_label"),
    ({"n_data": 0}, "n_data"),
    ({"n_hidden_bias": -1}, "n_hidden_bias"),
    ({"data_ms": -10.0}, "data_ms"),
    ({"transition_model_ms": -10.0}, "transition_model_ms"),
    ({"model_ms": 0.0}, "model_ms"),
    ({"data_ms": 40.5}, "data_ms"),
    ({"pulse_width_ms": 2.5}, "pulse_width_ms"),
    ({"data_event_delay_ms": 60.0}, "data_event_delay_ms"),
    ({"dt_ms": 0.0}, "dt_ms"),
    ({"walk_interval_ms": 2.0}, "walk_interval_ms"),
    ({"walk_interval_ms": 0.3}, "walk_interval_ms"),
    ({"input_coding": "binary"}, "input_coding"),
    ({"random_source": "mt"}, "random_source"),
    ({"drive_chunk": -1}, "drive_chunk"),
    ({"batch_drive_chunk": -2}, "batch_drive_chunk"),
    ({"batch_drive_chunk": 1.5}, "batch_drive_chunk"),
    ({"device": GpGmLinear(levels=1)}, "levels"),
]


@pytest.mark.parametrize("changes, field", BAD_SPECS)
def test_bad_spec_raises_naming_field(changes, field):
    spec = small_spec(**changes)
    params = srbm_jax.default_params(small_spec())
    with pytest.raises(ValueError, match=rf"\b{field} = "):
        srbm_jax.validate(spec, params)


BAD_PARAMS = [
    ({"spike_rate_hz": -1.0}, "spike_rate_hz"),
    ({"spike_rate_hz": 1500.0}, "spike_rate_hz"),          # p = 1.5 per 1 ms tick
    ({"bias_rate_factor": -0.1}, "bias_rate_factor"),
    ({"bias_rate_factor": 6.0}, "bias_rate_factor"),        # 200 * 6 = 1200 Hz > 1000 Hz
    ({"input_threshold": 1.5}, "input_threshold"),
    ({"membrane_tau_ms": 0.0}, "membrane_tau_ms"),
    ({"firing_threshold": 0.0}, "firing_threshold"),
    ({"alpha": -0.1}, "alpha"),
    ({"walk_up": -0.01}, "walk_up"),
    ({"walk_down": -0.01}, "walk_down"),
    ({"refractory_ms": -1.0}, "refractory_ms"),
    ({"weight_decay": -1e-6}, "weight_decay"),
    ({"weight_decay": 1.0}, "weight_decay"),
    ({"label_weight_decay": -1e-6}, "label_weight_decay"),
    ({"label_weight_decay": 1.0}, "label_weight_decay"),
    ({"alpha": float("nan")}, "alpha"),
    ({"membrane_tau_ms": float("inf")}, "membrane_tau_ms"),
]


@pytest.mark.parametrize("changes, field", BAD_PARAMS)
def test_bad_params_raise_naming_field(changes, field):
    spec = small_spec()
    params = srbm_jax.default_params(spec, **changes)
    with pytest.raises(ValueError, match=rf"\b{field} = "):
        srbm_jax.validate(spec, params)


def test_rate_limit_follows_dt():
    """1500 Hz is fine at dt = 0.5 ms (p = 0.75) but not at dt = 1 ms."""
    params = srbm_jax.default_params(small_spec(), spike_rate_hz=1500.0, bias_rate_factor=0.354)
    srbm_jax.validate(small_spec(dt_ms=0.5), params)
    with pytest.raises(ValueError, match="spike_rate_hz"):
        srbm_jax.validate(small_spec(), params)


BAD_DEVICE_PARAMS = [
    ({"g_min": 11.0}, "g_min"),
    ({"set_step": -0.01}, "set_step"),
    ({"reset_step": float("nan")}, "reset_step"),
    ({"init_std": -1.0}, "init_std"),
]


@pytest.mark.parametrize("changes, field", BAD_DEVICE_PARAMS)
def test_bad_device_params_raise_naming_field(changes, field):
    spec = small_spec()
    params = srbm_jax.default_params(spec, device=GpGmParams(**changes))
    with pytest.raises(ValueError, match=rf"device\.{field} = "):
        srbm_jax.validate(spec, params)


def test_nan_device_init_mean_is_rejected():
    spec = small_spec()
    params = srbm_jax.default_params(spec, device=GpGmParams(init_mean=float("nan")))
    with pytest.raises(ValueError, match=r"device\.init_mean"):
        srbm_jax.validate(spec, params)


def test_nan_device_g_max_is_named():
    spec = small_spec()
    params = srbm_jax.default_params(spec, device=GpGmParams(g_max=float("nan")))
    with pytest.raises(ValueError, match=r"device\.g_max"):
        srbm_jax.validate(spec, params)


def test_ideal_device_params_validated():
    spec = small_spec(device=IdealWeight())
    params = srbm_jax.default_params(spec, device=srbm_jax.devices.IdealParams(learning_rate=-1.0))
    with pytest.raises(ValueError, match=r"device\.learning_rate = "):
        srbm_jax.validate(spec, params)


def test_validate_checks_every_element_of_a_vmapped_sweep():
    spec = small_spec()
    good = srbm_jax.default_params(spec, alpha=np.array([0.05, 0.1, 0.2]))
    srbm_jax.validate(spec, good)
    bad = srbm_jax.default_params(spec, alpha=np.array([0.05, -0.1, 0.2]))
    with pytest.raises(ValueError, match=r"\balpha = "):
        srbm_jax.validate(spec, bad)
