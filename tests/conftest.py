"""Shared fixtures: paths to the bundled configs, an in-process CLI runner, and the three stories as
`make demo` runs them (each run once per session, shared by the story tests and the golden console tests)."""

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # tests run on the CPU


def _reserve_two_replicas():
    """TensorFlow fixes its logical devices when it starts, once per process: split the CPU in two now, as
    `parity check --b-replicas 2` does before loading specs, so the in-process data-parallel tests run."""
    from parity import lazy
    from parity.engines.factory import reserve_replicas

    reserve_replicas(2)
    lazy.tensorflow()


_reserve_two_replicas()

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
STORY1 = CONFIGS / "story1"
GOLDEN = Path(__file__).resolve().parent / "golden"

# The stories as the Makefile's demo target runs them, from the repository root (test_golden checks that
# the Makefile still says so).
DEMO = {
    "story1": ("configs/story1/keras_mlp.py", "configs/story1/numpy_net.py", "--weights", "zeros", "--steps", "20"),
    "story2": ("configs/story2/cnn_two_class_init.m", "configs/story2/keras_port.py",
               "--data", "configs/story2/mnist_two_classes.npz", "--samples", "64", "--steps", "5"),
    "story3": ("configs/story3/keras_model.py", "configs/story3/solver.prototxt", "--steps", "5"),
}


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/*.txt from the current console output (review them with git diff).")


@pytest.fixture
def cli():
    """Run `parity ARGS...` in-process; returns (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from parity.cli import main

    def run(*args):
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def check_json(cli):
    """Run `parity check ... --json -` and return (exit code, report)."""

    def run(*args):
        code, out, err = cli("check", *args, "--json", "-")
        assert out.strip(), f"no JSON on stdout; stderr was:\n{err}"
        return code, json.loads(out)

    return run


@pytest.fixture(scope="session")
def demo_story(tmp_path_factory):
    """demo_story(name) -> (exit code, console report on stdout, stderr, JSON report, JUnit XML text):
    `parity check` on that story as `make demo` runs it (plus --json and --junit files, which leave the
    console report as it is), in-process from the repository root; each story runs once."""
    from click.testing import CliRunner

    from parity.cli import main

    runs = {}

    def run(name):
        if name not in runs:
            folder = tmp_path_factory.mktemp(name)
            report, junit = folder / "report.json", folder / "report.xml"
            here = os.getcwd()
            os.chdir(ROOT)
            try:
                result = CliRunner().invoke(main, ["check", *DEMO[name], "--json", str(report), "--junit", str(junit)],
                                            catch_exceptions=False, color=False)
            finally:
                os.chdir(here)
            runs[name] = (result.exit_code, result.stdout, result.stderr, json.loads(report.read_text()),
                          junit.read_text())
        return runs[name]

    return run
