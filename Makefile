# parity: `make demo` runs story 1 on the bundled MNIST subset; `make test` runs the suite.
# Each target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PARITY := $(VENV)/bin/parity
STORY1 := configs/story1

.PHONY: install demo test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Story 1 diverges (exit 1 is the finding, not a failure); the equivalent pair must be parity.
demo: install
	$(PARITY) check $(STORY1)/keras_mlp.py $(STORY1)/numpy_net.py --weights zeros --steps 20; test $$? -eq 1
	$(PARITY) check $(STORY1)/keras_mlp.py:build_half $(STORY1)/numpy_net.py --steps 50

test: install
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check parity tests bench

bench: install
	$(PY) bench/bench_check.py

clean:
	rm -rf $(VENV) .pytest_cache
