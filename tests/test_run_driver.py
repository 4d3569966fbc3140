"""srbm_jax.run: the run driver (train_and_evaluate on one network), its checkpoint history,
weight averages, resume (after an epoch, mid epoch, after a kill -9 mid-write, from a corrupt
newest checkpoint), and the workdir rules (one run at a time, writable, not empty)."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tiny_runs import TINY_COUNTS, cache, tiny_config, tiny_mnist  # noqa: F401

import srbm_jax
from srbm_jax import analysis, checkpoint
from srbm_jax.run import checkpoints, records, saved_runs, training
from srbm_jax.run.checkpoints import history_paths, latest_path
from srbm_jax.run.records import METRICS_NAME, read_metrics

REPO = Path(__file__).resolve().parent.parent


def run(config, workdir, resume=False):
    return training.train_and_evaluate(config, workdir, resume=resume, verbose=False)


def assert_same_run(a, b, epochs):
    """Same final checkpoint (bit for bit) and the same per-epoch results."""
    leaves_a, meta_a = checkpoint.load(latest_path(a))
    leaves_b, meta_b = checkpoint.load(latest_path(b))
    assert (meta_a["epoch"], meta_a["next_image"]) == (meta_b["epoch"], meta_b["next_image"])
    assert len(leaves_a) == len(leaves_b)
    for x, y in zip(leaves_a, leaves_b, strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    records_a, records_b = read_metrics(Path(a) / METRICS_NAME), read_metrics(Path(b) / METRICS_NAME)
    assert [r["epoch"] for r in records_a] == [r["epoch"] for r in records_b] == list(
        range(1, epochs + 1))
    timing = {"wall_s", "images_per_s", "eval_wall_s", "eval_images_per_s", "resumed_at_image"}
    for ra, rb in zip(records_a, records_b, strict=True):
        assert {k: v for k, v in ra.items() if k not in timing} == \
               {k: v for k, v in rb.items() if k not in timing}


@pytest.fixture(scope="module")
def straight(tmp_path_factory, cache):  # noqa: F811
    """An uninterrupted 2-epoch run, shared by the resume tests."""
    workdir = tmp_path_factory.mktemp("straight")
    with pytest.MonkeyPatch.context() as mp:
        from srbm_jax.data import mnist
        mp.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)
        mp.setenv("SRBM_JAX_CACHE", str(cache))
        summary = run(tiny_config(epochs=2, checkpoint_every_images=10), workdir)
    return workdir, summary


def test_end_to_end_outputs(straight):
    workdir, summary = straight
    found = read_metrics(workdir / METRICS_NAME)
    assert len(found) == 2 and summary["metrics"] == found
    expected = {"epoch", "train_images", "wall_s", "images_per_s", "eval_images_per_s",
                "test_accuracy", "test_accuracy_100ms", "hidden_rate_data", "hidden_rate_model",
                "data_rate_model", "label_rate_model", "potentiation_events", "depression_events",
                "potentiation_events_total", "weight_mean", "weight_std", "weight_min",
                "weight_max", "fraction_at_g_min", "fraction_at_g_max"}
    for record in found:
        assert expected <= set(record)
        assert record["train_images"] == 40 and 0 <= record["test_accuracy"] <= 1
        assert all(np.isfinite(record[k]) for k in expected - {"epoch"})
        assert record["potentiation_events"] > 0 and record["depression_events"] > 0
        assert record["potentiation_events_total"] == pytest.approx(
            40 * record["potentiation_events"], rel=1e-5)
    assert summary["final_test_accuracy"] == found[-1]["test_accuracy"]
    assert summary["best_test_accuracy"] == max(r["test_accuracy"] for r in found)
    for name in training.PLOTS:
        assert (workdir / name).stat().st_size > 1000, name
    metadata = checkpoint.read_metadata(latest_path(workdir))
    assert (metadata["epoch"], metadata["next_image"]) == (2, 0)
    assert metadata["config"]["n_hidden"] == 16
    assert json.loads((workdir / "config.json").read_text())["train_size"] == 40
    assert not list(workdir.rglob("*.tmp"))


def test_checkpoint_history_keeps_the_newest_and_every_epoch_end(straight):
    """keep_checkpoints = 2 and keep_epoch_checkpoints: the two newest plus the epoch ends."""
    names = [p.name for p in history_paths(straight[0])]
    assert names == ["ckpt-0001-00000000.npz", "ckpt-0001-00000040.npz", "ckpt-0002-00000000.npz"]


def test_resume_after_an_epoch_equals_straight_run(straight, tmp_path):
    run(tiny_config(epochs=1, checkpoint_every_images=10), tmp_path)
    summary = run(tiny_config(epochs=2, checkpoint_every_images=10), tmp_path, resume=True)
    assert_same_run(straight[0], tmp_path, epochs=2)
    assert summary["final_test_accuracy"] == straight[1]["final_test_accuracy"]


def test_resume_mid_epoch_equals_straight_run(straight, tmp_path, monkeypatch):
    """Interrupt the run after 30 images of epoch 2 (checkpoints every 10), then resume."""
    config = tiny_config(epochs=2, checkpoint_every_images=10)
    calls = []
    real_train_epoch = srbm_jax.train.train_epoch

    def interrupted_after_three_calls_in_epoch_2(*args, **kwargs):
        if kwargs["epoch"] == 1:
            calls.append(kwargs["start"])
            if len(calls) > 3:
                raise KeyboardInterrupt
        return real_train_epoch(*args, **kwargs)

    monkeypatch.setattr(srbm_jax.train, "train_epoch", interrupted_after_three_calls_in_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        run(config, tmp_path)
    monkeypatch.setattr(srbm_jax.train, "train_epoch", real_train_epoch)
    metadata = checkpoint.read_metadata(latest_path(tmp_path))
    assert (metadata["epoch"], metadata["next_image"]) == (1, 30)
    assert len(read_metrics(tmp_path / METRICS_NAME)) == 1
    with pytest.raises(ValueError, match=r"config\.epochs = 1 is out of range: the checkpoint .* "
                                         r"is in epoch 2 \(image 30\); allowed >= 2"):
        run(tiny_config(epochs=1, checkpoint_every_images=10), tmp_path, resume=True)
    run(config, tmp_path, resume=True)
    assert_same_run(straight[0], tmp_path, epochs=2)


def test_corrupt_newest_checkpoint_falls_back_to_the_previous(straight, tmp_path, capsys):
    run(tiny_config(epochs=1, checkpoint_every_images=10), tmp_path)
    newest = latest_path(tmp_path)
    newest.write_bytes(newest.read_bytes()[:1000])  # truncated
    summary = training.train_and_evaluate(tiny_config(epochs=2, checkpoint_every_images=10),
                                          tmp_path, resume=True, verbose=True)
    out = capsys.readouterr().out
    assert "unreadable" in out and "resumed from" in out and "ckpt-0000-00000040" in out
    assert summary["final_test_accuracy"] == straight[1]["final_test_accuracy"]
    assert_same_run(straight[0], tmp_path, epochs=2)


def test_resume_refuses_a_different_config(straight, tmp_path):
    run(tiny_config(epochs=1), tmp_path)
    with pytest.raises(ValueError, match=r"device\.set_step \(0\.01 -> 0\.02\)"):
        run(tiny_config(epochs=2, **{"device.set_step": 0.02}), tmp_path, resume=True)
    with pytest.raises(ValueError, match="already holds a checkpoint"):
        run(tiny_config(epochs=2), tmp_path)


def test_resume_without_checkpoint_starts_fresh(tmp_path):
    assert run(tiny_config(epochs=1), tmp_path, resume=True)["epochs"] == 1


def test_step_decay_schedule_follows_the_images_trained(tmp_path, monkeypatch):
    """The device params of every chunk follow factor = decay ** (images trained / per epoch)."""
    config = tiny_config(epochs=2, step_decay=0.25, checkpoint_every_images=20, chunk_size=10)
    seen = []
    real = srbm_jax.train.train_chunk

    def recording(root, state, pixels, labels, indices, epoch, params, spec):
        seen.append((int(epoch), int(indices[0, 0]), float(params.device.set_step)))
        return real(root, state, pixels, labels, indices, epoch, params, spec)

    monkeypatch.setattr(srbm_jax.train, "train_chunk", recording)
    run(config, tmp_path)
    expected = [(e, b, 0.01 * 0.25 ** ((e * 40 + b) / 40)) for e in range(2) for b in range(0, 40, 10)]
    assert [(e, b) for e, b, _ in seen] == [(e, b) for e, b, _ in expected]
    np.testing.assert_allclose([s for *_, s in seen], [s for *_, s in expected], rtol=1e-6)


@pytest.mark.parametrize("follows", [False, True])
def test_weight_decay_follows_the_step_schedule_when_asked(tmp_path, monkeypatch, follows):
    """weight_decay_follows_steps: every chunk's weight_decay is the config's x the steps' factor;
    otherwise it stays the config's (the recorded runs)."""
    config = tiny_config(epochs=2, step_decay=0.25, weight_decay=1e-3, chunk_size=20,
                         weight_decay_follows_steps=follows)
    seen = []
    real = srbm_jax.train.train_chunk

    def recording(root, state, pixels, labels, indices, epoch, params, spec):
        seen.append((float(params.device.set_step) / 0.01, float(params.weight_decay)))
        return real(root, state, pixels, labels, indices, epoch, params, spec)

    monkeypatch.setattr(srbm_jax.train, "train_chunk", recording)
    run(config, tmp_path)
    factors = np.array([f for f, _ in seen])
    np.testing.assert_allclose(factors, 0.25 ** (np.arange(4) * 20 / 40), rtol=1e-6)
    expected = 1e-3 * (factors if follows else 1.0)
    np.testing.assert_allclose([d for _, d in seen], expected, rtol=1e-6)


def test_step_decay_schedule_is_optax_exponential_decay():
    import optax

    from srbm_jax.run.driver import step_decay_schedule
    ours, theirs = step_decay_schedule(0.6, 500), optax.exponential_decay(1.0, 500, 0.6)
    for count in (0, 1, 250, 500, 1234, 5000):
        assert ours(count) == pytest.approx(float(theirs(count)), rel=1e-6)
    assert step_decay_schedule(1.0, 500) is None


def test_minibatch_bfloat16_run_resumes_bit_identically(tmp_path):
    changes = {"batch_size": 4, "chunk_size": 10, "checkpoint_every_images": 20,
               "device.storage_dtype": "bfloat16", "device.rounding": "stochastic"}
    run(tiny_config(epochs=2, **changes), tmp_path / "straight")
    run(tiny_config(epochs=1, **changes), tmp_path / "resumed")
    run(tiny_config(epochs=2, **changes), tmp_path / "resumed", resume=True)
    assert_same_run(tmp_path / "straight", tmp_path / "resumed", epochs=2)
    leaves, _ = checkpoint.load(latest_path(tmp_path / "resumed"))
    assert any(leaf.dtype == np.dtype(jnp.bfloat16) for leaf in leaves)


def test_weight_averages_are_evaluated_beside_the_weights_and_resume(tmp_path):
    """EMA and tail averages during the run: their own accuracy fields, the trained weights
    untouched (same as a run without averages), and a resumed run gives the same averages."""
    changes = {"checkpoint_every_images": 10, "ema_half_life_images": 20,
               "tail_average_epochs": 1}
    plain = run(tiny_config(epochs=2, checkpoint_every_images=10), tmp_path / "plain")
    averaged = run(tiny_config(epochs=2, **changes), tmp_path / "averaged")
    for a, b in zip(plain["metrics"], averaged["metrics"], strict=True):
        assert a["test_accuracy"] == b["test_accuracy"] and a["weight_mean"] == b["weight_mean"]
    last = averaged["metrics"][-1]
    assert 0 <= last["test_accuracy_ema"] <= 1 and 0 <= last["test_accuracy_tail"] <= 1
    run(tiny_config(epochs=1, **changes), tmp_path / "resumed")
    again = run(tiny_config(epochs=2, **changes), tmp_path / "resumed", resume=True)
    assert again["metrics"][-1]["test_accuracy_ema"] == last["test_accuracy_ema"]
    assert_same_run(tmp_path / "averaged", tmp_path / "resumed", epochs=2)


def test_average_run_states_is_the_mean_of_distinct_points(straight):
    """The tail average of saved checkpoints is the exact mean of their states; (epoch e,
    image N) and (epoch e + 1, image 0) count once; another config is refused."""
    workdir = straight[0]
    config = saved_runs.load_run_config(workdir)
    paths = history_paths(workdir)
    networks, mean, same_config, points = saved_runs.average_run_states(paths, config)
    assert points == [(1, 0), (2, 0)] and networks.n == 1 and same_config.seed == config.seed
    states = [saved_runs.load_run_state(p, config)[0] for p in (paths[0], paths[2])]
    expected = np.mean([np.asarray(s.g_plus) for s in states], axis=0)
    np.testing.assert_allclose(mean.g_plus, expected, rtol=1e-6)
    other = saved_runs.load_run_config(workdir)
    other.device.set_step = 0.02
    with pytest.raises(ValueError, match="config differs"):
        saved_runs.average_run_states(paths, other)
    _, last, _, points = saved_runs.average_run_states(paths, config, epochs=(2, 2))
    assert points == [(2, 0)]
    np.testing.assert_array_equal(last.g_plus, saved_runs.load_run_state(paths[2], config)[0].g_plus)
    with pytest.raises(ValueError, match="none of the 3 checkpoints is the end of epoch 3..4"):
        saved_runs.average_run_states(paths, config, epochs=(3, 4))


def test_continue_run_without_changes_equals_the_longer_run(straight, tmp_path):
    run(tiny_config(epochs=1, checkpoint_every_images=10), tmp_path / "one")
    same = saved_runs.continue_run(tmp_path / "one", 1, {}, tmp_path / "more", verbose=False)
    epoch_2 = read_metrics(straight[0] / METRICS_NAME)[1]
    assert same[-1]["epoch"] == 2 and same[-1]["test_accuracy"] == epoch_2["test_accuracy"]
    config = saved_runs.load_run_config(tmp_path / "one")
    assert saved_runs.parse_changes(["device.set_step=0.05"], config) == {"device.set_step": 0.05}
    with pytest.raises(ValueError, match="n_hidden"):
        saved_runs.parse_changes(["n_hidden=10"], config)
    with pytest.raises(ValueError, match="is the source run"):
        saved_runs.continue_run(tmp_path / "one", 1, {}, tmp_path / "one")


def test_train_size_and_n_data_are_checked_before_any_file(tmp_path):
    with pytest.raises(ValueError, match=r"config\.train_size"):
        run(tiny_config(train_size=41), tmp_path / "a")
    with pytest.raises(ValueError, match=r"config\.n_data"):
        run(tiny_config(n_data=100), tmp_path / "b")
    with pytest.raises(ValueError, match=r"config\.batch_size.*<= train_size = 4"):
        run(tiny_config(train_size=4, batch_size=8), tmp_path / "c")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_empty_and_unwritable_workdirs_are_refused(tmp_path):
    with pytest.raises(ValueError, match="workdir is empty"):
        run(tiny_config(), "")
    locked = tmp_path / "read_only"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a file as the parent
            (tmp_path / "file").write_text("")
            locked = tmp_path / "file" / "run"
        with pytest.raises(ValueError, match="not writable"):
            run(tiny_config(), locked)
    finally:
        (tmp_path / "read_only").chmod(0o700)


def test_progress_prints_about_every_ten_percent():
    stream = io.StringIO()
    progress = records.Progress("train", 100, stream=stream)
    for done in range(5, 101, 5):
        progress(done, 100)
    lines = stream.getvalue().splitlines()
    assert 9 <= len(lines) <= 11
    assert lines[-1].startswith("train: 100/100 (100 %)") and "images/s" in lines[-1]


def test_resumed_progress_leaves_the_skipped_images_out_of_the_rate(monkeypatch):
    """A study resumed at image 600 of 1,000 (3 networks) reports the rate of what it trained."""
    clock = iter([0.0, 10.0])
    monkeypatch.setattr(records.time, "perf_counter", lambda: next(clock))
    stream = io.StringIO()
    progress = records.scaled_progress("train", 1000, 3, start=600, stream=stream)
    progress(1000)
    # 400 images x 3 networks in 10 s: 120 images/s (1,000 x 3 / 10 = 300 counted the skip)
    assert "3000/3000 (100 %) 120.0 images/s" in stream.getvalue()


def test_spike_raster_reproduces_a_training_image():
    """The raster's rates equal the statistics train_image computes for the same key and state."""
    from tiny_runs import synthetic_mnist

    spec, params = srbm_jax.run.spec_and_params(tiny_config())
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    arrays = synthetic_mnist()
    pixels, label = arrays["train_images"][3].reshape(-1), int(arrays["train_labels"][3])
    key = srbm_jax.image_key(jax.random.key(1), 0, 3)
    raster = analysis.spike_raster(key, state, pixels, label, params, spec)
    train_image = jax.jit(srbm_jax.train_image, static_argnames="spec")
    _, stats = train_image(key, state, np.float32(pixels) / 255, np.int32(label), params, spec)
    n_data_ticks = spec.ticks(spec.transition_data_ms + spec.data_ms)
    seconds = n_data_ticks * spec.dt_ms * 1e-3
    hidden_data = raster.hidden[:n_data_ticks, : spec.n_hidden].sum() / (spec.n_hidden * seconds)
    assert float(stats.hidden_rate_data) == pytest.approx(hidden_data, rel=1e-6)
    assert raster.boundaries_ms == (2.0, 10.0, 12.0, 20.0)


# ---- real processes -----------------------------------------------------------------------------
_DRIVER = """
import json, os, signal, sys
# A job started in the background inherits SIGINT ignored (as pytest does when run with `&`);
# give this child the disposition a run started from a terminal has.
signal.signal(signal.SIGINT, signal.default_int_handler)
from srbm_jax.data import mnist
mnist.LABEL_COUNTS = {split: tuple(n) for split, n in json.loads(sys.argv[1]).items()}
sys.argv = ["train_mnist", *sys.argv[2:]]
if os.environ.get("KILL_AT_SAVE"):  # kill -9 in the middle of the Nth checkpoint write
    from srbm_jax import checkpoint
    import numpy as np
    real_savez, count = np.savez, {"n": 0}
    def savez(handle, **arrays):
        count["n"] += 1
        if count["n"] == int(os.environ["KILL_AT_SAVE"]):
            handle.write(b"partial")
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return real_savez(handle, **arrays)
    checkpoint.np.savez = savez
if os.environ.get("HOLD_UNTIL"):  # keep the lock after the run until this file exists
    import time
    from pathlib import Path
    from srbm_jax.run import training
    real = training.train_and_evaluate
    def slow(*a, **k):
        result = real(*a, **k)
        for _ in range(6000):  # at most 10 minutes
            if Path(os.environ["HOLD_UNTIL"]).exists():
                break
            time.sleep(0.1)
        return result
    training.train_and_evaluate = slow
    import experiments.train_mnist as entry
    entry.train_and_evaluate = slow
from experiments import train_mnist
from experiments import cli
cli.run(train_mnist.main)
"""


def _train_mnist(args, cache, env=None, wait=True):  # noqa: F811
    from tiny_runs import TINY_MODEL
    argv = [sys.executable, "-c", _DRIVER, json.dumps(TINY_COUNTS),
            f"--config={REPO / 'experiments/configs/default.py'}",
            *[f"--config.{k}={v}" for k, v in TINY_MODEL.items() if k != "checkpoint_every_images"],
            "--config.checkpoint_every_images=10", *args]
    environment = {**os.environ, "SRBM_JAX_CACHE": str(cache), "JAX_PLATFORMS": "cpu",
                   **(env or {})}
    process = subprocess.Popen(argv, cwd=REPO, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    if not wait:
        return process
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


def test_ctrl_c_during_start_up_stops_before_anything_is_written(tmp_path, cache):  # noqa: F811
    """A SIGINT in the first seconds (JAX's imports could swallow it) stops the run too."""
    workdir = tmp_path / "early"
    code, _, err = _train_mnist([f"--workdir={workdir}"], cache,
                                env={"SRBM_JAX_TEST_EARLY_SIGINT": "1"})
    assert code == 130, err[-2000:]
    assert "interrupted during start-up: nothing was written" in err and "Traceback" not in err
    assert not workdir.exists()


def test_kill_9_during_a_checkpoint_write_then_resume_equals_the_straight_run(straight, tmp_path,
                                                                             cache):  # noqa: F811
    workdir = tmp_path / "killed"
    code, _, _ = _train_mnist([f"--workdir={workdir}", "--config.epochs=2"], cache,
                              env={"KILL_AT_SAVE": "6"})
    assert code == -9
    assert list(workdir.rglob(".*.tmp"))  # the half-written checkpoint
    code, out, err = _train_mnist([f"--workdir={workdir}", "--config.epochs=2", "--resume"], cache)
    assert code == 0, err
    assert "removed 1 temporary file" in err and not list(workdir.rglob("*.tmp"))
    assert_same_run(straight[0], workdir, epochs=2)


def test_a_second_run_on_a_busy_workdir_is_refused_naming_the_holder(tmp_path, cache):  # noqa: F811
    workdir = tmp_path / "busy"
    release = tmp_path / "release"
    first = _train_mnist([f"--workdir={workdir}", "--config.epochs=1"], cache,
                         env={"HOLD_UNTIL": str(release)}, wait=False)
    try:
        for _ in range(600):  # wait until the first run holds the lock
            if (workdir / ".lock").exists() and (workdir / ".lock").read_text().startswith("pid"):
                break
            import time
            time.sleep(0.1)
        code, out, err = _train_mnist([f"--workdir={workdir}", "--config.seed=3",
                                       "--config.epochs=1"], cache)
        assert code == 2
        assert f"is in use by another run (pid {first.pid}" in err
        assert "Traceback" not in err
    finally:
        release.touch()
        first.wait(timeout=600)
    assert first.returncode == 0
    assert len(read_metrics(workdir / METRICS_NAME)) == 1
    # The lock of the finished (dead) process is stale: a new run takes it over.
    code, _, err = _train_mnist([f"--workdir={workdir}", "--config.epochs=2", "--resume"], cache)
    assert code == 0, err


def test_command_line_errors_are_one_line(tmp_path, cache):  # noqa: F811
    code, out, err = _train_mnist([f"--workdir={tmp_path / 'x'}", "--config.membrane_tau_ms=-1"],
                                  cache)
    assert code == 2 and "Traceback" not in err
    assert "error: config.membrane_tau_ms: membrane_tau_ms = -1.0 is out of range" in err
    code, out, err = _train_mnist([f"--workdir={tmp_path / 'x'}", "--config.set_step=0.02"],
                                  cache)
    assert code == 2 and "--config.set_step was renamed: use config.device.set_step" in err
    code, out, err = _train_mnist(["--workdir="], cache)
    assert code == 2 and "workdir is empty" in err
    assert checkpoints.FOLDER not in os.listdir(REPO)


def test_ctrl_c_keeps_the_checkpoint_and_says_how_to_continue(tmp_path, cache):  # noqa: F811
    import time
    workdir = tmp_path / "interrupted"
    process = _train_mnist([f"--workdir={workdir}", "--config.epochs=1000000"], cache, wait=False)
    for _ in range(6000):  # until the first checkpoint is written (start-up is slow under load)
        if (workdir / "checkpoints").is_dir() and list((workdir / "checkpoints").glob("ckpt-*")):
            break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("no checkpoint within 300 s of the start")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=600)
    assert process.returncode == 130, err[-2000:]
    assert "run the same command with --resume to continue" in err and "Traceback" not in err
    assert latest_path(workdir).exists()


def test_a_swallowed_ctrl_c_still_stops_the_run_at_the_next_chunk(tmp_path):
    """The request recorded by the SIGINT handler stops the driver at its next check even when
    the KeyboardInterrupt itself was lost (`srbm_jax.run.interrupt`)."""
    from srbm_jax.run import interrupt
    config = tiny_config(epochs=3, checkpoint_every_images=10)
    interrupt.request()
    try:
        with pytest.raises(KeyboardInterrupt):
            run(config, tmp_path)
    finally:
        interrupt.clear()
    assert latest_path(tmp_path).exists()  # stopped after its first checkpoint, which is kept
    summary = run(config, tmp_path, resume=True)
    assert summary["epochs"] == 3


def test_parse_changes_types_values_like_the_config_and_names_bad_settings():
    from experiments.configs import default as default_config

    config = default_config.get_config()
    changes = saved_runs.parse_changes(["batch_size=8", "device.set_step=0.005"], config)
    assert changes == {"batch_size": 8, "device.set_step": 0.005}
    assert isinstance(changes["batch_size"], int)
    with pytest.raises(ValueError, match=r"--set=batch_size=x: value must be an integer"):
        saved_runs.parse_changes(["batch_size=x"], config)
    with pytest.raises(ValueError, match=r"--set=device.kind=3: field must be one of"):
        saved_runs.parse_changes(["device.kind=3"], config)
    assert saved_runs.parse_changes(["weight_decay_follows_steps=True"], config) == {
        "weight_decay_follows_steps": True}
    assert saved_runs.parse_changes(["weight_decay_follows_steps=false"], config) == {
        "weight_decay_follows_steps": False}
    with pytest.raises(ValueError, match=r"follows_steps=yes: value must be True or False"):
        saved_runs.parse_changes(["weight_decay_follows_steps=yes"], config)


def test_a_loaded_config_that_predates_a_later_field_gets_its_recorded_value():
    from srbm_jax.run.objects import config_dict, load_config

    saved = config_dict(tiny_config())
    del saved["weight_decay_follows_steps"]
    assert load_config(saved).weight_decay_follows_steps is False
    assert saved_runs.parse_changes(["weight_decay_follows_steps=1"], load_config(saved)) == {
        "weight_decay_follows_steps": True}


def test_a_loaded_config_gets_every_later_field_it_predates_and_keeps_its_identity():
    import ml_collections

    from srbm_jax.run.objects import LATER_FIELD_DEFAULTS, config_dict, fingerprint, load_config

    config = tiny_config()
    saved = {k: v for k, v in config_dict(config).items() if k not in LATER_FIELD_DEFAULTS}
    loaded = load_config(saved)
    for field, default in LATER_FIELD_DEFAULTS.items():
        value = loaded[field]
        assert (value.to_dict() if hasattr(value, "to_dict") else value) == default, field
    # the filled defaults leave the run's identity (its checkpoints' fingerprint) as saved
    assert fingerprint(loaded) == fingerprint(ml_collections.ConfigDict(saved))
    loaded.optimizer.name = "changed"  # a deep copy: the defaults themselves are untouched
    assert LATER_FIELD_DEFAULTS["optimizer"] != loaded.optimizer.to_dict()
