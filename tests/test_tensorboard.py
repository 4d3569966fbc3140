"""config.tensorboard: the TensorBoard event files hold the numbers of metrics.jsonl, one run per
network, at step = training images seen; a resumed run purges what an interrupted one wrote."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest
from tensorboardX.proto import event_pb2
from tiny_runs import cache, tiny_config, tiny_mnist  # noqa: F401

from srbm_jax.run import training
from srbm_jax.run.records import METRICS_NAME, read_metrics
from srbm_jax.run.tensorboard import BOARD_DIR, run_name, scalar_tags


def read_events(folder: Path) -> list:
    """Every Event of the TFRecord files in `folder` (length, crc, data, crc per record)."""
    events = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        data = path.read_bytes()
        at = 0
        while at < len(data):
            (length,) = struct.unpack("<Q", data[at:at + 8])
            event = event_pb2.Event()
            event.ParseFromString(data[at + 12:at + 12 + length])
            events.append(event)
            at += 12 + length + 4
    return events


def scalars(folder: Path) -> dict[tuple[str, int], float]:
    return {(value.tag, event.step): value.simple_value for event in read_events(folder)
            if event.HasField("summary") for value in event.summary.value
            if value.HasField("simple_value")}


def test_scalar_tags_group_the_numbers_and_skip_the_rest():
    record = {"epoch": 2, "network": 1, "seed": 3, "total_train_images": 80,
              "test_accuracy": 0.5, "validation_accuracy": None, "hidden_rate_data": 12.0,
              "weight_std": 0.3, "images_per_s": 100.0, "accuracy_vs_time_ms": {"10": 0.2},
              "validation_accuracy_vs_time_ms": {"10": 0.25}, "potentiation_events": 7,
              "flag": True, "name": "x"}
    assert scalar_tags(record, skip=("seed",)) == {
        "accuracy/test_accuracy": 0.5, "activity/hidden_rate_data": 12.0,
        "weights/weight_std": 0.3, "speed/images_per_s": 100.0,
        "accuracy_vs_time/test/10ms": 0.2, "accuracy_vs_time/validation/10ms": 0.25,
        "events/potentiation_events": 7.0}


def test_run_names_name_the_network_and_its_values():
    assert run_name(None, 0) == "run"
    assert run_name({"seed": 2, "spike_rate_hz": 220.0}, 3) == \
        "network_03_seed=2_spike_rate_hz=220"


def test_a_run_writes_the_metrics_to_tensorboard(tmp_path):
    workdir = tmp_path / "run"
    training.train_and_evaluate(tiny_config(epochs=2, tensorboard=True), workdir, verbose=False)
    records = read_metrics(workdir / METRICS_NAME)
    found = scalars(workdir / BOARD_DIR / "run")
    for record in records:
        step = record["total_train_images"]
        assert found[("accuracy/test_accuracy", step)] == pytest.approx(record["test_accuracy"])
        assert found[("weights/weight_mean", step)] == pytest.approx(record["weight_mean"])
        assert found[("activity/hidden_rate_data", step)] == pytest.approx(
            record["hidden_rate_data"])
    assert sorted({step for _, step in found}) == [40, 80]
    histograms = [value for event in read_events(workdir / BOARD_DIR / "run")
                  if event.HasField("summary") for value in event.summary.value
                  if value.tag == "weights/histogram"]
    assert len(histograms) == 2
    assert histograms[0].histo.num == (784 + 10 + 2) * (16 + 2)  # every weight of the network


def test_a_resumed_run_purges_the_steps_it_writes_again(tmp_path):
    workdir = tmp_path / "run"
    training.train_and_evaluate(tiny_config(epochs=1, tensorboard=True), workdir, verbose=False)
    training.train_and_evaluate(tiny_config(epochs=2, tensorboard=True), workdir, resume=True,
                                verbose=False)
    purges = [event.step for event in read_events(workdir / BOARD_DIR / "run")
              if event.HasField("session_log") and event.session_log.status ==
              event_pb2.SessionLog.START]
    assert purges == [1, 41]  # a fresh run hides any older events; the resume, its own steps
    assert sorted({step for _, step in scalars(workdir / BOARD_DIR / "run")}) == [40, 80]


def test_the_setting_is_checked():
    from srbm_jax.run.objects import spec_and_params
    with pytest.raises(ValueError, match=r"config\.tensorboard: 'yes' is out of range: allowed "
                                         r"True or False"):
        config = tiny_config()
        del config["tensorboard"]  # a config.json read back can hold any value
        config.tensorboard = "yes"
        spec_and_params(config)


def test_a_study_writes_one_run_per_network(tmp_path):
    from srbm_jax import study
    from srbm_jax.run import load_data
    config = tiny_config(epochs=1, tensorboard=True)
    study.run_study(config, {"spike_rate_hz": [180.0, 220.0]}, [3], load_data(config, verbose=False),
                    tmp_path / "study", log=lambda line: None)
    runs = sorted(p.name for p in (tmp_path / "study" / BOARD_DIR).iterdir())
    assert runs == ["network_00_seed=3_spike_rate_hz=180", "network_01_seed=3_spike_rate_hz=220"]
    records = read_metrics(tmp_path / "study" / METRICS_NAME)
    for name, record in zip(runs, records, strict=True):
        found = scalars(tmp_path / "study" / BOARD_DIR / name)
        assert found[("accuracy/test_accuracy", 40)] == pytest.approx(record["test_accuracy"])
        assert not any(tag.endswith("spike_rate_hz") or tag.endswith("seed") for tag, _ in found)
