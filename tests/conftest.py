"""Shared fixtures: paths to the bundled configs and an in-process CLI runner."""

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # tests run on the CPU

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
STORY1 = CONFIGS / "story1"
SHARED = ROOT.parent / "shared"


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
