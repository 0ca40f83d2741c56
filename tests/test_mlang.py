"""The MatConvNet init-file reader: MATLAB-subset lexer, parser and evaluator.

Small snippets check each construct of the subset and each refusal (with its exact
line:col); the real init files behind the MatConvNet reference trajectories and a
cnn_mnist_init-style fixture check whole nets; hypothesis checks that any text, and any
mangled init file, gives a value or a SpecError and nothing else, quickly.
"""

import functools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parity.dialects.matconvnet.mlang import mast as A
from parity.dialects.matconvnet.mlang.meval import ArraySpec, MCell, MStruct, read_init_file, run_module
from parity.dialects.matconvnet.mlang.parser import parse
from parity.errors import SpecError

REFERENCE = Path(__file__).resolve().parent / "data" / "matconvnet-reference"
REFERENCE_FILES = ["basic/basic_init.m", "groups/groups_init.m", "nesterov/nesterov_init.m",
                   "schedule/schedule_init.m"]
DATA = Path(__file__).resolve().parent / "data" / "matconvnet"
LENET_PATH = DATA / "lenet_bnorm_init.m"  # in the style of MatConvNet's cnn_mnist_init.m

HEADER = "function out = f(varargin)\n"  # snippets start on line 2


def run(body, options=None, header=HEADER):
    return run_module(parse(header + body + "\n", "t.m"), options)


def error_of(body, options=None, header=HEADER):
    with pytest.raises(SpecError) as info:
        run(body, options, header)
    return info.value


def row(*xs, dtype=np.float64):
    return np.array([xs], dtype=dtype)


def col(*xs):
    return np.array([[x] for x in xs], dtype=np.float64)


def same(actual, expected):
    """Equal as MATLAB values: same Python type, dtype, shape and contents."""
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), actual
        assert actual.dtype == expected.dtype and actual.shape == expected.shape, actual
        np.testing.assert_array_equal(actual, expected)
    elif isinstance(expected, MStruct):
        assert isinstance(actual, MStruct), actual
        assert list(actual) == list(expected), actual
        for key in expected:
            same(actual[key], expected[key])
    elif isinstance(expected, MCell):
        assert isinstance(actual, MCell) and len(actual) == len(expected), actual
        for a, e in zip(actual, expected):
            same(a, e)
    else:
        assert type(actual) is type(expected) and actual == expected, (actual, expected)


EMPTY = np.zeros((0, 0))

# --- each construct of the subset ----------------------------------------------------------

CONSTRUCTS = [
    # numbers and text
    ("out = 3;", 3.0),
    ("out = 1e-4;", 1e-4),
    ("out = .5 + 2.;", 2.5),
    ("out = 1E+2;", 100.0),
    ("out = 'it''s';", "it's"),
    ('out = "say ""hi""";', 'say "hi"'),
    ("out = '';", ""),
    ("out = true;", True),
    ("out = false;", False),
    # matrices: whitespace and newlines separate, as in MATLAB
    ("out = [1 2];", row(1, 2)),
    ("out = [0 1 0 1];", row(0, 1, 0, 1)),
    ("out = [1 -2];", row(1, -2)),
    ("out = [1 - 2];", -1.0),
    ("out = [1 , 2; 3 4];", np.array([[1.0, 2.0], [3.0, 4.0]])),
    ("out = [1; 2];", col(1, 2)),
    ("out = [1 2\n       3 4];", np.array([[1.0, 2.0], [3.0, 4.0]])),
    ("out = [1 2 ... the rest is a comment\n 3];", row(1, 2, 3)),
    ("out = [];", EMPTY),
    ("out = [28 28 1];", row(28, 28, 1)),
    ("out = ['ab' 'cd'];", "abcd"),
    ("x = [1 2 3]; out = [x' x'];", np.array([[1.0, 1], [2, 2], [3, 3]])),
    ("out = [[1 2] [] 3];", row(1, 2, 3)),
    # ranges
    ("out = 1:4;", row(1, 2, 3, 4)),
    ("out = 0:2:7;", row(0, 2, 4, 6)),
    ("out = 5:-2:1;", row(5, 3, 1)),
    ("out = 3:1;", np.zeros((1, 0))),
    ("out = 2:2;", 2.0),
    # arithmetic
    ("out = 2*3 + 4/2 - 1;", 7.0),
    ("out = -2^2;", -4.0),
    ("out = 2^-1;", 0.5),
    ("out = 2^3^2;", 64.0),
    ("out = [1 2] .* [3 4];", row(3, 8)),
    ("out = [2 4] ./ 2;", row(1, 2)),
    ("out = [1 2] .^ 2;", row(1, 4)),
    ("out = [1; 2] + [10 20];", np.array([[11.0, 21], [12, 22]])),
    ("out = [1 2] * [3; 4];", 11.0),
    ("out = 0.05*[1 2];", row(0.05, 0.1)),
    ("out = 1/0;", float("inf")),
    ("out = single(2) * 3;", np.float32(6)),
    ("out = true + true;", 2.0),
    # comparisons and logic
    ("out = [1 2 3] >= 2;", row(False, True, True, dtype=bool)),
    ("out = 1 == 1 && 2 ~= 3;", True),
    ("out = ~true || !false;", True),
    ("out = 3 != 3;", False),
    ("out = 0 < 1 & 1 <= 1 | 2 > 3;", True),
    ("out = false && undefined_thing;", False),  # && short-circuits
    # cells
    ("out = {};", MCell()),
    ("out = {1, 'a'};", MCell([1.0, "a"])),
    ("out = {'a' 'b'};", MCell(["a", "b"])),
    ("out = {{1, 2}};", MCell([MCell([1.0, 2.0])])),
    ("c = {1, 2, 3}; out = c{2};", 2.0),
    ("c = {1, 2, 3}; out = c{end};", 3.0),
    ("c = {1, 2, 3}; out = c(2:end);", MCell([2.0, 3.0])),
    ("c = {1, 2, 3}; out = c(1);", MCell([1.0])),
    ("c = {1, 2, 3}; out = [c{:}];", row(1, 2, 3)),
    ("c = {}; c{end+1} = 'a'; c{end+1} = 2; out = c;", MCell(["a", 2.0])),
    ("c = {1, 2, 3}; c(2) = []; out = c;", MCell([1.0, 3.0])),
    ("c{3} = 1; out = c;", MCell([EMPTY, EMPTY, 1.0])),
    ("out = {1, ...\n       2};", MCell([1.0, 2.0])),
    # structs
    ("out = struct('a', 1, 'b', 'x');", MStruct(a=1.0, b="x")),
    ("out = struct('w', {{1, 2}});", MStruct(w=MCell([1.0, 2.0]))),
    ("out = struct('w', {3});", MStruct(w=3.0)),
    ("out = struct('layers', {{}});", MStruct(layers=MCell())),
    ("out = struct();", MStruct()),
    ("s.a.b.c = 1; out = s;", MStruct(a=MStruct(b=MStruct(c=1.0)))),
    ("s.a = 1; s.b = 2; s.a = 3; out = s;", MStruct(a=3.0, b=2.0)),
    ("s = struct('f', 1); n = 'f'; out = s.(n);", 1.0),
    ("out.('g') = 2;", MStruct(g=2.0)),
    ("a.x = 1; b = a; b.x = 2; out = [a.x b.x];", row(1, 2)),  # values, not references
    ("x = []; x.a = 1; out = x;", MStruct(a=1.0)),
    ("s(1).a = 1; out = s(1);", MStruct(a=1.0)),
    # numeric indexing and assignment
    ("x = [10 20 30]; out = x(end);", 30.0),
    ("x = [10 20 30]; out = x([1 3]);", row(10, 30)),
    ("x = [10 20 30]; out = x(:);", col(10, 20, 30)),
    ("x = [10 20 30]; out = x(logical([1 0 1]));", row(10, 30)),
    ("x = [1 2; 3 4]; out = x(2, 1);", 3.0),
    ("x = [1 2; 3 4]; out = x(:, 2);", col(2, 4)),
    ("x = []; x(3) = 2; out = x;", row(0, 0, 2)),
    ("x = [1 2 3]; x(2) = []; out = x;", row(1, 3)),
    ("x = [1 2 3]; x(end+1) = 4; out = x;", row(1, 2, 3, 4)),
    ("x = zeros(2); x(2, 2) = 5; out = x;", np.array([[0.0, 0], [0, 5]])),
    ("x = 'abc'; out = x(2:3);", "bc"),
    # zeros and ones are materialised, randn and rand are placeholders
    ("out = zeros(1, 3, 'single');", np.zeros((1, 3), np.float32)),
    ("out = ones(2, 1);", np.ones((2, 1))),
    ("out = zeros(2);", np.zeros((2, 2))),
    ("out = zeros([1 4]);", np.zeros((1, 4))),
    ("out = ones(1, 1, 'single');", np.float32(1)),
    ("out = zeros(0, 3);", np.zeros((0, 3))),
    ("out = [0.05*ones(1,2) 0.01*ones(1,1)];", row(0.05, 0.05, 0.01)),
    ("out = randn(5,5,1,20,'single');", ArraySpec((5, 5, 1, 20), "randn", 1.0, "single")),
    ("f = 1/100; out = f*randn(5,5,1,20, 'single');",
     ArraySpec((5, 5, 1, 20), "randn", 0.01, "single")),
    ("out = randn(2,2) * 0.5;", ArraySpec((2, 2), "randn", 0.5, "double")),
    ("out = randn(2,2) / 4;", ArraySpec((2, 2), "randn", 0.25, "double")),
    ("out = -randn(2,2);", ArraySpec((2, 2), "randn", -1.0, "double")),
    ("out = (rand(2,3)*2 - 1)*3;", ArraySpec((2, 3), "rand", 6.0, "double", -3.0)),
    ("out = 1 - rand(2);", ArraySpec((2, 2), "rand", -1.0, "double", 1.0)),
    ("out = randn(3,3,8,1);", ArraySpec((3, 3, 8), "randn", 1.0, "double")),
    ("out = randn(4);", ArraySpec((4, 4), "randn", 1.0, "double")),
    ("out = randn([2 3]);", ArraySpec((2, 3), "randn", 1.0, "double")),
    ("out = single(randn(2,2));", ArraySpec((2, 2), "randn", 1.0, "single")),
    ("out = randn(1e6, 1e6, 'single');", ArraySpec((10**6, 10**6), "randn", 1.0, "single")),
    ("out = rand;", ArraySpec((1, 1), "rand", 1.0, "double")),
    # queries
    ("out = size(randn(5,5,1,20), 4);", 20.0),
    ("out = size(randn(5,5,1,20));", row(5, 5, 1, 20)),
    ("out = size(randn(3,3), 3);", 1.0),
    ("[a, b] = size(zeros(2,3,4)); out = [a b];", row(2, 12)),
    ("out = size({1, 2});", row(1, 2)),
    ("out = size('abc');", row(1, 3)),
    ("out = numel({1, 2, 3});", 3.0),
    ("out = numel(randn(2,3));", 6.0),
    ("out = length([1 2 3; 4 5 6]);", 3.0),
    ("out = length([]);", 0.0),
    ("out = isempty({});", True),
    ("out = isfield(struct('a', 1), 'a');", True),
    ("out = isfield(struct('a', 1), 'b');", False),
    ("out = isfield(3, 'a');", False),
    ("out = isfield(struct('a', 1), {'a', 'b'});", row(True, False, dtype=bool)),
    # other functions
    ("out = horzcat({1}, 2, {3});", MCell([1.0, 2.0, 3.0])),
    ("out = horzcat([1 2], 3);", row(1, 2, 3)),
    ("out = vertcat(1, 2);", col(1, 2)),
    ("out = [{1}, struct('a', 1)];", MCell([1.0, MStruct(a=1.0)])),
    ("out = max(2, 5) + min(2, 5);", 7.0),
    ("out = max([3 9 4]);", 9.0),
    ("[m, i] = min([3 1 4]); out = [m i];", row(1, 2)),
    ("out = floor(2.7) + ceil(2.1) + sqrt(16);", 9.0),
    ("out = [round(2.5) round(-2.5) fix(-2.5)];", row(3, -3, -2)),
    ("out = mod(-1, 3);", 2.0),
    ("out = single(2);", np.float32(2)),
    ("out = double(single(2));", 2.0),
    ("out = logical([2 0]);", row(True, False, dtype=bool)),
    ("out = sprintf('bn%d', 3);", "bn3"),
    ("out = sprintf('%s_%02d %.2f', 'conv', 7, 0.5);", "conv_07 0.50"),
    ("out = sprintf('%d,', [1 2 3]);", "1,2,3,"),
    ("out = num2str(3);", "3"),
    ("out = ['relu' num2str(2)];", "relu2"),
    ("out = strcmp('a', 'a') && ~strcmpi('A', 'b');", True),
    ("out = lower('SimpleNN');", "simplenn"),
    ("out = fieldnames(struct('a', 1, 'b', 2));", MCell(["a", "b"])),
    ("out = rmfield(struct('a', 1, 'b', 2), 'a');", MStruct(b=2.0)),
    ("out = numel(cell(1, 3));", 3.0),
    ("out = logspace(0, 2, 3);", row(1, 10, 100)),
    ("out = nargin;", 0.0),
    ("out = pi > 3 && isempty([]);", True),
    ("net.layers = {}; out = vl_simplenn_tidy(net);", MStruct(layers=MCell())),
    # statements that only print or seed do nothing
    ("disp(1); pause; fprintf('%d\\n', 3); rng(0); rng('default'); randn('state', 7);"
     " rand('seed', 1); out = 1;", 1.0),
    # control flow
    ("if 0\n  out = 1;\nelseif 1\n  out = 2;\nelse\n  out = 3;\nend", 2.0),
    ("opts.on = false; if opts.on, out = 1; else, out = 2; end", 2.0),
    ("if [], out = 1; else out = 2; end", 2.0),
    ("if 'yes', out = 1; end", 1.0),
    ("out = 0; for i = 1:4\n  out = out + i;\nend", 10.0),
    ("out = 0; for (i = [10 20])\n  out = out + i;\nend", 30.0),
    ("out = {}; for c = {'a', 'b'}\n  out{end+1} = c{1};\nend", MCell(["a", "b"])),
    ("out = 0; for i = 1:10\n  if i > 3, break; end\n  out = i;\nend", 3.0),
    ("out = 0; for i = 1:4\n  if i == 2, continue; end\n  out = out + i;\nend", 8.0),
    ("out = 0; for i = [1 2; 3 4], out = out + i(1); end", 3.0),
    ("switch 'b'\n  case 'a'\n    out = 1;\n  case {'b', 'c'}\n    out = 2;\n"
     "  otherwise\n    out = 3;\nend", 2.0),
    ("switch 4, case 3, out = 1; otherwise, out = 9; end", 9.0),
    ("out = 1;\nreturn\nout = 2;", 1.0),
    # comments
    ("out = 1; % a comment\n% a line comment", 1.0),
    ("%{\nout = 2;\n%}\nout = 1;", 1.0),
    ("%{\n%{\nnested\n%}\nout = 2;\n%}\nout = 1;", 1.0),
    ("out = 1;  %{ not a block comment: text follows on the line", 1.0),
    # the MatConvNet idioms, together
    ("net.layers = {};\nnet.layers{end+1} = struct('type', 'conv', ...\n"
     "  'weights', {{0.5*randn(3,3,1,2,'single'), zeros(1,2,'single')}});\n"
     "net.layers{1}.weights{2} = [];\nnet.meta.inputSize = [28 28 1];\n"
     "net.meta.trainOpts.learningRate = 0.001;\nnet.meta.trainOpts.numEpochs = 20;\n"
     "out = net;",
     MStruct(layers=MCell([MStruct(type="conv", weights=MCell(
         [ArraySpec((3, 3, 1, 2), "randn", 0.5, "single"), EMPTY]))]),
         meta=MStruct(inputSize=row(28, 28, 1),
                      trainOpts=MStruct(learningRate=0.001, numEpochs=20.0)))),
    ("net.layers = {struct('type', 'conv'), struct('type', 'relu')}; l = 2;\n"
     "out = {net.layers{l}.type, numel(net.layers)};", MCell(["relu", 2.0])),
]


@pytest.mark.parametrize("body, expected", CONSTRUCTS, ids=[c[0][:40] for c in CONSTRUCTS])
def test_construct(body, expected):
    same(run(body), expected)


def test_sub_functions_and_multiple_outputs():
    src = ("function out = f()\nout = g(2) + h();\n[a, b] = two();\n[~, c] = two();\n"
           "out = [out a b c];\n"
           "function y = g(x)\ny = x * 10;\n"
           "function z = h()\nz = 1;\n"
           "function [p, q] = two()\np = 1; q = 2;\n")
    same(run_module(parse(src, "t.m")), row(21, 1, 2, 2))


def test_functions_closed_by_end():
    src = "function out = f()\n  out = g(1);\nend\n\nfunction y = g(x)\n  y = x + 1;\nend\n"
    module = parse(src, "t.m")
    assert [(fn.name, fn.params, fn.outputs, fn.closed) for fn in module.functions] == [
        ("f", [], ["out"], True), ("g", ["x"], ["y"], True)]
    assert run_module(module) == 2.0


def test_sub_function_shadows_a_builtin_and_runs_by_name():
    src = "function out = f()\nout = numel(3);\nfunction n = numel(x)\nn = 42;\n"
    assert run_module(parse(src, "t.m")) == 42.0
    assert run_module(parse(src + "function r = other()\nr = 'other';\n", "t.m"),
                      function="other") == "other"


def test_crlf_bom_and_latin1(tmp_path):
    path = tmp_path / "w.m"
    path.write_bytes(b"\xef\xbb\xbffunction out = w()\r\nout = 1;\r\n")
    assert read_init_file(path) == 1.0
    path.write_bytes("function out = w()\n% caf\xe9\nout = 2;\n".encode("latin-1"))
    assert read_init_file(path) == 2.0


def test_result_shares_nothing():
    net = run("lr = [1 2];\nout = {lr, lr};")
    net[0][0, 0] = 99
    assert net[1][0, 0] == 1


def test_options_override_defaults():
    body = "opts.lr = 1;\nopts.train = struct('epochs', 3, 'gpus', []);\n" \
           "opts = vl_argparse(opts, varargin);\nout = opts;"
    same(run(body), MStruct(lr=1.0, train=MStruct(epochs=3.0, gpus=EMPTY)))
    same(run(body, {"LR": [0.1, 0.01], "train": {"epochs": 5}}),
         MStruct(lr=row(0.1, 0.01), train=MStruct(epochs=5.0, gpus=EMPTY)))
    same(run(body, {"train.gpus": 1}), MStruct(lr=1.0, train=MStruct(epochs=3.0, gpus=1.0)))


def test_two_output_argparse_keeps_unknown_options():
    body = "opts.a = 1;\n[opts, rest] = vl_argparse(opts, varargin);\nout = {opts, rest};"
    same(run(body, {"a": 2, "b": "x"}), MCell([MStruct(a=2.0), MCell(["b", "x"])]))


# --- the parser's view -----------------------------------------------------------------------


def test_parse_tree_and_positions():
    module = parse("function net = g(varargin)\nnet.layers{end+1} = [a' 'b'];\n", "t.m")
    (stmt,) = module.functions[0].body
    assert isinstance(stmt, A.Assign) and (stmt.line, stmt.col) == (2, 1)
    (target,) = stmt.targets
    assert isinstance(target, A.Index) and target.brace and (target.line, target.col) == (2, 11)
    assert isinstance(target.base, A.Field) and target.base.name == "layers"
    (arg,) = target.args
    assert isinstance(arg, A.Binary) and arg.op == "+" and isinstance(arg.left, A.End)
    (elements,) = stmt.value.rows
    assert isinstance(elements[0], A.Transpose) and isinstance(elements[1], A.Str)
    assert (elements[1].line, elements[1].col) == (2, 25)


def test_parse_precedence():
    (stmt,) = parse("function f()\nx = -a^b + c*d:e == f || g && h;\n").functions[0].body
    e = stmt.value
    assert e.op == "||" and e.right.op == "&&"
    cmp = e.left
    assert cmp.op == "==" and isinstance(cmp.left, A.Range)
    add = cmp.left.start
    assert add.op == "+" and isinstance(add.left, A.Unary) and add.left.operand.op == "^"
    assert add.right.op == "*"


# --- refusals, each pointing at its line and column ----------------------------------------

ERRORS = [
    ("while true\nend", 2, 1, "unsupported construct 'while'"),
    ("out = 1;\ntry\n  out = 2;\ncatch\nend", 3, 1, "unsupported construct 'try'"),
    ("global x", 2, 1, "unsupported construct 'global'"),
    ("out = eval('1');", 2, 7, "unsupported construct 'eval'"),
    ("out = load('w.mat');", 2, 7, "unsupported construct 'load'"),
    ("out = @(x) x;", 2, 7, "unsupported construct '@'"),
    ("out = 2i;", 2, 7, "unsupported construct 'complex number'"),
    ("out = foo(1);", 2, 7, "unknown function or variable 'foo'"),
    ("out = x;", 2, 7, "unknown function or variable 'x'"),
    ("out = c{end};", 2, 7, "unknown variable 'c'"),
    ("out = struct('a', {1, 2});", 2, 7, "makes a struct array"),
    ("out = struct('a', {});", 2, 7, "makes a struct array"),
    ("out = struct('a', 1); out(2).a = 1;", 2, 26, "struct arrays are not supported"),
    ("out = [struct('a', 1) struct('a', 2)];", 2, 7, "struct array"),
    ("x = 1;\nout = x{1};", 3, 8, "'{}' indexing needs a cell"),
    ("s.a = 1; out = s.b;", 2, 18, "no field 'b'"),
    ("s = 1; s.a = 2;", 2, 10, "cannot set field 'a'"),
    ("x = [1 2]; out = x(3);", 2, 19, "index 3 exceeds"),
    ("x = [1 2]; out = x(0);", 2, 19, "index 0 is not a positive whole number"),
    ("out = [1 2] + [1 2 3];", 2, 13, "'+' needs matching sizes"),
    ("out = [1 2; 3];", 2, 7, "vertical concatenation"),
    ("out = [1 'a'];", 2, 7, "mixing text and numbers"),
    ("out = 'a' + 1;", 2, 11, "'+' on text"),
    ("out = randn(2) * randn(2);", 2, 16, "placeholder"),
    ("out = randn(2) ^ 2;", 2, 16, "'^' with a randn(...) placeholder"),
    ("x = randn(3); out = x(1);", 2, 22, "cannot index a randn(...) placeholder"),
    ("out = sqrt(randn(2));", 2, 7, "values are not drawn"),
    ("out = zeros(1e5, 1e5);", 2, 7, "larger than parity materialises"),
    ("out = ones(3, 'int8');", 2, 7, "'int8'"),
    ("out = 1:1e12;", 2, 8, "larger than parity materialises"),
    ("out = 0;\nfor i = 1:1e9\nend", 3, 1, "more than 100000 steps"),
    ("out = f();", 2, 7, "calls nest more than 32 deep"),
    ("out = 1 && [1 2];", 2, 12, "must be single logical values"),
    ("out = max(ones(2));", 2, 7, "max of a matrix"),
    ("out = cell(2, 2);", 2, 7, "2-D cell"),
    ("out = {1, 2; 3, 4};", 2, 7, "2-D cell"),
    ("x = {1, 2}; out = x';", 2, 20, "transposing a cell"),
    ("x = {1}; x(1) = 2;", 2, 11, "cannot assign a double into '( )' of a cell"),
    ("[a, b] = 1;", 2, 1, "2 outputs but the right side gives 1"),
    ("out = disp(1);", 2, 7, "'disp' returns no value"),
    ("out = sqrt(-1);", 2, 7, "complex"),
    ("error('bad layer %d', 3);", 2, 1, "the init file stops with error: bad layer 3"),
    ("assert(1 == 2, 'no %s', 'way');", 2, 1, "assertion in the init file fails: no way"),
    ("switch {1}, case 1, end", 2, 8, "switch needs text or a number"),
    ("if {1}, end", 2, 4, "a cell cannot be used as a condition"),
    ("out = sprintf('%5000d', 1);", 2, 7, "width or precision is too large"),
    # syntax
    ("out = 1 +;", 2, 10, "expected a value but found ';'"),
    ("out = (1;", 2, 7, "'(' is never closed"),
    ("out = [1 2;", 2, 7, "'[' is never closed"),
    ("out = 1);", 2, 8, "unmatched ')'"),
    ("out = 'abc;", 2, 7, "string is never closed"),
    ("out = f(1,\n2);", 2, 11, "expected a value but found the end of the line"),
    ("if true\nout = 1;", 2, 1, "'if' is never closed by 'end'"),
    ("out = 1;\nend\nend", 4, 1, "unexpected 'end' between functions"),
    ("else\nout = 1;", 2, 1, "unexpected 'else'"),
    ("break", 2, 1, "'break' outside a loop"),
    ("out = 1 2;", 2, 9, "expected the end of the statement but found number 2"),
    ("format long", 2, 8, "command syntax"),
    ("x = end;", 2, 5, "expected a value but found 'end'"),
    ("out = ~;", 2, 8, "expected a value but found ';'"),
    ("out = 1 # note", 2, 9, "unexpected character '#'"),
    ("y = [~, 1];", 2, 6, "'~' as a value"),
    ("%{\nout = 1;", 2, 1, "block comment '%{' is never closed"),
    ("1 = x;", 2, 1, "cannot assign to this expression"),
    ("x = " + "(" * 70 + "1" + ")" * 70 + ";", 2, 68, "nested more than 64 levels"),
    ("x = " + "+".join(["1"] * 200) + ";", 2, 205, "expression nested more than 100 levels"),
]


@pytest.mark.parametrize("body, line, col, fragment", ERRORS, ids=[e[0][:40] for e in ERRORS])
def test_error(body, line, col, fragment):
    err = error_of(body, header="function out = f()\n" if "f()" in body else HEADER)
    assert fragment in str(err)
    assert (err.path, err.line, err.col) == ("t.m", line, col), str(err)


def test_unsupported_construct_message_reads_well():
    err = error_of("out = 1;\nwhile out < 3\n  out = out + 1;\nend")
    assert str(err) == ("t.m:3:1: unsupported construct 'while' (parity reads the subset of "
                        "MATLAB used by simplenn init files)")


@pytest.mark.parametrize("src, line, col, fragment", [
    ("", 1, 1, "the file defines no function"),
    ("% only a comment\n", 1, 1, "the file defines no function"),
    ("x = 1;\n", 1, 1, "statements outside a function"),
    ("function out = f()\nout = 1;\nfunction out = f()\nout = 2;\n", 3, 1, "defined twice"),
    ("function f()\nx = 1;\n", 1, 1, "'f' returns nothing"),
    ("function out = f()\nx = 1;\n", 1, 1, "does not set its output 'out'"),
    ("function out = f(varargin, x)\nout = 1;\n", 1, 18, "'varargin' must be the last"),
    ("function out = f()\n  function g()\n  end\nend\n", 4, 1, "nested functions are not supported"),
])
def test_file_level_errors(src, line, col, fragment):
    with pytest.raises(SpecError) as info:
        run_module(parse(src, "t.m"))
    assert fragment in str(info.value)
    assert (info.value.line, info.value.col) == (line, col), str(info.value)


def test_option_errors():
    err = error_of("opts.a = 1;\nopts = vl_argparse(opts, varargin);\nout = opts;", {"b": 1})
    assert "unknown option 'b' (the file's options: a)" in err.message
    assert (err.line, err.col) == (3, 8)
    err = error_of("out = 1;", {"a": 1})
    assert "never calls vl_argparse" in err.message and (err.line, err.col) == (1, 1)
    err = error_of("out = 1;", {"a": 1}, header="function out = f()\n")
    assert "takes no varargin" in err.message and (err.line, err.col) == (1, 1)
    with pytest.raises(SpecError, match="no function 'nope'") as info:
        run_module(parse(HEADER + "out = 1;\n", "t.m"), function="nope")
    assert (info.value.path, info.value.line, info.value.col) == ("t.m", None, None)
    err = error_of("opts.a = 1;\nopts = vl_argparse(opts, varargin);\nout = opts;",
                   {"a": object()})
    assert "has no MATLAB counterpart" in err.message and err.line is None


def test_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="cannot read the init file") as info:
        read_init_file(tmp_path / "absent.m")
    assert info.value.path == str(tmp_path / "absent.m")


# --- the real init files ---------------------------------------------------------------------

F = 0.01  # `f = 1/100` in every reference file


def _conv(name, filters, stride, pad, lr=True):
    fields = {"filters": filters, "stride": stride, "pad": pad}
    if lr:
        fields["learningRate"] = [1, 2]
    return (name, "conv", fields)


BASIC = [
    _conv("conv1", (5, 5, 1, 6), 1, 2),
    ("relu1", "relu", {"leak": 0.1}),
    ("pool1", "pool", {"method": "max", "pool": [3, 3], "stride": 2, "pad": [0, 1, 0, 1]}),
    _conv("conv2", (3, 3, 6, 8), 2, 0),
    ("pool2", "pool", {"method": "avg", "pool": [2, 2], "stride": 2, "pad": [0, 1, 0, 1]}),
    _conv("fc", (3, 3, 8, 10), 1, 0),
    ("loss", "softmaxloss", {}),
]
GROUPS = [
    _conv("conv1", (5, 5, 1, 8), 1, 0, lr=False),
    ("pool1", "pool", {"method": "max", "pool": [2, 2], "stride": 2, "pad": 0}),
    _conv("conv2", (3, 3, 4, 12), 1, 0, lr=False),
    ("relu2", "relu", {}),
    ("pool2", "pool", {"method": "max", "pool": [2, 2], "stride": 2, "pad": 0}),
    _conv("fc", (5, 5, 12, 10), 1, 0, lr=False),
    ("loss", "softmaxloss", {}),
]
TRAIN_OPTS = {
    "basic": {"learningRate": 0.05, "momentum": 0.9, "weightDecay": 0.0005},
    "groups": {"learningRate": 0.05, "momentum": 0.0, "weightDecay": 0.0},
    "nesterov": {"learningRate": 0.05, "momentum": 0.9, "weightDecay": 0.0005,
                 "nesterovUpdate": True},
    "schedule": {"learningRate": row(*([0.05] * 3 + [0.01] * 3 + [0.002] * 4)),
                 "momentum": 0.9, "weightDecay": 0.0},
}


def check_layers(layers, expected):
    assert isinstance(layers, MCell)
    assert [(layer.get("name"), layer["type"]) for layer in layers] == [
        (name, kind) for name, kind, _ in expected]
    for layer, (name, _kind, fields) in zip(layers, expected):
        fields = dict(fields)
        filters = fields.pop("filters", None)
        keys = {"name", "type"} | set(fields) | ({"weights"} if filters else set())
        assert set(layer) == keys, name
        if filters:
            w, b = layer["weights"]
            assert w == ArraySpec(filters, "randn", F, "single"), name
            same(b, np.zeros((1, filters[-1]), np.float32))
        for key, value in fields.items():
            if isinstance(value, list):
                same(layer[key], row(*value))
            else:
                same(layer[key], float(value) if isinstance(value, (int, float)) else value)


def reference(name):
    path = REFERENCE / name
    assert path.is_file(), f"missing MatConvNet reference file {path}"
    return path


def test_every_reference_init_file_is_checked():
    assert REFERENCE.is_dir(), f"missing MatConvNet reference folder {REFERENCE}"
    found = sorted(str(p.relative_to(REFERENCE)) for p in REFERENCE.glob("*/*.m"))
    assert found == REFERENCE_FILES


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_reference_init_files(name):
    net = read_init_file(reference(name))
    assert list(net) == ["layers", "meta"]
    check_layers(net["layers"], GROUPS if name.startswith("groups") else BASIC)
    same(net["meta"], MStruct(inputSize=row(28, 28, 1),
                              trainOpts=MStruct(TRAIN_OPTS[name.split("/")[0]])))


@pytest.mark.parametrize("name", [n for n in REFERENCE_FILES if not n.startswith("groups")])
def test_reference_files_with_batch_normalization(name):
    net = read_init_file(reference(name), options={"batchNormalization": True})
    layers = net["layers"]
    assert [layer["name"] for layer in layers] == [
        "conv1", "bn1", "relu1", "pool1", "conv2", "bn5", "pool2", "fc", "loss"]
    for conv, bn, depth in ((layers[0], layers[1], 6), (layers[4], layers[5], 8)):
        same(conv["weights"][1], EMPTY)
        assert bn["type"] == "bnorm"
        same(bn["weights"], MCell([np.ones((depth, 1), np.float32),
                                   np.zeros((depth, 1), np.float32)]))
        same(bn["learningRate"], row(1, 1, 0.05))
        same(bn["weightDecay"], row(0, 0))


def test_reference_files_are_read_the_same_twice():
    first, second = (read_init_file(reference(REFERENCE_FILES[0])) for _ in range(2))
    first["layers"][0]["weights"][1][0, 0] = 7
    assert second["layers"][0]["weights"][1][0, 0] == 0


LENET_LAYERS = [
    ("conv", (5, 5, 1, 20)), ("pool", None), ("conv", (5, 5, 20, 50)), ("pool", None),
    ("conv", (4, 4, 50, 500)), ("relu", None), ("conv", (1, 1, 500, 10)),
    ("softmaxloss", None),
]


def _lenet_meta():
    return MStruct(inputSize=row(28, 28, 1), trainOpts=MStruct(
        learningRate=0.001, numEpochs=20.0, batchSize=100.0))


def test_cnn_mnist_style_without_batch_normalization():
    net = read_init_file(LENET_PATH, options={"batchNormalization": False})
    layers = net["layers"]
    assert [layer["type"] for layer in layers] == [kind for kind, _ in LENET_LAYERS]
    for layer, (_kind, filters) in zip(layers, LENET_LAYERS):
        if filters:
            assert list(layer) == ["type", "weights", "stride", "pad"]
            w, b = layer["weights"]
            assert w == ArraySpec(filters, "randn", F, "single")
            same(b, np.zeros((1, filters[-1]), np.float32))
            assert layer["stride"] == 1.0 and layer["pad"] == 0.0
    assert layers[1] == {"type": "pool", "method": "max", "pool": layers[1]["pool"],
                         "stride": 2.0, "pad": 0.0}
    same(layers[1]["pool"], row(2, 2))
    same(net["meta"], _lenet_meta())


def test_cnn_mnist_style_with_batch_normalization():
    net = read_init_file(LENET_PATH)  # the file's default: batchNormalization = true
    layers = net["layers"]
    assert [layer["type"] for layer in layers] == [
        "conv", "bnorm", "pool", "conv", "bnorm", "pool", "conv", "bnorm", "relu", "conv",
        "softmaxloss"]
    for conv_at, depth in ((0, 20), (3, 50), (6, 500)):
        conv, bn = layers[conv_at], layers[conv_at + 1]
        assert conv["weights"][0].shape[-1] == depth
        same(conv["weights"][1], EMPTY)  # insertBnorm drops the conv bias
        assert list(bn) == ["type", "weights", "learningRate", "weightDecay"]
        same(bn["weights"], MCell([np.ones((depth, 1), np.float32),
                                   np.zeros((depth, 1), np.float32)]))
    same(layers[9]["weights"][1], np.zeros((1, 10), np.float32))  # no bnorm after the last
    same(net["meta"], _lenet_meta())


def test_cnn_mnist_style_refuses_what_it_cannot_run():
    with pytest.raises(SpecError) as info:
        read_init_file(LENET_PATH, options={"networkType": "dagnn"})
    assert "unsupported construct 'dagnn'" in info.value.message
    assert (info.value.line, info.value.col) == (60, 11)
    with pytest.raises(SpecError) as info:
        read_init_file(LENET_PATH, options={"networkType": "other"})
    assert "assertion in the init file fails" in info.value.message
    assert (info.value.line, info.value.col) == (62, 5)


# --- anything at all gives a value or a SpecError, quickly -------------------------------------

MATLABISH = st.sampled_from(list("()[]{}'\";,.%:=+-*/\\^~&|<>!@ \t\n0123456789abefnxyz") + [
    "end", "if ", "for i = 1:9\n", "else", "switch x\ncase 1\n", "while", "function f = g(x)\n",
    "...\n", "%{\n", "\n%}\n", "{{", "}}", "1e400", "randn(2,3)", "zeros(3)", "struct('a', ",
    "net.layers{end+1}", "= []", "return", "break", "x", "c{", "opts.", "vl_argparse(opts, varargin)",
])
SNIPPETS = st.one_of(MATLABISH, st.text(max_size=4))


def _outcome(text):
    """Run text as an init file: a value or a located SpecError, nothing else."""
    try:
        value = run_module(parse(text, "m.m"))
    except SpecError as e:
        assert e.path == "m.m" and e.line is not None and e.line >= 1 and e.col >= 1, str(e)
        assert str(e).startswith(f"m.m:{e.line}:{e.col}: ")
        return e
    assert isinstance(value, (MStruct, MCell, ArraySpec, str, float, bool, np.ndarray,
                              np.float32))
    return value


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(MATLABISH, max_size=60).map("".join)),
       st.booleans())
def test_arbitrary_text_gives_a_value_or_a_spec_error(text, as_function):
    _outcome((HEADER if as_function else "") + text)


@functools.cache
def _valid_files():
    return [reference(name).read_text() for name in REFERENCE_FILES] + [LENET_PATH.read_text()]


MUTATION = st.tuples(st.sampled_from(["delete", "insert", "replace", "copy line", "swap lines"]),
                     st.floats(0, 1), st.floats(0, 1), st.integers(1, 12), SNIPPETS)


def _mutate(text, mutations):
    for kind, at, other, size, snippet in mutations:
        lines = text.split("\n")
        p = int(at * len(text))
        i, j = int(at * (len(lines) - 1)), int(other * (len(lines) - 1))
        if kind == "delete":
            text = text[:p] + text[p + size:]
        elif kind == "insert":
            text = text[:p] + snippet + text[p:]
        elif kind == "replace":
            text = text[:p] + snippet + text[p + len(snippet):]
        elif kind == "copy line":
            lines.insert(i, lines[j])
            text = "\n".join(lines)
        else:
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(REFERENCE_FILES)), st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_init_files_give_a_value_or_a_spec_error(which, mutations):
    _outcome(_mutate(_valid_files()[which], mutations))
