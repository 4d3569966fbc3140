"""srbm_jax.study and srbm_jax.compare on the run driver: a study network equals the single run,
studies and device comparisons killed mid-run resume bit for bit, device rows count pulses by
the device's own rule, and the absl entry points (with a device defined outside srbm_jax)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import numpy as np
import pytest
from tiny_runs import TINY_COUNTS, TINY_MODEL, cache, tiny_config, tiny_mnist  # noqa: F401

import srbm_jax
from experiments.configs import default
from srbm_jax import analysis, checkpoint, compare, devices, study, study_fork
from srbm_jax.run import load_data, saved_runs, spec_and_params, train_and_evaluate
from srbm_jax.run.checkpoints import history_paths, latest_path
from srbm_jax.run.records import METRICS_NAME, read_metrics

REPO = Path(__file__).resolve().parent.parent


class Interrupt(Exception):
    pass


def interrupt_after(monkeypatch, module, name, calls):
    """Make module.name raise Interrupt on its (calls + 1)-th call (a kill between checkpoints)."""
    real, count = getattr(module, name), {"n": 0}

    def wrapped(*args, **kwargs):
        count["n"] += 1
        if count["n"] > calls:
            raise Interrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return lambda: monkeypatch.setattr(module, name, real)


# ---- studies ----------------------------------------------------------------------------------
def test_parse_sweep_and_bad_axes():
    assert study.parse_sweep(["spike_rate_hz=200,210", "device.set_step=0.05"]) == {
        "spike_rate_hz": [200.0, 210.0], "device.set_step": [0.05]}
    for bad, message in ((["spike_rate_hz=fast"], "numbers"), (["spike_rate_hz="], "at least one"),
                         (["a=1", "a=2"], "swept twice")):
        with pytest.raises(ValueError, match=message):
            study.parse_sweep(bad)
    config = default.get_config()
    for axes, message in (({"dt_ms": [0.5]}, r"config\.dt_ms cannot be swept"),
                          ({"n_label": [10.5]}, r"config\.n_label.*integers"),
                          ({"set_step": [0.01]}, r"device\.set_step\?"),
                          ({"spike_rate_hz": [-1.0]}, r"^config\.spike_rate_hz")):
        with pytest.raises(ValueError, match=message):
            study.check_study(config, axes, [1])


def test_study_network_equals_the_single_run(tmp_path):
    """A 2 x 2 study (spike rates x seeds), 2 epochs: the (220 Hz, seed 4) network scores what
    train_mnist's run with those values scores."""
    config = tiny_config(epochs=2, batch_size=2)
    records = study.run_study(config, {"spike_rate_hz": [180.0, 220.0]}, [3, 4],
                              load_data(config, verbose=False), tmp_path / "study",
                              log=lambda line: None)
    assert len(records) == 8 and {r["epoch"] for r in records} == {1, 2}
    train_and_evaluate(tiny_config(epochs=2, batch_size=2, spike_rate_hz=220.0, seed=4),
                       tmp_path / "single", verbose=False)
    mine = [r for r in records if r["spike_rate_hz"] == 220.0 and r["seed"] == 4]
    assert [r["test_accuracy"] for r in mine] == [
        m["test_accuracy"] for m in read_metrics(tmp_path / "single" / METRICS_NAME)]
    spec, params, grid, states, _ = study.load_study_states(tmp_path / "study")
    assert (grid["spike_rate_hz"][3], grid["seed"][3]) == (220.0, 4)
    assert float(params.spike_rate_hz[3]) == 220.0
    single, _ = saved_runs.load_run_state(tmp_path / "single", tiny_config(
        epochs=2, batch_size=2, spike_rate_hz=220.0, seed=4))
    for mine_leaf, single_leaf in zip(jax.tree_util.tree_leaves(states),
                                      jax.tree_util.tree_leaves(single), strict=True):
        np.testing.assert_allclose(np.asarray(mine_leaf)[3], np.asarray(single_leaf), atol=1e-4)
    with pytest.raises(ValueError, match="is not a study checkpoint"):
        study.load_study_states(tmp_path / "single")
    table = study.markdown(records, ["spike_rate_hz"])
    assert table.count("\n") == 6 and "| 220 | 2 |" in table
    analysis.plot_study(records, ["spike_rate_hz"], tmp_path / "study.png")
    assert (tmp_path / "study.png").stat().st_size > 1000


def test_tied_axes_set_every_field(tmp_path):
    config = tiny_config(epochs=1)
    spec, params, grid = study.study_params(config, {"walk_up+walk_down": [0.04, 0.07]}, [1])
    np.testing.assert_array_equal(params.walk_up, np.float32([0.04, 0.07]))
    np.testing.assert_array_equal(params.walk_down, np.float32([0.04, 0.07]))
    with pytest.raises(ValueError, match="tied axis"):
        study.split_axes(config, {"walk_up+n_label": [1.0]})


def test_a_label_weight_decay_sweep_with_zero_stacks_every_network():
    """label_weight_decay's default (0 in a config) is None in Params (no operation in the
    program); in a sweep every network carries its value, the 0 included, whichever comes last."""
    config = tiny_config(epochs=1)
    _, params, _ = study.study_params(config, {}, [1])
    assert params.label_weight_decay is None
    for values in ([1e-3, 0.0], [0.0, 1e-3]):
        _, params, _ = study.study_params(config, {"label_weight_decay": values}, [1])
        np.testing.assert_array_equal(params.label_weight_decay, np.float32(values))
    config.label_weight_decay = 2e-3
    _, params, _ = study.study_params(config, {}, [1, 2])
    np.testing.assert_array_equal(params.label_weight_decay, np.float32([2e-3, 2e-3]))


def test_study_over_a_size_runs_one_program_per_value(tmp_path):
    """n_label is static: one side-by-side program per value (seeds vmapped), records carry the
    value, and the n_label = 20 row equals the single run with n_label = 20."""
    config = tiny_config(epochs=1)
    records = study.run_study(config, {"n_label": [10.0, 20.0]}, [3, 4],
                              load_data(config, verbose=False), tmp_path / "study",
                              log=lambda line: None)
    assert sorted({(r["n_label"], r["seed"]) for r in records}) == [(10, 3), (10, 4), (20, 3),
                                                                     (20, 4)]
    assert (tmp_path / "study" / "n_label=20" / METRICS_NAME).exists()
    single = train_and_evaluate(tiny_config(epochs=1, n_label=20, seed=4), tmp_path / "single",
                                verbose=False)
    mine = [r for r in records if r["n_label"] == 20 and r["seed"] == 4]
    assert [r["test_accuracy"] for r in mine] == [m["test_accuracy"] for m in single["metrics"]]
    assert "| 20 | 2 |" in study.markdown(records, ["n_label"])


def test_study_killed_mid_run_resumes_bit_identically(tmp_path, monkeypatch):
    config = tiny_config(epochs=2, checkpoint_every_images=10)
    axes, seeds = {"device.set_step": [0.01, 0.02]}, [1, 2]
    data = load_data(config, verbose=False)
    straight = study.run_study(config, axes, seeds, data, tmp_path / "straight",
                               log=lambda line: None)
    restore = interrupt_after(monkeypatch, srbm_jax.sweep, "train_networks", 5)
    with pytest.raises(Interrupt):
        study.run_study(config, axes, seeds, data, tmp_path / "killed", log=lambda line: None)
    restore()
    metadata = checkpoint.read_metadata(latest_path(tmp_path / "killed"))
    assert (metadata["epoch"], metadata["next_image"]) == (1, 10)
    resumed = study.run_study(config, axes, seeds, data, tmp_path / "killed", resume=True,
                              log=lambda line: None)
    strip = lambda rs: [{k: v for k, v in r.items() if k != "wall_s"} for r in rs]  # noqa: E731
    assert strip(resumed) == strip(straight)
    a, _ = checkpoint.load(latest_path(tmp_path / "straight"))
    b, _ = checkpoint.load(latest_path(tmp_path / "killed"))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="another study"):
        study.run_study(config, {"device.set_step": [0.01, 0.03]}, seeds, data,
                        tmp_path / "killed", resume=True, log=lambda line: None)


def test_continue_study_without_changes_equals_the_longer_study(tmp_path):
    """A study's networks forked from its end-of-epoch-1 checkpoint and trained one more epoch
    with no change reproduce the uninterrupted study's epoch 2 bit for bit; a change applies to
    every network; a swept field, a mid-epoch checkpoint and the source's own folder are refused."""
    config = tiny_config(epochs=2, checkpoint_every_images=10)
    axes, seeds = {"device.set_step": [0.01, 0.02]}, [1, 2]
    data = load_data(config, verbose=False)
    quiet = lambda line: None  # noqa: E731
    straight = study.run_study(config, axes, seeds, data, tmp_path / "straight", log=quiet)
    paths = history_paths(tmp_path / "straight")
    position = {p: (checkpoint.read_metadata(p)["epoch"], checkpoint.read_metadata(p)["next_image"])
                for p in paths}
    epoch_1 = next(p for p in paths if position[p] == (1, 0))
    records, same_config, same_axes, same_seeds = study_fork.continue_study(
        epoch_1, 1, {}, data, tmp_path / "more", log=quiet)
    strip = lambda rs: [{k: v for k, v in r.items() if k != "wall_s"} for r in rs]  # noqa: E731
    assert strip(records) == strip([r for r in straight if r["epoch"] == 2])
    assert (same_config.epochs, same_axes, same_seeds) == (2, axes, seeds)
    a = study.load_study_states(tmp_path / "straight")[3]
    b = study.load_study_states(tmp_path / "more")[3]
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)
    decayed, decayed_config, _, _ = study_fork.continue_study(
        epoch_1, 1, {"step_decay": 0.5}, data, tmp_path / "decayed", log=quiet)
    assert decayed_config.step_decay == 0.5
    c = study.load_study_states(tmp_path / "decayed")[3]
    assert not np.array_equal(np.asarray(jax.tree_util.tree_leaves(a)[0]),
                              np.asarray(jax.tree_util.tree_leaves(c)[0]))
    with pytest.raises(ValueError, match=r"config\.device\.set_step.*swept"):
        study_fork.continue_study(epoch_1, 1, {"device.set_step": 0.03}, data, tmp_path / "x",
                             log=quiet)
    mid_epoch = next(p for p in paths if position[p][1] != 0)
    with pytest.raises(ValueError, match="mid-epoch"):
        study_fork.continue_study(mid_epoch, 1, {}, data, tmp_path / "y", log=quiet)
    with pytest.raises(ValueError, match="is the source study"):
        study_fork.continue_study(epoch_1, 1, {}, data, tmp_path / "straight", log=quiet)


# ---- device comparisons -------------------------------------------------------------------------
def test_compare_devices_tiny(tmp_path):
    config = tiny_config(epochs=1)
    data = load_data(config, verbose=False)
    results = [compare.compare_device(name, config, data, 2, [1.0, 3.15e7], tmp_path / name,
                                      progress=False)
               for name in ("pcm_nonlinear", "bipolar_2t1r")]
    for result in results:
        assert np.asarray(result["accuracy_per_epoch"]).shape == (1, 2)
        assert set(result["drift"]) == {"1s", "1s compensated", "3.15e+07s",
                                        "3.15e+07s compensated"}
        assert all(events > 0 for events in result["counters"]["update_events"])
    assert all(pulses > 0 for pulses in results[0]["counters"]["set_pulses"])
    # bipolar_2t1r keeps no pulse counters: one SET per potentiation, one RESET per depression.
    assert np.allclose(np.add(results[1]["counters"]["set_pulses"],
                              results[1]["counters"]["reset_pulses"]),
                       results[1]["counters"]["update_events"])
    table = compare.markdown(results, config)
    assert table.count("\n") == 4 and "| pcm_nonlinear |" in table
    analysis.plot_device_comparison(results, tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 1000


def test_pulse_counts_follow_each_devices_rule():
    assert devices.GpGmLinear().pulse_counts(None, [3.0, 1.0], [2.0, 0.0]) == {
        "set_pulses": [5.0, 1.0], "reset_pulses": [5.0, 1.0]}
    assert devices.Bipolar2T1R().pulse_counts(None, [3.0], [2.0]) == {
        "set_pulses": [3.0], "reset_pulses": [2.0]}
    assert devices.IdealWeight().pulse_counts(None, [3.0], [2.0]) == {}


def test_compare_row_killed_mid_run_resumes_bit_identically(tmp_path, monkeypatch):
    config = tiny_config(epochs=2, checkpoint_every_images=20, batch_size=2)
    data = load_data(config, verbose=False)
    straight = compare.compare_device("pcm_stochastic", config, data, 2, [1.0], tmp_path / "a",
                                      state_path=tmp_path / "a.npz", progress=False)
    restore = interrupt_after(monkeypatch, srbm_jax.sweep, "train_networks", 3)
    with pytest.raises(Interrupt):
        compare.compare_device("pcm_stochastic", config, data, 2, [1.0], tmp_path / "b",
                               progress=False)
    restore()
    resumed = compare.compare_device("pcm_stochastic", config, data, 2, [1.0], tmp_path / "b",
                                     state_path=tmp_path / "b.npz", progress=False)
    for field in ("accuracy_per_epoch", "drift", "counters"):
        assert resumed[field] == straight[field]
    a, _ = checkpoint.load(tmp_path / "a.npz")
    b, _ = checkpoint.load(tmp_path / "b.npz")
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("variants, match", [
    (["fast:ideal"], "expected LABEL:DEVICE"),
    (["bad label:ideal:learning_rate=1"], "expected LABEL:DEVICE"),
    (["fast:memristor:x=1"], "is not one of"),
    (["ideal:ideal:learning_rate=1"], "already a device"),
    (["a:ideal:learning_rate=1", "a:ideal:learning_rate=2"], "already a device or a variant"),
    (["a:ideal:learning_rate"], "field=<finite number>"),
    (["a:ideal:set_step=0.1"],
     "not a field of device 'ideal': allowed init_kind, init_std, learning_rate"),
])
def test_compare_devices_bad_variants(variants, match):
    with pytest.raises(ValueError, match=match):
        compare.parse_variants(variants)


def test_compare_devices_unknown_row():
    with pytest.raises(ValueError, match="neither a registered device"):
        compare.resolve_rows(["ideal", "nope"], {})


# ---- absl entry points in subprocesses (absl holds one set of flags per process) ---------------
def _run(code: str, args: list[str], cache, extra_path=None):  # noqa: F811
    env = {**os.environ, "SRBM_JAX_CACHE": str(cache), "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), str(extra_path or ""),
                                                       os.environ.get("PYTHONPATH", "")]))}
    counts = json.dumps(json.dumps(TINY_COUNTS))
    prelude = ("import json, sys\nfrom srbm_jax.data import mnist\n"
               f"mnist.LABEL_COUNTS = {{k: tuple(v) for k, v in json.loads({counts}).items()}}\n")
    return subprocess.run([sys.executable, "-c", prelude + code, *args], capture_output=True,
                          text=True, timeout=600, cwd=REPO, env=env)


_ENTRY = """
sys.argv = ["entry", *sys.argv[1:]]
from experiments import cli
import experiments.{module} as entry
cli.run(entry.main)
"""

_MY_DEVICE = '''
"""A user's own device, outside srbm_jax: an ideal weight with a clipped range."""
import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from flax import struct

from srbm_jax.devices import Device
from srbm_jax.devices.base import check_params


@struct.dataclass
class ClippedParams:
    step: Any = 0.02
    bound: Any = 1.5
    init_std: Any = 0.5


class ClippedState(NamedTuple):
    weight: jax.Array


@dataclasses.dataclass(frozen=True)
class ClippedWeight(Device):
    name: str = "clipped_weight"

    def default_params(self):
        return ClippedParams()

    def validate(self, params):
        check_params(params, ("step", "bound", "init_std"), "nonnegative")

    def init(self, key, n_visible, n_hidden, params):
        return ClippedState(params.init_std * jax.random.normal(key, (n_visible, n_hidden)))

    def read(self, state, params):
        return state.weight

    def apply(self, key, state, potentiation, depression, params):
        weight = state.weight + params.step * (potentiation - depression)
        return ClippedState(jnp.clip(weight, -params.bound, params.bound))
'''


def test_a_device_defined_outside_srbm_jax_trains_through_the_entry_point(tmp_path, cache):  # noqa: F811
    (tmp_path / "my_devices.py").write_text(textwrap.dedent(_MY_DEVICE))
    workdir = tmp_path / "run"
    tiny = [f"--config.{k}={v}" for k, v in TINY_MODEL.items()]
    config = f"--config={REPO / 'experiments/configs/default.py'}:my_devices:ClippedWeight"
    done = _run(_ENTRY.format(module="train_mnist"),
                [config, f"--workdir={workdir}", "--config.device.bound=0.75", *tiny], cache,
                tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "final test accuracy" in done.stdout and "clipped_weight" in done.stdout
    saved = json.loads((workdir / "config.json").read_text())
    assert saved["device"] == {"name": "my_devices:ClippedWeight", "bound": 0.75, "init_std": 0.5,
                               "step": 0.02}
    leaves, _ = checkpoint.load(latest_path(workdir))
    assert np.abs(leaves[0]).max() <= 0.75 + 1e-6  # the device's own rule ran
    done = _run(_ENTRY.format(module="train_mnist"),
                [config, f"--workdir={tmp_path / 'bad'}", "--config.device.set_step=0.1", *tiny],
                cache, tmp_path)
    assert done.returncode != 0 and "set_step" in done.stderr


def test_study_entry_point_writes_its_outputs(tmp_path, cache):  # noqa: F811
    args = [f"--config={REPO / 'experiments/configs/default.py'}", f"--workdir={tmp_path}",
            "--sweep=device.set_step=0.01,0.02", "--seeds=1,2",
            *[f"--config.{k}={v}" for k, v in TINY_MODEL.items()]]
    done = _run(_ENTRY.format(module="study"), args, cache)
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("study.jsonl", "study.md", "study.png", "config.json", METRICS_NAME):
        assert (tmp_path / name).exists(), name
    assert "| 0.02 | 2 |" in (tmp_path / "study.md").read_text()
    # the average of one epoch-end state is that state: per network, the test accuracy the
    # study recorded after epoch 1 with the same key (experiments/average_weights.py)
    done = _run(_ENTRY.format(module="average_weights"),
                [f"--workdir={tmp_path}", "--epochs=1-1", "--split=test"], cache)
    assert done.returncode == 0, done.stderr[-3000:]
    averaged = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    recorded = read_metrics(tmp_path / METRICS_NAME)
    assert [(a["device.set_step"], a["seed"], a["test_accuracy"]) for a in averaged[:4]] == [
        (r["device.set_step"], r["seed"], r["test_accuracy"]) for r in recorded]
    assert averaged[4]["networks"] == 4 and averaged[4]["averaged_points"] == [[1, 0]]
    done = _run(_ENTRY.format(module="average_weights"), [f"--workdir={tmp_path}"], cache)
    assert done.returncode != 0 and "no validation split" in done.stderr
    # early-decision inference of the study's trained networks (experiments/early_decision.py)
    done = _run(_ENTRY.format(module="early_decision"),
                [f"--workdir={tmp_path}", "--split=test", "--images=10", "--margins=2",
                 "--batch_size=5", f"--out={tmp_path / 'early.jsonl'}"], cache)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in (tmp_path / "early.jsonl").read_text().splitlines()]
    assert [(line["device.set_step"], line["seed"], line["rule"]) for line in lines] == [
        (step, seed, rule) for step in (0.01, 0.02) for seed in (1, 2)
        for rule in ("fixed", "margin=2,min_ms=10")]
    assert all(0 <= line["accuracy"] <= 1 and line["mean_decision_ms"] <= 10 for line in lines)
    assert "| margin=2,min_ms=10 |" in done.stdout
    # accuracy against presentation time of every network (experiments/presentation_time.py):
    # at the run's 10 ms and the same key (5), the fixed-time accuracy early_decision found
    done = _run(_ENTRY.format(module="presentation_time"),
                [f"--workdir={tmp_path}", "--split=test", "--images=10", "--inference_ms=10"],
                cache)
    assert done.returncode == 0, done.stderr[-3000:]
    curves = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    fixed = [line["accuracy"] for line in lines if line["rule"] == "fixed"]
    assert [c["accuracy_vs_time_ms"]["10"] for c in curves[:4]] == pytest.approx(fixed, abs=1e-4)
    assert [c["network"]["seed"] for c in curves[:4]] == [1, 2, 1, 2]
    assert curves[4]["networks"] == 4 and curves[4]["accuracy_vs_time_ms_mean"]["10"] == \
        pytest.approx(sum(fixed) / 4, abs=1e-4)
    # an inference-only setting is recorded with the results (`test_inference_overrides_...`),
    # a bad one is refused
    done = _run(_ENTRY.format(module="early_decision"),
                [f"--workdir={tmp_path}", "--split=test", "--images=10", "--margins=2",
                 "--batch_size=5", "--set=walk_up=0", "--set=walk_down=0", "--timing_repeats=1",
                 "--batch_drive_chunk=4", f"--out={tmp_path / 'quiet.jsonl'}"], cache)
    assert done.returncode == 0, done.stderr[-3000:]
    quiet = [json.loads(line) for line in (tmp_path / "quiet.jsonl").read_text().splitlines()]
    assert all(line["inference_overrides"] == {"walk_up": 0.0, "walk_down": 0.0} for line in quiet)
    assert all(line["batch_drive_chunk"] == 4 for line in quiet)
    assert all(line["batch_drive_chunk"] == 0 for line in lines)  # the run's own (dense)
    done = _run(_ENTRY.format(module="presentation_time"),
                [f"--workdir={tmp_path}", "--set=n_hidden=3"], cache)
    assert done.returncode != 0 and "--set=n_hidden=3: field must be one of" in done.stderr
    # the study's networks continued one more epoch with a changed field, from its newest
    # (end-of-epoch-1) checkpoint, as a study of its own (experiments/continue_run.py)
    done = _run(_ENTRY.format(module="continue_run"),
                [f"--source={tmp_path}", f"--workdir={tmp_path / 'continued'}", "--epochs=1",
                 "--set=weight_decay=0.001"], cache)
    assert done.returncode == 0, done.stderr[-3000:]
    continued = json.loads((tmp_path / "continued" / "config.json").read_text())
    assert continued["changes"] == {"weight_decay": 0.001} and continued["source_epochs"] == 1
    assert continued["config"]["weight_decay"] == 0.001 and continued["config"]["epochs"] == 2
    assert "| 0.02 | 2 |" in (tmp_path / "continued" / "study.md").read_text()
    assert {r["epoch"] for r in read_metrics(tmp_path / "continued" / METRICS_NAME)} == {2}
    # the generative side of a study's network 1 (experiments/reconstruct.py)
    done = _run(_ENTRY.format(module="reconstruct"),
                [f"--workdir={tmp_path}", "--network=1", "--images=4", "--per_class=1",
                 "--occlusion_images=4", "--occlusion_fractions=0,0.5", "--duration_ms=10",
                 "--burn_in_ms=2", f"--out={tmp_path / 'generative'}",
                 "--generation_set=walk_up=0.02", "--generation_set=walk_down=0.02",
                 f"--reference={REPO / 'results/reference_classifier/reference.npz'}"], cache)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "generative" / "generative.json").read_text())
    assert report["network"] == 1 and report["test_images"] == 4
    assert report["generation"]["overrides"] == {"walk_up": 0.02, "walk_down": 0.02}
    for name in ("completion.png", "generation.png", "occlusion.png"):
        assert (tmp_path / "generative" / name).stat().st_size > 1000, name
    done = _run(_ENTRY.format(module="reconstruct"), [f"--workdir={tmp_path}", "--network=4"],
                cache)
    assert done.returncode != 0 and "--network=4 is out of range: allowed 0..3" in done.stderr
    # the throughput benchmark on the trained weights of a study's network, real (tiny) data
    done = _run("sys.argv = ['bench', *sys.argv[1:]]\nfrom absl import app\n"
                "from benchmarks import throughput\napp.run(throughput.main)",
                [f"--checkpoint={tmp_path}", "--network=1", "--modes=online,inference,early",
                 "--images=4", "--test_images=8", "--inference_batch=4", "--window_s=0.05",
                 "--repeats=3"], cache)
    assert done.returncode == 0, done.stderr[-3000:]
    found = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [r["mode"] for r in found] == ["online", "inference", "early"]
    for record in found:
        assert len(record["windows"]) == 3 and record["source"].startswith("checkpoint")
        assert record["images_per_s_min"] <= record["images_per_s"] <= record["images_per_s_max"]
    assert 0 <= found[1]["accuracy"] <= 1 and 0 < found[2]["ticks_run_fraction"] <= 1


def test_compare_devices_entry_point_variants_rows_and_rerun(tmp_path, cache):  # noqa: F811
    args = [f"--config={REPO / 'experiments/configs/default.py'}", f"--workdir={tmp_path}",
            "--seeds=1", "--drift_seconds=1", "--devices=ideal,fast",
            "--variant=fast:ideal:learning_rate=0.05",
            *[f"--config.{k}={v}" for k, v in {**TINY_MODEL, "epochs": 2, "eval_every": 2}.items()]]
    done = _run(_ENTRY.format(module="compare_devices"), args, cache)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| ep2 | 1 s | 1 s comp. |" in done.stdout and "ep1" not in done.stdout
    saved = json.loads((tmp_path / "compare_devices.json").read_text())
    assert [r["label"] for r in saved["results"]] == ["ideal", "fast"]
    assert saved["results"][1]["device_params"] == "learning_rate=0.05"
    assert saved["results"][0]["counters"] != saved["results"][1]["counters"]
    states, metadata = checkpoint.load(tmp_path / "rows" / "fast.states.npz")
    assert metadata["device_params"] == "learning_rate=0.05"
    again = _run(_ENTRY.format(module="compare_devices"), args, cache)
    assert again.returncode == 0 and again.stdout.count("skipped") == 2
    changed = _run(_ENTRY.format(module="compare_devices"), [*args, "--config.spike_rate_hz=300"],
                   cache)
    assert changed.returncode == 2 and "another config" in changed.stderr
    replot = _run(_ENTRY.format(module="compare_devices"),
                  [f"--workdir={tmp_path}", "--replot", "--devices=fast"], cache)
    assert replot.returncode == 0, replot.stderr[-2000:]
    saved = json.loads((tmp_path / "compare_devices.json").read_text())
    assert [r["label"] for r in saved["results"]] == ["fast", "ideal"]


def test_spec_and_params_rejects_the_old_device_string():
    import ml_collections

    from srbm_jax.run import config_dict
    config = ml_collections.ConfigDict({**config_dict(default.get_config()),
                                        "device": "pcm_nonlinear"})
    with pytest.raises(ValueError, match=r"config\.device: 'pcm_nonlinear' is not a device section"):
        spec_and_params(config)


def test_compare_devices_skips_a_row_another_process_trains(tmp_path, cache):  # noqa: F811
    from srbm_jax.run.workdir import workdir_lock
    (tmp_path / "rows" / "ideal").mkdir(parents=True)
    args = [f"--config={REPO / 'experiments/configs/default.py'}", f"--workdir={tmp_path}",
            "--seeds=1", "--drift_seconds=1", "--devices=ideal,gpgm_linear",
            *[f"--config.{k}={v}" for k, v in TINY_MODEL.items()]]
    with workdir_lock(tmp_path / "rows" / "ideal"):  # this process "trains" the ideal row
        done = _run(_ENTRY.format(module="compare_devices"), args, cache)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ideal: skipped, workdir" in done.stdout and "is in use by another run" in done.stdout
    assert (tmp_path / "rows" / "gpgm_linear.json").exists()
    assert not (tmp_path / "rows" / "ideal.json").exists()


def test_a_switch_is_a_static_axis():
    config = tiny_config()
    traced, static = study.split_axes(config, {"shuffle": [0.0, 1.0], "walk_up": [0.05]})
    assert static == {"shuffle": [False, True]} and traced == {"walk_up": [0.05]}
    with pytest.raises(ValueError, match="0 or 1"):
        study.split_axes(config, {"shuffle": [2.0]})


def test_a_study_over_seeds_only_has_one_row_and_plots_against_the_epoch():
    from srbm_jax import analysis, study
    assert study.parse_sweep([]) == {}
    records = [{"epoch": e, "seed": s, "validation_accuracy": 0.5 + 0.1 * e + 0.01 * s}
               for e in (1, 2) for s in (1, 2, 3)]
    table = study.markdown(records, [])
    assert "| all | 3 | 62.00 (1.00) | 72.00 (1.00) |" in table
    figure = analysis.plot_study(records, [])
    assert figure.axes[0].get_xlabel() == "epoch"


def test_inference_overrides_replace_only_the_named_fields():
    from srbm_jax.run import saved_runs

    params = srbm_jax.default_params()
    overrides = saved_runs.parse_inference_overrides(["walk_up=0.03", "spike_rate_hz=250"])
    assert overrides == {"walk_up": 0.03, "spike_rate_hz": 250.0}
    changed = saved_runs.with_inference_overrides(params, overrides)
    assert float(changed.walk_up) == pytest.approx(0.03) and float(changed.spike_rate_hz) == 250.0
    assert changed.walk_up.dtype == jax.numpy.float32
    assert float(changed.walk_down) == float(params.walk_down) and changed.device is params.device
    for bad, message in (("n_hidden=3", "field must be one of"), ("walk_up=x", "value must be a number")):
        with pytest.raises(ValueError, match=f"--set={bad}: {message}"):
            saved_runs.parse_inference_overrides([bad])
