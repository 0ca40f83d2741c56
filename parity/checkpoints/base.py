"""What every checkpoint reader returns, the registry of readers by suffix, and each framework's layouts."""


from dataclasses import dataclass, field

import numpy as np

from ..errors import ParityError


class CheckpointError(ParityError):
    """A checkpoint that cannot be read, or does not fit the spec: exit 2."""


@dataclass
class Entry:
    """One array of a checkpoint, as the file stores it."""

    name: str  # the file's own name for it: "conv1/0", "fc1.weight", "dense/kernel", "fc/1"
    layer: str  # the layer it belongs to, as the file names it
    array: np.ndarray  # the file's shape and values
    layout: str  # the framework's axis names, e.g. "out,in,h,w"; "" for vectors
    role: str | None = None  # kernel | bias | gamma | beta | state; None where the file does not say


@dataclass
class Checkpoint:
    path: str
    framework: str  # caffe | matconvnet | keras | pytorch | trace
    entries: list = field(default_factory=list)  # of Entry, in the file's order
    by_order: bool = False  # layer names may differ from the spec's (Keras auto-names): fall back on order
    notes: list = field(default_factory=list)

    def layers(self):
        """[(layer name, [Entry])] in the file's order."""
        out = {}
        for e in self.entries:
            out.setdefault(e.layer, []).append(e)
        return list(out.items())


READERS = {}  # suffix -> (framework, reader function)


def reader(*suffixes, framework):
    """Register a reader for file names ending in one of `suffixes`."""

    def register(fn):
        for suffix in suffixes:
            READERS[suffix] = (framework, fn)
        return fn

    return register


def caffe_layout(ndim, kind=""):
    """Caffe's blob layouts: conv filters (out, in/group, h, w) (conv_layer.cpp), InnerProduct (out, in)
    (inner_product_layer.cpp: N_ x K_), a Deconvolution's (in, out/group, h, w) (base_conv_layer.cpp)."""
    if ndim == 4:
        return "in,out,h,w" if kind == "Deconvolution" else "out,in,h,w"
    return "out,in" if ndim == 2 else ""


def keras_layout(ndim):
    """Keras's kernels: Dense (in, out), Conv2D (h, w, in, out) (keras/src/layers/core/dense.py build,
    keras/src/layers/convolutional/base_conv.py build)."""
    return {2: "in,out", 4: "h,w,in,out"}.get(ndim, "")


def torch_layout(ndim):
    """PyTorch's: nn.Linear weight (out, in), nn.Conv2d (out, in/groups, h, w) (torch/nn/modules/linear.py,
    conv.py _ConvNd.__init__)."""
    return {2: "out,in", 4: "out,in,h,w"}.get(ndim, "")
