"""Indexing: reading `a(i)`, `c{i}`, `s(1)` and the assignments `a(i) = v`, `c{i} = v`.

MATLAB semantics: 1-based, column-major linear indexing, `end` as the extent of its
dimension (the last index folds the remaining dims), logical masks, `:`, growth on
assignment (cells fill with `[]`, numbers with 0) and deletion by assigning `[]`.
Assignments return new containers and never change their input: MATLAB values are
copies, and the evaluator relies on that.
"""

import numpy as np

from ....errors import SpecError
from .mvalues import (
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
    shape_of,
    simplify,
    to_array,
)


class _Colon:
    def __repr__(self):
        return ":"


COLON = _Colon()


def extents(shape, k):
    """The extent of each of k indices into an array of shape (the last folds the rest)."""
    total = 1
    for d in shape:
        total *= d
    if k == 1:
        return [total]
    shape = list(shape) + [1] * (k - len(shape))
    rest = 1
    for d in shape[k - 1:]:
        rest *= d
    return shape[: k - 1] + [rest]


def end_value(value, k, n):
    """What `end` means as index k (0-based) of n into value (None: not yet assigned)."""
    shape = (0, 0) if value is None else shape_of(value)
    return float(extents(shape, n)[k])


def positions(idx, extent):
    """0-based positions an index selects, and the index's shape (None for `:`)."""
    if idx is COLON:
        return np.arange(extent), None
    if isinstance(idx, str) or not is_numeric(idx):
        raise SpecError(f"an index must be numbers or logicals, got a {describe(idx)}")
    a = to_array(idx)
    if a.dtype == np.bool_:
        flat = a.ravel(order="F")
        if flat[extent:].any():
            raise SpecError(f"logical index selects element {int(np.flatnonzero(flat)[-1]) + 1} "
                            f"of only {extent}")
        pos = np.flatnonzero(flat)
        return pos, ((1, len(pos)) if a.shape[0] == 1 else (len(pos), 1))
    flat = a.ravel(order="F").astype(np.float64)
    if flat.size and (not np.all(np.isfinite(flat)) or np.any(flat != np.floor(flat))
                      or flat.min() < 1):
        bad = next(x for x in flat if not (np.isfinite(x) and x == np.floor(x) and x >= 1))
        raise SpecError(f"index {bad:g} is not a positive whole number")
    if flat.size and flat.max() > 2**50:
        raise SpecError(f"index {flat.max():g} is out of any range parity handles")
    return flat.astype(np.int64) - 1, a.shape


def _check_bounds(pos, extent, what="index"):
    if pos.size and pos.max() >= extent:
        raise SpecError(f"{what} {int(pos.max()) + 1} exceeds the {extent} elements there")


def _selection_1d(n, args, grow=False):
    """Positions into a 1xn container (cell or text): `c(j)`, or `c(1, j)` with the row 1."""
    if not args:
        return np.arange(n)
    picked = None
    for k, arg in enumerate(args):
        main = k == (0 if len(args) == 1 else 1)
        pos, _ = positions(arg, n if main else 1)
        if main:
            if not grow:
                _check_bounds(pos, n)
            picked = pos
        elif np.any(pos != 0):
            raise SpecError("2-D cell arrays are not supported; index with one number")
    return picked


def index(value, brace, args):
    """value(args...) or value{args...}: a list of values (braces may give many)."""
    if isinstance(value, ArraySpec):
        raise SpecError(f"cannot index a {value.init}(...) placeholder: its values are not drawn")
    if brace:
        if not isinstance(value, MCell):
            raise SpecError(f"'{{}}' indexing needs a cell, got a {describe(value)}")
        pos = _selection_1d(len(value), args)
        check_cell(len(pos))
        return [value[p] for p in pos]
    if isinstance(value, MCell):
        pos = _selection_1d(len(value), args)
        check_cell(len(pos))
        return [MCell(value[p] for p in pos)]
    if isinstance(value, str):
        pos = _selection_1d(len(value), args)
        check_size(len(pos), "a string")
        return ["".join(value[p] for p in pos)]
    if isinstance(value, MStruct):
        for arg, e in zip(args, extents((1, 1), max(len(args), 1))):
            _check_bounds(positions(arg, e)[0], e)
        return [value]
    return [_index_numeric(to_array(value), args)]


def _index_numeric(a, args):
    if not args:
        return simplify(a)
    ext = extents(a.shape, len(args))
    sels = [positions(arg, e) for arg, e in zip(args, ext)]
    for (pos, _), e in zip(sels, ext):
        _check_bounds(pos, e)
    check_size(int(np.prod([len(pos) for pos, _ in sels], dtype=object)), "an index result")
    if len(args) == 1:
        pos, ishape = sels[0]
        out = a.ravel(order="F")[pos]
        if ishape is None:
            shape = (len(pos), 1)  # a(:) is a column
        elif _is_vector(a.shape) and _is_vector(ishape):
            shape = (1, len(pos)) if a.shape[0] == 1 else (len(pos), 1)
        else:
            shape = ishape
        return simplify(out.reshape(shape, order="F"))
    folded = a.reshape(ext, order="F")
    return simplify(folded[np.ix_(*[pos for pos, _ in sels])])


def _is_vector(shape):
    return len(shape) == 2 and 1 in shape


# --- assignment ---------------------------------------------------------------------


def struct_for_field(cur, name):
    """A copy of the struct whose field `name` is about to be set."""
    if cur is None or is_empty_matrix(cur):
        return MStruct()
    if isinstance(cur, MStruct):
        return MStruct(cur)
    raise SpecError(f"cannot set field '{name}' of a {describe(cur)}")


def cell_slot(cur, args):
    """A copy of the cell `c{args} = ...` writes into (grown with `[]`), and the position."""
    if cur is None or is_empty_matrix(cur):
        cur = MCell()
    if not isinstance(cur, MCell):
        raise SpecError(f"'{{}}' assignment needs a cell, got a {describe(cur)}")
    pos = _selection_1d(len(cur), args, grow=True)
    if len(pos) != 1:
        raise SpecError(f"'{{...}} =' must name one cell element, not {len(pos)}")
    p = int(pos[0])
    check_cell(p + 1)
    new = MCell(cur)
    new.extend(empty() for _ in range(p + 1 - len(new)))
    return new, p


def check_struct_index(cur, args):
    """`s(1).f = v` is fine on a scalar struct; anything else would make a struct array."""
    if cur is not None and not isinstance(cur, MStruct) and not is_empty_matrix(cur):
        raise SpecError(f"'(...).field' assignment needs a struct, got a {describe(cur)}")
    for arg in args:
        pos, _ = positions(arg, 1)
        if np.any(pos != 0):
            raise SpecError("struct arrays are not supported; index a struct with 1 only")


def assign_paren(cur, args, rhs):
    """cur(args) = rhs, as a new value."""
    if isinstance(cur, ArraySpec) or isinstance(rhs, ArraySpec):
        raise SpecError("a randn/rand placeholder can only be assigned whole, not in parts")
    if isinstance(cur, MCell) or (
        (cur is None or is_empty_matrix(cur)) and isinstance(rhs, MCell)
    ):
        return _assign_cell(MCell(cur) if isinstance(cur, MCell) else MCell(), args, rhs)
    if isinstance(cur, MStruct) or isinstance(rhs, MStruct):
        check_struct_index(cur, args)
        if not isinstance(rhs, MStruct):
            raise SpecError(f"cannot assign a {describe(rhs)} into a struct")
        return rhs
    if isinstance(cur, str):
        raise SpecError("assigning into parts of text is not supported")
    if isinstance(rhs, str):
        raise SpecError(f"cannot assign text into a {describe(cur) if cur is not None else 'new array'}")
    if not is_numeric(rhs):
        raise SpecError(f"cannot assign a {describe(rhs)} into a numeric array "
                        f"(a cell element is set with c{{i}} = value)")
    a = empty() if cur is None else to_array(cur)
    if is_empty_matrix(rhs) and cur is not None:
        return _delete(a, args)
    return _assign_numeric(a, args, to_array(rhs), fresh=cur is None or a.size == 0)


def _assign_cell(cell, args, rhs):
    pos = _selection_1d(len(cell), args, grow=True)
    if is_empty_matrix(rhs):
        _check_bounds(pos, len(cell))
        drop = set(int(p) for p in pos)
        return MCell(x for i, x in enumerate(cell) if i not in drop)
    if not isinstance(rhs, MCell):
        raise SpecError(f"cannot assign a {class_name(rhs)} into '( )' of a cell; "
                        f"set one element with c{{i}} = value")
    if len(rhs) not in (1, len(pos)):
        raise SpecError(f"assigning {len(rhs)} cells to {len(pos)} positions")
    if pos.size:
        check_cell(max(int(pos.max()) + 1, len(pos)))
        cell.extend(empty() for _ in range(int(pos.max()) + 1 - len(cell)))
    for i, p in enumerate(pos):
        cell[p] = rhs[0] if len(rhs) == 1 else rhs[i]
    return cell


def _delete(a, args):
    if len(args) == 1:
        pos, _ = positions(args[0], a.size)
        _check_bounds(pos, a.size)
        keep = np.setdiff1d(np.arange(a.size), pos)
        out = a.ravel(order="F")[keep]
        return simplify(out.reshape((-1, 1) if a.shape[1:] == (1,) and a.shape[0] > 1
                                    else (1, -1)))
    if len(args) == 2 and a.ndim == 2 and COLON in args:
        axis = 0 if args[1] is COLON else 1
        pos, _ = positions(args[axis], a.shape[axis])
        _check_bounds(pos, a.shape[axis])
        return simplify(np.delete(a, pos, axis=axis))
    raise SpecError("deleting with '= []' needs one index, or two with one of them ':'")


def _assign_numeric(a, args, r, fresh):
    if fresh:
        dtype = r.dtype
    elif a.dtype == np.bool_ and r.dtype != np.bool_:
        dtype = np.float64  # numbers written into a logical array make it double
    else:
        dtype = a.dtype
    if len(args) == 1:
        pos, _ = positions(args[0], a.size)
        n = int(pos.max()) + 1 if pos.size else 0
        if n > a.size:
            if a.size and not _is_vector(a.shape):
                raise SpecError("a linear index past the end can only grow a vector")
            check_size(n, "an array")
            column = a.ndim == 2 and a.shape[1] == 1 and a.shape[0] > 1
            grown = np.zeros(n, dtype=dtype)
            grown[: a.size] = a.ravel(order="F")
            a = grown.reshape((n, 1) if column else (1, n))
        out = a.astype(dtype).ravel(order="F")
        out[pos] = _values(r, len(pos))
        return simplify(out.reshape(a.shape, order="F"))
    if len(args) != 2 or a.ndim > 2:
        raise SpecError("assignment with more than 2 indices is not supported")
    rows, _ = positions(args[0], a.shape[0])
    cols, _ = positions(args[1], a.shape[1])
    need = (max(a.shape[0], int(rows.max()) + 1 if rows.size else 0),
            max(a.shape[1], int(cols.max()) + 1 if cols.size else 0))
    check_size(need[0] * need[1], "an array")
    out = np.zeros(need, dtype=dtype)
    out[: a.shape[0], : a.shape[1]] = a
    out[np.ix_(rows, cols)] = _values(r, len(rows) * len(cols)).reshape(
        (len(rows), len(cols)), order="F")
    return simplify(out)


def _values(r, count):
    if r.size == 1:
        return np.full(count, r.reshape(()))
    if r.size != count:
        raise SpecError(f"assigning {r.size} values to {count} positions")
    return r.ravel(order="F")
