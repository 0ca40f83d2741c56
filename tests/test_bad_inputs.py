"""Every file in tests/bad_inputs/ gives exit 2 and its expected message, naming the file, with no traceback.

The cases and their messages are listed in tests/bad_inputs/expected.toml.
"""

import importlib
import os
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from parity.cli import main
from parity.errors import SpecError

HERE = Path(__file__).resolve().parent / "bad_inputs"
CASES = tomllib.loads((HERE / "expected.toml").read_text())
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _m_loader():
    """The .m dialect goes through the CLI once its loader exists; until then, the reader alone."""
    try:
        importlib.import_module("parity.dialects.matconvnet.loader")  # registers .m with dialects.load
    except ImportError:
        return False
    from parity.dialects import registry

    return ".m" in registry.LOADERS


M_VIA_CLI = _m_loader()


def _setup(kind, tmp):
    if kind == "unreadable":
        target = tmp / "unreadable.prototxt"
        if AS_ROOT:  # chmod does not stop root from reading: a path that cannot be read at all instead
            target.symlink_to(tmp / "gone" / "net.prototxt")
        else:
            target.write_text('name: "net"\n')
            target.chmod(0)
    elif kind == "folder":
        (tmp / "folder.prototxt").mkdir()
    elif kind == "dangling":
        (tmp / "dangling.m").symlink_to(tmp / "nowhere.m")


def _run(args):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name, tmp_path, monkeypatch):
    case = CASES[name]
    args = [a.replace("{here}", str(HERE)).replace("{tmp}", str(tmp_path)) for a in case["args"]]
    expect = case["expect"]
    if case.get("setup"):
        _setup(case["setup"], tmp_path)
        if case["setup"] == "unreadable" and AS_ROOT:
            expect = case["expect_as_root"]
    if case.get("canary"):
        monkeypatch.delenv(case["canary"], raising=False)
    if case.get("m") and not M_VIA_CLI:
        from parity.dialects.matconvnet.mlang.meval import read_init_file

        with pytest.raises(SpecError) as info:
            read_init_file(args[-1])
        code, out, err = 2, "", f"error: {info.value}\n"
    else:
        code, out, err = _run(args)
    assert code == 2, f"exit {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in out + err
    assert err.startswith("error: ") and err.count("\n") == 1, f"not a one-paragraph error:\n{err}"
    for fragment in expect:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    if case.get("file"):
        assert case["file"] in err, err
        if case.get("at"):
            assert f"{case['file']}:{case['at']}: " in err, err
    if case.get("canary"):
        assert case["canary"] not in os.environ, "the pickled object was unpickled"


def test_every_file_in_the_corpus_is_a_case():
    named = {Path(a).name for c in CASES.values() for a in c["args"] if "{here}" in a}
    files = {p.name for p in HERE.iterdir() if p.name not in ("expected.toml", "README.md", "_linear.py")
             and not p.name.startswith(("__", "."))}
    assert files <= named, f"files with no case in expected.toml: {sorted(files - named)}"


def test_the_pickle_canary_would_fire_if_unpickled(monkeypatch):
    """The corpus's pickled.npz really holds a payload: loading it unsafely sets the canary."""
    import numpy as np

    monkeypatch.delenv("PARITY_PICKLE_CANARY", raising=False)
    with np.load(HERE / "pickled.npz", allow_pickle=True) as f:
        f["x"]
    assert os.environ.get("PARITY_PICKLE_CANARY") == "unpickled"


def test_the_pickled_checkpoints_would_fire_the_canary_if_unpickled(monkeypatch):
    """pickled.pt and pickled.caffemodel really hold a payload: an unsafe load of either sets the canary."""
    import pickle

    import torch

    for load in (lambda: torch.load(HERE / "pickled.pt", weights_only=False),
                 lambda: pickle.loads((HERE / "pickled.caffemodel").read_bytes())):
        monkeypatch.delenv("PARITY_PICKLE_CANARY", raising=False)
        load()
        assert os.environ.get("PARITY_PICKLE_CANARY") == "unpickled"


def test_timeout_stops_a_healthy_run_with_exit_2():
    adapter = HERE / "adapter_ok.py"
    code, out, err = _run(["check", str(adapter), str(adapter), "--steps", "5", "--timeout", "1e-9"])
    assert code == 2 and "Traceback" not in out + err
    assert "--timeout 1e-09: the time budget ran out after step 0 of 5" in err
    assert "every tensor agreed up to step 0" in err and "raise --timeout" in err


def test_a_generous_timeout_changes_nothing():
    adapter = HERE / "adapter_ok.py"
    code, out, err = _run(["check", str(adapter), str(adapter), "--steps", "2", "--timeout", "600"])
    assert code == 0, err
    assert "PARITY over 2 steps" in out


def test_memory_estimate_counts_parameters_without_allocating():
    from parity import dialects, resources

    side = dialects.load(str(HERE / "huge_inner_product.prototxt"))
    total, (largest, layer) = resources.parameter_count(side)
    assert total == largest == 10**12 + 10**6 and layer.name == "ip1"
    assert resources.estimate_bytes(total) == total * 2 * 8 * 8
    small = dialects.load(str(HERE / "adapter_ok.py"))
    assert resources.check_memory((small, small), available=10**9) == 7850 * 128
    with pytest.raises(resources.ResourceError, match="needs|need about"):
        resources.check_memory((small, small), available=1000)


def test_trust_lambda_loads_a_lambda_layer_and_only_for_that_command(tmp_path):
    from parity import lazy

    lazy.tensorflow()
    import keras

    model = keras.Sequential([keras.Input((784,)), keras.layers.Lambda(lambda x: x * 2.0, name="double"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    path = tmp_path / "lambda.keras"
    model.save(path)
    code, out, err = _run(["show", "--trust-lambda", str(path)])
    assert code == 0, err
    assert "double: Lambda" in out
    code, _, err = _run(["show", str(path)])  # the trust lasted one command
    assert code == 2 and "holds a Lambda layer" in err and "--trust-lambda" in err
