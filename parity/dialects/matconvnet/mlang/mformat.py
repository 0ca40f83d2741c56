"""MATLAB's `sprintf` and `num2str`, enough for layer names such as sprintf('bn%d', l)."""

import re

import numpy as np

from ....errors import SpecError
from .mvalues import MAX_CELL, MAX_ELEMENTS, describe, is_numeric, to_array

_SPEC = re.compile(r"%([-+ 0#]*)(\d*)(?:\.(\d*))?([diouxXfeEgGcs%])")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "r": "\r", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}
_MAX_WIDTH = 1000  # a huge width or precision would build a huge string


def _unescape(fmt):
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), fmt)


def _flatten(args):
    """sprintf's data: text stays whole, arrays give their elements column by column."""
    items = []
    for a in args:
        if isinstance(a, str):
            items.append(a)
        elif is_numeric(a):
            arr = to_array(a)
            if arr.size + len(items) > MAX_CELL:  # each is formatted in Python
                raise SpecError(f"more than {MAX_CELL} values to format")
            items.extend(float(x) for x in arr.ravel(order="F"))
        else:
            raise SpecError(f"sprintf cannot format a {describe(a)}")
    return items


def _one(flags, width, prec, conv, value):
    if (width and int(width) > _MAX_WIDTH) or (prec and int(prec) > _MAX_WIDTH):
        raise SpecError("sprintf width or precision is too large")
    spec = "%" + flags + width + ("." + prec if prec is not None else "")
    if isinstance(value, str):  # text under a number format prints as text, as MATLAB's
        return ("%" + flags + width + "s") % value
    if not np.isfinite(value):
        word = "NaN" if np.isnan(value) else ("-Inf" if value < 0 else "Inf")
        return ("%" + flags + width + "s") % word
    whole = value == int(value)
    if conv in "sc":
        if whole and 0 <= value < 0x110000:  # MATLAB prints the character of that code
            return ("%" + flags + width + "s") % chr(int(value))
        return (spec + "e") % value
    if conv in "diouxX":
        if not whole:  # MATLAB falls back to %e for a fraction
            return (spec + "e") % value
        return (spec + {"i": "d", "u": "d"}.get(conv, conv)) % int(value)
    return (spec + conv) % value


def sprintf(fmt, args):
    if not isinstance(fmt, str):
        raise SpecError(f"sprintf needs a text format, got a {describe(fmt)}")
    fmt = _unescape(fmt)
    items = _flatten(args)
    specs = list(_SPEC.finditer(fmt))
    consumes = any(m.group(4) != "%" for m in specs)
    out, k = [], 0
    while True:
        last = 0
        for m in specs:
            out.append(fmt[last:m.start()])
            last = m.end()
            flags, width, prec, conv = m.groups()
            if conv == "%":
                out.append("%")
                continue
            if k >= len(items):
                if k == 0 and not items:
                    continue  # no data at all: MATLAB prints the format without values
                return _joined(out)
            out.append(_one(flags, width, prec, conv, items[k]))
            k += 1
        out.append(fmt[last:])
        if not consumes or k >= len(items):
            return _joined(out)


def _joined(parts):
    text = "".join(parts)
    if len(text) > MAX_ELEMENTS:
        raise SpecError("sprintf result is too long")
    return text


def num2str(value, fmt=None):
    if isinstance(value, str):
        return value
    if fmt is not None:
        if isinstance(fmt, str):
            return sprintf(fmt, [value])
        digits = int(to_array(fmt).reshape(-1)[0])
        if not 0 < digits <= 50:
            raise SpecError("num2str precision must be between 1 and 50")
        return "  ".join(f"{x:.{digits}g}" for x in _flatten([value]))
    return "  ".join(_num(x) for x in _flatten([value]))


def _num(x):
    if not np.isfinite(x):
        return "NaN" if np.isnan(x) else ("-Inf" if x < 0 else "Inf")
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    digits = max(int(np.floor(np.log10(abs(x)))) + 5, 5)  # num2str's "4 after the point"
    return f"{x:.{min(digits, 17)}g}"
