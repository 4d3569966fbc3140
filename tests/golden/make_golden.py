"""Golden outputs of every entry point on fixed keys, written by the code of commit db8f1cf
(before the run-driver refactor), so that tests/test_golden.py can show the refactored code gives
the same spikes and weights bit for bit.

    cd <repo at db8f1cf> && .venv/bin/python tests/golden/make_golden.py

(Kept for the record; it calls the pre-refactor API `srbm_jax.experiment`, `srbm_jax.study`,
`srbm_jax.compare`, which no longer exist.)
"""
import json
import platform
import sys
import tempfile
from pathlib import Path

import jax
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import test_experiment as te  # noqa: E402  (synthetic_mnist, TINY_MODEL, TINY_COUNTS)

from srbm_jax import checkpoint, compare, experiment, study  # noqa: E402
from srbm_jax.data import mnist  # noqa: E402

mnist.LABEL_COUNTS = te.TINY_COUNTS
cache = Path(tempfile.mkdtemp())
mnist._write_npz(cache / mnist.CACHE_NAME, mnist.MnistSplits(**te.synthetic_mnist(), source="npz"))
import os  # noqa: E402

os.environ["SRBM_JAX_CACHE"] = str(cache)
mnist._load_tfds = lambda: (_ for _ in ()).throw(ImportError("off"))

arrays, summary = {}, {"cpu": platform.processor() or platform.machine(), "jax": jax.__version__}


def cpu_flags():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return " ".join(sorted(line.split(":", 1)[1].split()))
    except OSError:
        return ""
    return ""


summary["cpu_flags"] = cpu_flags()

TRAIN_CASES = {
    "online": dict(epochs=2),
    "batch_decay": dict(epochs=2, batch_size=2, step_decay=0.5, weight_decay=1e-4),
    "ideal": dict(epochs=1, device="ideal"),
    "bf16": dict(epochs=1, batch_size=2, conductance_dtype="bfloat16",
                 conductance_rounding="stochastic"),
}
for name, changes in TRAIN_CASES.items():
    work = Path(tempfile.mkdtemp()) / name
    result = experiment.train_and_evaluate(te.tiny_config(**changes), work, verbose=False)
    leaves, meta = checkpoint.load(work / "checkpoint.npz")
    for i, leaf in enumerate(leaves):
        arrays[f"train.{name}.{i}"] = leaf
    summary[f"train.{name}"] = {"changes": changes, "accuracies": [
        r["test_accuracy"] for r in result["metrics"]],
        "accuracy_vs_time_ms": result["metrics"][-1]["accuracy_vs_time_ms"],
        "potentiation_events": [r["potentiation_events"] for r in result["metrics"]]}
    if name == "online":
        records = experiment.continue_run(work, 1, {"set_step": 0.005, "reset_step": 0.005},
                                          out=str(work.parent / "continued.jsonl"))
        summary["continue.online"] = [r["test_accuracy"] for r in records]

config = te.tiny_config(epochs=2, batch_size=2)
data = experiment.load_data(config, verbose=False)
records = study.run_study(config, {"spike_rate_hz": [180.0, 220.0]}, [3, 4], data,
                          log=lambda line: None)
summary["study"] = [{k: r[k] for k in ("epoch", "seed", "spike_rate_hz", "accuracy",
                                        "accuracy_100ms")} for r in records]

config = te.tiny_config(epochs=1, batch_size=2)
data = experiment.load_data(config, verbose=False)
for device in ("ideal", "gpgm_linear", "pcm_nonlinear", "pcm_stochastic", "bipolar_2t1r"):
    path = Path(tempfile.mkdtemp()) / "states.npz"
    result = compare.compare_device(device, config, data, seeds=2, drift_seconds=[1.0, 3600.0],
                                    state_path=path)
    leaves, _ = checkpoint.load(path)
    for i, leaf in enumerate(leaves):
        arrays[f"compare.{device}.{i}"] = leaf
    result.pop("wall_s")
    summary[f"compare.{device}"] = result

np.savez_compressed(HERE / "golden.npz", **arrays)
(HERE / "golden.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
print("wrote", len(arrays), "arrays")
