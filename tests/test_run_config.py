"""srbm_jax.run.objects and the configs: config -> Spec / Params, device sections written by the
devices themselves, errors that name the field, renamed fields, fingerprints, old configs."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import srbm_jax
from experiments.configs import best, default, smoke
from srbm_jax import devices
from srbm_jax.run import objects
from srbm_jax.run.objects import fingerprint, spec_and_params


def test_every_default_config_field_is_commented_with_its_source():
    source = Path(default.__file__).read_text()
    assigned = re.findall(r"^\s*config\.(\w+) = [^\n]*$", source, re.MULTILINE)
    assert set(assigned) | {"device"} == set(default.get_config().keys())
    for line in source.splitlines():
        if re.match(r"^\s*config\.\w+ = ", line):
            assert "  # " in line and re.search(r"\((IBM|slides|ours)", line), line
    assert "seed" not in source.replace("config.seed", "").replace("PRNG seed", "").replace("wij_init seed", "")


@pytest.mark.parametrize("get_config", [default.get_config, smoke.get_config, best.get_config])
def test_configs_build_valid_spec_and_params(get_config):
    config = get_config()
    spec, params = spec_and_params(config)
    assert spec.n_data == 784 and spec.n_hidden == config.n_hidden
    assert isinstance(spec.device, srbm_jax.GpGmLinear)
    assert float(params.device.set_step) == pytest.approx(config.device.set_step)


def test_best_config_takes_a_front_end_choice_and_keeps_its_settings():
    config = best.get_config("gpgm_linear,pooling")
    plain = best.get_config()
    assert config.front_end.name == "pooling" and plain.front_end.name != "pooling"
    assert (config.batch_size, config.device.set_step, config.input_threshold) == (
        plain.batch_size, plain.device.set_step, plain.input_threshold)


def test_the_third_part_of_the_config_choice_is_the_learning_rule_with_its_options():
    from srbm_jax import rules
    assert default.get_config().rule.name == "coincidence"
    for name, cls in (("trace", rules.TraceECD), ("window", rules.ShapedWindow)):
        config = default.get_config(f"gpgm_linear,pixels,{name}")
        assert dict(config.rule) == dict(rules.rule_section(name))
        assert type(spec_and_params(config)[0].rule) is cls
    config = best.get_config("gpgm_linear,pixels,window")
    config.rule.a_minus = -1.0  # its options are fields of the section, set by name
    assert spec_and_params(config)[0].rule.a_minus == -1.0
    assert config.batch_size == best.get_config().batch_size
    with pytest.raises(ValueError, match=r"config\.rule\.name = 'hebb' is out of range"):
        default.get_config("gpgm_linear,pixels,hebb")


@pytest.mark.parametrize("name", sorted(devices.DEVICES))
def test_every_device_builds_from_its_own_section(name):
    config = default.get_config(name)
    assert config.device.name == name
    assert set(config.device) == {"name", *devices.DEVICES[name]().structural_options(),
                                  *vars(devices.DEVICES[name]().default_params())}
    spec, params = spec_and_params(config)
    assert spec.device == devices.DEVICES[name]()
    assert params.device == jax_float32(spec.device.default_params())


def jax_float32(params):
    import jax
    return jax.tree_util.tree_map(lambda leaf: np.asarray(leaf, np.float32), params)


def test_device_section_fields_reach_the_device():
    config = default.get_config("pcm_nonlinear")
    config.device.dw_min = 2e-4
    config.device.auto_refresh = False
    config.device.max_pulses_per_call = 4
    spec, params = spec_and_params(config)
    assert float(params.device.dw_min) == pytest.approx(2e-4)
    assert float(params.device.a_up) == pytest.approx(-27.235)  # untouched fields keep defaults
    assert spec.device.auto_refresh is False and spec.device.max_pulses_per_call == 4
    config = default.get_config()
    config.device.levels = 128
    config.device.storage_dtype = "bfloat16"
    spec, _ = spec_and_params(config)
    assert spec.device.levels == 128 and spec.device.storage_dtype == "bfloat16"


def test_a_field_the_device_does_not_use_is_an_error():
    config = default.get_config("pcm_nonlinear")
    with config.unlocked() if hasattr(config, "unlocked") else _nothing():
        config.device.set_step = 0.02  # a gpgm_linear field in a pcm_nonlinear section
    with pytest.raises(ValueError, match=r"config\.device\.set_step is not a field of device "
                                         r"'pcm_nonlinear': allowed name, max_pulses_per_call"):
        spec_and_params(config)
    config = default.get_config()
    config.device.name = "ideal"  # switching the name keeps gpgm's fields: refused, with a hint
    with pytest.raises(ValueError, match=r"config\.device\.g_max is not a field of device "
                                         r"'ideal'.*default.py>?:ideal|:ideal"):
        spec_and_params(config)


def _nothing():
    import contextlib
    return contextlib.nullcontext()


@pytest.mark.parametrize("field, value", [
    ("train_size", 0), ("epochs", 0), ("batch_size", 0), ("seed", -1), ("data_source", "web"),
    ("n_label", 15), ("n_hidden", 0), ("data_ms", 0.5), ("spike_rate_hz", 5000.0),
    ("input_threshold", 2.0), ("membrane_tau_ms", 0.0), ("input_coding", "latency"),
    ("checkpoint_every_images", -1), ("step_decay", 0.0), ("step_decay", 1.5),
    ("weight_decay", -0.1), ("weight_decay", 1.0), ("keep_checkpoints", 0),
    ("ema_half_life_images", -1), ("device.set_step", -0.01), ("device.init_std", -1.0),
    ("device.g_min", 20.0), ("device.levels", 1), ("device.name", "memristor"),
    ("batch_size", 60001)])
def test_config_errors_name_the_field(field, value):
    config = default.get_config()
    if field.startswith("device."):
        config.device[field[7:]] = value
    else:
        config[field] = value
    with pytest.raises(ValueError, match=rf"^config\.{re.escape(field)}"):
        spec_and_params(config)


def test_a_flag_field_of_another_type_names_the_field():
    """ConfigDict keeps a field's type; a config rebuilt from JSON or by hand may not."""
    config = default.get_config()
    del config["weight_decay_follows_steps"]
    config.weight_decay_follows_steps = 1
    with pytest.raises(ValueError, match=r"^config\.weight_decay_follows_steps: .*True or False"):
        spec_and_params(config)


def test_error_values_are_plain_numbers():
    config = default.get_config()
    config.membrane_tau_ms = -1.0
    with pytest.raises(ValueError) as error:
        spec_and_params(config)
    assert "array(" not in str(error.value) and "-1.0" in str(error.value)


def test_capability_checks_name_the_field():
    config = default.get_config("pcm_nonlinear")
    config.step_decay = 0.5
    with pytest.raises(ValueError, match=r"^config\.step_decay:.*pcm_nonlinear"):
        spec_and_params(config)
    config = default.get_config("pcm_nonlinear")
    config.weight_decay = 1e-6
    with pytest.raises(ValueError, match=r"^config\.weight_decay:.*pcm_nonlinear"):
        spec_and_params(config)
    config = default.get_config("pcm_nonlinear")
    config.label_weight_decay = 1e-6
    with pytest.raises(ValueError, match=r"^config\.label_weight_decay:.*pcm_nonlinear"):
        spec_and_params(config)
    config = default.get_config()
    config.device.levels = 128
    config.ema_half_life_images = 1000
    with pytest.raises(ValueError, match=r"^config\.ema_half_life_images:.*linear"):
        spec_and_params(config)


def test_old_flat_fields_are_refused_naming_their_replacement():
    config = default.get_config()
    with config.unlocked() if hasattr(config, "unlocked") else _nothing():
        config.set_step = 0.02
    with pytest.raises(ValueError, match=r"config\.set_step: was renamed: use config\.device\.set_step"):
        spec_and_params(config)


def test_bipolar_config_carries_its_stdp_window():
    config = default.get_config("bipolar_2t1r")
    for field, value in devices.Bipolar2T1R.stdp_window.items():
        assert config[field] == value


def test_legacy_configs_upgrade_to_the_same_run():
    """A config.json written before the device section maps onto today's config with the same
    device params (the mapping of that version) and keeps its own fingerprint rule."""
    legacy = {k: v for k, v in objects.config_dict(default.get_config()).items() if k not in (
        "device", "keep_checkpoints", "keep_epoch_checkpoints", "ema_half_life_images",
        "tail_average_epochs")}
    legacy.update(device="ideal", device_levels=0, set_step=0.01, reset_step=0.01, g_min=0.0,
                  g_max=10.0, init_mean=5.0, init_std=1.06, device_params="")
    upgraded = objects.load_config(legacy)
    assert objects.config_differences(objects.config_dict(upgraded),
                                      objects.config_dict(default.get_config("ideal"))) == []
    assert objects.legacy_fingerprint(legacy) != fingerprint(default.get_config("ideal"))
    legacy.update(device="pcm_nonlinear", device_params="dw_min=7e-5,auto_refresh=0")
    upgraded = objects.load_config(legacy)
    assert upgraded.device.dw_min == 7e-5 and upgraded.device.auto_refresh is False


def test_fingerprint_ignores_run_fields_and_later_defaults():
    config = default.get_config()
    other = default.get_config()
    other.epochs, other.keep_checkpoints, other.data_dir = 7, 5, "/x"
    assert fingerprint(config) == fingerprint(other)
    del other["ema_half_life_images"]
    assert fingerprint(config) == fingerprint(other)
    other.device.set_step = 0.02
    assert fingerprint(config) != fingerprint(other)


def test_saved_config_round_trips_through_json():
    config = default.get_config("pcm_stochastic")
    again = objects.load_config(json.loads(json.dumps(objects.config_dict(config))))
    assert fingerprint(again) == fingerprint(config)


@pytest.mark.parametrize("get_config", [default.get_config, best.get_config])
def test_unset_optimiser_hyperparameters_stay_settable_from_the_command_line(get_config):
    """config_flags refuses to override a field whose value is a bare None (the slides' Adam row
    sets --config.optimizer.eps=0): unset hyperparameters must stay typed placeholders."""
    from srbm_jax import updates
    config = get_config()
    for field in updates.optimizers.HYPERPARAMETERS:
        assert config.optimizer.get_ref(field).get_type() is float, field
    config.optimizer.eps = 0.0  # as the flag does: a float placeholder takes the value
    assert updates.optimizer_section_from(config.optimizer.to_dict()).eps == 0.0
