"""The notebooks in colab/: built by colab/build_notebooks.py, runnable top to bottom, with saved
outputs of a full run.

Every numbered notebook is executed with nbclient in a fresh kernel at its smoke size
(SRBM_SMOKE=1), install cell included: it installs this checkout offline into a temporary
folder of its own (PIP_TARGET) that the kernel then imports srbm_jax from. pip takes its options
from PIP_* variables: no index, no dependencies (they are the test environment's), and
PIP_NO_BUILD_ISOLATION=0, which on pip 26 turns build isolation *off* (the variable sets the
option's stored value, build_isolation = False; "1" would turn it on), so the build uses this
environment's setuptools and wheel instead of fetching them. An isolated build would try to
download setuptools and fail, so a change of that meaning shows up here.
"""
from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
COLAB = ROOT / "colab"
CELL_TIMEOUT_S = 900


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", COLAB / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()
NAMES = builder.available()


def _committed(name: str) -> nbformat.NotebookNode:
    return nbformat.read(builder.path_of(name), as_version=4)


def _stream_text(cell) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream")


def _result(notebook: nbformat.NotebookNode) -> dict:
    """The JSON of the `SRBM_RESULT {json}` line that the last code cell printed."""
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    lines = [line for line in _stream_text(last).splitlines() if line.startswith("SRBM_RESULT ")]
    assert len(lines) == 1, f"the last code cell printed {len(lines)} SRBM_RESULT lines"
    return json.loads(lines[0][len("SRBM_RESULT "):])


def _accuracies(value, key=""):
    """Every number stored under a key that names an accuracy, however deep."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _accuracies(v, f"{key}.{k}" if key else k)
    elif isinstance(value, list):
        for v in value:
            yield from _accuracies(v, key)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and "accuracy" in key:
        yield key, value


def _check_result(name: str, result: dict, smoke: bool) -> None:
    assert result["smoke"] is smoke
    for key, value in _accuracies(result):
        assert 0.0 <= value <= 1.0, f"{name}: {key} = {value}"
    if name == "01_quickstart":
        assert 0.0 <= result["accuracy"] <= 1.0 and result["train_images"] > 0
    elif name == "03_devices_and_drift":
        devices = ["ideal", "gpgm_linear", "pcm_nonlinear"]
        assert list(result["accuracy"]) == devices and list(result["drift_accuracy"]) == devices
        for drift in result["drift_accuracy"].values():
            assert len(drift) == 6  # 1 hour, 1 day, 1 year, each with and without compensation
    elif name == "04_seeds_rates_thresholds":
        assert result["networks"] == 6 * result["seeds"] and result["seeds"] >= 2
        assert result["networks"] % result["devices"] == 0
        assert result["accuracy_min"] <= result["accuracy_mean"] <= result["accuracy_max"]
    elif name == "05_generation_and_completion":
        assert 0.0 <= result["masked_pixel_error"] <= 1.0
        assert set(result["reference_accuracy"]) == {"original", "masked", "completed"}
        assert all(len(curve) == 4 for curve in result["occlusion"].values())


# Accuracies a saved full run must exceed (MNIST; chance is 0.1): the outputs come from a run
# that learned, not from a broken or smoke-sized one.
FULL_RUN_FLOORS = {
    "01_quickstart": [(lambda r: r["accuracy"], 0.6)],
    "03_devices_and_drift": [(lambda r: min(r["accuracy"].values()), 0.4)],
    "04_seeds_rates_thresholds": [(lambda r: r["accuracy_mean"], 0.6)],
    "05_generation_and_completion": [(lambda r: r["occlusion"]["free"][0], 0.6),
                                     (lambda r: r["reference_accuracy"]["original"], 0.8)],
}


# ---- the sources: one builder, one install cell, one runtime cell ------------------------------
def test_repository_url_is_setup_cfg_url():
    metadata = configparser.ConfigParser()
    metadata.read(ROOT / "setup.cfg")
    assert metadata.has_option("metadata", "url"), \
        "setup.cfg [metadata] has no url: add `url = " + builder.REPOSITORY_URL + "`"
    assert metadata.get("metadata", "url").strip() == builder.REPOSITORY_URL
    assert f'REPOSITORY_URL = "{builder.REPOSITORY_URL}"' in builder.INSTALL_CELL


def test_every_numbered_notebook_is_built():
    numbered = sorted(path.stem for path in COLAB.glob("[0-9][0-9]_*.ipynb"))
    assert numbered == NAMES, "colab/ holds notebooks that build_notebooks.py does not build (or misses some)"
    assert "01_quickstart" in NAMES and len(NAMES) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_what_the_builder_builds(name):
    committed, built = _committed(name), builder.build(name)
    assert [(c.cell_type, c.source) for c in committed.cells] == \
        [(c.cell_type, c.source) for c in built.cells], \
        f"colab/{name}.ipynb differs from its cells: run .venv/bin/python colab/build_notebooks.py"
    assert committed.metadata["kernelspec"] == built.metadata["kernelspec"]
    assert committed.metadata.get("accelerator") == "GPU"
    # the same install and runtime cells in every notebook, right after the title
    assert committed.cells[1].source == builder.INSTALL_CELL.rstrip("\n")
    assert committed.cells[2].source == builder.RUNTIME_CELL.rstrip("\n")
    assert not [line for c in committed.cells if c.cell_type == "code"
                for line in c.source.splitlines() if line.lstrip().startswith(("!", "%"))], \
        "a code cell uses IPython magics: the cells are plain Python"


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_outputs_of_a_full_run(name):
    notebook = _committed(name)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert any(cell.outputs and cell.execution_count for cell in code), f"{name} has no saved outputs"
    assert not [o for cell in code for o in cell.outputs if o.get("output_type") == "error"]
    assert "full run" in _stream_text(notebook.cells[2]), f"{name}'s saved outputs are not a full run"
    result = _result(notebook)
    _check_result(name, result, smoke=False)
    for floor_of, floor in FULL_RUN_FLOORS.get(name, []):  # a real run learned something
        assert floor_of(result) > floor, f"{name}'s saved full run: {result}"
    assert "@RUN_TIME@" not in notebook.cells[0].source and "not yet measured" not in notebook.cells[0].source


# ---- executing: the install cell offline, then every notebook in smoke mode ---------------------
def _build_backend_available() -> bool:
    """setuptools can build a wheel without isolation: it has bdist_wheel (setuptools >= 70.1)
    or the `wheel` package is installed."""
    import setuptools

    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def offline_install(tmp_path_factory):
    """A copy of this checkout's package files (so the build writes nothing into the work tree),
    an empty PIP_TARGET shared by every notebook, and the environment in which the install cell
    installs the copy from it offline. The first install runs here, as a script, and is checked."""
    assert _build_backend_available(), ("building srbm_jax offline needs setuptools >= 70.1 or "
                                        "the `wheel` package in this environment")
    base = tmp_path_factory.mktemp("notebooks")
    source, target, work = base / "checkout", base / "target", base / "work"
    work.mkdir()
    shutil.copytree(ROOT / "srbm_jax", source / "srbm_jax",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "SRBM_"))}
    env.update(SRBM_JAX_SOURCE=str(source), PIP_TARGET=str(target), PIP_NO_INDEX="1",
               PIP_NO_DEPS="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", builder.INSTALL_CELL], env=env, cwd=work,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return {"env": env, "source": source, "target": target, "work": work, "output": done.stdout}


def test_install_cell_installs_the_checkout_offline(offline_install):
    import srbm_jax

    target = offline_install["target"]
    assert (target / "srbm_jax" / "__init__.py").is_file()
    assert (target / f"srbm_jax-{srbm_jax.__version__}.dist-info").is_dir()
    assert f"installed srbm_jax {srbm_jax.__version__} from {offline_install['source']}" in \
        offline_install["output"]
    # nothing else came with it (PIP_NO_DEPS), and nothing was fetched (PIP_NO_INDEX)
    assert sorted(p.name for p in target.iterdir()) == ["srbm_jax", f"srbm_jax-{srbm_jax.__version__}.dist-info"]


# The quickstart runs in the default suite; the other four (~100 s together) under
# `make test-slow`.
@pytest.mark.parametrize("name", [pytest.param(name, marks=() if name.startswith("01_") else
                                               pytest.mark.slow) for name in NAMES])
def test_notebook_runs_in_smoke_mode(name, offline_install):
    from nbclient import NotebookClient

    notebook = _committed(name)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    env = dict(offline_install["env"], SRBM_SMOKE="1")
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3")
    client.execute(env=env, cwd=str(offline_install["work"]))
    # the install cell installed the checkout, and the kernel imports it from PIP_TARGET
    assert "installed srbm_jax" in _stream_text(notebook.cells[1])
    runtime = _stream_text(notebook.cells[2])
    assert f"from {offline_install['target'] / 'srbm_jax'}" in runtime and "SMOKE run" in runtime
    _check_result(name, _result(notebook), smoke=True)
