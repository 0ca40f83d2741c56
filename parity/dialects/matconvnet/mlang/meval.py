"""Run a MatConvNet `simplenn` init function without MATLAB and return the net it builds.

    read_init_file(path, options=None, function=None) -> value

parses the file (`mlang.parse`), calls its first function (or `function`) with no
arguments, and returns that function's first output, normally the `net` struct.
`options` (a dict) become the function's varargin as name/value pairs, so the file's own
`opts = vl_argparse(opts, varargin)` applies them over its defaults, as MATLAB's
`cnn_mnist_init('batchNormalization', false)` would (names match case-insensitively;
dicts update struct options field by field); an option that form of vl_argparse does
not know is an error, and so are options for a file that never calls vl_argparse.
`run_module(module, options, function)` does the same for an already parsed module.

What MATLAB values become in Python (see `mvalues`):

* 1x1 double -> float; 1x1 logical -> bool; 1x1 single -> numpy.float32;
* other numeric/logical arrays -> numpy.ndarray with MATLAB's shape, at least 2-D
  (`[28 28 1]` is shape (1, 3), `[]` is (0, 0)), dtype float64, float32 or bool;
  `zeros`/`ones` are materialised this way (at most mvalues.MAX_ELEMENTS elements);
* `randn(...)`/`rand(...)` -> ArraySpec(shape, init, scale, dtype, shift): values are
  not drawn; `f*randn(5,5,1,20,'single')` is ArraySpec((5,5,1,20), 'randn', f, 'single');
  a scalar may scale it or be added to it, nothing else may touch it;
* char row vector -> str; cell -> MCell (a list, 1-D); scalar struct -> MStruct (a
  dict in field order). The result shares no mutable part with anything else.

`vl_simplenn_tidy(net)` returns net unchanged (parity applies tidy's defaults where it
builds the net); `disp`, `fprintf`, `pause`, `rng`, `randn('state', k)` and the like do
nothing. Everything else outside the subset raises SpecError with path:line:col.

Evaluation is bounded: MAX_STEPS statements and loop turns, MAX_CALL_DEPTH nested
calls, MAX_EVAL_DEPTH nested evaluations; arrays and strings of at most
mvalues.MAX_ELEMENTS elements, cells of at most mvalues.MAX_CELL, and
mvalues.MAX_TOTAL_ELEMENTS allocated in all. randn shapes are never allocated, so any
size is fine for them. Option values given from Python map as `mvalues.from_python`
says: bool, int/float, str, lists of numbers (row vectors), other lists (cells), dicts
(structs), numpy arrays.
"""

from pathlib import Path

import numpy as np

from ....errors import SpecError
from .minterp import MAX_CALL_DEPTH, MAX_EVAL_DEPTH, MAX_STEPS, Interpreter
from .mvalues import ArraySpec, MCell, MStruct, allocated, from_python, unshare
from .parser import parse

MAX_FILE_BYTES = 2_000_000

__all__ = ["read_init_file", "run_module", "parse", "ArraySpec", "MCell", "MStruct",
           "MAX_STEPS", "MAX_CALL_DEPTH", "MAX_EVAL_DEPTH"]


def run_module(module, options=None, function=None):
    """Run module's first function (or `function`) and return its first output."""
    fn = module.function(function) if function else (module.functions or [None])[0]
    if fn is None:
        names = ", ".join(f.name for f in module.functions) or "none"
        raise SpecError(f"the file has no function '{function}' (it has: {names})",
                        path=module.path)
    where = dict(path=module.path, line=fn.line, col=fn.col)
    if not fn.outputs:
        raise SpecError(f"'{fn.name}' returns nothing; an init function reads "
                        f"'function net = {fn.name}(varargin)'", **where)
    args = []
    if options:
        if not fn.params or fn.params[-1] != "varargin":
            raise SpecError(f"options were given but '{fn.name}' takes no varargin", **where)
        try:
            args = [x for k, v in options.items() for x in (str(k), from_python(v))]
        except SpecError as e:
            e.path = module.path
            raise
    interp = Interpreter(module)
    budget = allocated.set([0])
    try:
        with np.errstate(all="ignore"):
            outs = interp.call_user(fn, args, 1)
        result = unshare(outs[0])
    except SpecError as e:
        if e.path is None:
            e.path, e.line, e.col = module.path, fn.line, fn.col
        raise
    except RecursionError:
        raise SpecError("the file nests too deeply for parity to run it", **where) from None
    finally:
        allocated.reset(budget)
    if options and not interp.argparse_calls:
        raise SpecError("options were given but the file never calls vl_argparse", **where)
    return result


def read_init_file(path, options=None, function=None):
    """The value a MatConvNet init file's main function returns (see the module doc)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SpecError(f"cannot read the init file: {e.strerror or e}", path=str(path)) from None
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(f"the file is over {MAX_FILE_BYTES} bytes; an init file is far smaller",
                        path=str(path))
    if b"\0" in data:  # text never holds NUL; a binary .mat file (or any binary) does
        at = data.index(b"\0")
        line = data.count(b"\n", 0, at) + 1
        kind = "a MAT-file (saved data)" if data.startswith(b"MATLAB") else "binary data"
        raise SpecError(f"expected MATLAB source text (a simplenn init function), found {kind}: a NUL byte at "
                        f"offset {at}", path=str(path), line=line, col=at - data.rfind(b"\n", 0, at),
                        hint="(a .mat file holds a saved net; parity reads the init .m file that builds it)")
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError:
        source = data.decode("latin-1")  # old MATLAB files often carry Latin-1 comments
    return run_module(parse(source, str(path)), options, function)
