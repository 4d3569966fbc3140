"""Every numbered notebook in colab/ runs top to bottom at its smoke size.

The code cells are executed in order in one namespace (shell `!` / `%` lines skipped), with
SRBM_JAX_NOTEBOOK_SMOKE=1 so that each notebook picks its seconds-long configuration.
"""
from __future__ import annotations

import json
import pathlib

import matplotlib
import pytest

matplotlib.use("Agg")

NOTEBOOKS = sorted((pathlib.Path(__file__).parent.parent / "colab").glob("[0-9][0-9]_*.ipynb"))


def test_notebooks_exist():
    assert NOTEBOOKS, "colab/ has no numbered notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("SRBM_JAX_NOTEBOOK_SMOKE", "1")
    notebook = json.loads(path.read_text())
    namespace: dict = {"__name__": "__notebook__"}
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        lines = [line for line in "".join(cell["source"]).splitlines()
                 if not line.lstrip().startswith(("!", "%"))]
        exec(compile("\n".join(lines), f"{path.name}[{index}]", "exec"), namespace)  # noqa: S102
    assert 0.0 <= namespace["result"]["accuracy"] <= 1.0
