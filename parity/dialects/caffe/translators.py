"""The registry of Caffe layer translators (one per layer type, in layers.py) and the helpers they share."""

from .prototxt import Message
from .schema import resolved

TRANSLATORS = {}
IGNORED = {"Accuracy", "Silence"}  # no part in training
INPUTS = {"Input", "Data", "ImageData", "HDF5Data", "DummyData", "MemoryData"}


def translator(*types):
    def register(fn):
        for t in types:
            TRANSLATORS[t] = fn
        return fn
    return register


def settings(lp, field, message_type):
    """{name: (value, explicit)} for a layer's *_param block, Caffe's defaults filled in."""
    block = lp.get(field) or Message([], lp.line, lp.col)
    return {k: (v.value, v.explicit) for k, v in resolved(block, message_type).items()}


def pair(values, name, lp, ctx, default=None):
    """Caffe's kernel/stride/pad as (h, w): the _h/_w fields, or one value for both axes, or h then w."""
    h, w = values.get(f"{name}_h"), values.get(f"{name}_w")
    if (h and h[1]) or (w and w[1]):
        return int(h[0]), int(w[0])
    listed, explicit = values[f"{name}_size" if name == "kernel" else name]
    if not isinstance(listed, list):  # PoolingParameter's fields are singular, with proto defaults
        if not explicit and default is not None:
            return default
        return int(listed), int(listed)
    if len(listed) == 1:
        return int(listed[0]), int(listed[0])
    if len(listed) == 2:
        return int(listed[0]), int(listed[1])
    if not listed and default is not None:
        return default
    raise ctx.error(lp, f"layer {lp.get('name')!r}: {name} needs one or two values; found {listed}.")


def filler(values, key):
    filler = values.get(key, (None, False))[0]
    spec = {k: v.value for k, v in resolved(filler or Message([], 0, 0), "FillerParameter").items()
            if k in ("type", "value", "min", "max", "mean", "std", "variance_norm")}
    spec["variance_norm"] = str(spec["variance_norm"])
    return spec
