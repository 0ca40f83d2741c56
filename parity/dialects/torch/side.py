"""A PyTorch spec as one side of a check: its description, its input, and fresh parts for each engine."""

from .. import Side
from .describe import describe

DEFAULT_SHAPE = (1, 28, 28)  # only to describe a spec whose input comes from the samples, before they are read


def torch_side(path, first, rebuild, preprocess, input_shape=None):
    """`first`: the parts NAME() returned at load; `rebuild()`: fresh parts from the spec's own code."""
    shape = input_shape or first["input_shape"]
    state = {"first": first}

    def make_engine(label, dtype, device=None, sgd_lr=None, lr=None):
        from ...engines.torch_engine import TorchEngine

        parts = state.pop("first", None) or rebuild()
        parts["input_shape"] = shape
        return TorchEngine(parts, label, dtype, device, sgd_lr, source=str(path), default_lr=lr)

    desc = describe(first, path, shape or DEFAULT_SHAPE)
    side = Side(str(path), "pytorch", desc, tuple(shape or DEFAULT_SHAPE), desc.num_classes, make_engine, preprocess,
                notes=list(desc.notes), input_layout="chw" if len(shape or DEFAULT_SHAPE) == 3 else "hwc")
    if shape is None:  # the samples' own shape, as C,H,W (contract): known once they are read
        side.rebind = lambda sample_shape: torch_side(path, rebuild(), rebuild, preprocess, tuple(sample_shape))
    return side
