"""Bounded fuzzing of the two hand-written readers: any text gives a value or a located SpecError, within 1 s.

* prototxt: `prototxt.parse`, then `schema.validate` as the Caffe loader would (net or solver);
* .m: `mlang.parse`, then `meval.run_module` (the init function evaluated).

Seeds for the mutations are the Caffe reference nets and solvers and the MatConvNet init files.
`make fuzz` (tools/fuzz.py) runs the long campaign.
"""

import functools
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parity.dialects.caffe.loader import NET_FIELDS
from parity.dialects.caffe.prototxt import Message, parse
from parity.dialects.caffe.schema import validate
from parity.dialects.matconvnet.mlang.meval import run_module
from parity.dialects.matconvnet.mlang.parser import parse as parse_m
from parity.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 1.0
FUZZ = settings(max_examples=200, deadline=1000, suppress_health_check=[HealthCheck.too_slow])

PROTO_SNIPPETS = st.sampled_from([
    "layer", "name", "type", "top", "bottom", "param", "lr_mult", "num_output", "kernel_size", "pool", "MAX",
    "weight_filler", "input_param", "shape", "dim", "base_lr", "lr_policy", "net", "net_param", "\"InnerProduct\"",
    "{", "}", "[", "]", ":", ";", ",", "<", ">", "#", "\"", "'", "\\", "-", "1", "3.5", "1e400", "-inf", "nan",
    "0x1F", "true", "\n", " ", "\x00", "é", "\ufeff", "layer {" * 40, "}" * 40,
])
M_SNIPPETS = st.sampled_from([
    "function net = f(varargin)\n", "end", "if ", "else", "for i = 1:3\n", "switch x\ncase 1\n", "while",
    "try", "global", "return", "break", "net.layers{end+1} = ", "struct('type', 'conv', ", "{{", "}}",
    "randn(5,5,1,20, 'single')", "zeros(1, 20, 'single')", "[28 28 1]", "opts = vl_argparse(opts, varargin)",
    "insertBnorm(net, 1)", "1e400", "1:1e9", "...\n", "%{\n", "\n%}\n", "(", ")", "[", "]", "{", "}", "'", ";",
    "=", "+", "*", "^", "~", "@", "\n", "x", "(" * 80, "\x00",
])


@functools.cache
def _seeds(kind):
    if kind == "prototxt":
        paths = sorted((ROOT / "tests" / "data" / "caffe-reference").glob("*/*.prototxt"))
    else:
        paths = sorted((ROOT / "tests" / "data" / "matconvnet").glob("*.m"))
    assert paths, f"no {kind} seed files"
    return [p.read_text() for p in paths]


def _mutations(snippets):
    return st.lists(st.tuples(st.sampled_from(["delete", "insert", "replace", "repeat", "cut", "swap lines"]),
                              st.floats(0, 1), st.integers(1, 40), snippets), min_size=1, max_size=5)


def _mutate(text, mutations):
    for kind, at, size, snippet in mutations:
        i = int(at * len(text))
        if kind == "delete":
            text = text[:i] + text[i + size:]
        elif kind == "insert":
            text = text[:i] + snippet + text[i:]
        elif kind == "replace":
            text = text[:i] + snippet + text[i + len(snippet):]
        elif kind == "repeat":
            text = text[:i] + text[i:i + size] * 3 + text[i + size:]
        elif kind == "cut":
            text = text[:i]
        else:
            lines = text.split("\n")
            a, b = int(at * (len(lines) - 1)), (int(at * (len(lines) - 1)) + size) % len(lines)
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


def _read_prototxt(text):
    start = time.perf_counter()
    try:
        msg = parse(text, "f.prototxt")
        assert isinstance(msg, Message)
        kind = "NetParameter" if any(msg.has(f) for f in NET_FIELDS) or not msg.fields else "SolverParameter"
        validate(msg, kind, "f.prototxt")
    except SpecError as err:
        assert err.path == "f.prototxt" and err.line >= 1 and err.col >= 1, str(err)
        assert str(err).startswith(f"f.prototxt:{err.line}:{err.col}: ")
    assert time.perf_counter() - start < LIMIT_S


def _read_m(text):
    start = time.perf_counter()
    try:
        run_module(parse_m(text, "f.m"))
    except SpecError as err:
        assert err.path == "f.m" and err.line >= 1 and err.col >= 1, str(err)
    assert time.perf_counter() - start < LIMIT_S


@FUZZ
@given(st.one_of(st.text(max_size=300), st.lists(PROTO_SNIPPETS, max_size=60).map("".join)))
def test_prototxt_reader_on_arbitrary_text(text):
    _read_prototxt(text)


@FUZZ
@given(st.data(), _mutations(PROTO_SNIPPETS))
def test_prototxt_reader_on_mutated_reference_files(data, mutations):
    seed = data.draw(st.sampled_from(_seeds("prototxt")))
    _read_prototxt(_mutate(seed, mutations))


@FUZZ
@given(st.one_of(st.text(max_size=300), st.lists(M_SNIPPETS, max_size=60).map("".join)), st.booleans())
def test_m_reader_on_arbitrary_text(text, as_function):
    _read_m(("function net = f(varargin)\n" if as_function else "") + text)


@FUZZ
@given(st.data(), _mutations(M_SNIPPETS))
def test_m_reader_on_mutated_init_files(data, mutations):
    seed = data.draw(st.sampled_from(_seeds("m")))
    _read_m(_mutate(seed, mutations))


def test_the_seeds_themselves_read_cleanly():
    for text in _seeds("prototxt"):
        _read_prototxt(text)
    for text in _seeds("m"):
        assert run_module(parse_m(text, "f.m")) is not None


# --- the binary checkpoint readers (parity/checkpoints/) ---------------------------------------------------
@functools.cache
def _checkpoint_seeds(tmp):
    """A .caffemodel of each encoding and a v5/v7 .mat of the reference MatConvNet net, as bytes."""
    import numpy as np
    from checkpoint_writers import caffemodel, mat_v5

    rng = np.random.default_rng(0)
    layers = {"conv1": ("Convolution", [rng.normal(size=(2, 1, 3, 3)), rng.normal(size=2)]),
              "ip1": ("InnerProduct", [rng.normal(size=(3, 8)), rng.normal(size=3)])}
    out = {"caffemodel": [], "mat": []}
    for i, options in enumerate([{}, {"packed": False}, {"legacy": True, "v1": True}, {"double": True}]):
        out["caffemodel"].append(caffemodel(Path(tmp) / f"s{i}.caffemodel", layers, **options).read_bytes())
    net = [("conv1", "conv", [rng.normal(size=(3, 3, 1, 2)), rng.normal(size=2)]), ("relu", "relu", []),
           ("fc", "conv", [rng.normal(size=(2, 2, 2, 3)), rng.normal(size=3)])]
    for i, compress in enumerate((False, True)):
        out["mat"].append(mat_v5(Path(tmp) / f"s{i}.mat", net, compress=compress).read_bytes())
    return out


def _mutate_bytes(data, edits):
    for kind, at, value in edits:
        i = int(at * len(data))
        if kind == "flip" and data:
            i = min(i, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ (value or 1)]) + data[i + 1:]
        elif kind == "cut":
            data = data[:i]
        elif kind == "insert":
            data = data[:i] + bytes([value]) * (1 + value % 7) + data[i:]
        else:
            data = data[:i] + data[i + 1 + value % 16:]
    return data


def _read_checkpoint(data, suffix, tmp_path):
    from parity.checkpoints import CheckpointError, read

    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        read(str(path))
    except CheckpointError as err:
        assert str(err).startswith(f"{path}: --weights: "), str(err)
    assert time.perf_counter() - start < LIMIT_S


BYTE_EDITS = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]), st.floats(0, 1),
                                st.integers(0, 255)), min_size=1, max_size=6)


@FUZZ
@given(st.data(), BYTE_EDITS)
def test_caffemodel_reader_on_mutated_files(tmp_path_factory, data, edits):
    tmp = tmp_path_factory.getbasetemp()
    seed = data.draw(st.sampled_from(_checkpoint_seeds(str(tmp))["caffemodel"]))
    _read_checkpoint(_mutate_bytes(seed, edits), ".caffemodel", tmp)


@FUZZ
@given(st.binary(max_size=400))
def test_caffemodel_reader_on_arbitrary_bytes(tmp_path_factory, data):
    _read_checkpoint(data, ".caffemodel", tmp_path_factory.getbasetemp())


@FUZZ
@given(st.data(), BYTE_EDITS)
def test_mat_reader_on_mutated_files(tmp_path_factory, data, edits):
    tmp = tmp_path_factory.getbasetemp()
    seed = data.draw(st.sampled_from(_checkpoint_seeds(str(tmp))["mat"]))
    _read_checkpoint(_mutate_bytes(seed, edits), ".mat", tmp)
