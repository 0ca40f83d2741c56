"""A PyTorch spec as one side of a check: its description, its input, and what the torch engine needs."""

from ..side import Side
from .describe import describe

DEFAULT_SHAPE = (1, 28, 28)  # only to describe a spec whose input comes from the samples, before they are read


class TorchSpec:
    """The torch engine's handle on a side: the parts NAME() returned, and fresh ones from the spec's code
    for every engine after the first (each engine trains its own model, optimizer and scheduler)."""

    def __init__(self, path, parts, rebuild, input_shape):
        self.path, self.rebuild, self.input_shape = str(path), rebuild, tuple(input_shape)
        self._first = parts
        self.has_own_step = parts.get("step") is not None  # --micro-batch: that step gets the whole batch

    def fresh(self):
        parts, self._first = self._first, None
        parts = parts or self.rebuild()
        parts["input_shape"] = self.input_shape
        return parts


def torch_side(path, first, rebuild, preprocess, input_shape=None):
    """`first`: the parts NAME() returned at load; `rebuild()`: fresh parts from the spec's own code."""
    shape = tuple(input_shape or first["input_shape"] or DEFAULT_SHAPE)
    desc = describe(first, path, shape)
    side = Side(str(path), "pytorch", desc, shape, desc.num_classes, "torch", preprocess, notes=list(desc.notes),
                handle=TorchSpec(path, first, rebuild, shape), input_layout="chw" if len(shape) == 3 else "hwc")
    if input_shape is None and first["input_shape"] is None:  # the samples' own shape, as C,H,W (contract)
        side.rebind = lambda sample_shape: torch_side(path, rebuild(), rebuild, preprocess, tuple(sample_shape))
    return side
