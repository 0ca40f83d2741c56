"""Operators on MATLAB values: arithmetic, comparisons, logic, ranges, `[ ]` and `{ }`.

Numbers follow MATLAB rather than Python: IEEE results (1/0 is Inf), implicit expansion
as MATLAB aligns dims (leading, not trailing), single wins over double, logical turns
into double under arithmetic. Errors are SpecErrors without a position; the evaluator
adds the position of the node it was evaluating.
"""

import numpy as np

from ....errors import SpecError
from .mvalues import (
    MAX_ELEMENTS,
    ArraySpec,
    MCell,
    MStruct,
    check_cell,
    check_size,
    class_name,
    describe,
    empty,
    is_empty_matrix,
    is_numeric,
    scalar,
    simplify,
    to_array,
)

_ELEMENTWISE = {
    "+": np.add, "-": np.subtract, ".*": np.multiply, "./": np.divide,
    ".\\": lambda a, b: np.divide(b, a), ".^": np.power,
}
_COMPARE = {
    "==": np.equal, "~=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}
_LOGIC = {"&": np.logical_and, "|": np.logical_or}


def _operand(v, op):
    if isinstance(v, str):
        if op in _COMPARE:
            raise SpecError(f"'{op}' on text is not supported; compare text with strcmp")
        raise SpecError(f"'{op}' on text is not supported")
    if not is_numeric(v):
        raise SpecError(f"'{op}' is not defined for a {class_name(v)}")
    return to_array(v)


def _float(a, other):
    """Arithmetic operands in MATLAB's result class: single if either is single."""
    dtype = np.float32 if np.float32 in (a.dtype, other.dtype) else np.float64
    return a.astype(dtype, copy=False)


def expand(a, b, op):
    """Pad both to the same number of dims at the end, as MATLAB aligns them."""
    n = max(a.ndim, b.ndim)
    a = a.reshape(a.shape + (1,) * (n - a.ndim))
    b = b.reshape(b.shape + (1,) * (n - b.ndim))
    size = 1
    for x, y in zip(a.shape, b.shape):
        if x != y and 1 not in (x, y):
            raise SpecError(
                f"'{op}' needs matching sizes, got {_dims(a.shape)} and {_dims(b.shape)}"
            )
        size *= 0 if 0 in (x, y) else max(x, y)
    check_size(size, f"the result of '{op}'")
    return a, b


def _dims(shape):
    return "x".join(str(d) for d in shape)


def binary(op, left, right):
    if isinstance(left, ArraySpec) or isinstance(right, ArraySpec):
        return _spec_arith(op, left, right)
    a, b = _operand(left, op), _operand(right, op)
    with np.errstate(all="ignore"):
        if op in _COMPARE or op in _LOGIC:
            a, b = expand(a, b, op)
            if op in _LOGIC:
                _no_nan(a, b, op)
            return simplify((_COMPARE.get(op) or _LOGIC[op])(a, b))
        a, b = _float(a, b), _float(b, a)
        scalar_side = a.size == 1 or b.size == 1
        if op in ("*", "/", "\\", "^") and not scalar_side:
            if op != "*":
                raise SpecError(f"matrix '{op}' of two arrays is not supported; use '.{op}'")
            if a.ndim > 2 or b.ndim > 2 or a.shape[1] != b.shape[0]:
                raise SpecError(f"'*' needs inner dims to agree, got {_dims(a.shape)} "
                                f"and {_dims(b.shape)}")
            check_size(a.shape[0] * b.shape[1], "the result of '*'")
            if a.shape[0] * a.shape[1] * b.shape[1] > 10 * MAX_ELEMENTS:
                raise SpecError("'*' of arrays this large is more work than parity does")
            return simplify(a @ b)
        if op == "^" and (a.size != 1 or b.size != 1):
            raise SpecError("matrix power '^' of an array is not supported; use '.^'")
        if op == "\\" and a.size != 1:
            raise SpecError("matrix left division '\\' by an array is not supported")
        if op == "/" and b.size != 1:
            raise SpecError("matrix right division '/' by an array is not supported; use './'")
        fn = _ELEMENTWISE[{"*": ".*", "/": "./", "\\": ".\\", "^": ".^"}.get(op, op)]
        a, b = expand(a, b, op)
        if fn is np.power:
            base, exp = np.broadcast_arrays(a, b)
            if np.any((base < 0) & (exp != np.round(exp))):
                raise SpecError("a negative number to a fractional power is complex, "
                                "which parity does not support")
        return simplify(fn(a, b))


def _no_nan(a, b, op):
    for x in (a, b):
        if x.dtype != np.bool_ and np.isnan(x).any():
            raise SpecError(f"NaN cannot be converted to logical for '{op}'")


def _spec_arith(op, left, right):
    """randn(...) placeholders take arithmetic with one scalar: scale and shift."""
    spec, other = (left, right) if isinstance(left, ArraySpec) else (right, left)
    spec_left = spec is left
    ok = isinstance(other, (float, int, bool, np.floating, np.bool_)) or (
        isinstance(other, np.ndarray) and other.size == 1
    )
    if not ok:
        raise SpecError(
            f"'{op}' of a {spec.init}(...) placeholder and a {describe(other)}: "
            f"only arithmetic with a single number is supported (values are not drawn)"
        )
    k = scalar(other)
    if op in ("*", ".*"):
        return _scaled(spec, k, k)
    if op in ("/", "./") and spec_left:
        return _scaled(spec, 1 / k if k else np.inf, 1 / k if k else np.inf)
    if op in ("+", "-"):
        if op == "-" and not spec_left:  # k - spec
            return _scaled(spec, -1.0, -1.0, k)
        return _scaled(spec, 1.0, 1.0, k if op == "+" else -k)
    raise SpecError(
        f"'{op}' with a {spec.init}(...) placeholder is not supported "
        f"(only scaling by and adding a single number)"
    )


def _scaled(spec, scale_by, shift_by, add=0.0):
    return ArraySpec(spec.shape, spec.init, spec.scale * scale_by, spec.dtype,
                     spec.shift * shift_by + add)


def unary(op, v):
    if isinstance(v, ArraySpec):
        if op == "-":
            return _scaled(v, -1.0, -1.0)
        if op == "+":
            return v
        raise SpecError(f"'{op}' of a {v.init}(...) placeholder is not supported")
    a = _operand(v, op)
    if op == "~":
        _no_nan(a, a, "~")
        return simplify(a == 0)
    a = a.astype(np.float64) if a.dtype == np.bool_ else a
    return simplify(-a if op == "-" else a)


def transpose(v):
    if isinstance(v, (MCell, str)) and len(v) <= 1 or isinstance(v, MStruct):
        return v
    if isinstance(v, (MCell, str, ArraySpec)):
        raise SpecError(f"transposing a {class_name(v)} is not supported")
    a = _operand(v, "'")
    if a.ndim > 2:
        raise SpecError("transpose of an array with more than 2 dims")
    return simplify(a.T)


def colon_count(start, step, stop):
    """How many values start:step:stop has (MATLAB's rounding tolerance included)."""
    if not all(np.isfinite([start, step])) or np.isnan(stop):
        raise SpecError("a range needs finite start and step")
    if step == 0 or (step > 0 and start > stop) or (step < 0 and start < stop):
        return 0
    n = np.floor((stop - start) / step + 1e-10) + 1
    if not np.isfinite(n) or n > 10 * 2**40:
        raise SpecError("the range is too long")
    return int(n)


def colon(start, step, stop):
    start, stop = scalar(start, "a range bound"), scalar(stop, "a range bound")
    step = 1.0 if step is None else scalar(step, "a range step")
    n = colon_count(start, step, stop)
    check_size(n, "a range")
    if n == 0:
        return np.zeros((1, 0))
    return simplify((start + step * np.arange(n, dtype=np.float64)).reshape(1, n))


def concat(rows, cell=False):
    """`[ ... ]` (cell=False) or `{ ... }` (cell=True) of rows of values."""
    values = [v for row in rows for v in row]
    if cell:
        if any(len(row) > 1 for row in rows) and len(rows) > 1:
            raise SpecError("2-D cell arrays are not supported; use a 1-D cell")
        check_cell(len(values))
        return MCell(values)
    if any(isinstance(v, MCell) for v in values):
        if len([r for r in rows if r]) > 1 and any(len(r) > 1 for r in rows):
            raise SpecError("2-D cell arrays are not supported; use a 1-D cell")
        check_cell(sum(len(v) if isinstance(v, MCell) else 1 for v in values))
        out = MCell()
        for v in values:
            if isinstance(v, MCell):
                out.extend(v)
            elif not is_empty_matrix(v):
                out.append(v)  # [c, x] with c a cell makes x one more element
        return out
    values = [v for v in values if not is_empty_matrix(v)]
    if not values:
        return empty()
    if len(values) == 1 and not isinstance(values[0], np.ndarray):
        return values[0]
    for v in values:
        if isinstance(v, MStruct):
            raise SpecError("concatenating structs makes a struct array, "
                            "which parity does not support")
        if isinstance(v, ArraySpec):
            raise SpecError(f"a {v.init}(...) placeholder cannot be concatenated "
                            f"(its values are not drawn)")
    if any(isinstance(v, str) for v in values):
        if not all(isinstance(v, str) for v in values):
            raise SpecError("mixing text and numbers in '[ ]' is not supported")
        if sum(any(isinstance(v, str) and v for v in row) for row in rows) > 1:
            raise SpecError("char matrices are not supported; join text in one row")
        check_size(sum(len(v) for v in values), "a string")
        return "".join(values)
    return _concat_numeric(rows)


def _concat_numeric(rows):
    blocks = []
    for row in rows:
        arrays = [to_array(v) for v in row if not is_empty_matrix(v)]
        if arrays:
            blocks.append(_join(arrays, axis=1))
    if not blocks:
        return empty()
    return simplify(_join(blocks, axis=0))


def _join(arrays, axis):
    n = max(a.ndim for a in arrays)
    arrays = [a.reshape(a.shape + (1,) * (n - a.ndim)) for a in arrays]
    ref = arrays[0].shape
    for a in arrays[1:]:
        if a.shape[:axis] + a.shape[axis + 1:] != ref[:axis] + ref[axis + 1:]:
            what = "horizontal" if axis == 1 else "vertical"
            raise SpecError(f"{what} concatenation of {_dims(ref)} and {_dims(a.shape)}: "
                            f"dimensions do not agree")
    check_size(sum(a.size for a in arrays), "a concatenation")
    if all(a.dtype == np.bool_ for a in arrays):
        dtype = np.bool_
    elif any(a.dtype == np.float32 for a in arrays):
        dtype = np.float32
    else:
        dtype = np.float64
    return np.concatenate([a.astype(dtype, copy=False) for a in arrays], axis=axis)


def switch_matches(subject, option):
    """Whether a `case` option selects the `switch` subject: equal text or equal numbers."""
    if isinstance(subject, str) or isinstance(option, str):
        return isinstance(subject, str) and isinstance(option, str) and subject == option
    if not is_numeric(option) or to_array(option).size != 1:
        return False
    return scalar(subject) == scalar(option)


def loop_values(value):
    """What `for x = value` gives x in turn: the columns of value (cells as 1x1 cells)."""
    if isinstance(value, MCell):
        return (MCell([x]) for x in value)
    if isinstance(value, str):
        return iter(value)
    if isinstance(value, MStruct):
        return iter([value])
    if isinstance(value, ArraySpec):
        raise SpecError("cannot loop over a randn/rand placeholder: its values are not drawn")
    a = to_array(value)
    if a.size == 0:
        return iter(())
    columns = a.reshape(a.shape[0], -1, order="F")
    return (simplify(columns[:, j:j + 1]) for j in range(columns.shape[1]))
