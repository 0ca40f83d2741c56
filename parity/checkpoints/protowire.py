"""The protobuf binary wire format, decoded by hand: varints, 64-bit, length-delimited and 32-bit fields.

Encoding rules: https://protobuf.dev/programming-guides/encoding/ (wire types 0 VARINT, 1 I64, 2 LEN,
5 I32; 3/4 are the deprecated groups; a packed repeated scalar is one LEN field of back-to-back values).
Every read is bounds-checked, so a truncated or corrupt file is a WireError, never an IndexError.
"""

import numpy as np

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5


class WireError(ValueError):
    """Bytes that are not a well-formed protobuf message; `offset` is where decoding failed."""

    def __init__(self, message, offset):
        super().__init__(message)
        self.offset = offset


def varint(buf, pos, end):
    """(value, next position) of the varint at `pos`; at most 10 bytes (a 64-bit value)."""
    value, shift = 0, 0
    for i in range(10):
        if pos + i >= end:
            raise WireError("the data ends inside a varint (the file is truncated)", pos)
        byte = buf[pos + i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + i + 1
        shift += 7
    raise WireError("a varint longer than 10 bytes", pos)


def fields(buf, start=0, end=None):
    """Yield (field number, wire type, value, offset) for each field of the message in buf[start:end].

    A VARINT value is an int, I64/I32 the raw 8/4 bytes, LEN a (start, end) span of buf.
    """
    end = len(buf) if end is None else end
    pos = start
    while pos < end:
        offset = pos
        key, pos = varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0, which protobuf never writes", offset)
        if wire == VARINT:
            value, pos = varint(buf, pos, end)
        elif wire == I64:
            value, pos = _take(buf, pos, 8, end), pos + 8
        elif wire == I32:
            value, pos = _take(buf, pos, 4, end), pos + 4
        elif wire == LEN:
            size, pos = varint(buf, pos, end)
            if pos + size > end:
                raise WireError(f"a field of {size} bytes runs past the end of its message (the file is truncated)",
                                offset)
            value, pos = (pos, pos + size), pos + size
        else:
            raise WireError(f"wire type {wire} (groups or an invalid type), which caffe.proto never uses", offset)
        yield number, wire, value, offset


def _take(buf, pos, n, end):
    if pos + n > end:
        raise WireError("the data ends inside a fixed-size field (the file is truncated)", pos)
    return bytes(buf[pos:pos + n])


def packed_or_single(buf, wire, value, dtype, offset):
    """The values one occurrence of a repeated float/double field holds: a packed run (LEN) or one value."""
    width = np.dtype(dtype).itemsize
    if wire == LEN:
        start, stop = value
        if (stop - start) % width:
            raise WireError(f"a packed run of {stop - start} bytes is not a whole number of {width}-byte values",
                            offset)
        return np.frombuffer(buf, dtype=dtype, count=(stop - start) // width, offset=start)
    if (wire, width) in ((I32, 4), (I64, 8)):
        return np.frombuffer(value, dtype=dtype)
    raise WireError(f"a {np.dtype(dtype).name} field with wire type {wire}", offset)


def packed_varints(buf, wire, value, offset):
    """The integers one occurrence of a repeated int field holds: packed (LEN) or one varint."""
    if wire == VARINT:
        return [value]
    if wire != LEN:
        raise WireError(f"an integer field with wire type {wire}", offset)
    out, (pos, stop) = [], value
    while pos < stop:
        v, pos = varint(buf, pos, stop)
        out.append(v)
    return out


def text(buf, wire, value, offset):
    if wire != LEN:
        raise WireError(f"a string field with wire type {wire}", offset)
    try:
        return bytes(buf[value[0]:value[1]]).decode("utf-8")
    except UnicodeDecodeError:
        raise WireError("a string field that is not UTF-8", offset) from None
