"""Exit codes, the JSON report's schema, and what goes to stdout."""

import json

import pytest
from conftest import STORY1

KERAS = STORY1 / "keras_mlp.py"
NUMPY = STORY1 / "numpy_net.py"
QUANTITIES = {"structure", "loss", "activation", "gradient", "weight"}


def _assert_schema(report):
    assert report["status"] in ("parity", "diverged")
    assert isinstance(report["steps_run"], int)
    first = report["first_divergence"]
    if first is not None:
        assert set(first) >= {"step", "quantity", "layer_a", "layer_b", "param", "rel_error"}
        assert first["quantity"] in QUANTITIES and isinstance(first["step"], int)
        assert first["rel_error"] is None or isinstance(first["rel_error"], float)
    for cause in report["causes"]:
        assert set(cause) >= {"code", "layer_a", "layer_b", "message", "evidence", "fix"}
        assert isinstance(cause["code"], str) and cause["message"] and cause["evidence"]
    for diff in report["spec_differences"]:
        assert set(diff) >= {"field", "layer_a", "layer_b", "a", "b"}


def test_exit_0_on_parity_and_json_only_on_stdout(cli):
    code, out, err = cli("check", f"{KERAS}:build_half", NUMPY, "--steps", "3", "--json", "-")
    assert code == 0
    report = json.loads(out)  # stdout holds the JSON and nothing else
    _assert_schema(report)
    assert report["status"] == "parity" and report["first_divergence"] is None
    assert "PARITY" in err


def test_exit_1_on_divergence_and_json_file(cli, tmp_path):
    path = tmp_path / "report.json"
    code, out, _ = cli("check", KERAS, NUMPY, "--steps", "2", "--json", path)
    assert code == 1
    assert "DIVERGED at step 0" in out
    report = json.loads(path.read_text())
    _assert_schema(report)
    assert report["status"] == "diverged" and report["causes"]


@pytest.mark.parametrize("args, words", [
    (["--steps", "-1"], "--steps must be 0 or more"),
    (["--samples", "999999"], "more than the 3000 samples"),
    (["--weights", "ones"], "--weights: expected zeros, seed[:N]"),
    (["--rtol", "-1"], "--rtol must be a non-negative number"),
    (["--data", "nowhere.npz"], "no such file"),
    (["--a-input", "scale=x"], "--a-input: scale must be a number"),
])
def test_exit_2_on_bad_options(cli, args, words):
    code, out, err = cli("check", KERAS, NUMPY, *args)
    assert code == 2
    assert words in err and "Traceback" not in err + out


def test_exit_2_on_a_missing_spec_names_the_file(cli):
    code, _, err = cli("check", "missing.py", NUMPY)
    assert code == 2 and "missing.py: no such file" in err


def test_exit_2_on_a_spec_that_raises_names_the_file(cli, tmp_path):
    spec = tmp_path / "broken.py"
    spec.write_text("def build():\n    raise RuntimeError('no net here')\n")
    code, _, err = cli("check", spec, NUMPY)
    assert code == 2 and "broken.py: build() raised RuntimeError: no net here" in err


def test_exit_2_on_a_spec_returning_neither_model_nor_adapter(cli, tmp_path):
    spec = tmp_path / "wrong.py"
    spec.write_text("def build():\n    return 42\n")
    code, _, err = cli("check", spec, NUMPY)
    assert code == 2 and "neither a compiled keras.Model nor a Python adapter" in err


def test_exit_3_on_an_internal_error(cli, monkeypatch):
    import parity.check

    def broken(*args, **kwargs):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(parity.check, "run_check", broken)
    code, _, err = cli("check", KERAS, NUMPY)
    assert code == 3
    assert "internal error: ZeroDivisionError: planted" in err and "--debug" in err and "Traceback" not in err


def test_structural_mismatch_is_a_divergence_at_step_zero(check_json, tmp_path):
    spec = tmp_path / "wide.py"
    spec.write_text(
        "import keras\n"
        "def build():\n"
        "    m = keras.Sequential([keras.Input((784,)), keras.layers.Dense(40, activation='sigmoid'),\n"
        "                          keras.layers.Dense(10, activation='sigmoid')])\n"
        "    m.compile(optimizer='sgd', loss='mse')\n"
        "    return m\n")
    code, report = check_json(spec, NUMPY)
    assert code == 1
    _assert_schema(report)
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], first["layer_b"], first["rel_error"]) == (0, "structure", "W1", None)
    assert report["causes"][0]["code"] == "architecture" and "784x40" in report["causes"][0]["evidence"]


def test_show_prints_defaults_and_penalty(cli):
    code, out, _ = cli("show", KERAS)
    assert code == 0
    assert "L2(l2=0.001) = 0.001·Σw²" in out and "reduction=sum_over_batch_size (default" in out


def test_diff_spec_lists_the_regulariser_difference(cli):
    code, out, _ = cli("diff-spec", KERAS, f"{KERAS}:build_half", "--json", "-")
    assert code == 1
    diffs = json.loads(out)
    assert {d["field"] for d in diffs} == {"weight_decay", "kernel decay (gradient term ·w)"}
    per_layer = [d for d in diffs if d["field"].startswith("kernel decay")]
    # each spec's layers are named as when it is built alone, though both come from one process
    assert [(d["layer_a"], d["layer_b"], d["a"], d["b"]) for d in per_layer] == [
        ("dense", "dense", 0.002, 0.001), ("dense_1", "dense_1", 0.002, 0.001)]
    assert {d["cause"] for d in diffs} == {"weight-decay"}


def test_help_lists_the_commands(cli):
    code, out, _ = cli("--help")
    assert code == 0 and all(word in out for word in ("check", "show", "diff-spec"))


def test_diff_spec_json_to_an_unwritable_path_is_a_usage_error(cli, tmp_path):
    code, out, err = cli("diff-spec", KERAS, f"{KERAS}:build_half", "--json", tmp_path / "no" / "such" / "d.json")
    assert code == 2 and out == ""
    assert "--json: cannot write" in err and "d.json" in err and "Traceback" not in err


def test_check_and_record_share_their_training_options():
    """One definition for what `record` means by --data, --steps, ... : the same as `check`."""
    from parity.cli import check, record

    shared = ("data", "samples", "steps", "weights", "optimizer", "lr", "dtype", "device", "debug", "trust_lambda")
    by_name = [{p.name: p for p in cmd.params} for cmd in (check, record)]
    for name in shared:
        a, b = (params[name] for params in by_name)
        assert (a.opts, a.default, repr(a.type), a.help) == (b.opts, b.default, repr(b.type), b.help), name


def test_every_command_has_one_debug_option(cli):
    from parity.cli import main

    for name, cmd in main.commands.items():
        assert [p.name for p in cmd.params].count("debug") == 1, name
