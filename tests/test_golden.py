"""Every entry point gives, on fixed keys, the same weights, spike statistics and accuracies as the
code before the run-driver refactor (commit db8f1cf): tests/golden/ holds that code's outputs
(`tests/golden/make_golden.py`). Exact equality where the CPU's instruction set equals the one
the goldens were written on (XLA's CPU code depends on it), float tolerance elsewhere."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tiny_runs import cache, tiny_config, tiny_mnist  # noqa: F401

from srbm_jax import checkpoint, compare, study
from srbm_jax.run import checkpoints, continue_run, load_data, train_and_evaluate

GOLDEN = Path(__file__).parent / "golden"
SUMMARY = json.loads((GOLDEN / "golden.json").read_text())
ARRAYS = np.load(GOLDEN / "golden.npz")


def _cpu_flags() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return " ".join(sorted(line.split(":", 1)[1].split()))
    except OSError:
        pass
    return ""


EXACT = _cpu_flags() == SUMMARY["cpu_flags"]


def _same(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    if expected.dtype.kind == "V":  # bfloat16, stored by numpy as raw 2-byte values
        assert actual.dtype.itemsize == 2
        actual = actual.astype(np.float32) if not EXACT else actual.view(np.uint16)
        expected = expected.view(np.uint16) if EXACT else \
            (expected.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    if EXACT:
        np.testing.assert_array_equal(actual, expected)
    else:
        np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64),
                                   rtol=0, atol=1e-4)


def _same_values(actual, expected):
    if EXACT:
        assert actual == expected
    else:
        assert np.asarray(actual, float).shape == np.asarray(expected, float).shape


def _golden_leaves(prefix):
    names = sorted((k for k in ARRAYS.files if k.startswith(prefix + ".")),
                   key=lambda k: int(k.rsplit(".", 1)[1]))
    return [ARRAYS[k] for k in names]


TRAIN_CASES = {
    "online": ("gpgm_linear", {"epochs": 2}),
    "batch_decay": ("gpgm_linear", {"epochs": 2, "batch_size": 2, "step_decay": 0.5,
                                    "weight_decay": 1e-4}),
    "ideal": ("ideal", {"epochs": 1}),
    "bf16": ("gpgm_linear", {"epochs": 1, "batch_size": 2, "device.storage_dtype": "bfloat16",
                             "device.rounding": "stochastic"}),
}


@pytest.mark.parametrize("name", list(TRAIN_CASES))
def test_train_mnist_reproduces_the_recorded_runs(name, tmp_path):
    device, changes = TRAIN_CASES[name]
    summary = train_and_evaluate(tiny_config(device, **changes), tmp_path / name, verbose=False)
    golden = SUMMARY[f"train.{name}"]
    _same_values([r["test_accuracy"] for r in summary["metrics"]], golden["accuracies"])
    _same_values([r["potentiation_events"] for r in summary["metrics"]],
                 golden["potentiation_events"])
    _same_values(summary["metrics"][-1]["accuracy_vs_time_ms"], golden["accuracy_vs_time_ms"])
    leaves, metadata = checkpoint.load(checkpoints.latest_path(tmp_path / name))
    assert (metadata["epoch"], metadata["next_image"]) == (changes["epochs"], 0)
    expected = _golden_leaves(f"train.{name}")
    assert len(leaves) == len(expected)
    for actual, want in zip(leaves, expected, strict=True):
        _same(actual, want)
    if name == "online":
        records = continue_run(tmp_path / name, 1, {"device.set_step": 0.005,
                                                    "device.reset_step": 0.005},
                               tmp_path / "continued", verbose=False)
        _same_values([r["test_accuracy"] for r in records], SUMMARY["continue.online"])


def test_study_reproduces_the_recorded_study(tmp_path):
    config = tiny_config(epochs=2, batch_size=2)
    records = study.run_study(config, {"spike_rate_hz": [180.0, 220.0]}, [3, 4],
                              load_data(config, verbose=False), tmp_path, log=lambda line: None)
    mine = [{"epoch": r["epoch"], "seed": r["seed"], "spike_rate_hz": r["spike_rate_hz"],
             "accuracy": r["test_accuracy"], "accuracy_100ms": r["test_accuracy_100ms"]}
            for r in records]
    key = lambda r: (r["epoch"], r["spike_rate_hz"], r["seed"])  # noqa: E731
    _same_values(sorted(mine, key=key), sorted(SUMMARY["study"], key=key))


@pytest.mark.parametrize("device", ["ideal", "gpgm_linear", "pcm_nonlinear", "pcm_stochastic",
                                    "bipolar_2t1r"])
def test_compare_devices_reproduces_the_recorded_rows(device, tmp_path):
    config = tiny_config(epochs=1, batch_size=2)
    result = compare.compare_device(device, config, load_data(config, verbose=False), seeds=2,
                                    drift_seconds=[1.0, 3600.0], workdir=tmp_path / "row",
                                    state_path=tmp_path / "states.npz", progress=False)
    golden = SUMMARY[f"compare.{device}"]
    for field in ("accuracy_per_epoch", "drift", "counters", "label", "device"):
        _same_values(result[field], golden[field])
    leaves, _ = checkpoint.load(tmp_path / "states.npz")
    expected = _golden_leaves(f"compare.{device}")
    assert len(leaves) == len(expected)
    for actual, want in zip(leaves, expected, strict=True):
        _same(actual, want)


@pytest.mark.parametrize("device", ["gpgm_linear", "ideal"])
def test_runs_written_before_the_refactor_resume(device, tmp_path):
    """A workdir written by the old code (one epoch; flat config.json, checkpoint.npz) resumes
    under today's config (the device section) and ends where a straight 2-epoch run ends."""
    import shutil

    from srbm_jax.run import load_run_config

    old = tmp_path / "old"
    shutil.copytree(GOLDEN / f"legacy_run_{device}", old)
    config = tiny_config(device, epochs=2)
    upgraded = load_run_config(old)
    assert upgraded.device.to_dict() == config.device.to_dict()
    resumed = train_and_evaluate(config, old, resume=True, verbose=False)
    straight = train_and_evaluate(config, tmp_path / "straight", verbose=False)
    assert resumed["metrics"][-1]["test_accuracy"] == straight["metrics"][-1]["test_accuracy"] \
        or not EXACT
    a, _ = checkpoint.load(checkpoints.latest_path(old))
    b, _ = checkpoint.load(checkpoints.latest_path(tmp_path / "straight"))
    for x, y in zip(a, b, strict=True):
        _same(x, y)
    other = tiny_config(device, epochs=2, seed=9)
    with pytest.raises(ValueError, match=r"seed \(2 -> 9\)"):
        train_and_evaluate(other, old, resume=True, verbose=False)
