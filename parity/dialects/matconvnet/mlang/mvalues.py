"""The Python values that stand for MATLAB values while an init file runs.

| MATLAB                        | Python                                                   |
|-------------------------------|----------------------------------------------------------|
| 1x1 double                    | float                                                    |
| 1x1 logical (`true`)          | bool                                                     |
| 1x1 single                    | numpy.float32                                            |
| any other numeric or logical  | numpy.ndarray, at least 2-D with MATLAB's shape (`[1 2]` |
| array                         | is shape (1, 2)); float64, float32 ('single') or bool    |
| `[]`                          | numpy.ndarray of shape (0, 0)                            |
| char row vector `'abc'`       | str (`''` too)                                           |
| cell array (1-D)              | MCell, a list                                            |
| scalar struct                 | MStruct, a dict keeping field order                      |
| `randn(...)`, `rand(...)`     | ArraySpec: shape and distribution, values never drawn    |

`zeros`/`ones` are materialised as arrays (they are deterministic and small in real nets,
and `0.05*ones(1,3)` must concatenate); arrays above MAX_ELEMENTS are refused. Struct
arrays, 2-D cells, char matrices, integer classes and complex numbers are not values here.
"""

from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from ....errors import SpecError

# Materialised arrays and strings stay below MAX_ELEMENTS elements, cells below MAX_CELL,
# and one run allocates at most MAX_TOTAL_ELEMENTS in all, so that a loop of big
# allocations ends quickly too. randn shapes are unbounded: nothing is allocated for them.
MAX_ELEMENTS = 10_000_000
MAX_CELL = 100_000
MAX_TOTAL_ELEMENTS = 100_000_000

# Elements allocated so far by the run in progress (a one-item list), or None outside one.
allocated = ContextVar("matconvnet_allocated", default=None)


class MStruct(dict):
    """A scalar MATLAB struct: field name -> value, in the order the fields were made."""

    __slots__ = ()

    def __repr__(self):
        return f"MStruct({dict.__repr__(self)})"


class MCell(list):
    """A 1-D MATLAB cell array."""

    __slots__ = ()

    def __repr__(self):
        return f"MCell({list.__repr__(self)})"


@dataclass(frozen=True, slots=True)
class ArraySpec:
    """`randn(shape)` or `rand(shape)` scaled and shifted by scalars: its values would be
    `scale * draw + shift`; parity draws them elsewhere, with its own seed policy.

    shape follows MATLAB: at least 2 dims, trailing singleton dims past the 2nd dropped
    (`randn(3,3,8,1)` is 3x3x8). dtype is 'single' or 'double'. init is 'randn' or 'rand'.
    """

    shape: tuple
    init: str
    scale: float = 1.0
    dtype: str = "double"
    shift: float = 0.0

    @property
    def numel(self):
        n = 1
        for d in self.shape:
            n *= d
        return n


def empty():
    """MATLAB's `[]`."""
    return np.zeros((0, 0))


def is_empty_matrix(v):
    return isinstance(v, np.ndarray) and v.shape == (0, 0)


def matlab_shape(dims):
    """Dims as MATLAB keeps them: at least two, no trailing 1s past the second."""
    dims = list(dims) + [1] * (2 - len(dims))
    while len(dims) > 2 and dims[-1] == 1:
        dims.pop()
    return tuple(dims)


def shape_of(v):
    if isinstance(v, np.ndarray):
        return matlab_shape(v.shape)
    if isinstance(v, str):
        return (1, len(v)) if v else (0, 0)
    if isinstance(v, MCell):
        return (1, len(v)) if v else (0, 0)
    if isinstance(v, ArraySpec):
        return v.shape
    return (1, 1)  # numbers, bools, structs


def numel(v):
    n = 1
    for d in shape_of(v):
        n *= d
    return n


def class_name(v):
    """MATLAB's class() of v, for messages."""
    if isinstance(v, (bool, np.bool_)):
        return "logical"
    if isinstance(v, str):
        return "char"
    if isinstance(v, MCell):
        return "cell"
    if isinstance(v, MStruct):
        return "struct"
    if isinstance(v, ArraySpec):
        return f"{v.init}(...) placeholder"
    if isinstance(v, np.ndarray):
        return {"bool": "logical", "float32": "single"}.get(v.dtype.name, "double")
    if isinstance(v, np.float32):
        return "single"
    return "double"


def is_numeric(v):
    """A number, logical or numeric array (not text, cell, struct or placeholder)."""
    return isinstance(v, (float, int, bool, np.ndarray, np.floating, np.bool_))


def check_size(n, what="array", limit=MAX_ELEMENTS):
    """Refuse to build `what` of n elements if it is too big; count it otherwise."""
    if n > limit:
        raise SpecError(
            f"{what} of {n} elements is larger than parity materialises "
            f"(at most {limit}; randn/rand placeholders have no limit)"
        )
    total = allocated.get()
    if total is not None:
        total[0] += n
        if total[0] > MAX_TOTAL_ELEMENTS:
            raise SpecError(f"the file allocates more than {MAX_TOTAL_ELEMENTS} elements "
                            f"in all; parity stops here")


def check_cell(n):
    check_size(n, "a cell", MAX_CELL)


def to_array(v, what="value"):
    """v as a numeric ndarray of at least 2 dims (float64, float32 or bool)."""
    if isinstance(v, np.ndarray):
        return v if v.ndim >= 2 else v.reshape((1, -1) if v.ndim else (1, 1))
    if isinstance(v, (bool, np.bool_)):
        return np.array([[bool(v)]])
    if isinstance(v, np.float32):
        return np.array([[v]], dtype=np.float32)
    if isinstance(v, (float, int, np.floating, np.integer)):
        return np.array([[float(v)]])
    raise SpecError(f"expected a number, got a {class_name(v)}")


def simplify(a):
    """A numpy result in this module's canonical form (1x1 becomes a Python scalar)."""
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        a = a.astype(np.float64)
    elif a.dtype.kind == "f" and a.dtype != np.float32:
        a = a.astype(np.float64, copy=False)
    elif a.dtype.kind not in "bf":
        raise SpecError(f"unsupported value of numpy type {a.dtype}")
    if a.size == 1:
        x = a.reshape(())[()]
        if a.dtype == np.bool_:
            return bool(x)
        if a.dtype == np.float32:
            return np.float32(x)
        return float(x)
    shape = matlab_shape(a.shape)
    return a.reshape(shape) if shape != a.shape else a


def scalar(v, what="value"):
    """v as a float; SpecError unless it holds exactly one number."""
    if isinstance(v, (bool, np.bool_, float, int, np.floating, np.integer)):
        return float(v)
    if isinstance(v, np.ndarray) and v.size == 1:
        return float(v.reshape(()))
    raise SpecError(f"{what} must be a single number, got a {describe(v)}")


def integer(v, what="value", minimum=None):
    x = scalar(v, what)
    if not np.isfinite(x) or x != int(x):
        raise SpecError(f"{what} must be a whole number, got {x:g}")
    if minimum is not None and x < minimum:
        raise SpecError(f"{what} must be at least {minimum}, got {x:g}")
    return int(x)


def text(v, what="value"):
    if isinstance(v, str):
        return v
    raise SpecError(f"{what} must be text, got a {describe(v)}")


def truth(v):
    """MATLAB's `if` test: non-empty and all elements non-zero."""
    if isinstance(v, str):
        return bool(v) and "\0" not in v
    if isinstance(v, ArraySpec):
        raise SpecError("a randn/rand placeholder has no values to test")
    if not is_numeric(v):
        raise SpecError(f"a {class_name(v)} cannot be used as a condition")
    a = to_array(v)
    if a.size == 0:
        return False
    if a.dtype != np.bool_ and np.isnan(a).any():
        raise SpecError("NaN cannot be used as a condition")
    return bool(np.all(a != 0))


def describe(v):
    """'1x3 double', 'char', 'struct' ... for messages."""
    if isinstance(v, (MStruct, str)):
        return class_name(v)
    return "x".join(str(d) for d in shape_of(v)) + " " + class_name(v)


def from_python(v):
    """An option override given from Python, as the MATLAB value it stands for."""
    if isinstance(v, (MStruct, MCell, ArraySpec, str, bool, np.bool_)):
        return v
    if isinstance(v, (int, float, np.integer, np.floating)):
        return np.float32(v) if isinstance(v, np.float32) else float(v)
    if isinstance(v, np.ndarray):
        return simplify(v.reshape(matlab_shape(v.shape)) if v.ndim >= 2 else v.reshape(1, -1))
    if isinstance(v, dict):
        return MStruct((str(k), from_python(x)) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            return simplify(np.array([list(map(float, v))]))
        return MCell(from_python(x) for x in v)
    if v is None:
        return empty()
    raise SpecError(f"option value {v!r} has no MATLAB counterpart")


def unshare(v):
    """A copy of v sharing no mutable part, so callers may edit the result freely."""
    if isinstance(v, MStruct):
        return MStruct((k, unshare(x)) for k, x in v.items())
    if isinstance(v, MCell):
        return MCell(unshare(x) for x in v)
    if isinstance(v, np.ndarray):
        return v.copy()
    return v
