"""Same starting weights on both sides: canonical layouts, layout inference, seeded draws.

Canonical layouts are Keras's: a dense kernel is (in, out), a conv kernel (h, w, in/groups, out).
Every side's tensors are converted to them before they are compared, drawn or copied.
"""

from dataclasses import dataclass

import numpy as np

from .errors import UsageError

CANONICAL = {2: ("in", "out"), 4: ("h", "w", "in", "out")}
# Stable codes: a seeded draw depends on (seed, parameter index, role, canonical shape) only.
ROLE_CODES = {"kernel": 0, "bias": 1, "gamma": 2, "beta": 3}


@dataclass(frozen=True)
class Tensor:
    """One parameter tensor of one side, in forward order."""

    layer: str  # the layer's name as the side names it
    key: str  # unique within the side: the adapter's key, or "layer/variable" for Keras
    role: str  # kernel | bias | gamma | beta
    shape: tuple  # native shape
    layout: str  # native axis names, comma separated, e.g. "out,in"; "" for vectors
    by_key: bool = False  # adapters' tensors are reported by their own keys, not a layer name

    @property
    def shown(self):
        return self.key if self.by_key else self.layer

    @property
    def canonical_shape(self):
        return to_canonical(np.empty(self.shape, dtype=np.uint8), self.layout).shape


def _axes(layout):
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
    names = _axes(layout)
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
    names = _axes(layout)
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


def infer_layouts(shapes, input_size, declared, owner):
    """Layouts of an adapter's tensors: declared ones, else inferred along the chain of sizes.

    `shapes` is an ordered {key: shape}; each array of 2+ dims is a kernel whose input size
    must continue the chain that starts at `input_size`. A square matrix is ambiguous.
    """
    layouts, size = {}, input_size
    for key, shape in shapes.items():
        if key in declared:
            layouts[key] = declared[key]
            if len(shape) >= 2:
                names = _axes(declared[key])
                if len(names) != len(shape):
                    raise UsageError(f"{owner}: layouts[{key!r}] = {declared[key]!r} names {len(names)} axes, "
                                     f"but {key} has shape {tuple(shape)}.")
                size = shape[names.index("out")] if "out" in names else size
            continue
        if len(shape) < 2:
            layouts[key] = ""
            continue
        if len(shape) == 2:
            rows, cols = shape
            if rows == cols:
                raise UsageError(
                    f"{owner}: cannot tell the layout of {key!r}, a square {rows}x{cols} matrix; declare it, "
                    f"e.g. layouts = {{{key!r}: 'out,in'}} (or 'in,out')."
                )
            if rows == size:
                layouts[key], size = "in,out", cols
            elif cols == size:
                layouts[key], size = "out,in", rows
            else:
                # Neither axis continues the chain: take the Keras layout and let the structure
                # comparison report the mismatch with both shapes.
                layouts[key], size = "in,out", cols
        elif len(shape) == 4:
            if shape[1] == size or shape[2] != size:
                layouts[key], size = "out,in,h,w", shape[0]  # PyTorch / Caffe order
            else:
                layouts[key], size = "h,w,in,out", shape[3]
        else:
            raise UsageError(f"{owner}: {key!r} has {len(shape)} dimensions; declare its layout in `layouts`.")
    return layouts


def _fans(shape):
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def seeded(seed, index, role, canonical_shape):
    """The contract's draw: Glorot-uniform kernels, normal(0, 0.01) biases, 1 + normal(0, 0.01) scales."""
    rng = np.random.default_rng([seed, index, ROLE_CODES.get(role, 9)])
    shape = tuple(int(s) for s in canonical_shape)
    if role == "kernel":
        fan_in, fan_out = _fans(shape)
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape).astype(np.float32)
    if role == "gamma":
        return (1.0 + rng.normal(0.0, 0.01, size=shape)).astype(np.float32)
    return rng.normal(0.0, 0.01, size=shape).astype(np.float32)


@dataclass
class Match:
    """Both sides' tensors for one parameterised layer, in forward order."""

    index: int
    a: list  # of Tensor
    b: list
    shapes: dict = None  # role -> the canonical shape both sides are compared and drawn in


def compatible(sa, sb):
    """The canonical shape two tensors share, or None. A whole-map conv (h, w, in, out) is a dense
    (h·w·in, out) layer: reshaping row-major keeps Keras's h,w,c flatten order (MatConvNet conv-as-fc)."""
    if tuple(sa) == tuple(sb):
        return tuple(sa)
    if {len(sa), len(sb)} == {2, 4}:
        four, two = (sa, sb) if len(sa) == 4 else (sb, sa)
        if int(np.prod(four[:3])) == two[0] and four[3] == two[1]:
            return tuple(two)
    return None


@dataclass
class Mismatch:
    index: int
    layer_a: str | None
    layer_b: str | None
    why: str


def match(tensors_a, tensors_b):
    """Pair the parameterised layers of two sides by order and role.

    Returns (matches, mismatch): the first structural mismatch, or None.
    """
    layers_a, layers_b = _group(tensors_a), _group(tensors_b)
    matches = []
    for i in range(max(len(layers_a), len(layers_b))):
        if i >= len(layers_a) or i >= len(layers_b):
            extra = layers_a if i < len(layers_a) else layers_b
            side = "A" if extra is layers_a else "B"
            return matches, Mismatch(
                i, layers_a[i][0].shown if i < len(layers_a) else None,
                layers_b[i][0].shown if i < len(layers_b) else None,
                f"side A has {len(layers_a)} parameterised layers, side B {len(layers_b)}; "
                f"side {side}'s layer {i + 1} ({extra[i][0].layer}) has no counterpart",
            )
        la, lb = layers_a[i], layers_b[i]
        roles_a, roles_b = [t.role for t in la], [t.role for t in lb]
        if roles_a != roles_b:
            return matches, Mismatch(i, la[0].shown, lb[0].shown,
                                     f"parameters {roles_a} on side A against {roles_b} on side B")
        shapes = {}
        for ta, tb in zip(la, lb):
            shapes[ta.role] = compatible(ta.canonical_shape, tb.canonical_shape)
            if shapes[ta.role] is None:
                return matches, Mismatch(
                    i, ta.shown, tb.shown,
                    f"{ta.role} is {_shape_text(ta)} on side A but {_shape_text(tb)} on side B",
                )
        matches.append(Match(i, la, lb, shapes))
    return matches, None


def _shape_text(t):
    canonical = t.canonical_shape
    text = "x".join(map(str, canonical))
    if tuple(t.shape) != tuple(canonical):
        text += f" ({'x'.join(map(str, t.shape))} as {t.key} stores it, {t.layout})"
    return text


def _group(tensors):
    layers, current = [], None
    for t in tensors:
        if current is None or t.layer != current:
            layers.append([])
            current = t.layer
        layers[-1].append(t)
    return layers


def starting_weights(mode, matches, own_a, own_b):
    """Canonical starting tensors per (layer index, role), by `--weights` mode.

    `own_a` / `own_b` are each side's own native initial tensors, by key.
    """
    kind, _, arg = mode.partition(":")
    result, index = {}, 0
    for m in matches:
        for ta, tb in zip(m.a, m.b):
            shape = m.shapes[ta.role] if m.shapes else ta.canonical_shape
            if kind == "zeros":
                value = np.zeros(shape, np.float32)
            elif kind == "seed":
                value = seeded(int(arg or 0), index, ta.role, shape)
            elif kind == "a":
                value = to_canonical(np.asarray(own_a[ta.key]), ta.layout)
            else:
                value = to_canonical(np.asarray(own_b[tb.key]), tb.layout)
            result[(m.index, ta.role)] = value.reshape(shape)
            index += 1
    return result


def parse_weights_mode(text):
    kind, sep, arg = text.partition(":")
    if kind in ("zeros", "a", "b") and not sep:
        return text
    if kind == "seed":
        if not sep:
            return "seed:0"
        if arg.isdigit():
            return f"seed:{int(arg)}"
    raise UsageError(f"--weights: expected zeros, seed[:N] (N a non-negative integer), a or b; received {text!r}.")
