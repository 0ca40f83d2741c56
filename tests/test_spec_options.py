"""--a-set/--b-set NAME=VALUE: a spec's own options from the command line — a MatConvNet init
function's vl_argparse options, a Python spec's keyword arguments to NAME() — and the LeNet pair:
Caffe's MNIST example form against a cnn_mnist_init-style file."""

import pytest
from conftest import CONFIGS, STORY1

from parity.dialects.spec_options import parse, read_value
from parity.errors import UsageError

LENET = CONFIGS / "lenet"
SOLVER, INIT = LENET / "lenet_solver.prototxt", LENET / "lenet_mnist_init.m"
MLP = f"{STORY1 / 'numpy_net.py'}:NumpyMLP"  # NumpyMLP(lam=..., summed=False, bad_grad=False)


@pytest.mark.parametrize("text, value", [("3", 3), ("-2", -2), ("0.5", 0.5), ("1e-3", 1e-3), ("true", True),
                                         ("False", False), ("simplenn", "simplenn"), ("'dagnn'", "dagnn")])
def test_values_read_as_numbers_booleans_or_text(text, value):
    assert read_value(text) == value and type(read_value(text)) is type(value)


def test_a_later_name_wins_and_a_malformed_item_is_a_usage_error():
    assert parse(("a=1", "b=x", "a=2"), "--a-set") == {"a": 2, "b": "x"}
    for item in ("batchNormalization", "=1", "a="):
        with pytest.raises(UsageError, match="--b-set takes NAME=VALUE"):
            parse((item,), "--b-set")


def test_lenet_caffe_example_against_cnn_mnist_init_without_batchnorm_is_input_scale(check_json):
    code, report = check_json(SOLVER, INIT, "--b-set", "batchNormalization=false", "--samples", "32",
                              "--steps", "1")
    assert code == 1
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], first["layer_a"]) == (0, "activation", "input")
    assert abs(first["rel_error"] - 1 / 256) < 1e-4  # x/256 against x/255: relative difference 1/256
    assert report["causes"][0]["code"] == "input-scale"
    a, b = report["sides"]["A"], report["sides"]["B"]
    assert a["input"].startswith("[0, 0.9961]") and b["input"].startswith("[0, 1]")
    assert "init option batchNormalization = False (from the command line)" in b["notes"]


def test_lenet_with_the_init_files_default_batchnorm_parts_on_structure(cli):
    code, out, _ = cli("show", INIT)
    assert code == 0 and out.count("batchnorm") >= 3  # three bnorm layers spliced in by default
    code, out, _ = cli("show", INIT, "--set", "batchNormalization=false")
    assert code == 0 and "batchnorm" not in out.split("note:")[0]


def test_an_unknown_init_option_is_exit_2_listing_the_accepted_ones(cli):
    code, _, err = cli("check", SOLVER, INIT, "--b-set", "batchnorm=false")
    assert code == 2 and "lenet_mnist_init.m" in err
    assert "unknown option 'batchnorm'" in err and "batchNormalization, networkType" in err


def test_the_parity_comment_keeps_working_and_the_command_line_wins(cli, tmp_path):
    spec = tmp_path / "commented_init.m"
    spec.write_text(INIT.read_text().replace("opts.batchNormalization = true ;",
                                             "% parity: batchNormalization=false\nopts.batchNormalization = true ;"))
    code, out, _ = cli("show", spec)
    assert code == 0 and "from the `% parity:` comment" in out and "batchnorm" not in out.split("note:")[0]
    code, out, _ = cli("show", spec, "--set", "batchNormalization=true")
    assert code == 0 and out.split("note:")[0].count("batchnorm") >= 3


def test_a_spec_that_takes_no_options_is_exit_2(cli):
    code, _, err = cli("check", SOLVER, INIT, "--a-set", "base_lr=0.1")
    assert code == 2 and "lenet_solver.prototxt: takes no options" in err


def test_python_keyword_arguments_reach_name(check_json):
    code, report = check_json(MLP, MLP, "--samples", "64", "--steps", "2")
    assert code == 0 and report["status"] == "parity"
    code, report = check_json(MLP, MLP, "--b-set", "lam=0", "--samples", "64", "--steps", "2")
    assert code == 1 and report["first_divergence"]["step"] == 0  # the penalty is in B's objective no more


def test_an_unknown_keyword_is_exit_2_listing_the_accepted_ones(cli):
    code, _, err = cli("check", MLP, MLP, "--a-set", "lambda=0.1")
    assert code == 2
    assert "NumpyMLP() has no option 'lambda'" in err and "the options it accepts: lam, summed, bad_grad" in err
    code, _, err = cli("check", MLP, f"{STORY1 / 'numpy_net.py'}", "--b-set", "lam=0.1")
    assert code == 2 and "build() has no option 'lam'" in err and "none: it takes no arguments" in err


def test_record_takes_the_same_options(cli, tmp_path):
    out = tmp_path / "t.h5"
    code, _, err = cli("record", MLP, "--out", out, "--set", "lam=0", "--samples", "32", "--steps", "1")
    assert code == 0, err
    code, _, err = cli("record", MLP, "--out", out, "--set", "lamda=0")
    assert code == 2 and "has no option 'lamda'" in err
