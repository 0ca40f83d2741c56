"""Canonical layouts: how parity names a tensor's axes, and the conversion to and from Keras's order.

Canonical layouts are Keras's: a dense kernel is (in, out), a conv kernel (h, w, in/groups, out).
A layout is axis names, comma separated ("out,in"), with an optional flatten part for a dense
kernel fed by a feature map: "out,in(c,h,w:16,4,4)".
"""

import numpy as np

from ..errors import UsageError

CANONICAL = {2: ("in", "out"), 4: ("h", "w", "in", "out")}


def axes(layout):
    return tuple(a.strip() for a in _split(layout)[0].split(",")) if layout else ()


def _split(layout):
    """"out,in(c,h,w:16,4,4)" -> ("out,in", ("c", "h", "w"), (16, 4, 4)); plain layouts have no flatten."""
    if "(" not in layout:
        return layout, (), ()
    head, _, inner = layout.partition("(")
    order, _, sizes = inner.rstrip(")").partition(":")
    return head, tuple(order.split(",")), tuple(int(s) for s in sizes.split(","))


# A flattened feature map enters the canonical dense kernel in Keras's (h, w, c) order.
_CANONICAL_FLAT = ("h", "w", "c")


def to_canonical(array, layout):
    names = axes(layout)
    if len(names) < 2:
        return array
    order = CANONICAL.get(len(names))
    if order is None or sorted(order) != sorted(names):
        raise UsageError(f"layout {layout!r} is not one parity knows for a {len(names)}-D tensor.")
    _, flat, sizes = _split(layout)
    if flat:
        i = names.index("in")
        expanded = list(names[:i]) + list(flat) + list(names[i + 1:])
        a = array.reshape(array.shape[:i] + sizes + array.shape[i + 1:])
        target = list(_CANONICAL_FLAT) + ["out"]
        a = np.transpose(a, [expanded.index(n) for n in target])
        return a.reshape(int(np.prod(sizes)), -1)
    return np.transpose(array, [names.index(a) for a in order])


def from_canonical(array, layout):
    names = axes(layout)
    if len(names) < 2:
        return array
    order = CANONICAL[len(names)]
    _, flat, sizes = _split(layout)
    if flat:
        by_name = dict(zip(flat, sizes))
        a = array.reshape(tuple(by_name[n] for n in _CANONICAL_FLAT) + (array.shape[-1],))
        i = names.index("in")
        expanded = list(names[:i]) + list(flat) + list(names[i + 1:])
        a = np.transpose(a, [(list(_CANONICAL_FLAT) + ["out"]).index(n) for n in expanded])
        return a.reshape(tuple(a.shape[:i]) + (int(np.prod(sizes)),) + tuple(a.shape[i + len(flat):]))
    return np.transpose(array, [order.index(a) for a in names])

