"""Reading Caffe prototxt specs: defaults made explicit, the net a solver names, TOML round trips,
and malformed files as clean exit-2 errors with file:line:col."""

import json

import pytest
from conftest import CONFIGS

from parity import dialects
from parity.engines.factory import make_engine
from parity.errors import SpecError

CK = CONFIGS / "caffe_keras"
STORY3 = CONFIGS / "story3"


def test_show_marks_every_default(cli):
    code, out, _ = cli("show", STORY3 / "solver.prototxt")
    assert code == 0
    out = " ".join(out.split())  # as printed, however the console wraps it
    assert "lr_mult=2, decay_mult=1 (default), init=constant 0" in out
    assert "round_mode=CEIL (default)" in out and "stride=(1, 1)" in out
    assert "momentum2=0.999 (default)" in out and "regularization_type=L2 (default)" in out
    assert "normalization=VALID (default" in out


def test_defaults_are_caffe_proto_defaults():
    desc = dialects.load(str(STORY3 / "solver.prototxt")).description
    conv1 = next(layer for layer in desc.layers if layer.name == "conv1")
    assert conv1.attrs["stride"] == (1, 1) and conv1.attrs["pad"] == (0, 0) and "stride" in conv1.defaults
    assert [p.lr_mult for p in conv1.params] == [1.0, 2.0] and [p.decay_mult for p in conv1.params] == [1.0, 1.0]
    assert conv1.params[0].filler["type"] == "xavier" and conv1.params[0].filler["variance_norm"] == "FAN_IN"
    assert desc.optimizer.hyper["weight_decay"] == 0.0005 and desc.optimizer.schedule["lr_policy"] == "poly"
    assert desc.input.transform == {"scale": 1.0, "mean": 0.0}  # a Data layer without transform_param: raw


def test_solver_net_is_found_next_to_the_solver_and_said(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the solver's folder: Caffe would look here first
    side = dialects.load(str(CK / "solver.prototxt"))
    assert any("found as" in n and n.endswith("caffe_keras/net.prototxt") for n in side.notes)


def test_a_net_alone_trains_with_plain_sgd_at_lr():
    side = dialects.load(str(CK / "net.prototxt"))
    assert side.description.optimizer.hyper["momentum"] == 0.0
    assert any("plain SGD at --lr" in n for n in side.notes)
    engine = make_engine(side, "B", "float32", lr=0.3)
    assert engine.current_lr() == pytest.approx(0.3)


def test_toml_round_trip_runs_the_same_trajectory(cli, tmp_path, check_json):
    code, out, _ = cli("show", CK / "solver.prototxt", "--format", "toml")
    assert code == 0 and "schema_version = 1" in out
    path = tmp_path / "net.toml"
    path.write_text(out)
    code, report = check_json(CK / "solver.prototxt", path, "--steps", "5", "--samples", "64", "--dtype", "float64")
    assert code == 0, report["first_divergence"]
    worst = max(t["rel_error"] or 0 for t in report["tensors_at_first_divergence"]) if report[
        "tensors_at_first_divergence"] else 0
    assert worst == 0


def test_toml_from_a_newer_parity_says_so(tmp_path, cli):
    path = tmp_path / "new.toml"
    path.write_text('schema_version = 99\ndialect = "caffe"\ninput_shape = [1]\n')
    code, _, err = cli("show", path)
    assert code == 2 and "schema_version 99" in err and "newer parity" in err


POOL = 'layer { name: "p" type: "Pooling" pooling_param { pool: MEDIAN } }\n'
CONV = 'layer { name: "c" type: "Convolution" convolution_param { kernal_size: 3 } }\n'


@pytest.mark.parametrize("text, where, words", [
    ('layer { name: "a" type: "Input" top: "data"\n', ":2:1:", "expected '}'"),
    (POOL, f":1:{POOL.index('MEDIAN') + 1}:", "expected one of MAX, AVE, STOCHASTIC"),
    (CONV, f":1:{CONV.index('kernal') + 1}:", "did you mean 'kernel_size'"),
])
def test_malformed_prototxt_exits_2_with_file_line_col(tmp_path, cli, text, where, words):
    path = tmp_path / "bad.prototxt"
    path.write_text(text)
    code, out, err = cli("show", path)
    assert code == 2, out
    assert f"bad.prototxt{where}" in err and words in err and "Traceback" not in err


def test_missing_net_file_exits_2_at_the_net_line(tmp_path, cli):
    path = tmp_path / "solver.prototxt"
    path.write_text('base_lr: 0.1\nnet: "nowhere.prototxt"\n')
    code, _, err = cli("show", path)
    assert code == 2 and "solver.prototxt:2:1:" in err and "'nowhere.prototxt' was not found" in err


def test_every_unsupported_layer_is_listed_with_its_line(tmp_path):
    path = tmp_path / "net.prototxt"
    path.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 4 } } }\n'
                    'layer { name: "l1" type: "LRN" bottom: "data" top: "l1" }\n'
                    'layer { name: "l2" type: "PReLU" bottom: "l1" top: "l2" }\n')
    with pytest.raises(SpecError) as err:
        dialects.load(str(path))
    assert "'l1' (LRN) at line 2" in str(err.value) and "'l2' (PReLU) at line 3" in str(err.value)


def test_diff_spec_of_two_prototxt_specs(cli):
    code, out, _ = cli("diff-spec", CK / "solver.prototxt", CK / "solver_bias_lr2.prototxt", "--json", "-")
    assert code == 1
    causes = {d["cause"] for d in json.loads(out)}
    assert causes == {"lr-multiplier"}
