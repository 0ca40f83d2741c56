"""`--weights FILE` in check and record, `--steps 0` conversion checks, and isolation at a first divergence in
activations (contract: `--weights FILE`, `--steps 0`, `isolation`).

configs/trained/cnn.weights.h5 was trained and saved by Keras (tools/train_trained_example.py); the Caffe
port of it plants one conversion error (pool2 AVE for MAX) that isolation must pin on that stage alone.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from checkpoint_writers import caffemodel

from parity.checkpoints import read
from parity.trace.reader import open_trace

TRAINED = Path(__file__).resolve().parents[1] / "configs" / "trained"
KERAS, PORT, FIXED = TRAINED / "keras_cnn.py", TRAINED / "caffe_port.prototxt", TRAINED / "caffe_port_fixed.prototxt"
CHECKPOINT = TRAINED / "cnn.weights.h5"
TOL = 1e-5


def _check(cli, tmp_path, *args):
    out = tmp_path / "report.json"
    code, stdout, stderr = cli("check", *args, "--samples", 64, "--json", out)
    assert code in (0, 1), stderr + stdout
    return code, json.loads(out.read_text()), stdout


def test_a_keras_checkpoint_starts_record_bit_for_bit(cli, tmp_path):
    out = tmp_path / "t.h5"
    code, _, err = cli("record", KERAS, "--weights", CHECKPOINT, "--steps", 0, "--samples", 16, "--out", out)
    assert code == 0, err
    by_layer = {}
    for e in read(str(CHECKPOINT)).entries:
        by_layer.setdefault(e.layer, []).append(e.array)
    with open_trace(out) as trace:
        side = trace.side("A")
        _, weights, _, _ = side.read(0)
        for t in side.tensors:
            np.testing.assert_array_equal(weights[t.key], by_layer[t.layer][0 if t.role == "kernel" else 1])


def test_the_correct_port_is_parity_from_the_trained_checkpoint(cli, tmp_path):
    code, report, _ = _check(cli, tmp_path, KERAS, FIXED, "--weights", CHECKPOINT, "--steps", 3, "--optimizer", "sgd")
    assert code == 0 and report["status"] == "parity", report["first_divergence"]
    assert any("fits side A" in note for note in report["notes"])


def test_steps_0_finds_the_planted_conversion_error_and_isolation_pins_it(cli, tmp_path):
    code, report, stdout = _check(cli, tmp_path, KERAS, PORT, "--weights", CHECKPOINT, "--steps", 0)
    assert code == 1 and report["steps_run"] == 0
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], first["layer_b"]) == (0, "activation", "pool2")
    stages = {e["layer_b"]: e for e in report["isolation"]}
    assert list(stages) == ["relu1", "pool2", "fc"]
    assert stages["relu1"]["introduced"] <= TOL and stages["relu1"]["inherited"] <= TOL
    assert stages["pool2"]["introduced"] > 0.1 and stages["pool2"]["inherited"] <= TOL  # the layer to fix
    assert stages["fc"]["introduced"] <= TOL < stages["fc"]["inherited"]  # only passes it on
    assert "introduced" in stdout  # the console table's isolation column


@pytest.mark.parametrize("keras_first", [True, False])
def test_a_middle_activation_that_differs_names_that_layer_and_the_next_only_inherits(cli, tmp_path, keras_first):
    """Three hidden layers, the middle one TanH on the Caffe side; either side may be B (Keras runs its
    stage through its own layers, Caffe through the description engine)."""
    sides = [TRAINED / "mlp3_relu.py", TRAINED / "mlp3_tanh_middle.prototxt"]
    code, report, _ = _check(cli, tmp_path, *(sides if keras_first else sides[::-1]), "--steps", 0)
    assert code == 1
    first = report["first_divergence"]
    assert first["quantity"] == "activation" and "tanh2" in (first["layer_a"], first["layer_b"])
    introduced = [e["introduced"] for e in report["isolation"]]
    inherited = [e["inherited"] for e in report["isolation"]]
    assert len(introduced) == 4
    assert introduced[0] <= TOL and introduced[1] > 0.1  # hidden2's stage introduces the error
    assert introduced[2] <= TOL and introduced[3] <= TOL  # hidden3 and out only inherit it
    assert inherited[2] > 0.1


def test_a_caffemodel_fits_the_caffe_side_and_is_converted_to_keras(cli, tmp_path):
    """The file fits side B (Caffe layouts, a C,H,W flatten before fc): side A gets it converted."""
    rng = np.random.default_rng(4)
    blobs = {"conv1": ("Convolution", [rng.normal(0, 0.3, (4, 1, 3, 3)), rng.normal(0, 0.1, 4)]),
             "conv2": ("Convolution", [rng.normal(0, 0.3, (8, 4, 3, 3)), rng.normal(0, 0.1, 8)]),
             "fc": ("InnerProduct", [rng.normal(0, 0.1, (10, 8 * 12 * 12)), rng.normal(0, 0.1, 10)])}
    path = caffemodel(tmp_path / "port.caffemodel", blobs)
    code, report, _ = _check(cli, tmp_path, KERAS, FIXED, "--weights", path, "--steps", 2, "--optimizer", "sgd")
    assert code == 0, report["first_divergence"]
    assert any("fits side B" in note for note in report["notes"])


def test_a_checkpoint_that_fits_neither_side_is_exit_2_naming_the_parameter(cli, tmp_path):
    path = caffemodel(tmp_path / "wrong.caffemodel", {
        "conv1": ("Convolution", [np.zeros((4, 1, 5, 5)), np.zeros(4)]),
        "conv2": ("Convolution", [np.zeros((8, 4, 3, 3)), np.zeros(8)]),
        "fc": ("InnerProduct", [np.zeros((10, 1152)), np.zeros(10)])})
    code, out, err = cli("check", KERAS, FIXED, "--weights", path, "--steps", 0, "--samples", 16)
    assert code == 2 and "Traceback" not in out + err
    assert str(path) in err and "fits no side" in err
    assert "conv1/0 (kernel of layer 'conv1') expects shape 4x1x3x3 (out,in,h,w); the file's conv1/0 has shape " \
           "4x1x5x5" in err


def test_a_torch_state_dict_saved_by_torch_starts_both_sides(cli, tmp_path):
    """nn.Linear weights are (out, in) as Caffe's InnerProduct: the file fits the Caffe side (B) by name and
    is converted to Keras's (in, out); the recorded step 0 of both sides is the file, bit for bit."""
    from collections import OrderedDict

    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(OrderedDict([
        ("hidden1", torch.nn.Linear(784, 16)), ("a1", torch.nn.ReLU()), ("hidden2", torch.nn.Linear(16, 16)),
        ("a2", torch.nn.ReLU()), ("hidden3", torch.nn.Linear(16, 16)), ("a3", torch.nn.ReLU()),
        ("out", torch.nn.Linear(16, 10))]))
    torch.save(net.state_dict(), tmp_path / "mlp3.pt")
    trace = tmp_path / "check.h5"
    code, report, _ = _check(cli, tmp_path, TRAINED / "mlp3_relu.py", TRAINED / "mlp3_relu.prototxt",
                             "--weights", tmp_path / "mlp3.pt", "--steps", 2, "--optimizer", "sgd", "--trace", trace)
    assert code == 0, report["first_divergence"]
    assert any("fits side B" in note for note in report["notes"])
    state = net.state_dict()
    with open_trace(trace) as t:
        for label in "AB":
            side = t.side(label)
            _, weights, _, _ = side.read(0)
            for tensor in side.tensors:
                theirs = state[f"{tensor.layer}.{'weight' if tensor.role == 'kernel' else 'bias'}"].numpy()
                ours = weights[tensor.key]
                np.testing.assert_array_equal(ours.T if tensor.layout == "in,out" else ours, theirs)


def test_a_trace_step_starts_a_check(cli, tmp_path):
    out = tmp_path / "t.h5"
    code, _, err = cli("record", TRAINED / "mlp3_relu.py", "--steps", 2, "--samples", 16, "--out", out)
    assert code == 0, err
    code, report, _ = _check(cli, tmp_path, TRAINED / "mlp3_relu.py", TRAINED / "mlp3_relu.prototxt",
                             "--weights", f"{out}@1", "--steps", 0)
    assert code == 0, report["first_divergence"]
    assert any("weights from step 1 of side A" in note for note in report["notes"])


def test_a_torch_state_dict_starts_a_keras_torch_pair_that_stays_parity(cli, tmp_path):
    """A state_dict saved by torch fits the PyTorch side (B) by its keys and is converted to Keras's layouts;
    the equivalent pair of configs/pytorch_keras stays parity from it."""
    import torch
    from torch import nn

    torch.manual_seed(1)
    torch.save(nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10)).state_dict(), tmp_path / "mlp.pt")
    pair = TRAINED.parent / "pytorch_keras"
    code, report, _ = _check(cli, tmp_path, f"{pair / 'keras_mlp.py'}:build_plain",
                             f"{pair / 'torch_mlp.py'}:build_plain", "--weights", tmp_path / "mlp.pt", "--steps", 3)
    assert code == 0, report["first_divergence"]
    assert any("fits side B" in note for note in report["notes"])
