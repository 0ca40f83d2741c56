"""A structural mismatch: a divergence at step 0 that prevents syncing weights."""

import numpy as np

from ..compare import Row
from ..weights import compatible, to_canonical
from .causes import ARCHITECTURE, GROUPED_CONV, PADDING, POOL_ROUNDING, POOL_STRIDE, fix, framework_of, has_phrase, note
from .evidence import Cause


def structure_row_and_cause(mismatch):
    row = Row(0, "structure", mismatch.index, mismatch.layer_a, mismatch.layer_b, None, None, 0.0)
    cause = Cause(ARCHITECTURE, mismatch.layer_a, mismatch.layer_b,
                  f"The networks differ in structure at parameterised layer {mismatch.index + 1}: {mismatch.why}.",
                  mismatch.why, fix(ARCHITECTURE))
    return row, cause


def first_shape_mismatch(desc_a, desc_b):
    """The first shape-changing layer, in forward order, whose output shapes differ, with its cause."""
    from . import views

    if not (views.known(desc_a) and views.known(desc_b)):
        return None
    for (la, sa), (lb, sb) in zip(views.shapes(desc_a), views.shapes(desc_b)):
        kernels = _kernel_shapes(la), _kernel_shapes(lb)
        if None not in kernels and compatible(*kernels) is None:
            why = (f"{la.name}'s kernel is {_x(kernels[0])} on side A but {lb.name}'s is {_x(kernels[1])} on side B "
                   "(h×w×in×out, or in×out)")
            row = Row(0, "structure", -1, la.name, lb.name, "kernel", None, 0.0)
            return row, _kernel_cause(la, lb, why, desc_a, desc_b)
        if _squeezed(sa) == _squeezed(sb):
            continue
        why = (f"{la.name} ({la.kind}) gives {'×'.join(map(str, sa))} on side A but {lb.name} ({lb.kind}) "
               f"gives {'×'.join(map(str, sb))} on side B (per sample, h×w×c)")
        row = Row(0, "structure", -1, la.name, lb.name, None, None, 0.0)
        return row, _shape_cause(la, lb, desc_a, desc_b, why)
    return None


def _squeezed(shape):
    """A 1×1×K map and a K vector are the same output (a whole-map conv against a dense layer)."""
    shape = tuple(shape)
    while len(shape) > 1 and shape[0] == 1:
        shape = shape[1:]
    return shape


def _kernel_shapes(layer):
    kernel = next((p for p in layer.params if p.role == "kernel"), None)
    if kernel is None:
        return None
    return to_canonical(np.empty(kernel.shape, np.uint8), kernel.layout).shape


def _kernel_cause(la, lb, why, desc_a, desc_b):
    ga, gb = la.attrs.get("group", 1), lb.attrs.get("group", 1)
    if ga != gb:
        grouped = la if ga != 1 else lb
        other = lb if grouped is la else la
        other_desc = desc_b if other is lb else desc_a
        groups = grouped.attrs.get("group")
        other_fix = fix(GROUPED_CONV, other_desc.dialect, filters=other.attrs.get("num_output"),
                        kernel=tuple(other.attrs.get("kernel", (1, 1))), groups=groups, layer=other.name,
                        grouped=grouped.name)
        return Cause(GROUPED_CONV, la.name, lb.name,
                     f"{grouped.name} runs as {grouped.attrs.get('group')} groups: its filters are "
                     f"{_x(_kernel_shapes(grouped)[2:3])} deep on a wider input (MatConvNet infers groups from the "
                     f"filter depth and does not reject it); {other.name} convolves the whole depth.", why,
                     other_fix)
    return Cause(ARCHITECTURE, la.name, lb.name, f"The kernels of {la.name} and {lb.name} differ in shape.", why,
                 fix(ARCHITECTURE, None, "sizes"))


def _shape_cause(la, lb, desc_a, desc_b, why):
    from .spec_diff import _pad, _pool

    if la.kind == lb.kind == "pool2d":
        pa, pb = _pool(la), _pool(lb)
        if pa["stride"] != pb["stride"]:
            return Cause(POOL_STRIDE, la.name, lb.name,
                         f"The pooling strides differ: side A's {la.name} uses stride {_x(pa['stride'])}"
                         f"{_default_note(la, desc_a)}, side B's {lb.name} stride {_x(pb['stride'])}"
                         f"{_default_note(lb, desc_b)}.", why, _pool_fix(la, lb, desc_a, desc_b))
        if pa["round_mode"] != pb["round_mode"] or pa["pad"] != pb["pad"]:
            code, variant = (PADDING, "pool") if pa["pad"] != pb["pad"] else (POOL_ROUNDING, "fix")
            return Cause(code, la.name, lb.name,
                         f"The pooling output sizes differ: side A rounds {pa['round_mode']} with pad {pa['pad']}, "
                         f"side B rounds {pb['round_mode']} with pad {pb['pad']}.", why, fix(code, None, variant))
    if la.kind == lb.kind == "conv2d" and _pad(la.attrs.get("pad")) != _pad(lb.attrs.get("pad")):
        return Cause(PADDING, la.name, lb.name,
                     f"The convolutions pad differently: side A {la.attrs.get('pad')}, side B {lb.attrs.get('pad')}.",
                     why, fix(PADDING))
    return Cause(ARCHITECTURE, la.name, lb.name, f"The networks differ in structure from {la.name} / {lb.name} on.",
                 why, fix(ARCHITECTURE, None, "sizes"))


def _x(pair):
    return "×".join(map(str, pair))


def _default_note(layer, desc):
    """Where the stride comes from, in the side's framework's words (a default, or the file's own value)."""
    if "stride" in layer.defaults:
        return f" ({fix(POOL_STRIDE, desc.dialect, 'default', stride=layer.defaults['stride'])})"
    written = note(POOL_STRIDE, desc.dialect, "written-default")
    if written is not None and tuple(layer.attrs["stride"]) == (1, 1):  # 1: the written default's value
        return f" ({written})"
    return f" ({fix(POOL_STRIDE, None, 'written')})"


def _pool_fix(la, lb, desc_a, desc_b):
    """Each side's line, in its framework's terms, that gives its pooling the other side's stride."""
    fixes = []
    for layer, desc, other in ((la, desc_a, lb), (lb, desc_b, la)):
        stride = tuple(other.attrs["stride"])
        if has_phrase(POOL_STRIDE, framework_of(desc.dialect)):
            fixes.append(fix(POOL_STRIDE, desc.dialect, kernel=tuple(layer.attrs["kernel"]), stride=stride,
                             stride_h=stride[0], stride_w=stride[-1], layer=layer.name))
    return "; or ".join(fixes)
