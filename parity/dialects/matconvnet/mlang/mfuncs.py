"""More of the functions an init file may call: math, text, errors, and MatConvNet's
`vl_argparse` and `vl_simplenn_tidy`. They register into `mbuiltins.BUILTINS`."""

import numpy as np

from ....errors import SpecError
from . import mformat, mops
from .mbuiltins import BUILTINS, _nargs, builtin
from .mvalues import (
    ArraySpec,
    MCell,
    MStruct,
    describe,
    empty,
    is_numeric,
    simplify,
    text,
    to_array,
    truth,
)

# --- math ---------------------------------------------------------------------------


def _round(a):
    return np.sign(a) * np.floor(np.abs(a) + 0.5)  # MATLAB rounds halves away from zero


_UNARY_MATH = {
    "floor": np.floor, "ceil": np.ceil, "fix": np.trunc, "round": _round, "abs": np.abs,
    "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10,
}


def _math(name, fn):
    def apply(interp, args, nargout):
        _nargs(name, args, 1)
        a = _numbers(name, args[0])
        if name in ("sqrt", "log", "log2", "log10") and np.any(a < 0):
            raise SpecError(f"{name} of a negative number is complex, which parity does not support")
        with np.errstate(all="ignore"):
            return [simplify(fn(a))]
    return apply


def _numbers(name, v):
    if isinstance(v, ArraySpec):
        raise SpecError(f"{name} of a {v.init}(...) placeholder: its values are not drawn")
    if isinstance(v, str) or not is_numeric(v):
        raise SpecError(f"{name} needs numbers, got a {describe(v)}")
    a = to_array(v)
    return a.astype(np.float64) if a.dtype == np.bool_ else a


for _name, _fn in _UNARY_MATH.items():
    BUILTINS[_name] = _math(_name, _fn)


def _mod(x, y):
    # MATLAB: mod(x, 0) is x; the result takes the sign of y
    return np.where(y == 0, x, x - np.floor(x / np.where(y == 0, 1, y)) * y)


def _rem(x, y):
    return x - np.trunc(x / y) * y


def _pairwise(name, fn):
    def apply(interp, args, nargout):
        _nargs(name, args, 2)
        a, b = _numbers(name, args[0]), _numbers(name, args[1])
        a, b = mops.expand(a, b, name)
        with np.errstate(all="ignore"):
            return [simplify(fn(a, b))]
    return apply


BUILTINS["mod"], BUILTINS["rem"] = _pairwise("mod", _mod), _pairwise("rem", _rem)


def _extreme(name):
    pick, arg = (np.fmax, np.nanargmax) if name == "max" else (np.fmin, np.nanargmin)

    def apply(interp, args, nargout):
        _nargs(name, args, 1, 2)
        if len(args) == 2:
            return _pairwise(name, pick)(interp, args, nargout)
        a = _numbers(name, args[0])
        if a.size == 0:
            return [empty(), empty()][: max(nargout, 1)]
        if not (a.ndim == 2 and 1 in a.shape):
            raise SpecError(f"{name} of a matrix is not supported; give it a vector")
        flat = a.ravel()
        if np.isnan(flat).all():
            return [float("nan"), 1.0][: max(nargout, 1)]
        i = int(arg(flat))
        return [simplify(flat[i:i + 1]), float(i + 1)][: max(nargout, 1)]
    return apply


BUILTINS["max"], BUILTINS["min"] = _extreme("max"), _extreme("min")


def _reduce(name, fn):
    def apply(interp, args, nargout):
        _nargs(name, args, 1)
        a = _numbers(name, args[0])
        if a.size == 0:
            return [0.0 if name == "sum" else 1.0]
        axis = next((i for i, d in enumerate(a.shape) if d != 1), 0)  # first non-singleton
        return [simplify(np.expand_dims(fn(a, axis=axis), axis))]
    return apply


BUILTINS["sum"], BUILTINS["prod"] = _reduce("sum", np.sum), _reduce("prod", np.prod)


# --- text ---------------------------------------------------------------------------


def _strcmp(fold):
    def same(a, b):
        if not (isinstance(a, str) and isinstance(b, str)):
            return False
        return a.lower() == b.lower() if fold else a == b

    def apply(interp, args, nargout):
        _nargs("strcmpi" if fold else "strcmp", args, 2)
        a, b = args
        if isinstance(a, MCell) or isinstance(b, MCell):
            many, one = (a, b) if isinstance(a, MCell) else (b, a)
            if isinstance(one, MCell):
                if len(one) != len(many):
                    raise SpecError("strcmp of two cells of different lengths")
                found = [same(x, y) for x, y in zip(many, one)]
            else:
                found = [same(x, one) for x in many]
            return [simplify(np.array([found], dtype=bool))] if found else [empty()]
        return [same(a, b)]
    return apply


BUILTINS["strcmp"], BUILTINS["strcmpi"] = _strcmp(False), _strcmp(True)


def _case(name, fn):
    def apply(interp, args, nargout):
        _nargs(name, args, 1)
        v = args[0]
        if isinstance(v, MCell):
            return [MCell(fn(text(x, f"{name}'s argument")) for x in v)]
        return [fn(text(v, f"{name}'s argument"))]
    return apply


BUILTINS["lower"], BUILTINS["upper"] = _case("lower", str.lower), _case("upper", str.upper)


@builtin("sprintf")
def _sprintf(interp, args, nargout):
    if not args:
        raise SpecError("sprintf needs a format")
    return [mformat.sprintf(args[0], args[1:])]


@builtin("num2str")
def _num2str(interp, args, nargout):
    _nargs("num2str", args, 1, 2)
    return [mformat.num2str(*args)]


@builtin("int2str")
def _int2str(interp, args, nargout):
    _nargs("int2str", args, 1)
    return [mformat.num2str(simplify(_round(_numbers("int2str", args[0]))))]


# --- errors -------------------------------------------------------------------------


def _message(args):
    if not args:
        return ""
    if len(args) > 1 and isinstance(args[0], str) and ":" in args[0] and " " not in args[0] \
            and "%" not in args[0]:
        args = args[1:]  # error('pkg:id', 'format', ...): the identifier is not shown
    return mformat.sprintf(args[0], args[1:])


@builtin("error")
def _error(interp, args, nargout):
    raise SpecError(f"the init file stops with error: {_message(args)}")


@builtin("assert")
def _assert(interp, args, nargout):
    if not args:
        raise SpecError("assert needs a condition")
    if not truth(args[0]):
        detail = _message(args[1:])
        raise SpecError("an assertion in the init file fails" + (f": {detail}" if detail else ""))
    return []


# --- MatConvNet ---------------------------------------------------------------------


@builtin("vl_simplenn_tidy")
def _tidy(interp, args, nargout):
    """The identity: parity fills in tidy's defaults itself, where it builds the net."""
    _nargs("vl_simplenn_tidy", args, 1)
    if not isinstance(args[0], MStruct):
        raise SpecError(f"vl_simplenn_tidy needs a net struct, got a {describe(args[0])}")
    return [args[0]]


@builtin("vl_argparse")
def _vl_argparse(interp, args, nargout):
    """[opts, rest] = vl_argparse(opts, args, ...): MatConvNet's option parser."""
    _nargs("vl_argparse", args, 2, 4)
    flags = [text(a, "a vl_argparse flag").lower() for a in args[2:]]
    if any(f not in ("nonrecursive", "merge") for f in flags):
        raise SpecError("vl_argparse's flags may only be 'nonrecursive' and 'merge'")
    interp.argparse_calls += 1
    opts, rest = argparse(args[0], args[1], nargout > 1, "nonrecursive" not in flags,
                          "merge" in flags)
    return [opts, rest][: max(nargout, 1)]


def argparse(opts, given, keep_unknown, recursive=True, merge=False):
    """vl_argparse's rules: case-insensitive names, structs as bundles of pairs,
    'a.b' names for nested fields, struct options updated field by field."""
    if not isinstance(opts, MStruct):
        raise SpecError(f"vl_argparse needs an options struct, got a {describe(opts)}")
    original = opts
    given = list(given) if isinstance(given, MCell) else [given]
    opts, rest, i = MStruct(opts), MCell(), 0
    while i < len(given):
        item = given[i]
        if recursive and isinstance(item, MStruct):
            pairs = MCell(x for kv in item.items() for x in kv)
            opts, unknown = argparse(opts, pairs, keep_unknown, recursive, merge)
            if keep_unknown:
                rest.append(MStruct(zip(unknown[::2], unknown[1::2])))
            i += 1
            continue
        if not isinstance(item, str):
            raise SpecError(f"vl_argparse expects name/value pairs or structs, "
                            f"got a {describe(item)}")
        if i + 1 >= len(given):
            raise SpecError(f"option '{item}' has no value")
        param, value = item, given[i + 1]
        if "." in param:  # 'train.learningRate' sets opts.train.learningRate
            parts = param.split(".")
            param = parts[0]
            for part in reversed(parts[1:]):
                value = MStruct({part: value})
        matches = [k for k in opts if k.lower() == param.lower()]
        if len(matches) == 1:
            field = matches[0]
        elif merge:
            field = param
        elif keep_unknown:
            rest.extend((param, value))
            i += 2
            continue
        else:
            known = ", ".join(opts) or "none"
            raise SpecError(f"unknown option '{param}' (the file's options: {known})")
        old = opts.get(field)
        if not recursive or not isinstance(value, MStruct) and not (
                isinstance(original.get(field), MStruct) and original[field]):
            opts[field] = value
        elif not isinstance(value, MStruct):
            raise SpecError(f"option '{field}' is a struct; give it a struct")
        elif not isinstance(old, MStruct):
            raise SpecError(f"option '{field}' is not a struct; a struct cannot be merged into it")
        else:
            nested = bool(isinstance(original.get(field), MStruct) and original[field])
            opts[field], _ = argparse(old, MCell([value]), False, recursive, merge or not nested)
        i += 2
    return opts, rest
