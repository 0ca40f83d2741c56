"""The Caffe prototxt reader and schema: syntax, positions in errors, validation, defaults."""

import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parity.dialects.caffe import proto_layers, proto_net, schema
from parity.dialects.caffe.prototxt import MAX_DEPTH, Enum, Field, Message, parse, parse_file
from parity.errors import SpecError

LENET = '''\
name: "LeNet"  # the classic
layer {
  name: "mnist"
  type: "Data"
  top: "data"
  top: "label"
  include { phase: TRAIN }
  transform_param { scale: 0.00390625 mirror: false }
  data_param { source: "examples/mnist/mnist_train_lmdb" batch_size: 64 backend: LMDB }
}
layer {
  name: "conv1"
  type: "Convolution"
  bottom: "data"
  top: "conv1"
  param { lr_mult: 1 }
  param { lr_mult: 2 decay_mult: 0 }
  convolution_param {
    num_output: 20
    kernel_size: 5
    stride: 1
    weight_filler { type: "xavier" }
    bias_filler { type: "constant" }
  }
}
layer {
  name: "pool1"; type: "Pooling"; bottom: "conv1"; top: "pool1"
  pooling_param: { pool: MAX kernel_size: 2 stride: 2 }
}
layer {
  name: "ip1" type: "InnerProduct" bottom: "pool1" top: "ip1"
  param { lr_mult: 1 } param { lr_mult: 2 }
  inner_product_param {
    num_output: 500
    weight_filler { type: "gaussian" std: 0.01 }
    bias_filler { type: "constant" value: 0.1 }
  }
}
layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
layer { name: "drop1" type: "Dropout" bottom: "ip1" top: "ip1" dropout_param { dropout_ratio: .5 } }
layer {
  name: "accuracy" type: "Accuracy" bottom: "ip1" bottom: "label" top: "accuracy"
  include { phase: TEST }
}
layer {
  name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss"
  loss_param { normalization: VALID ignore_label: -1 }
  loss_weight: 1
}
'''

LENET_SOLVER = '''\
net: "examples/mnist/lenet_train_test.prototxt"
test_iter: 100
test_interval: 500
base_lr: 0.01
momentum: 0.9
weight_decay: 0.0005
lr_policy: "inv"
gamma: 0.0001
power: 0.75
display: 100
max_iter: 10000
snapshot: 5000
snapshot_prefix: "examples/mnist/lenet"
solver_mode: GPU
'''

LEGACY_NET = '''\
name: "CaffeNet-V1"
input: "data"
input_dim: 10 input_dim: 3 input_dim: 227 input_dim: 227
layers {
  name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1"
  blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
  convolution_param { num_output: 96 kernel_size: 11 stride: 4 }
}
layers { name: "relu1" type: RELU bottom: "conv1" top: "conv1" }
'''


def error_of(fn, *args, **kwargs):
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    return info.value


# --- the reference files --------------------------------------------------------------------

@pytest.fixture(scope="module")
def reference_dir():
    path = Path(__file__).resolve().parent / "data" / "caffe-reference"
    assert path.is_dir(), f"the real Caffe files are missing: {path}"
    return path


def test_every_reference_file_parses_and_validates(reference_dir):
    cases = sorted(p for p in reference_dir.iterdir() if p.is_dir())
    assert cases, f"no cases under {reference_dir}"
    for case in cases:
        net = parse_file(case / "net.prototxt")
        schema.validate(net, "NetParameter", str(case / "net.prototxt"))
        assert net.get_all("layer"), case
        solver = parse_file(case / "solver.prototxt")
        schema.validate(solver, "SolverParameter", str(case / "solver.prototxt"))
        assert solver.get("net") == "net.prototxt"
        assert solver.get("solver_mode") == Enum("CPU")


def test_reference_values_come_through(reference_dir):
    net = parse_file(reference_dir / "sgd_momentum" / "net.prototxt")
    schema.validate(net, "NetParameter")
    pool1 = next(layer for layer in net.get_all("layer") if layer.get("name") == "pool1")
    assert pool1.get("pooling_param").get("pool") == Enum("MAX")
    relu = next(layer for layer in net.get_all("layer") if layer.get("type") == "ReLU")
    assert relu.get("relu_param").get("negative_slope") == pytest.approx(0.1)
    data = net.get_all("layer")[0]
    assert data.get("input_param").get("shape").get_all("dim") == [32, 1, 28, 28]
    solver = parse_file(reference_dir / "rmsprop" / "solver.prototxt")
    schema.validate(solver, "SolverParameter")
    assert isinstance(solver.get("rms_decay"), float)


# --- realistic files ------------------------------------------------------------------------

def test_lenet_net():
    net = parse(LENET, "lenet.prototxt")
    schema.validate(net, "NetParameter", "lenet.prototxt")
    assert net.get("name") == "LeNet"
    layers = net.get_all("layer")
    assert [layer.get("name") for layer in layers] == [
        "mnist", "conv1", "pool1", "ip1", "relu1", "drop1", "accuracy", "loss"]
    mnist, conv1, pool1, ip1 = layers[:4]
    assert mnist.get_all("top") == ["data", "label"]
    assert mnist.get("include").get("phase") == Enum("TRAIN")
    assert mnist.get("transform_param").get("scale") == 0.00390625
    assert mnist.get("transform_param").get("mirror") is False
    assert mnist.get("data_param").get("backend") == Enum("LMDB")
    params = conv1.get_all("param")
    assert [p.get("lr_mult") for p in params] == [1.0, 2.0]
    assert isinstance(params[0].get("lr_mult"), float)  # validate made the int a float
    assert params[1].get("decay_mult") == 0.0 and not params[0].has("decay_mult")
    conv = conv1.get("convolution_param")
    assert conv.get_all("kernel_size") == [5]
    assert conv.get("weight_filler").get("type") == "xavier"
    assert pool1.get("pooling_param").get("pool") == Enum("MAX")
    assert ip1.get("inner_product_param").get("bias_filler").get("value") == 0.1
    assert layers[5].get("dropout_param").get("dropout_ratio") == 0.5
    loss = layers[7]
    assert loss.get("loss_param").get("ignore_label") == -1
    assert loss.get_all("loss_weight") == [1.0]
    assert schema.legacy_uses(net, "NetParameter") == []


def test_lenet_positions():
    net = parse(LENET)
    conv1 = net.get_all("layer")[1]
    assert (conv1.line, conv1.col) == (11, 7)  # the '{'
    assert net.where("layer") == (2, 1)
    assert conv1.where("convolution_param") == (18, 3)
    assert conv1.get("convolution_param").where("kernel_size") == (20, 5)
    field = conv1.fields[0]
    assert (field.name, field.value, field.line, field.col) == ("name", "conv1", 12, 3)
    assert (field.value_line, field.value_col) == (12, 9)
    assert conv1.where("no_such_field") == (11, 7)  # absent: the block itself


def test_lenet_solver():
    solver = parse(LENET_SOLVER)
    schema.validate(solver, "SolverParameter")
    assert solver.get("base_lr") == 0.01 and solver.get("gamma") == 0.0001
    assert solver.get_all("test_iter") == [100]
    assert solver.get("solver_mode") == Enum("GPU")
    settings_ = schema.resolved(solver, "SolverParameter")
    assert settings_["momentum"] == schema.Setting(0.9, True)
    assert settings_["delta"] == schema.Setting(1e-8, False)
    assert settings_["type"] == schema.Setting("SGD", False)
    assert settings_["stepvalue"] == schema.Setting([], False)
    assert settings_["train_state"] == schema.Setting(None, False)
    assert schema.is_explicit(solver, "momentum") and not schema.is_explicit(solver, "delta")


def test_legacy_v1_layers_are_accepted_and_flagged():
    net = parse(LEGACY_NET)
    schema.validate(net, "NetParameter")
    first = net.get_all("layers")[0]
    assert first.get("type") == Enum("CONVOLUTION")
    assert first.get_all("blobs_lr") == [1.0, 2.0]
    uses = schema.legacy_uses(net, "NetParameter")
    assert [(u.path, u.line, u.col) for u in uses] == [
        ("input[0]", 2, 1), ("input_dim[0]", 3, 1), ("layers[0]", 4, 1)]
    assert "use 'layer' instead" in uses[2].note


def test_legacy_inside_layers_and_solver():
    net = parse('layer { name: "l" loss_param { normalize: false } }\n'
                'layer { concat_param { concat_dim: 1 } }')
    schema.validate(net, "NetParameter")
    assert [u.path for u in schema.legacy_uses(net, "NetParameter")] == [
        "layer[0].loss_param.normalize", "layer[1].concat_param.concat_dim"]
    solver = parse("solver_type: ADAM")
    schema.validate(solver, "SolverParameter")
    assert schema.legacy_uses(solver, "SolverParameter")[0].path == "solver_type"


# --- scalars, strings, comments, structure ------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("42", 42), ("-7", -7), ("0", 0), ("0x1F", 31), ("0X10", 16), ("017", 15), ("00", 0),
    ("18446744073709551615", 2**64 - 1), ("-9223372036854775808", -2**63),
    ("1.5", 1.5), ("1e-4", 1e-4), ("1E+3", 1000.0), (".5", 0.5), ("5.", 5.0), ("-.25", -0.25),
    ("2.5f", 2.5), ("3F", 3.0), ("0.5", 0.5), ("0e1", 0.0), ("- 3", -3), ("-# c\n3", -3),
    ("inf", math.inf), ("-inf", -math.inf), ("INF", math.inf), ("Infinity", math.inf),
    ("-Inf", -math.inf),
    ("true", True), ("false", False), ("True", True), ("False", False),
    ("MAX", Enum("MAX")), ("CEIL", Enum("CEIL")), ("t", Enum("t")),
    ('"abc"', "abc"), ("'abc'", "abc"), ('""', ""), ('"it\'s"', "it's"), ("'say \"hi\"'", 'say "hi"'),
])
def test_scalar_values(text, expected):
    value = parse(f"v: {text}").get("v")
    assert value == expected and type(value) is type(expected)


def test_nan_and_enum_identity():
    assert math.isnan(parse("v: nan").get("v")) and math.isnan(parse("v: -NaN").get("v"))
    assert isinstance(parse("v: MAX").get("v"), Enum)
    assert not isinstance(parse('v: "MAX"').get("v"), Enum)
    assert repr(Enum("MAX")) == "Enum('MAX')"


@pytest.mark.parametrize("literal, expected", [
    (r'"a\nb"', "a\nb"), (r'"a\tb"', "a\tb"), (r'"a\\b"', "a\\b"), (r'"a\"b"', 'a"b'),
    (r"'a\'b'", "a'b"), (r'"\x41\x4a"', "AJ"), (r'"\101\060"', "A0"), (r'"\0"', "\0"),
    (r'"\x4"', "\x04"), (r'"\a\b\f\r\v\?"', "\a\b\f\r\v?"), (r'"\u00e9"', "é"),
    (r'"\U0001F600"', "\U0001F600"), (r'"\303\251"', "é"), ('"日本"', "日本"),
    ('"ab" "cd"', "abcd"), ("'ab' \"cd\" 'ef'", "abcdef"), ('"ab"  # c\n  "cd"', "abcd"),
])
def test_string_escapes_and_concatenation(literal, expected):
    assert parse(f"s: {literal}").get("s") == expected


def test_comments_separators_and_both_block_forms():
    text = ("# leading comment\n"
            "a: 1, b: 2; c: 3  # trailing\n"
            "m { x: 1 }; n: { y: 2 },\n"
            "e {}\n"
            "s: \"# not a comment\"\n")
    msg = parse(text)
    assert [f.name for f in msg] == ["a", "b", "c", "m", "n", "e", "s"]
    assert msg.get("m").get("x") == 1 and msg.get("n").get("y") == 2
    assert len(msg.get("e")) == 0 and msg.get("s") == "# not a comment"
    assert len(parse("")) == 0 and len(parse("  # only a comment\n\n")) == 0


def test_repeated_fields_and_last_wins():
    msg = parse("top: 'a' x: 1 top: 'b' x: 2 top: 'c'")
    assert msg.get_all("top") == ["a", "b", "c"]
    assert msg.get("x") == 2 and msg.get("top") == "c"
    assert msg.get("missing") is None and msg.get("missing", 5) == 5
    assert msg.get_all("missing") == [] and not msg.has("missing") and msg.has("x")
    assert msg.names() == ["top", "x"] and len(msg) == 5
    assert msg.where("x") == (1, 10)
    assert all(isinstance(f, Field) for f in msg.fields)
    assert "top='a'" in repr(msg)


def test_crlf_and_tabs_count_as_whitespace():
    msg = parse("a: 1\r\n\tb {\r\n\t\tc: 2\r\n\t}\r\n")
    assert msg.get("b").get("c") == 2 and msg.where("b") == (2, 2)


# --- syntax errors, at exact positions -----------------------------------------------------

@pytest.mark.parametrize("text, line, col, words", [
    ("name: 'x'\nlayer {\n  name: 'a'\n", 4, 1,
     "expected '}' to close 'layer' opened at line 2, found end of file"),
    ("a { b { c: 1 }", 1, 15, "expected '}' to close 'a' opened at line 1"),
    ("a: 1\n}\n", 2, 1, "expected a field name, found '}' with no open block"),
    ("a: 1 : 2", 1, 6, "expected a field name, found ':'"),
    ("a: 1;;", 1, 6, "expected a field name, found ';'"),
    ("a: 1 5", 1, 6, "expected a field name, found number 5"),
    ("'x': 1", 1, 1, "expected a field name, found string 'x'"),
    ("a: \n", 2, 1, "expected a value for 'a', found end of file"),
    ("a: }", 1, 4, "expected a value for 'a', found '}'"),
    ("a {\n  b:\n}", 3, 1, "expected a value for 'b', found '}'"),
    ("a 1", 1, 3, "expected ':' or '{' after field name 'a', found number 1"),
    ("a\nb: 1", 2, 1, "expected ':' or '{' after field name 'a', found 'b'"),
    ("a: 'abc", 1, 4, "unterminated string"),
    ('a: "abc\n"', 1, 4, "unterminated string"),
    ('a: "ab\\"', 1, 4, "unterminated string"),
    ("a: -b", 1, 5, "expected a number after '-', found 'b'"),
    ("a: -", 1, 5, "expected a number after '-', found end of file"),
    ("a: 12abc", 1, 4, "malformed number '12a'"),
    ("a: 1.2.3", 1, 4, "malformed number"),
    ("a: 1e", 1, 4, "malformed number '1e'"),
    ("1a: 2", 1, 1, "malformed number"),
    ("a: 09", 1, 4, "leading zero means octal"),
    ("a: 01.5", 1, 4, "leading zero means octal"),
    ("a: 18446744073709551616", 1, 4, "out of range"),
    ("a: -9223372036854775809", 1, 5, "out of range"),
    ("a: " + "9" * 5000, 1, 4, "out of range"),
    ('x: 1\na: "ok\\qno"', 2, 7, "invalid escape '\\q'"),
    ('a: "\\400"', 1, 5, "octal escape \\400"),
    ('a: "\\ud800"', 1, 5, "not a valid code point"),
    ('a: "\\xff"', 1, 4, "not valid UTF-8"),
    ("a: [1, 2]", 1, 4, "found '['"),
    ("a < b: 1 >", 1, 3, "found '<'"),
    ("a: 1\nb: 2 / 3", 2, 6, "unexpected character: '/'"),
    ("a: 1 // c++ comment", 1, 6, "unexpected character: '/'"),
    ("a:\x00", 1, 3, "NUL byte"),
    ("a: 1\n\x07", 2, 1, "U+0007"),
    ("\ufeffa: 1", 1, 1, "byte-order mark"),
    ("a: é", 1, 4, "unexpected character: 'é'"),
    ("layer { name: 'x' } }", 1, 21, "no open block"),
])
def test_syntax_errors(text, line, col, words):
    err = error_of(parse, text, "net.prototxt")
    assert (err.line, err.col) == (line, col), str(err)
    assert words in err.message, err.message
    assert str(err).startswith(f"net.prototxt:{line}:{col}: ")


def test_nesting_limit():
    ok = "a{" * MAX_DEPTH + "}" * MAX_DEPTH
    msg = parse(ok)
    for _ in range(MAX_DEPTH):
        msg = msg.get("a")
    assert len(msg) == 0
    err = error_of(parse, "a{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1))
    assert (err.line, err.col) == (1, 2 * MAX_DEPTH + 2) and "nested more than 100" in err.message
    err = error_of(parse, "a{" * 100_000)  # no RecursionError, however deep
    assert err.col == 2 * MAX_DEPTH + 2


def test_huge_inputs_fail_fast():
    error_of(parse, "a: '" + "x" * 1_000_000)
    error_of(parse, "# " * 500_000 + "\n}")
    assert len(parse("a: 1\n" * 20_000).get_all("a")) == 20_000


def test_parse_rejects_non_text():
    assert "expected text" in error_of(parse, b"a: 1").message


# --- files ----------------------------------------------------------------------------------

def test_parse_file(tmp_path):
    good = tmp_path / "net.prototxt"
    good.write_text('name: "café"\n', encoding="utf-8")
    assert parse_file(good).get("name") == "café"
    err = error_of(parse_file, tmp_path / "none.prototxt")
    assert "cannot read" in err.message and err.line is None


@pytest.mark.parametrize("data, line, col, words", [
    (b'name: "x"\nab\xffc: 1\n', 2, 3, "byte 0xff"),
    (b'name: "\xc3\xa9\xc3"\n', 1, 9, "byte 0xc3"),
    (b"a: 1\nb: 2\x00\x00", 2, 5, "NUL byte"),
    (b"\x00\xff", 1, 1, "NUL byte"),
    (b"\x89PNG\r\n", 1, 1, "byte 0x89"),
])
def test_parse_file_rejects_binary(tmp_path, data, line, col, words):
    path = tmp_path / "bad.prototxt"
    path.write_bytes(data)
    err = error_of(parse_file, path)
    assert (err.path, err.line, err.col) == (str(path), line, col)
    assert words in err.message


# --- schema validation ----------------------------------------------------------------------

@pytest.mark.parametrize("text, message_type, line, col, words", [
    ("layer {\n  convolution_param { kernal_size: 3 }\n}", "NetParameter", 2, 23,
     "unknown field 'kernal_size' in ConvolutionParameter; did you mean 'kernel_size'?"),
    ("base_lr: 0.1\nmax_iters: 10", "SolverParameter", 2, 1,
     "unknown field 'max_iters' in SolverParameter; did you mean 'max_iter'?"),
    ("zzz: 1", "SolverParameter", 1, 1, "unknown field 'zzz' in SolverParameter"),
    ("pooling_param { pool: MEAN }", "LayerParameter", 1, 23,
     "invalid value 'MEAN' for 'pool' in PoolingParameter; expected one of MAX, AVE, STOCHASTIC"),
    ("pool: 'MAX'", "PoolingParameter", 1, 7, "expected one of MAX, AVE, STOCHASTIC"),
    ("solver_mode: TPU", "SolverParameter", 1, 14, "expected one of CPU, GPU"),
    ("loss_param { normalization: valid }", "LayerParameter", 1, 29,
     "expected one of FULL, VALID, BATCH_SIZE, NONE"),
    ("num_output: 'ten'", "ConvolutionParameter", 1, 13, "expected an integer"),
    ("num_output: 2.0", "ConvolutionParameter", 1, 13, "expected an integer"),
    ("num_output: -1", "ConvolutionParameter", 1, 13, "out of range"),
    ("axis: 2147483648", "ConvolutionParameter", 1, 7, "out of range"),
    ("base_lr: '0.1'", "SolverParameter", 1, 10, "expected a number"),
    ("base_lr: true", "SolverParameter", 1, 10, "expected a number"),
    ("type: Convolution", "LayerParameter", 1, 7, "expected a quoted string"),
    ("bias_term: yes", "ConvolutionParameter", 1, 12, "expected true or false"),
    ("bias_term: 2", "ConvolutionParameter", 1, 12, "expected true or false"),
    ("weight_filler: 'xavier'", "ConvolutionParameter", 1, 16, "expected a '{ ... }' block"),
    ("layer { name { } }", "NetParameter", 1, 14, "expected a quoted string"),
    ("num_output: 1\nnum_output: 2", "ConvolutionParameter", 2, 1,
     "field 'num_output' given twice in ConvolutionParameter (first at line 1)"),
    ("layer { clip_param { min: -1 } }", "NetParameter", 1, 20,
     "ClipParameter is missing its required field 'max'"),
])
def test_validation_errors(text, message_type, line, col, words):
    err = error_of(schema.validate, parse(text), message_type, "x.prototxt")
    assert (err.path, err.line, err.col) == ("x.prototxt", line, col), str(err)
    assert words in err.message, err.message


def test_validation_hints():
    err = error_of(schema.validate, parse("pool: MAXX"), "PoolingParameter")
    assert err.hint == "(did you mean MAX?)"
    err = error_of(schema.validate, parse("pool: 'AVE'"), "PoolingParameter")
    assert "without quotes" in err.hint
    err = error_of(schema.validate, parse("num_output: 10"), "LayerParameter")
    assert "convolution_param { }" in err.hint and "inner_product_param { }" in err.hint
    err = error_of(schema.validate, parse("type: ReLU"), "LayerParameter")
    assert err.hint == '(write type: "ReLU")'


def test_overwrites_allowed_on_request():
    msg = parse("num_output: 1 num_output: 2")
    schema.validate(msg, "ConvolutionParameter", allow_overwrites=True)
    assert msg.get("num_output") == 2


def test_validation_canonicalises_values():
    msg = parse("base_lr: 1 momentum: 0x0 debug_info: 1 test_initialization: f "
                "test_compute_loss: t solver_mode: 0 solver_type: 5")
    schema.validate(msg, "SolverParameter")
    assert msg.get("base_lr") == 1.0 and type(msg.get("base_lr")) is float
    assert msg.get("momentum") == 0.0 and type(msg.get("momentum")) is float
    assert msg.get("debug_info") is True and msg.get("test_initialization") is False
    assert msg.get("test_compute_loss") is True
    assert msg.get("solver_mode") == Enum("CPU") and isinstance(msg.get("solver_mode"), Enum)
    assert msg.get("solver_type") == Enum("ADAM")
    assert msg.where("base_lr") == (1, 1)  # positions survive the rewrite


def test_validate_rejects_unknown_message_type():
    with pytest.raises(ValueError):
        schema.validate(Message(), "NoSuchParameter")


# --- the schema's contents and defaults ---------------------------------------------------

REQUIRED_FIELDS = {
    "NetParameter": "name input input_shape input_dim layer layers state force_backward",
    "SolverParameter": "net train_net net_param base_lr lr_policy gamma power stepsize stepvalue "
                       "max_iter momentum momentum2 delta rms_decay weight_decay "
                       "regularization_type type solver_type clip_gradients iter_size display "
                       "snapshot snapshot_prefix snapshot_diff snapshot_format test_iter "
                       "test_interval test_net test_compute_loss test_initialization solver_mode "
                       "device_id random_seed average_loss debug_info",
    "LayerParameter": "name type bottom top phase loss_weight param include exclude "
                      "propagate_down convolution_param pooling_param inner_product_param "
                      "relu_param dropout_param softmax_param loss_param batch_norm_param "
                      "scale_param eltwise_param concat_param flatten_param reshape_param "
                      "input_param data_param image_data_param hdf5_data_param transform_param "
                      "accuracy_param sigmoid_param tanh_param",
    "ParamSpec": "name share_mode lr_mult decay_mult",
    "LossParameter": "ignore_label normalization normalize",
    "FillerParameter": "type value min max mean std sparse variance_norm",
    "BlobShape": "dim",
    "InputParameter": "shape",
    "ReshapeParameter": "shape axis num_axes",
}


def test_schema_covers_the_fields_parity_needs():
    for message, names in REQUIRED_FIELDS.items():
        missing = set(names.split()) - set(schema.MESSAGES[message])
        assert not missing, (message, missing)
    assert schema.field_spec("ReshapeParameter", "shape").type == "BlobShape"
    assert schema.field_spec("LayerParameter", "include").type == "NetStateRule"
    assert schema.field_spec("ConvolutionParameter", "kernel_size").repeated
    assert not schema.field_spec("PoolingParameter", "kernel_size").repeated
    assert schema.field_spec("ClipParameter", "min").label == "required"
    assert schema.field_spec("NetParameter", "layers").legacy


# Values read off caffe.proto (BVLC/caffe 9b89154); the line numbers are that file's.
PROTO_DEFAULTS = {
    "SolverParameter": {"test_interval": 0, "test_compute_loss": False,            # 141-142
                        "test_initialization": True, "average_loss": 1,            # 145, 151
                        "iter_size": 1, "regularization_type": "L2",               # 154, 178
                        "clip_gradients": -1.0, "snapshot": 0,                     # 186, 188
                        "snapshot_diff": False, "snapshot_format": "BINARYPROTO",  # 196, 201
                        "solver_mode": "GPU", "device_id": 0, "random_seed": -1,   # 207-213
                        "type": "SGD", "delta": 1e-8, "momentum2": 0.999,          # 216-221
                        "rms_decay": 0.99, "debug_info": False,                    # 225, 229
                        "snapshot_after_train": True, "solver_type": "SGD",        # 232, 244
                        "layer_wise_reduce": True},                                # 247
    "NetParameter": {"force_backward": False, "debug_info": False},               # 80, 88
    "FillerParameter": {"type": "constant", "value": 0.0, "min": 0.0, "max": 1.0,  # 45-48
                        "mean": 0.0, "std": 1.0, "sparse": -1,                     # 49-53
                        "variance_norm": "FAN_IN"},                                # 61
    "ParamSpec": {"lr_mult": 1.0, "decay_mult": 1.0},                              # 316, 319
    "NetState": {"phase": "TEST", "level": 0},                                     # 274-275
    "LossParameter": {"normalization": "VALID"},                                   # 471
    "PoolingParameter": {"pool": "MAX", "pad": 0, "pad_h": 0, "pad_w": 0,          # 925-930
                         "stride": 1, "engine": "DEFAULT",                         # 934, 942
                         "global_pooling": False, "round_mode": "CEIL"},           # 945, 951
    "DropoutParameter": {"dropout_ratio": 0.5},                                    # 698
    "BatchNormParameter": {"moving_average_fraction": 0.999, "eps": 1e-5},         # 542, 545
    "ReshapeParameter": {"axis": 0, "num_axes": -1},                               # 1097-1098
    "FlattenParameter": {"axis": 1, "end_axis": -1},                               # 770, 775
    "TransformationParameter": {"scale": 1.0, "mirror": False, "crop_size": 0,     # 432-436
                                "force_color": False, "force_gray": False},        # 444, 446
    "ImageDataParameter": {"batch_size": 1},                                       # 810
}


@pytest.mark.parametrize("message", sorted(PROTO_DEFAULTS))
def test_defaults_match_the_proto(message):
    got = schema.defaults(message)
    for name, value in PROTO_DEFAULTS[message].items():
        assert got[name] == value and type(got[name]) is type(value) or (
            isinstance(got[name], Enum) and got[name] == value), (message, name, got[name])
    if message == "SolverParameter":
        # no [default] in the proto: Caffe reads 0 for these, and `defaults` says nothing
        for name in ("base_lr", "momentum", "weight_decay", "gamma", "lr_policy", "max_iter"):
            assert name not in got


def test_more_defaults():
    conv = schema.defaults("ConvolutionParameter")
    assert conv["bias_term"] is True and conv["group"] == 1 and conv["axis"] == 1   # 594-635
    assert "kernel_size" not in conv and "num_output" not in conv
    assert schema.defaults("EltwiseParameter") == {"operation": "SUM", "stable_prod_grad": True}
    assert schema.defaults("ScaleParameter") == {"axis": 1, "num_axes": 1, "bias_term": False}
    assert schema.defaults("SoftmaxParameter") == {"engine": "DEFAULT", "axis": 1}
    assert schema.defaults("ReLUParameter") == {"negative_slope": 0.0, "engine": "DEFAULT"}
    assert schema.defaults("ConcatParameter") == {"axis": 1, "concat_dim": 1}
    assert "use_global_stats" not in schema.defaults("BatchNormParameter")
    assert "normalize" not in schema.defaults("LossParameter")
    implicit = schema.defaults("SolverParameter", implicit=True)
    assert implicit["base_lr"] == 0.0 and implicit["lr_policy"] == "" and implicit["max_iter"] == 0
    # proto2's implicit enum default is the first value declared, not the one numbered 0
    assert schema.defaults("ReductionParameter", implicit=True)["operation"] == "SUM"
    assert schema.field_spec("NetStateRule", "phase").implicit_default() == Enum("TRAIN")


_CITATION = re.compile(r'^\s*"(\w+)": \("\w+", "[\w.]+", (.+)\),  # caffe\.proto:(\d+) — "(.*)"$')


def test_every_cited_default_agrees_with_its_quoted_proto_line():
    """Each default's citation quotes the proto line; its [default = X] must be the value."""
    count = 0
    for module in (proto_net, proto_layers):
        current = None
        for line in Path(module.__file__).read_text().splitlines():
            head = re.match(r'^    "(\w+)": \{$', line)
            if head:
                current = head.group(1)
            m = _CITATION.match(line)
            if not m:
                continue
            name, _, lineno, proto_line = m.groups()
            declared = re.search(r"\[default = ([^\]]+)\]", proto_line).group(1).strip(" '\"")
            assert re.search(rf"\b{name} = \d+", proto_line), line
            spec = schema.field_spec(current, name)
            if isinstance(spec.default, bool):
                assert str(spec.default).lower() == declared, line
            elif isinstance(spec.default, (int, float)):
                assert spec.default == float(declared), line
            else:
                assert spec.default == declared, line
            count += 1
    assert count > 150


# --- never anything but a Message or a SpecError ------------------------------------------

_SYNTAX = list("{}:;,-[]<>#'\"\\\n \t.0123456789exf_") + ["\x00", "é", "layer", "name", "true"]


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_gives_message_or_spec_error(text):
    try:
        msg = parse(text)
    except SpecError:
        return
    assert isinstance(msg, Message)
    try:
        schema.validate(msg, "NetParameter")
    except SpecError:
        pass


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([LENET, LENET_SOLVER, LEGACY_NET]),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 3), st.sampled_from(_SYNTAX)),
                min_size=1, max_size=6))
def test_mutated_files_give_message_or_spec_error(text, edits):
    for position, length, insert in edits:
        i = position % (len(text) + 1)
        text = text[:i] + insert + text[i + length:]
    try:
        msg = parse(text)
    except SpecError as err:
        assert err.line >= 1 and err.col >= 1
        return
    for message_type in ("NetParameter", "SolverParameter"):
        try:
            schema.validate(msg, message_type)
        except SpecError as err:
            assert err.line >= 1 and err.col >= 1
