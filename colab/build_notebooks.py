"""The single source of the notebooks in colab/: builds every numbered .ipynb from cell lists.

    .venv/bin/python colab/build_notebooks.py                   # rebuild the sources of all notebooks
    .venv/bin/python colab/build_notebooks.py --execute         # ... and run them at full size, saving outputs
    .venv/bin/python colab/build_notebooks.py --execute 03_devices_and_drift   # one notebook (or a list)

Each notebook's cells live in `colab/<name without its number>_cells.py` as

    CELLS = [("markdown", "# 03 · Title ..."), ("code", "..."), ...]

a list of (kind, source) pairs, kind "markdown" or "code". The first cell is the title (markdown,
starting with "# "); the builder puts the install cell (`INSTALL_CELL`) and the runtime cell
(`RUNTIME_CELL`) right after it, the same two cells in every notebook, so those cells are written
only here. In a title, the token @RUN_TIME@ becomes the wall time of the notebook's last full run
(`--execute`, recorded in colab/run_times.json), e.g. "4.2 min" or "12 s". A notebook whose cells module
is missing (02, written by someone else, until it exists) is not built.

`--execute` runs each notebook top to bottom with nbclient at its full size (SRBM_SMOKE and
SRBM_JAX_SOURCE removed from the kernel's environment, so the install cell finds the srbm_jax of
this environment and installs nothing), records its wall time and saves it with its outputs.
Without `--execute`, a code cell whose source is unchanged keeps the outputs saved in the
existing .ipynb; a changed one loses them. tests/test_notebooks.py checks that the committed
notebooks are what this script builds, and runs each of them in smoke mode (SRBM_SMOKE=1).
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import nbformat

COLAB = Path(__file__).resolve().parent

# The repository the install cell installs from (pip's git+ URL). It must equal the `url` of
# setup.cfg's [metadata]; tests/test_notebooks.py checks that it does.
REPOSITORY_URL = "https://github.com/srbm-jax/srbm_jax"

# Numbered notebooks, in order: file stem -> module in colab/ that defines its CELLS.
NOTEBOOKS = {
    "01_quickstart": "quickstart_cells",
    "02_inside_one_image": "inside_one_image_cells",
    "03_devices_and_drift": "devices_and_drift_cells",
    "04_seeds_rates_thresholds": "seeds_rates_thresholds_cells",
    "05_generation_and_completion": "generation_and_completion_cells",
}

RUN_TIMES = COLAB / "run_times.json"
RUN_TIME_TOKEN = "@RUN_TIME@"
MACHINE = "this project's 2-core CPU (shared with other runs)"

INSTALL_CELL = '''\
# Install srbm_jax, and JAX for this runtime if it has none (the same cell in every notebook).
# Source: $SRBM_JAX_SOURCE if set (a checkout, a wheel or any pip requirement); else a wheel you
# uploaded to /content (`make wheel` writes dist/srbm_jax-*.whl); else the repository below.
# Nothing is installed when srbm_jax is importable and SRBM_JAX_SOURCE is unset. The runtime's
# own packages (PINNED) stay at their installed versions: pip gets them as constraints.
import glob
import importlib
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import tempfile

REPOSITORY_URL = "@REPOSITORY_URL@"
# The runtime's packages that installing srbm_jax must not upgrade (Colab's own builds)
PINNED = ("jax", "jaxlib", "jax-cuda12-plugin", "jax-cuda12-pjrt", "libtpu", "numpy",
          "tensorflow", "protobuf", "ml-dtypes")


def detect_runtime():
    """'tpu', 'gpu' or 'cpu', without importing jax."""
    if (os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME")
            or os.path.exists("/dev/accel0") or importlib.util.find_spec("libtpu") is not None):
        return "tpu"
    try:
        subprocess.run(["nvidia-smi"], check=True, capture_output=True, timeout=60)
        return "gpu"
    except (OSError, subprocess.SubprocessError):
        return "cpu"


def pip_install(requirement):
    """pip install --upgrade `requirement` with every installed PINNED package held at its version."""
    pins = []
    for name in PINNED:
        try:
            pins.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    with tempfile.NamedTemporaryFile("w", suffix="-constraints.txt", delete=False) as handle:
        handle.write("\\n".join(pins) + "\\n")
    print(f"pip install {requirement} (held: {', '.join(pins) or 'nothing'})", flush=True)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--upgrade", "--constraint",
                           handle.name, requirement], capture_output=True, text=True)
    if done.returncode:
        output = done.stdout + done.stderr
        print(output[-6000:])
        hit = [line.strip() for line in output.splitlines() if "(constraint)" in line]
        hit = hit or [pin for pin in pins if pin.split("==")[0] in output.lower()]
        print("pip failed; the constraint it hit:", "; ".join(hit) or "none named (see above)")
        raise RuntimeError(f"pip install {requirement} failed (exit {done.returncode})")


def importable(name):
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.origin is not None  # (a folder named srbm_jax is not it)


source = os.environ.get("SRBM_JAX_SOURCE", "")
if importable("srbm_jax") and not source:
    print("srbm_jax is importable: nothing to install (set SRBM_JAX_SOURCE to reinstall)")
else:
    wheels = sorted(glob.glob("/content/srbm_jax-*.whl"), key=os.path.getmtime)
    source = source or (wheels[-1] if wheels else f"git+{REPOSITORY_URL}")
    runtime = detect_runtime()
    if not importable("jax"):
        pip_install({"gpu": "jax[cuda12]", "tpu": "jax[tpu]"}.get(runtime, "jax"))
    pip_install(source)
    if os.environ.get("PIP_TARGET"):  # installed into a folder of its own (the tests do this)
        sys.path.insert(0, os.environ["PIP_TARGET"])
    importlib.invalidate_caches()
    print(f"installed srbm_jax {importlib.metadata.version('srbm_jax')} from {source} ({runtime} runtime)")
'''.replace("@REPOSITORY_URL@", REPOSITORY_URL)

RUNTIME_CELL = '''\
# The runtime: what JAX runs on. SMOKE (SRBM_SMOKE=1, as the tests run it) picks tiny sizes.
import os

import jax

import srbm_jax

SMOKE = os.environ.get("SRBM_SMOKE") == "1"
print(f"JAX {jax.__version__}: backend {jax.default_backend()}, {jax.device_count()} device(s), "
      f"{os.cpu_count()} CPU cores")
print("devices:", jax.devices())
print(f"srbm_jax {srbm_jax.__version__} from {os.path.dirname(srbm_jax.__file__)}")
print("SMOKE run: tiny sizes" if SMOKE else "full run: the sizes stated at the top")
'''

METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
    "accelerator": "GPU",
    "colab": {"provenance": [], "gpuType": "T4"},
}


def _load_cells(module: str) -> list[tuple[str, str]] | None:
    """CELLS of colab/<module>.py, or None when the file does not exist."""
    path = COLAB / f"{module}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"colab_{module}", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    cells = list(loaded.CELLS)
    for kind, source in cells:
        if kind not in ("markdown", "code") or not isinstance(source, str):
            raise ValueError(f"{path}: a cell is ({kind!r}, {type(source).__name__}); allowed "
                             "('markdown' or 'code', str)")
    if not cells or cells[0][0] != "markdown" or not cells[0][1].startswith("# "):
        raise ValueError(f"{path}: the first cell must be the title, a markdown cell starting with '# '")
    return cells


def available() -> list[str]:
    """The notebooks whose cells module exists, in order."""
    return [name for name, module in NOTEBOOKS.items() if (COLAB / f"{module}.py").exists()]


def run_time_text(name: str) -> str:
    """The wall time of the notebook's last full run, as the title states it."""
    times = json.loads(RUN_TIMES.read_text()) if RUN_TIMES.exists() else {}
    if name not in times:
        return "(not yet measured)"
    seconds = times[name]["seconds"]
    return f"{seconds:.0f} s" if seconds < 60 else f"{seconds / 60:.1f} min"


def cell_sources(name: str) -> list[tuple[str, str]]:
    """(kind, source) of every cell of notebook `name`, install and runtime cells included."""
    cells = _load_cells(NOTEBOOKS[name])
    if cells is None:
        raise FileNotFoundError(f"colab/{NOTEBOOKS[name]}.py does not exist")
    title = (cells[0][0], cells[0][1].replace(RUN_TIME_TOKEN, run_time_text(name)))
    return [title, ("code", INSTALL_CELL), ("code", RUNTIME_CELL), *cells[1:]]


def build(name: str) -> nbformat.NotebookNode:
    """The notebook `name` (a key of NOTEBOOKS) without outputs."""
    notebook = nbformat.v4.new_notebook(metadata=json.loads(json.dumps(METADATA)))
    for index, (kind, source) in enumerate(cell_sources(name)):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source.rstrip("\n"), id=f"cell-{index:02d}"))
    nbformat.validate(notebook)
    return notebook


def path_of(name: str) -> Path:
    return COLAB / f"{name}.ipynb"


def keep_outputs(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Copy the outputs of the saved notebook at `path` into `notebook`'s code cells whose
    position and source are unchanged."""
    if not path.exists():
        return
    saved = nbformat.read(path, as_version=4)
    for new, old in zip(notebook.cells, saved.cells, strict=False):
        if new.cell_type == old.cell_type == "code" and new.source == old.source:
            new.outputs, new.execution_count = old.outputs, old.execution_count


def execute(notebook: nbformat.NotebookNode, name: str) -> float:
    """Run `notebook` at full size in colab/ with nbclient; returns the wall time in seconds."""
    from nbclient import NotebookClient

    env = {k: v for k, v in os.environ.items() if k not in ("SRBM_SMOKE", "SRBM_JAX_SOURCE")}
    client = NotebookClient(notebook, timeout=7200, kernel_name="python3",
                            resources={"metadata": {"path": str(COLAB)}})
    start = time.perf_counter()
    client.execute(env=env)
    return time.perf_counter() - start


def record_run_time(name: str, seconds: float) -> None:
    times = json.loads(RUN_TIMES.read_text()) if RUN_TIMES.exists() else {}
    times[name] = {"seconds": round(seconds, 1), "date": datetime.date.today().isoformat(),
                   "machine": MACHINE}
    RUN_TIMES.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")


def write(notebook: nbformat.NotebookNode, path: Path) -> None:
    nbformat.validate(notebook)
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, tmp)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--execute", action="store_true",
                        help="run each notebook at its full size and save its outputs")
    parser.add_argument("names", nargs="*", help=f"notebooks to build (default: all of {available()})")
    args = parser.parse_args(argv)
    names = args.names or available()
    for name in names:
        if name not in NOTEBOOKS:
            parser.error(f"unknown notebook {name!r}: allowed {list(NOTEBOOKS)}")
        if name not in available():
            print(f"{name}: colab/{NOTEBOOKS[name]}.py does not exist, not built")
            continue
        notebook = build(name)
        if args.execute:
            print(f"{name}: running at full size ...", flush=True)
            seconds = execute(notebook, name)
            record_run_time(name, seconds)
            notebook.cells[0].source = build(name).cells[0].source  # the title states the new time
            print(f"{name}: {seconds / 60:.1f} min", flush=True)
        else:
            keep_outputs(notebook, path_of(name))
        write(notebook, path_of(name))
        print(f"wrote {path_of(name).relative_to(COLAB.parent)}")


if __name__ == "__main__":
    sys.exit(main())
