"""Tests for srbm_jax.experiment, srbm_jax.analysis and experiments/: a tiny network on a tiny
synthetic MNIST-like data set (40 train / 20 test images), written as the npz cache in a tmp dir."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import srbm_jax
from experiments.configs import best, default, smoke
from srbm_jax import analysis, checkpoint, compare, experiment, study
from srbm_jax.data import mnist
from srbm_jax.train import ImageStats

TINY_COUNTS = {"train": (4,) * 10, "test": (2,) * 10}
TINY_MODEL = {"n_label": 10, "n_visible_bias": 2, "n_hidden": 16, "n_hidden_bias": 2,
              "transition_data_ms": 2.0, "data_ms": 8.0, "transition_model_ms": 2.0,
              "model_ms": 8.0, "inference_ms": 10.0, "train_size": 40, "test_size": 20,
              "chunk_size": 10, "eval_batch_size": 20, "checkpoint_every_images": 0,
              "data_source": "npz"}


def synthetic_mnist(seed=0):
    """Per-class bar patterns with noise: a crude, learnable stand-in for MNIST."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, counts in TINY_COUNTS.items():
        labels = rng.permutation(np.repeat(np.arange(10), counts)).astype(np.int32)
        images = rng.integers(0, 60, (len(labels), 28, 28)).astype(np.uint8)
        for image, label in zip(images, labels, strict=False):
            image[4 + 2 * label: 7 + 2 * label, 3:25] = 230  # a horizontal bar per class
            image[3:25, 4 + 2 * label: 7 + 2 * label] = 200  # and a vertical one
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    return arrays


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
        mnist._write_npz(directory / mnist.CACHE_NAME,
                         mnist.MnistSplits(**synthetic_mnist(), source="npz"))
    return directory


@pytest.fixture(autouse=True)
def tiny_mnist(cache, monkeypatch):
    monkeypatch.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
    monkeypatch.setenv("SRBM_JAX_CACHE", str(cache))
    monkeypatch.setattr(mnist, "_load_tfds", lambda: (_ for _ in ()).throw(ImportError("off")))


def tiny_config(**changes):
    config = default.get_config()
    config.update({**TINY_MODEL, **changes})
    return config


def run(config, workdir, resume=False):
    return experiment.train_and_evaluate(config, workdir, resume=resume, verbose=False)


def checkpoint_leaves(workdir):
    leaves, metadata = checkpoint.load(Path(workdir) / experiment.CHECKPOINT_NAME)
    return leaves, metadata


def assert_same_run(a, b, epochs):
    """Same final checkpoint (bit for bit) and the same per-epoch results."""
    leaves_a, meta_a = checkpoint_leaves(a)
    leaves_b, meta_b = checkpoint_leaves(b)
    assert (meta_a["epoch"], meta_a["next_image"]) == (meta_b["epoch"], meta_b["next_image"])
    assert len(leaves_a) == len(leaves_b)
    for x, y in zip(leaves_a, leaves_b, strict=False):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    records_a = analysis.read_metrics(Path(a) / experiment.METRICS_NAME)
    records_b = analysis.read_metrics(Path(b) / experiment.METRICS_NAME)
    assert [r["epoch"] for r in records_a] == [r["epoch"] for r in records_b] == list(
        range(1, epochs + 1))
    timing = {"wall_s", "images_per_s", "eval_wall_s", "eval_images_per_s", "resumed_at_image"}
    for ra, rb in zip(records_a, records_b, strict=False):
        assert {k: v for k, v in ra.items() if k not in timing} == \
               {k: v for k, v in rb.items() if k not in timing}


@pytest.fixture(scope="module")
def straight(tmp_path_factory, cache):
    """An uninterrupted 2-epoch run, shared by the resume tests."""
    workdir = tmp_path_factory.mktemp("straight")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
        mp.setenv("SRBM_JAX_CACHE", str(cache))
        summary = run(tiny_config(epochs=2), workdir)
    return workdir, summary


# ---- config ----------------------------------------------------------------------------------
def test_every_default_config_field_is_commented():
    source = Path(default.__file__).read_text()
    assigned = re.findall(r"^\s*config\.(\w+) = [^\n]*$", source, re.MULTILINE)
    assert set(assigned) == set(default.get_config().keys())
    for line in source.splitlines():
        if re.match(r"^\s*config\.\w+ = ", line):
            assert "  # " in line and re.search(r"\((IBM|seed|ours)", line), line


@pytest.mark.parametrize("get_config", [default.get_config, smoke.get_config, best.get_config])
def test_configs_build_valid_spec_and_params(get_config):
    config = get_config()
    spec, params = experiment.spec_and_params(config)
    assert spec.n_data == 784 and spec.n_hidden == config.n_hidden
    assert isinstance(spec.device, srbm_jax.GpGmLinear)
    assert float(params.device.set_step) == pytest.approx(config.set_step)


def test_ideal_device_mapping():
    config = default.get_config()
    config.device = "ideal"
    spec, params = experiment.spec_and_params(config)
    assert isinstance(spec.device, srbm_jax.IdealWeight)
    assert float(params.device.learning_rate) == pytest.approx(0.02)
    assert float(params.device.init_std) == pytest.approx(1.06 * np.sqrt(2), rel=1e-6)


@pytest.mark.parametrize("field, value", [
    ("train_size", 0), ("epochs", 0), ("batch_size", 0), ("seed", -1), ("data_source", "web"),
    ("device", "memristor"), ("n_label", 15), ("n_hidden", 0), ("data_ms", 0.5),
    ("spike_rate_hz", 5000.0), ("input_threshold", 2.0), ("membrane_tau_ms", 0.0),
    ("set_step", -0.01), ("init_std", -1.0), ("g_min", 20.0), ("device_levels", 1),
    ("input_coding", "latency"), ("checkpoint_every_images", -1), ("step_decay", 0.0),
    ("step_decay", 1.5), ("weight_decay", -0.1), ("weight_decay", 1.0)])
def test_config_errors_name_the_field(field, value):
    config = default.get_config()
    config[field] = value
    with pytest.raises(ValueError, match=rf"^config\.{field}:"):
        experiment.spec_and_params(config)


def test_device_params_override_the_device_defaults_by_name():
    config = default.get_config()
    config.update(device="pcm_nonlinear", device_params=" dw_min=2e-4, init_std=0.033 ")
    _, params = experiment.spec_and_params(config)
    assert float(params.device.dw_min) == pytest.approx(2e-4)
    assert float(params.device.init_std) == pytest.approx(0.033)
    assert float(params.device.a_up) == pytest.approx(-27.235)  # untouched fields keep defaults
    config.update(device="ideal", device_params="learning_rate=0.5")  # after the gpgm mapping
    _, params = experiment.spec_and_params(config)
    assert float(params.device.learning_rate) == pytest.approx(0.5)
    # Empty means none; a config recorded before the field existed has the same fingerprint.
    without_field = default.get_config()
    del without_field["device_params"]
    assert experiment.fingerprint(default.get_config()) == experiment.fingerprint(without_field)
    changed = default.get_config()
    changed.device_params = "set_step=0.02"
    assert experiment.fingerprint(changed) != experiment.fingerprint(without_field)


def test_device_params_set_structural_options():
    """Integer / boolean fields of the device class go to the device, not its params."""
    config = default.get_config()
    config.update(device="gpgm_linear", device_params="levels=128,set_step=0.02")
    spec, params = experiment.spec_and_params(config)
    assert spec.device.levels == 128 and float(params.device.set_step) == pytest.approx(0.02)
    config.update(device="pcm_nonlinear", device_params="auto_refresh=0,max_pulses_per_call=4")
    spec, _ = experiment.spec_and_params(config)
    assert spec.device.auto_refresh is False and spec.device.max_pulses_per_call == 4
    config.update(device="bipolar_2t1r", device_params="levels=64")
    assert experiment.spec_and_params(config)[0].device.levels == 64


@pytest.mark.parametrize("device, text, match", [
    ("pcm_nonlinear", "dw_min", "name=<finite number>"),
    ("pcm_nonlinear", "dw_min=abc", "name=<finite number>"),
    ("pcm_nonlinear", "dw_min=nan", "name=<finite number>"),
    ("pcm_nonlinear", "=1", "name=<finite number>"),
    ("pcm_nonlinear", "dw_min=1e-3,dw_min=2e-3", "each name once"),
    ("pcm_nonlinear", "set_step=0.1", "parameters of device 'pcm_nonlinear': a_up"),
    ("pcm_nonlinear", "dw_min=-1e-3", "dw_min"),  # the device's own check, renamed
    ("gpgm_linear", "g_min=20", "g_min"),
    ("gpgm_linear", "levels=1", "levels"),  # the device's own check (level count >= 2)
    ("pcm_nonlinear", "auto_refresh=2", "auto_refresh = 0 or 1"),
    ("pcm_nonlinear", "max_pulses_per_call=2.5", "max_pulses_per_call = an integer"),
    ("pcm_nonlinear", "max_pulses_per_call=0", "max_pulses_per_call"),
])
def test_bad_device_params_name_the_field(device, text, match):
    config = default.get_config()
    config.update(device=device, device_params=text)
    with pytest.raises(ValueError, match=r"^config\.device_params:") as error:
        experiment.spec_and_params(config)
    assert match in str(error.value)


def test_step_decay_needs_a_scalable_device():
    config = default.get_config()
    config.update(device="pcm_nonlinear", step_decay=0.5)
    with pytest.raises(ValueError, match=r"^config\.step_decay:.*pcm_nonlinear"):
        experiment.spec_and_params(config)


def test_weight_decay_needs_a_device_with_relax_and_leaves_old_fingerprints_alone():
    config = default.get_config()
    config.update(device="pcm_nonlinear", weight_decay=1e-6)
    with pytest.raises(ValueError, match=r"^config\.weight_decay:.*pcm_nonlinear"):
        experiment.spec_and_params(config)
    config.update(device="ideal")  # the ideal weight decays too
    _, params = experiment.spec_and_params(config)
    assert float(params.weight_decay) == pytest.approx(1e-6)
    # A run recorded before the field existed (no weight_decay) has the fingerprint of 0.0.
    with_field = default.get_config()
    without_field = default.get_config()
    del without_field["weight_decay"]
    assert experiment.fingerprint(with_field) == experiment.fingerprint(without_field)
    _, params = experiment.spec_and_params(without_field)
    assert float(params.weight_decay) == 0.0
    with_field.weight_decay = 1e-6
    assert experiment.fingerprint(with_field) != experiment.fingerprint(without_field)


def test_step_decay_schedule_and_resume(tmp_path, cache, monkeypatch):
    """With step_decay the device params of every training call follow the schedule
    factor = decay ** (images trained / images per epoch); a mid-epoch resume gives the same run."""
    monkeypatch.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
    monkeypatch.setenv("SRBM_JAX_CACHE", str(cache))
    config = tiny_config(epochs=2, step_decay=0.25, checkpoint_every_images=20, chunk_size=10)
    seen = []
    real_train_chunk = srbm_jax.train.train_chunk

    def recording(root, state, pixels, labels, indices, epoch, params, spec):
        seen.append((int(epoch), int(indices[0, 0]), float(params.device.set_step)))
        return real_train_chunk(root, state, pixels, labels, indices, epoch, params, spec)

    monkeypatch.setattr(srbm_jax.train, "train_chunk", recording)
    run(config, tmp_path / "straight")
    expected = [(epoch, begin, 0.01 * 0.25 ** ((epoch * 40 + begin) / 40))
                for epoch in range(2) for begin in range(0, 40, 10)]
    assert [(e, b) for e, b, _ in seen] == [(e, b) for e, b, _ in expected]
    np.testing.assert_allclose([s for _, _, s in seen], [s for _, _, s in expected], rtol=1e-6)
    monkeypatch.setattr(srbm_jax.train, "train_chunk", real_train_chunk)
    # Interrupted after epoch 1 + 20 images, then resumed: bit-identical to the straight run.
    run(tiny_config(epochs=1, step_decay=0.25, checkpoint_every_images=20, chunk_size=10),
        tmp_path / "resumed")
    run(config, tmp_path / "resumed", resume=True)
    assert_same_run(tmp_path / "straight", tmp_path / "resumed", epochs=2)


def test_minibatch_bfloat16_run_resumes_bit_identically(tmp_path, cache, monkeypatch):
    """Mini-batches of 4 with bfloat16 conductances rounded stochastically: the checkpoints hold
    bfloat16 leaves, and a run resumed after epoch 1 equals the straight 2-epoch run."""
    monkeypatch.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
    monkeypatch.setenv("SRBM_JAX_CACHE", str(cache))
    changes = dict(batch_size=4, chunk_size=10, checkpoint_every_images=20,
                   conductance_dtype="bfloat16", conductance_rounding="stochastic")
    run(tiny_config(epochs=2, **changes), tmp_path / "straight")
    run(tiny_config(epochs=1, **changes), tmp_path / "resumed")
    run(tiny_config(epochs=2, **changes), tmp_path / "resumed", resume=True)
    assert_same_run(tmp_path / "straight", tmp_path / "resumed", epochs=2)
    leaves, _ = checkpoint.load(tmp_path / "resumed" / experiment.CHECKPOINT_NAME)
    assert any(leaf.dtype == np.dtype(jnp.bfloat16) for leaf in leaves)


def test_train_size_larger_than_data_set(tmp_path):
    with pytest.raises(ValueError, match=r"config\.train_size"):
        run(tiny_config(train_size=41), tmp_path)


# ---- end to end ----------------------------------------------------------------------------------
def test_end_to_end_outputs(straight):
    workdir, summary = straight
    records = analysis.read_metrics(workdir / experiment.METRICS_NAME)
    assert len(records) == 2 and summary["metrics"] == records
    expected = {"epoch", "train_images", "wall_s", "images_per_s", "eval_images_per_s",
                "test_accuracy", "hidden_rate_data", "hidden_rate_model", "data_rate_model",
                "label_rate_model", "potentiation_events", "depression_events", "weight_mean",
                "weight_std", "weight_min", "weight_max", "fraction_at_g_min", "fraction_at_g_max"}
    for record in records:
        assert expected <= set(record)
        assert record["train_images"] == 40 and 0 <= record["test_accuracy"] <= 1
        assert all(np.isfinite(record[k]) for k in expected - {"epoch"})
        assert record["potentiation_events"] > 0 and record["depression_events"] > 0
    assert summary["final_test_accuracy"] == records[-1]["test_accuracy"]
    assert summary["best_test_accuracy"] == max(r["test_accuracy"] for r in records)
    for name in experiment.PLOTS:
        assert (workdir / name).stat().st_size > 1000, name
    metadata = checkpoint.read_metadata(workdir / experiment.CHECKPOINT_NAME)
    assert (metadata["epoch"], metadata["next_image"]) == (2, 0)
    assert metadata["config"]["n_hidden"] == 16
    assert json.loads((workdir / "config.json").read_text())["train_size"] == 40
    assert not [p for p in workdir.iterdir() if p.name.endswith(".tmp")]


def test_resume_after_an_epoch_equals_straight_run(straight, tmp_path):
    run(tiny_config(epochs=1), tmp_path)
    summary = run(tiny_config(epochs=2), tmp_path, resume=True)
    assert_same_run(straight[0], tmp_path, epochs=2)
    assert summary["final_test_accuracy"] == straight[1]["final_test_accuracy"]


def test_resume_mid_epoch_equals_straight_run(straight, tmp_path, monkeypatch):
    """Kill the run after 30 images of epoch 2 (checkpoints every 10), then resume."""
    config = tiny_config(epochs=2, checkpoint_every_images=10)
    calls = []
    real_train_epoch = srbm_jax.train_epoch

    def killed_after_three_calls_in_epoch_2(*args, **kwargs):
        if kwargs["epoch"] == 1:
            calls.append(kwargs["start"])
            if len(calls) > 3:
                raise KeyboardInterrupt
        return real_train_epoch(*args, **kwargs)

    monkeypatch.setattr(srbm_jax, "train_epoch", killed_after_three_calls_in_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        run(config, tmp_path)
    monkeypatch.setattr(srbm_jax, "train_epoch", real_train_epoch)
    metadata = checkpoint.read_metadata(tmp_path / experiment.CHECKPOINT_NAME)
    assert (metadata["epoch"], metadata["next_image"]) == (1, 30)
    assert len(analysis.read_metrics(tmp_path / experiment.METRICS_NAME)) == 1
    run(config, tmp_path, resume=True)
    assert_same_run(straight[0], tmp_path, epochs=2)


def test_resume_refuses_a_different_config(straight, tmp_path):
    run(tiny_config(epochs=1), tmp_path)
    with pytest.raises(ValueError, match=r"set_step \(0\.01 -> 0\.02\)"):
        run(tiny_config(epochs=2, set_step=0.02), tmp_path, resume=True)
    with pytest.raises(ValueError, match="already holds a checkpoint"):
        run(tiny_config(epochs=2), tmp_path)


def test_continue_run_without_changes_equals_the_longer_run(straight, tmp_path, capsys):
    """Continuing a 1-epoch run by one epoch with no changes reproduces epoch 2 of the straight
    2-epoch run (same image and evaluation keys); changes are parsed, checked and recorded."""
    run(tiny_config(epochs=1), tmp_path)
    same = experiment.continue_run(tmp_path, 1, {})
    epoch_2 = analysis.read_metrics(straight[0] / experiment.METRICS_NAME)[1]
    assert same[0]["epoch"] == 2 and same[0]["test_accuracy"] == epoch_2["test_accuracy"]
    assert same[0]["accuracy_vs_time_ms"] == epoch_2["accuracy_vs_time_ms"]
    changed = experiment.continue_run(tmp_path, 1, experiment.continue_overrides(["set_step=0.05"]))
    assert changed[0]["changes"] == {"set_step": 0.05}
    with pytest.raises(ValueError, match="n_hidden"):
        experiment.continue_overrides(["n_hidden=10"])


def test_average_run_states_is_the_mean_of_distinct_points(tmp_path):
    """The tail average is the exact mean of the saved states; (epoch e, image N) and
    (epoch e + 1, image 0) are one point; another config, or a device whose read is not linear
    in the state, is refused."""
    config = tiny_config()
    spec, params = experiment.spec_and_params(config)
    states = [srbm_jax.init_device(jax.random.key(k), params, spec) for k in range(3)]
    n = config.train_size
    points = [(states[0], 1, 20), (states[1], 1, n), (states[1], 2, 0), (states[2], 2, 30)]
    paths = []
    for index, (state, epoch, image) in enumerate(points):
        paths.append(tmp_path / f"ckpt_{index}.npz")
        experiment._save_checkpoint(paths[-1], config, state, experiment._empty_stats()
                                    if image == 0 else {name: np.zeros((image,), np.float32)
                                                        for name in ImageStats._fields},
                                    epoch, image, 0.0)
    mean, averaged = experiment.average_run_states(paths, config)
    assert averaged == [(1, 20), (2, 0), (2, 30)]
    for name in ("g_plus", "g_minus"):
        expected = np.mean([np.asarray(getattr(s, name)) for s in states], axis=0)
        np.testing.assert_allclose(getattr(mean, name), expected, rtol=1e-6)
    last, kept = experiment.average_run_states(paths, config, window=n)
    assert kept == [(2, 0), (2, 30)]
    np.testing.assert_allclose(last.g_plus, (np.asarray(states[1].g_plus)
                                             + np.asarray(states[2].g_plus)) / 2, rtol=1e-6)
    with pytest.raises(ValueError, match="fingerprint"):
        experiment.average_run_states(paths, tiny_config(set_step=0.02))
    with pytest.raises(ValueError, match=r"^config\.device:.*cannot be averaged"):
        experiment.average_run_states(paths, tiny_config(device="pcm_nonlinear"))


def test_resume_without_checkpoint_starts_fresh(tmp_path):
    summary = run(tiny_config(epochs=1), tmp_path, resume=True)
    assert summary["epochs"] == 1


# ---- analysis --------------------------------------------------------------------------------
def test_spike_raster_reproduces_a_training_image():
    """The raster's rates equal the statistics train_image computes for the same key and state."""
    config = tiny_config()
    spec, params = experiment.spec_and_params(config)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    arrays = synthetic_mnist()
    pixels, label = arrays["train_images"][3].reshape(-1), int(arrays["train_labels"][3])
    key = srbm_jax.image_key(jax.random.key(1), 0, 3)
    raster = analysis.spike_raster(key, state, pixels, label, params, spec)
    train_image = jax.jit(srbm_jax.train_image, static_argnames="spec")
    _, stats = train_image(key, state, np.float32(pixels) / 255, np.int32(label), params,
                                    spec)
    n_data_ticks = spec.ticks(spec.transition_data_ms + spec.data_ms)
    seconds = n_data_ticks * spec.dt_ms * 1e-3
    hidden_data = raster.hidden[:n_data_ticks, : spec.n_hidden].sum() / (spec.n_hidden * seconds)
    label_model = raster.visible[n_data_ticks:, spec.label_slice].sum() / (
        spec.n_label * (raster.visible.shape[0] - n_data_ticks) * spec.dt_ms * 1e-3)
    assert float(stats.hidden_rate_data) == pytest.approx(hidden_data, rel=1e-6)
    assert float(stats.label_rate_model) == pytest.approx(label_model, rel=1e-6)
    assert raster.visible.shape == (n_data_ticks + spec.ticks(spec.transition_model_ms +
                                                              spec.model_ms), spec.n_visible)
    assert raster.boundaries_ms == (2.0, 10.0, 12.0, 20.0)


def test_progress_prints_about_every_ten_percent():
    stream = io.StringIO()
    progress = experiment.Progress("train", 100, stream=stream)
    for done in range(5, 101, 5):
        progress(done, 100)
    lines = stream.getvalue().splitlines()
    assert 9 <= len(lines) <= 11
    assert lines[-1].startswith("train: 100/100 (100 %)") and "images/s" in lines[-1]


# ---- the absl entry point -----------------------------------------------------------------------
def test_entry_point(tmp_path, capsys, monkeypatch):
    import sys

    from absl import flags

    from experiments import train_mnist

    values = {**TINY_MODEL, "seed": 5}
    argv = ["train_mnist", f"--config={default.__file__}", f"--workdir={tmp_path}",
            *[f"--config.{k}={v}" for k, v in values.items()]]
    monkeypatch.setattr(sys, "argv", argv)  # config_flags finds --config.<field> in sys.argv
    flags.FLAGS.unparse_flags()
    flags.FLAGS(argv)
    try:
        assert flags.FLAGS.config.n_hidden == 16 and flags.FLAGS.config.seed == 5
        train_mnist.main(["train_mnist"])
    finally:
        flags.FLAGS.unparse_flags()
    out = capsys.readouterr().out
    assert "final test accuracy" in out and str(tmp_path) in out
    assert len(analysis.read_metrics(tmp_path / experiment.METRICS_NAME)) == 1


@pytest.mark.parametrize("device", ["pcm_nonlinear", "pcm_stochastic", "bipolar_2t1r",
                                    "optax_momentum", "optax_adam"])
def test_other_devices_build_from_config(device):
    config = default.get_config()
    config.device = device
    spec, params = experiment.spec_and_params(config)
    assert spec.device.name == device
    assert type(params.device) is type(spec.device.default_params())


def test_compare_devices_tiny(tmp_path):
    config = tiny_config(epochs=1)
    data = experiment.load_data(config, verbose=False)
    results = [compare.compare_device(name, config, data, seeds=2,
                                              drift_seconds=[1.0, 3.15e7])
               for name in ("pcm_nonlinear", "bipolar_2t1r")]
    for result in results:
        assert np.asarray(result["accuracy_per_epoch"]).shape == (1, 2)
        assert set(result["drift"]) == {"1s", "1s compensated", "3.15e+07s",
                                        "3.15e+07s compensated"}
        for row in result["drift"].values():
            assert len(row) == 2 and all(0.0 <= value <= 1.0 for value in row)
        assert all(events > 0 for events in result["counters"]["update_events"])
    assert all(pulses > 0 for pulses in results[0]["counters"]["set_pulses"])
    # bipolar_2t1r keeps no pulse counters: one SET per potentiation, one RESET per depression.
    assert np.allclose(np.add(results[1]["counters"]["set_pulses"],
                              results[1]["counters"]["reset_pulses"]),
                       results[1]["counters"]["update_events"])
    table = compare.markdown(results, config)
    assert table.count("\n") == 4 and "| pcm_nonlinear |" in table
    assert analysis.plot_device_comparison(results, tmp_path / "d.png").stat().st_size > 1000


def test_compare_devices_mini_batch_and_step_decay():
    """compare_device honours batch_size and step_decay: with one seed and gpgm_linear it ends
    where train_and_evaluate's schedule would put the same network (same events per epoch as a
    direct train_epoch with the same keys)."""
    config = tiny_config(epochs=1, batch_size=4, step_decay=0.5, chunk_size=8)
    data = experiment.load_data(config, verbose=False)
    result = compare.compare_device("gpgm_linear", config, data, seeds=1, drift_seconds=[1.0])
    spec, params = experiment.spec_and_params(config)
    root = jax.random.key(config.seed)
    state = srbm_jax.init_device(jax.random.fold_in(root, 0), params, spec)

    def schedule(begin):
        return srbm_jax.train.step_scaled_params(params, spec, 0.5 ** (begin / 40))

    _, stats = srbm_jax.train_epoch(jax.random.fold_in(root, 1), state, data[0], data[1], params,
                                    spec, chunk_size=8, batch_size=4, params_at=schedule)
    events = stats["potentiation_events"].sum() + stats["depression_events"].sum()
    np.testing.assert_allclose(result["counters"]["update_events"], [events], rtol=1e-6)


def test_event_pulses_follow_the_device_rules():
    gpgm = compare.event_pulses("gpgm_linear", [3.0, 1.0], [2.0, 0.0])
    assert gpgm == {"set_pulses": [5.0, 1.0], "reset_pulses": [5.0, 1.0]}
    bipolar = compare.event_pulses("bipolar_2t1r", [3.0], [2.0])
    assert bipolar == {"set_pulses": [3.0], "reset_pulses": [2.0]}
    assert compare.event_pulses("ideal", [3.0], [2.0]) == {}


def test_optax_adam_run_with_step_decay_resumes(tmp_path):
    """An Adam device run (its optimiser state is part of the checkpoint) with a decaying
    learning rate: resumed after epoch 1 it equals the straight run."""
    changes = dict(device="optax_adam", step_decay=0.5, batch_size=2)
    run(tiny_config(epochs=2, **changes), tmp_path / "straight")
    run(tiny_config(epochs=1, **changes), tmp_path / "resumed")
    run(tiny_config(epochs=2, **changes), tmp_path / "resumed", resume=True)
    assert_same_run(tmp_path / "straight", tmp_path / "resumed", epochs=2)


def test_parse_sweep():
    assert study.parse_sweep(["spike_rate_hz=200,210", "walk_up=0.05"]) == {
        "spike_rate_hz": [200.0, 210.0], "walk_up": [0.05]}
    for bad, message in ((["spike_rate_hz=fast"], "numbers"), (["spike_rate_hz="], "at least one"),
                         (["a=1", "a=2"], "swept twice"), ([], "required")):
        with pytest.raises(ValueError, match=message):
            study.parse_sweep(bad)


@pytest.mark.parametrize("axes, message", [
    ({"n_hidden": [16.0, 32.0]}, "config.n_hidden cannot be swept in one program"),
    ({"spike_rate_hz": [200.0, -5.0]}, "config.spike_rate_hz"),
    ({"set_step": [0.01, -0.01]}, "config.set_step"),
])
def test_study_rejects_bad_axes_naming_the_field(axes, message):
    with pytest.raises(ValueError, match=message):
        study.study_params(tiny_config(), axes, [1])


def test_study_network_equals_the_single_run(tmp_path):
    """A 2 x 2 study (spike rates x seeds), 2 epochs: 8 records; the (220 Hz, seed 4) network
    scores what train_mnist's run with --config.spike_rate_hz=220 --config.seed=4 scores."""
    config = tiny_config(epochs=2, batch_size=2)
    data = experiment.load_data(config, verbose=False)
    records = study.run_study(config, {"spike_rate_hz": [180.0, 220.0]}, [3, 4], data,
                              log=lambda line: None)
    assert len(records) == 8 and {r["epoch"] for r in records} == {1, 2}
    single = run(tiny_config(epochs=2, batch_size=2, spike_rate_hz=220.0, seed=4), tmp_path)
    mine = [r for r in records if r["spike_rate_hz"] == 220.0 and r["seed"] == 4]
    assert [r["accuracy"] for r in mine] == [
        m["test_accuracy"] for m in analysis.read_metrics(tmp_path / experiment.METRICS_NAME)]
    assert single["final_test_accuracy"] == mine[-1]["accuracy"]
    table = study.markdown(records, ["spike_rate_hz"])
    assert table.count("\n") == 4 and "| 220 | 2 |" in table
    assert analysis.plot_study(records, ["spike_rate_hz"], tmp_path / "study.png").exists()


_COMPARE_DEVICES_DRIVER = """
import json, sys
from pathlib import Path
import numpy as np, jax, pytest
from absl import flags
from srbm_jax import checkpoint
from srbm_jax.data import mnist
mnist.LABEL_COUNTS = {split: tuple(n) for split, n in json.loads(sys.argv[1]).items()}
from experiments import compare_devices
tmp_path = Path(sys.argv[2])
argv = ["compare_devices", *sys.argv[3:]]
sys.argv = argv  # config_flags finds --config.<field> in sys.argv
flags.FLAGS(argv)  # parsed once: config_flags cannot define its override flags twice
compare_devices.main(["compare_devices"])
saved = json.loads((tmp_path / "compare_devices.json").read_text())
assert [r["label"] for r in saved["results"]] == ["ideal", "fast"]
assert saved["results"][1]["device_params"] == "learning_rate=0.05"
assert saved["results"][0]["accuracy_per_epoch"][0] is None
assert len(saved["results"][0]["accuracy_per_epoch"][1]) == 1
# The larger learning rate trains another network (not just another label).
assert saved["results"][0]["counters"] != saved["results"][1]["counters"]
assert (tmp_path / "compare_devices.png").stat().st_size > 1000
states, metadata = checkpoint.load(tmp_path / "rows" / "fast.states.npz")
assert metadata["device_params"] == "learning_rate=0.05"
assert all(np.asarray(leaf).shape[0] == 1 for leaf in jax.tree_util.tree_leaves(states))
print("RERUN")
compare_devices.main(["compare_devices"])
flags.FLAGS.replot, flags.FLAGS.devices, flags.FLAGS.variant = True, ["fast"], []
compare_devices.main(["compare_devices"])  # labels need no --variant to be reordered
saved = json.loads((tmp_path / "compare_devices.json").read_text())
assert [r["label"] for r in saved["results"]] == ["fast", "ideal"]
flags.FLAGS.replot, flags.FLAGS.devices = False, ["ideal"]
flags.FLAGS.config.spike_rate_hz = 300.0
with pytest.raises(ValueError, match="another config"):
    compare_devices.main(["compare_devices"])
flags.FLAGS.config.device_params = "learning_rate=0.1"
with pytest.raises(ValueError, match="config.device_params: set per row with --variant"):
    compare_devices.main(["compare_devices"])
print("DRIVER OK")
"""


def test_compare_devices_entry_point_variants_rows_and_resume(tmp_path, cache):
    """The absl entry point, in a subprocess (absl cannot define train_mnist's and
    compare_devices' flags in one process): a --variant row gets its params; every row and its
    states are saved; a rerun skips the saved rows; only the eval_every epochs (and the last)
    are evaluated; --replot reorders; a changed config is refused."""
    import os
    import subprocess
    import sys

    argv = [f"--config={default.__file__}", f"--workdir={tmp_path}", "--seeds=1",
            "--drift_seconds=1", "--devices=ideal,fast", "--variant=fast:ideal:learning_rate=0.05",
            *[f"--config.{k}={v}" for k, v in {**TINY_MODEL, "epochs": 2, "eval_every": 2}.items()]]
    done = subprocess.run(
        [sys.executable, "-c", _COMPARE_DEVICES_DRIVER,
         json.dumps(TINY_COUNTS), str(tmp_path), *argv],
        capture_output=True, text=True, timeout=600,
        cwd=Path(__file__).resolve().parents[1], env={**os.environ, "SRBM_JAX_CACHE": str(cache)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    first, _, rerun = done.stdout.partition("RERUN")
    assert "| ep2 | 1 s | 1 s comp. |" in first and "ep1" not in first  # epoch 1 not evaluated
    assert rerun.count("skipped") == 2 and "DRIVER OK" in rerun


@pytest.mark.parametrize("variants, match", [
    (["fast:ideal"], "expected LABEL:DEVICE"),
    (["bad label:ideal:learning_rate=1"], "expected LABEL:DEVICE"),
    (["fast:memristor:x=1"], "is not one of"),
    (["ideal:ideal:learning_rate=1"], "already a device"),
    (["a:ideal:learning_rate=1", "a:ideal:learning_rate=2"], "already a device or a variant"),
    (["a:ideal:learning_rate"], "config.device_params"),
])
def test_compare_devices_bad_variants(variants, match):
    with pytest.raises(ValueError, match=match):
        compare.parse_variants(variants)


def test_compare_devices_unknown_row():
    with pytest.raises(ValueError, match="neither a registered device"):
        compare.resolve_rows(["ideal", "nope"], {})
