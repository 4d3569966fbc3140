"""srbm_jax.analysis as a notebook-friendly library.

Every plot function returns a matplotlib Figure (which renders as PNG through `_repr_png_`, the
protocol Jupyter and Colab use), writes a file only when given a path, and the single-axes plots
draw into a caller's Axes. Importing the module selects no backend and does not import pyplot.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import numpy as np
import pytest
from matplotlib.figure import Figure

import srbm_jax
from srbm_jax import analysis
from srbm_jax.config import Spec

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
REPO = Path(__file__).resolve().parent.parent

SPEC = Spec(n_data=784, n_hidden=16, transition_data_ms=2, data_ms=8, transition_model_ms=2,
            model_ms=8)

RECORDS = [{"epoch": 1, "test_accuracy": 0.42}, {"epoch": 2, "test_accuracy": None},
           {"epoch": 3, "test_accuracy": 0.61}]
STUDY = [{"epoch": epoch, "accuracy": 0.1 * epoch + 0.01 * seed + 0.001 * rate / 10,
          "spike_rate_hz": rate, "walk_up": walk, "seed": seed}
         for epoch in (1, 2) for rate in (180.0, 220.0) for walk in (0.05, 0.1) for seed in (1, 2)]
COMPARISON = [{"device": name, "accuracy_per_epoch": [[0.5, 0.6], None, [0.7, 0.8]],
               "drift": {"1s": [0.7, 0.8], "1s compensated": [0.75, 0.8],
                         "3.15e+07s": [0.3, 0.4], "3.15e+07s compensated": [0.6, 0.7]}}
              for name in ("pcm_nonlinear", "bipolar_2t1r")]
LABELS = np.arange(40) % 10
PREDICTIONS = (LABELS + (np.arange(40) % 3 == 0)) % 10


@pytest.fixture(scope="module")
def raster():
    params = srbm_jax.default_params(SPEC)
    state = srbm_jax.init_device(jax.random.key(0), params, SPEC)
    pixels = (np.arange(SPEC.n_data) % 256).astype(np.uint8)
    return analysis.spike_raster(jax.random.key(1), state, pixels, 3, params, SPEC)


def _calls(raster):
    """(name, positional args before `out`, keyword args) for every plot function."""
    weight = np.random.default_rng(0).normal(size=(SPEC.n_visible, SPEC.n_hidden_total))
    return {
        "accuracy": (analysis.plot_accuracy, (RECORDS,), {}),
        "device_comparison": (analysis.plot_device_comparison, (COMPARISON,), {}),
        "study": (analysis.plot_study, (STUDY, ["spike_rate_hz", "walk_up"]), {}),
        "receptive_fields": (analysis.plot_receptive_fields, (weight, SPEC), {"n_units": 10}),
        "confusion": (analysis.plot_confusion, (LABELS, PREDICTIONS), {}),
        "raster": (analysis.plot_raster, (raster, SPEC), {"label": 3}),
    }


PLOTS = ["accuracy", "device_comparison", "study", "receptive_fields", "confusion", "raster"]
SINGLE_AXES = ["accuracy", "study", "confusion"]


@pytest.mark.parametrize("name", PLOTS)
def test_returns_figure_and_writes_nothing_without_a_path(name, raster, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    function, args, kwargs = _calls(raster)[name]
    fig = function(*args, **kwargs)
    assert isinstance(fig, Figure)
    assert fig.axes and any(ax.has_data() for ax in fig.axes)
    assert fig._repr_png_().startswith(PNG_MAGIC)  # what Jupyter / Colab display inline
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", PLOTS)
def test_writes_the_file_when_given_a_path(name, raster, tmp_path):
    function, args, kwargs = _calls(raster)[name]
    out = tmp_path / "new" / "folder" / f"{name}.png"  # parent folders are created
    fig = function(*args, out, **kwargs)  # the positional form of the existing call sites
    assert isinstance(fig, Figure)
    assert out.read_bytes().startswith(PNG_MAGIC) and out.stat().st_size > 1000
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left
    assert function(*args, out=str(out.with_suffix(".pdf")), **kwargs) is not None
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")  # format from the suffix


def test_failed_write_leaves_no_file(tmp_path):
    with pytest.raises(ValueError):
        analysis.plot_accuracy(RECORDS, tmp_path / "accuracy.not-a-format")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", SINGLE_AXES)
def test_draws_into_a_given_axes(name, raster, tmp_path):
    function, args, kwargs = _calls(raster)[name]
    fig = Figure(figsize=(9, 4))
    left, right = fig.subplots(1, 2)
    assert function(*args, ax=right, **kwargs) is fig
    assert right.has_data() and not left.has_data()
    out = tmp_path / "both.png"
    assert function(*args, out, ax=left, **kwargs) is fig
    assert left.has_data() and out.read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize("name", SINGLE_AXES)
def test_axes_in_a_subfigure_returns_the_root_figure(name, raster):
    function, args, kwargs = _calls(raster)[name]
    fig = Figure()
    ax = fig.subfigures(1, 2)[1].subplots()
    assert function(*args, ax=ax, **kwargs) is fig


def test_read_metrics(tmp_path):
    path = tmp_path / "metrics.jsonl"
    assert analysis.read_metrics(path) == []
    path.write_text('{"epoch": 1, "test_accuracy": 0.5}\n\n{"epoch": 2}\n')
    assert analysis.read_metrics(path) == [{"epoch": 1, "test_accuracy": 0.5}, {"epoch": 2}]


def _run_python(code: str, **env_changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY")}  # headless, no backend chosen
    env.update(env_changes, JAX_PLATFORMS="cpu", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)


def test_import_keeps_the_backend():
    """With MPLBACKEND unset, importing the module leaves matplotlib.get_backend() as it was."""
    result = _run_python("""
        import matplotlib
        before = matplotlib.get_backend()
        import srbm_jax.analysis
        after = matplotlib.get_backend()
        assert before == after, (before, after)
        print(before)
    """)
    assert result.returncode == 0, result.stderr


def test_import_and_plot_select_no_backend_and_no_pyplot():
    """A backend the caller chose stays chosen, and neither importing nor plotting loads pyplot
    or makes a backend choice of its own."""
    result = _run_python("""
        import sys
        import matplotlib
        import srbm_jax.analysis as analysis
        fig = analysis.plot_accuracy([{"epoch": 1, "test_accuracy": 0.5}])
        assert fig._repr_png_()
        assert "matplotlib.pyplot" not in sys.modules
        assert matplotlib.rcParams._get_backend_or_none() is None  # still undecided
        matplotlib.use("svg")
        import importlib
        importlib.reload(analysis)
        assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
    """)
    assert result.returncode == 0, result.stderr
