# Two commands on a fresh machine:  `make train` (main job) and `make test` (the test suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
WORKDIR ?= runs/default
CONFIG ?= experiments/configs/default.py
ARGS ?=

.PHONY: install train test test-slow bench lint wheel notebooks clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Train and evaluate on MNIST with the embedded default config; prints accuracy, writes plots.
# Overrides: make train CONFIG=experiments/configs/best.py ARGS="--config.train_size=10000 --config.epochs=2" WORKDIR=runs/small
train: install
	$(PY) -m experiments.train_mnist --config=$(CONFIG) --workdir=$(WORKDIR) $(ARGS)

# The default test run (CI runs exactly this): excludes tests marked slow.
test: install
	$(PY) -m pytest -q

test-slow: install
	$(PY) -m pytest -q -m slow

bench: install
	$(PY) -m benchmarks.throughput
	$(PY) -m benchmarks.dt_convergence
	$(PY) -m benchmarks.pcm_update

# A wheel of the package (dist/srbm_jax-*.whl), e.g. to upload to a Colab runtime's /content.
wheel: install
	$(PY) -m pip wheel --no-deps -w dist .

# Rebuild colab/*.ipynb from colab/*_cells.py and run them at full size, saving the outputs.
notebooks: install
	$(PY) colab/build_notebooks.py --execute

lint: install
	$(PY) -m ruff check srbm_jax experiments tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
