"""The MATLAB and MatConvNet functions an init file may call, and nothing else.

Each takes (interp, args, nargout) and returns a list of output values. Calls that
only print or seed the random generator (`disp`, `fprintf`, `pause`, `rng`,
`randn('state', k)`, ...) do nothing: parity draws initial weights under its own seed
policy. `vl_simplenn_tidy` returns its argument unchanged: parity fills in tidy's
defaults where it builds the net. `randn`/`rand` return ArraySpec placeholders.
"""

import re

import numpy as np

from ....errors import SpecError
from . import mops
from .mindex import extents
from .mvalues import (
    ArraySpec,
    MCell,
    MStruct,
    check_cell,
    check_size,
    describe,
    empty,
    integer,
    is_numeric,
    matlab_shape,
    numel,
    scalar,
    shape_of,
    simplify,
    text,
    to_array,
)

BUILTINS = {}

# Functions a file may well call that parity refuses by name rather than as unknown.
REFUSED = frozenset(
    "eval evalin evalc feval assignin load save input keyboard system unix dos exist "
    "cellfun arrayfun structfun str2func func2str inputname clear clc close figure "
    "vl_simplenn_display vl_simplenn dagnn vl_setupnn run addpath".split()
)
# rand('state', k) and friends seed a generator: nothing to do here.
_SEED_WORDS = frozenset(("state", "seed", "twister", "default", "v4", "v5normal", "v5uniform"))


def builtin(*names):
    def register(fn):
        for name in names:
            BUILTINS[name] = fn
        return fn
    return register


def _nargs(name, args, lo, hi=None):
    hi = lo if hi is None else hi
    if not lo <= len(args) <= hi:
        want = str(lo) if lo == hi else f"{lo} to {hi}"
        raise SpecError(f"{name} takes {want} arguments, got {len(args)}")


@builtin("disp", "display", "fprintf", "pause", "rng", "warning", "drawnow", "format")
def _ignored(interp, args, nargout):
    return []


# --- array makers -------------------------------------------------------------------


def _dims(name, args, classes=("double", "single")):
    """The shape and class of zeros(m, n, ..., 'single') and its kin."""
    cls = "double"
    if args and isinstance(args[-1], str):
        if args[-1] not in classes:
            allowed = " or ".join(repr(c) for c in classes)
            raise SpecError(f"{name}(..., '{args[-1]}') is not supported"
                            + (f" (the class may be {allowed})" if allowed else ""))
        cls, args = args[-1], args[:-1]
    if len(args) == 1 and is_numeric(args[0]) and to_array(args[0]).size != 1:
        dims = [_dim(name, x) for x in to_array(args[0]).ravel()] or [0, 0]  # zeros([]) is []
    else:
        dims = [_dim(name, a) for a in args]
        if len(dims) == 1:
            dims = dims * 2  # zeros(n) is n x n
    return matlab_shape(dims or [1, 1]), cls


def _dim(name, v):
    if isinstance(v, str):
        raise SpecError(f"{name}: sizes must be numbers, got text '{v}'")
    n = integer(v, f"a size in {name}(...)")
    return max(n, 0)  # MATLAB reads a negative size as 0


def _filled(fill):
    def make(interp, args, nargout):
        shape, cls = _dims(fill, args)
        n = int(np.prod(shape, dtype=object))
        check_size(n, f"{fill}(...)")
        dtype = np.float32 if cls == "single" else np.float64
        return [simplify(np.full(shape, 1.0 if fill == "ones" else 0.0, dtype=dtype))]
    return make


BUILTINS["zeros"], BUILTINS["ones"] = _filled("zeros"), _filled("ones")


def _random(init):
    def make(interp, args, nargout):
        if args and isinstance(args[0], str) and args[0] in _SEED_WORDS:
            if nargout or len(args) < 2:
                raise SpecError(f"{init}('{args[0]}') reads the generator's state, "
                                f"which parity does not model")
            return []
        shape, cls = _dims(init, args)
        return [ArraySpec(shape, init, 1.0, cls)]
    return make


BUILTINS["randn"], BUILTINS["rand"] = _random("randn"), _random("rand")


def _logical(value):
    def make(interp, args, nargout):
        shape, _ = _dims("true" if value else "false", args, classes=())
        n = int(np.prod(shape, dtype=object))
        check_size(n, "a logical array")
        return [simplify(np.full(shape, value, dtype=bool))]
    return make


BUILTINS["true"], BUILTINS["false"] = _logical(True), _logical(False)


@builtin("cell")
def _cell(interp, args, nargout):
    shape, _ = _dims("cell", args, classes=())
    n = int(np.prod(shape, dtype=object))
    if n and sum(d != 1 for d in shape) > 1:
        raise SpecError("cell(m, n) with m and n above 1 makes a 2-D cell, which is not supported")
    check_cell(n)
    return [MCell(empty() for _ in range(n))]


@builtin("struct")
def _struct(interp, args, nargout):
    if len(args) % 2:
        raise SpecError("struct(...) takes name/value pairs")
    s = MStruct()
    for name, value in zip(args[::2], args[1::2]):
        name = text(name, "a struct field name")
        if not re.fullmatch(r"[A-Za-z]\w*", name):
            raise SpecError(f"'{name}' is not a valid field name")
        if name in s:
            raise SpecError(f"struct(...) names field '{name}' twice")
        if isinstance(value, MCell):
            # struct('f', {x}) stores x; a cell of any other length makes a struct array
            if len(value) != 1:
                raise SpecError(
                    f"struct('{name}', {{...}}) with {len(value)} cells makes a struct array, "
                    f"which parity does not support; write {{{{...}}}} for a field that "
                    f"holds a cell"
                )
            value = value[0]
        s[name] = value
    return [s]


def _space(log):
    def make(interp, args, nargout):
        name = "logspace" if log else "linspace"
        _nargs(name, args, 2, 3)
        a, b = scalar(args[0], f"{name}'s start"), scalar(args[1], f"{name}'s end")
        n = integer(args[2], f"{name}'s count") if len(args) == 3 else (50 if log else 100)
        n = max(n, 1)
        check_size(n, f"{name}(...)")
        points = np.linspace(a, b, n)
        return [simplify((10.0 ** points if log else points).reshape(1, n))]
    return make


BUILTINS["logspace"], BUILTINS["linspace"] = _space(True), _space(False)


def _constant(name, value):
    def make(interp, args, nargout):
        _nargs(name, args, 0)
        return [value]
    return make


for _name, _value in {"pi": np.pi, "inf": np.inf, "Inf": np.inf, "nan": np.nan,
                      "NaN": np.nan, "eps": float(np.finfo(float).eps)}.items():
    BUILTINS[_name] = _constant(_name, _value)


# --- conversions and queries --------------------------------------------------------


def _converter(cls):
    def convert(interp, args, nargout):
        _nargs(cls, args, 1)
        v = args[0]
        if isinstance(v, ArraySpec):
            if cls == "logical":
                raise SpecError("logical(...) of a randn/rand placeholder")
            return [ArraySpec(v.shape, v.init, v.scale, cls, v.shift)]
        if not is_numeric(v) or isinstance(v, str):
            raise SpecError(f"{cls}(...) of a {describe(v)} is not supported")
        a = to_array(v)
        if cls == "logical":
            if a.dtype != np.bool_ and np.isnan(a).any():
                raise SpecError("logical(NaN) is an error in MATLAB")
            return [simplify(a != 0)]
        return [simplify(a.astype(np.float32 if cls == "single" else np.float64))]
    return convert


for _cls in ("single", "double", "logical"):
    BUILTINS[_cls] = _converter(_cls)


@builtin("size")
def _size(interp, args, nargout):
    _nargs("size", args, 1, 2)
    shape = shape_of(args[0])
    if len(args) == 2:
        d = integer(args[1], "size's dimension", minimum=1)
        return [float(shape[d - 1]) if d <= len(shape) else 1.0]
    if nargout <= 1:
        return [simplify(np.array([shape], dtype=np.float64))]
    return [float(e) for e in extents(shape, nargout)]


@builtin("numel")
def _numel(interp, args, nargout):
    _nargs("numel", args, 1)
    return [float(numel(args[0]))]


@builtin("length")
def _length(interp, args, nargout):
    _nargs("length", args, 1)
    shape = shape_of(args[0])
    return [0.0 if 0 in shape else float(max(shape))]


@builtin("ndims")
def _ndims(interp, args, nargout):
    _nargs("ndims", args, 1)
    return [float(len(shape_of(args[0])))]


@builtin("isempty")
def _isempty(interp, args, nargout):
    _nargs("isempty", args, 1)
    return [numel(args[0]) == 0]


_KINDS = {
    "isstruct": lambda v: isinstance(v, MStruct),
    "iscell": lambda v: isinstance(v, MCell),
    "ischar": lambda v: isinstance(v, str),
    "isnumeric": lambda v: isinstance(v, ArraySpec) or (
        is_numeric(v) and to_array(v).dtype != np.bool_),
    "islogical": lambda v: is_numeric(v) and to_array(v).dtype == np.bool_,
}
def _type_test(name, test):
    def check(interp, args, nargout):
        _nargs(name, args, 1)
        return [bool(test(args[0]))]
    return check


for _kind, _test in _KINDS.items():
    BUILTINS[_kind] = _type_test(_kind, _test)


@builtin("isfield")
def _isfield(interp, args, nargout):
    _nargs("isfield", args, 2)
    s, names = args
    if isinstance(names, MCell):
        found = [isinstance(s, MStruct) and isinstance(n, str) and n in s for n in names]
        return [simplify(np.array([found], dtype=bool))] if found else [empty()]
    return [isinstance(s, MStruct) and isinstance(names, str) and names in s]


@builtin("fieldnames")
def _fieldnames(interp, args, nargout):
    _nargs("fieldnames", args, 1)
    if not isinstance(args[0], MStruct):
        raise SpecError(f"fieldnames needs a struct, got a {describe(args[0])}")
    return [MCell(args[0].keys())]


@builtin("rmfield")
def _rmfield(interp, args, nargout):
    _nargs("rmfield", args, 2)
    s, names = args
    if not isinstance(s, MStruct):
        raise SpecError(f"rmfield needs a struct, got a {describe(s)}")
    names = list(names) if isinstance(names, MCell) else [names]
    out = MStruct(s)
    for n in names:
        n = text(n, "a field name")
        if n not in out:
            raise SpecError(f"rmfield: the struct has no field '{n}'")
        del out[n]
    return [out]


# --- concatenation ------------------------------------------------------------------


@builtin("horzcat")
def _horzcat(interp, args, nargout):
    return [mops.concat([list(args)])]


@builtin("vertcat")
def _vertcat(interp, args, nargout):
    return [mops.concat([[a] for a in args])]


@builtin("cat")
def _cat(interp, args, nargout):
    if not args:
        raise SpecError("cat needs a dimension")
    d = integer(args[0], "cat's dimension", minimum=1)
    if d > 2:
        raise SpecError("cat along dimension 3 or more is not supported")
    return [mops.concat([list(args[1:])] if d == 2 else [[a] for a in args[1:]])]
