"""A structural mismatch: a divergence at step 0 that prevents syncing weights."""

from ..compare import Row
from . import Cause


def structure_row_and_cause(mismatch):
    row = Row(0, "structure", mismatch.index, mismatch.layer_a, mismatch.layer_b, None, None, 0.0)
    cause = Cause("architecture", mismatch.layer_a, mismatch.layer_b,
                  f"The networks differ in structure at parameterised layer {mismatch.index + 1}: {mismatch.why}.",
                  mismatch.why, "make the layer sizes and connections the same on both sides")
    return row, cause


def first_shape_mismatch(desc_a, desc_b):
    """The first shape-changing layer, in forward order, whose output shapes differ, with its cause."""
    from . import views

    if not (views.known(desc_a) and views.known(desc_b)):
        return None
    for (la, sa), (lb, sb) in zip(views.shapes(desc_a), views.shapes(desc_b)):
        if sa == sb:
            continue
        why = (f"{la.name} ({la.kind}) gives {'×'.join(map(str, sa))} on side A but {lb.name} ({lb.kind}) "
               f"gives {'×'.join(map(str, sb))} on side B (per sample, h×w×c)")
        row = Row(0, "structure", -1, la.name, lb.name, None, None, 0.0)
        return row, _shape_cause(la, lb, desc_a, desc_b, why)
    return None


def _shape_cause(la, lb, desc_a, desc_b, why):
    from .spec_diff import _pad, _pool

    if la.kind == lb.kind == "pool2d":
        pa, pb = _pool(la), _pool(lb)
        if pa["stride"] != pb["stride"]:
            return Cause("pool-stride", la.name, lb.name,
                         f"The pooling strides differ: side A's {la.name} uses stride {_x(pa['stride'])}"
                         f"{_default_note(la, desc_a)}, side B's {lb.name} stride {_x(pb['stride'])}"
                         f"{_default_note(lb, desc_b)}.", why, _pool_fix(la, lb, desc_a, desc_b, pb["stride"]))
        if pa["round_mode"] != pb["round_mode"] or pa["pad"] != pb["pad"]:
            code = "padding" if pa["pad"] != pb["pad"] else "pool-rounding"
            return Cause(code, la.name, lb.name,
                         f"The pooling output sizes differ: side A rounds {pa['round_mode']} with pad {pa['pad']}, "
                         f"side B rounds {pb['round_mode']} with pad {pb['pad']}.", why,
                         "pad the floor-rounding side by one on the bottom/right, or use round_mode: FLOOR in Caffe")
    if la.kind == lb.kind == "conv2d" and _pad(la.attrs.get("pad")) != _pad(lb.attrs.get("pad")):
        return Cause("padding", la.name, lb.name,
                     f"The convolutions pad differently: side A {la.attrs.get('pad')}, side B {lb.attrs.get('pad')}.",
                     why, "give both convolutions the same padding")
    return Cause("architecture", la.name, lb.name, f"The networks differ in structure from {la.name} / {lb.name} on.",
                 why, "make the layer sizes the same on both sides")


def _x(pair):
    return "×".join(map(str, pair))


def _default_note(layer, desc):
    if "stride" in layer.defaults:
        if desc.dialect == "keras":
            return " (Keras' default: strides=None means the pool size)"
        return f" (the default, {layer.defaults['stride']})"
    if desc.dialect == "caffe" and tuple(layer.attrs["stride"]) == (1, 1):
        return " (as the file writes it; Caffe's default is 1 too, caffe.proto:934)"
    return " (as the spec writes it)"


def _pool_fix(la, lb, desc_a, desc_b, stride_b):
    fixes = []
    for layer, desc, other in ((la, desc_a, lb), (lb, desc_b, la)):
        stride = _x(tuple(other.attrs["stride"]) if isinstance(other.attrs["stride"], (list, tuple))
                    else (other.attrs["stride"],) * 2)
        if desc.dialect == "keras":
            k = tuple(layer.attrs["kernel"])
            s = tuple(other.attrs["stride"])
            fixes.append(f"Keras: keras.layers.MaxPooling2D({k}, strides={s}) for {layer.name}")
        elif desc.dialect == "caffe":
            fixes.append(f"Caffe: pooling_param {{ stride: {other.attrs['stride'][0]} }} in {layer.name}")
        del stride
    return "; or ".join(fixes)
