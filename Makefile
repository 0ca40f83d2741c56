# parity: `make demo` runs the three stories on the bundled data; `make test` runs the suite.
# Each target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PARITY := $(VENV)/bin/parity
STORY1 := configs/story1

.PHONY: install demo test lint bench clean fuzz zoo octave generated

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,torch]'
	touch $@

# The stories diverge (exit 1 is the finding, not a failure); the equivalent pairs must be parity.
demo: install
	$(PARITY) check $(STORY1)/keras_mlp.py $(STORY1)/numpy_net.py --weights zeros --steps 20; test $$? -eq 1
	$(PARITY) check $(STORY1)/keras_mlp.py:build_half $(STORY1)/numpy_net.py --steps 50
	$(PARITY) check configs/story3/keras_model.py configs/story3/solver.prototxt --steps 5; test $$? -eq 1
	$(PARITY) check configs/story2/cnn_two_class_init.m configs/story2/keras_port.py \
		--data configs/story2/mnist_two_classes.npz --samples 64 --steps 5; test $$? -eq 1
	$(PARITY) check configs/caffe_keras/keras_model.py configs/caffe_keras/solver.prototxt --samples 256 --steps 30
	$(PARITY) check configs/pytorch_keras/keras_mlp.py configs/pytorch_keras/torch_mlp.py --samples 64 --steps 20
	$(PARITY) check configs/pytorch_story/keras_port.py configs/pytorch_story/torch_mnist.py --samples 64 --steps 3; test $$? -eq 1

# GNU Octave runs the MATLAB/MatConvNet recorder in tests/test_recorders.py: Debian's package, when missing.
octave:
	command -v octave-cli >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends octave >/dev/null)

test: install octave
	$(PY) -m pytest

# A long fuzzing campaign over the prototxt and .m readers (make test runs a bounded one).
fuzz: install
	$(PY) tools/fuzz.py --count 100000

lint: install
	$(PY) -m ruff check parity tests bench tools/profile_check.py

bench: install
	$(PY) bench/bench_check.py

# The zoo (configs/zoo/zoo.toml): planted divergences and equivalent pairs; a table of pair, expected,
# found, rank, time. Exits 1 when an expected cause is not ranked first.
zoo: install
	$(PY) tools/zoo.py

# The generated suite (tools/generate_pairs.py): 120 seeded planted and equivalent pairs over sizes,
# activations, losses, λ, rates and starting weights, Keras against NumPy (with and without grads()),
# Caffe and MatConvNet. Exits 1 when a planted cause is not ranked first or an equivalent pair is not
# parity; `make test` runs a bounded subset (tests/test_generated_pairs.py).
generated: install
	$(PY) tools/generate_pairs.py

clean:
	rm -rf $(VENV) .pytest_cache
