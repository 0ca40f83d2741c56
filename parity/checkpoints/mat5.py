"""MATLAB's v5/v7 MAT-file format, decoded by hand with every read bounds-checked.

scipy.io.loadmat reads these files too, but a corrupt one can crash its compiled reader (a segmentation
fault found by tools/fuzz.py with scipy 1.17.1), and a bad checkpoint must be an error, not a crash.
The format, from MathWorks' "MAT-File Format" (matfile_format.pdf, R2013+), chapter 1:
- a 128-byte header: 116 bytes of text, 8 of subsystem offset, a version (0x0100) and the endian
  indicator "IM" (little-endian writer) or "MI";
- then data elements: an 8-byte tag (type, byte count) and the data padded to 8 bytes, or a small
  element whose count (1-4 bytes) sits in the tag's upper half and its data in the tag's second word;
- miCOMPRESSED (15) holds one zlib-compressed element; miMATRIX (14) holds array flags (class in the
  low byte), dimensions, a name, then per class: the real part of a numeric array (column-major), the
  cells of a cell array, the field names and per-element fields of a struct, a char array's codes.
"""

import math
import struct
import zlib

import numpy as np

MI = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8", 16: "u1",
      17: "u2", 18: "u4"}
MI_MATRIX, MI_COMPRESSED = 14, 15
CELL, STRUCT, OBJECT, CHAR, SPARSE = 1, 2, 3, 4, 5
NUMERIC = {6: "f8", 7: "f4", 8: "i1", 9: "u1", 10: "i2", 11: "u2", 12: "i4", 13: "u4", 14: "i8", 15: "u8"}
MAX_INFLATE = 1 << 31  # a compressed element larger than this is refused (a zip bomb)
MAX_DEPTH = 64


class MatError(ValueError):
    pass


class MatStruct(dict):
    """A 1×1 MATLAB struct: field name -> value."""


def variables(buf):
    """{name: value} of a v5/v7 MAT-file's bytes: numeric arrays as ndarrays in MATLAB's shape, char arrays
    as str, cell arrays as object ndarrays, 1×1 structs as MatStruct (struct arrays as object ndarrays)."""
    if len(buf) < 128:
        raise MatError("the file is shorter than a MAT-file's 128-byte header")
    order = {b"IM": "<", b"MI": ">"}.get(bytes(buf[126:128]))
    if order is None:
        raise MatError("the header's endian indicator is neither IM nor MI")
    out, pos = {}, 128
    while pos < len(buf):
        kind, data, pos = _element(buf, pos, len(buf), order)
        if kind == MI_COMPRESSED:
            kind, data = _inflate(data, order)
        if kind == MI_MATRIX:
            name, value = _matrix(data, order, 0)
            out[name] = value
    return out


def _element(buf, pos, end, order):
    if pos + 8 > end:
        raise MatError(f"the data ends inside an element tag at byte {pos} (the file is truncated)")
    kind, size = struct.unpack_from(order + "II", buf, pos)
    if kind >> 16:  # a small element: count in the upper half, data in the next 4 bytes
        size, kind = kind >> 16, kind & 0xFFFF
        if size > 4:
            raise MatError(f"a small data element of {size} bytes at byte {pos} (at most 4)")
        return kind, bytes(buf[pos + 4:pos + 4 + size]), pos + 8
    start = pos + 8
    if start + size > end:
        raise MatError(f"an element of {size} bytes at byte {pos} runs past the end (the file is truncated)")
    padded = size if kind == MI_COMPRESSED else (size + 7) // 8 * 8
    return kind, bytes(buf[start:start + size]), min(start + padded, end)


def _inflate(data, order):
    d = zlib.decompressobj()
    try:
        raw = d.decompress(data, MAX_INFLATE)
    except zlib.error as err:
        raise MatError(f"a compressed element does not inflate ({err})") from None
    if d.unconsumed_tail:
        raise MatError("a compressed element inflates past 2 GiB")
    kind, inner, _ = _element(raw, 0, len(raw), order)
    return kind, inner


def _matrix(data, order, depth):
    if depth > MAX_DEPTH:
        raise MatError(f"arrays nested more than {MAX_DEPTH} deep")
    if not data:
        return "", np.zeros((0, 0))
    parts, pos = [], 0
    while pos < len(data) and len(parts) < 3:
        kind, value, pos = _element(data, pos, len(data), order)
        parts.append((kind, value))
    if len(parts) < 3:
        raise MatError("an array element lacks its flags, dimensions or name")
    flags = _numbers(parts[0], order)
    dims = tuple(int(d) for d in _numbers(parts[1], order))
    name = parts[2][1].decode("latin-1")
    if not flags.size or len(dims) < 2 or any(d < 0 for d in dims):
        raise MatError(f"array {name!r} has invalid flags or dimensions {dims}")
    cls, count = int(flags[0]) & 0xFF, math.prod(dims)
    rest = data[pos:]
    if cls in NUMERIC or cls == CHAR:
        if not rest:
            values = np.zeros(0)
        else:
            values = _numbers(_element(rest, 0, len(rest), order)[:2], order)
        if values.size != count:
            raise MatError(f"array {name!r} of size {dims} holds {values.size} values")
        values = values.reshape(dims, order="F")
        if cls == CHAR:
            return name, "".join(chr(int(c)) for c in values.ravel(order="F")) if values.size else ""
        return name, values.astype(NUMERIC[cls])
    if cls == CELL:
        if count * 8 > len(rest):  # every cell is an element of 8 bytes or more
            raise MatError(f"cell array {name!r} of size {dims} has only {len(rest)} bytes")
        cells, pos = np.empty(count, dtype=object), 0
        for i in range(count):
            kind, value, pos = _element(rest, pos, len(rest), order)
            if kind != MI_MATRIX:
                raise MatError(f"cell {i + 1} of {name!r} is not an array")
            cells[i] = _matrix(value, order, depth + 1)[1]
        return name, cells.reshape(dims, order="F")
    if cls in (STRUCT, OBJECT):
        pos = 0
        if cls == OBJECT:
            _, _, pos = _element(rest, pos, len(rest), order)  # the class name
        kind, length, pos = _element(rest, pos, len(rest), order)
        kind, names, pos = _element(rest, pos, len(rest), order)
        width = int(_numbers((5, length), order)[0]) if len(length) >= 4 else 0
        if width <= 0 or len(names) % width:
            raise MatError(f"struct {name!r} has a malformed field-name table")
        fields = [names[i:i + width].split(b"\0", 1)[0].decode("latin-1") for i in range(0, len(names), width)]
        if count * max(1, len(fields)) * 8 > len(rest) and (count > 1 or fields):
            raise MatError(f"struct {name!r} of size {dims} has only {len(rest)} bytes for its fields")
        elements = np.empty(count, dtype=object)
        for i in range(count):
            record = MatStruct()
            for field in fields:
                kind, value, pos = _element(rest, pos, len(rest), order)
                if kind != MI_MATRIX:
                    raise MatError(f"field {field!r} of {name!r} is not an array")
                record[field] = _matrix(value, order, depth + 1)[1]
            elements[i] = record
        return name, elements[0] if count == 1 else elements.reshape(dims, order="F")
    return name, None  # sparse arrays, function handles: nothing a net's weights are


def _numbers(part, order):
    kind, value = part
    code = MI.get(kind)
    if code is None:
        raise MatError(f"data of unknown type {kind}")
    dtype = np.dtype(order + code)
    if len(value) % dtype.itemsize:
        raise MatError(f"{len(value)} bytes of {dtype.name} data")
    return np.frombuffer(value, dtype=dtype)
