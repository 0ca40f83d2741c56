"""Same starting weights on both sides: canonical layouts, layout inference, seeded draws.

Canonical layouts are Keras's: a dense kernel is (in, out), a conv kernel (h, w, in/groups, out).
Every side's tensors are converted to them before they are compared, drawn or copied.
"""

from dataclasses import dataclass

import numpy as np

from .description.layouts import CANONICAL, axes, from_canonical, to_canonical  # noqa: F401  (read from here too)
from .errors import UsageError

# Stable codes: a seeded draw depends on (seed, parameter index, role, canonical shape) only.
ROLE_CODES = {"kernel": 0, "bias": 1, "gamma": 2, "beta": 3}



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
                names = axes(declared[key])
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
    raise UsageError(f"--weights: expected zeros, seed[:N] (N a non-negative integer), a, b or a checkpoint file "
                     f"(.caffemodel, .mat, .weights.h5, .keras, .h5, .pt, .pth, trace.h5@STEP); received {text!r}.")


def set_start(engine, matches, start, which):
    """Give `engine` (side `which`: "a" or "b") the starting weights `start`, in its own layouts."""
    weights = {}
    for m in matches:
        for t in (m.a if which == "a" else m.b):
            weights[t.key] = from_canonical(start[(m.index, t.role)].reshape(t.canonical_shape), t.layout)
    engine.set_weights(weights)
