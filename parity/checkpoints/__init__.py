"""Reading the frameworks' own checkpoint files (`--weights FILE`): one reader per format.

Every reader returns a Checkpoint: the file's arrays keyed as the file names them (a Caffe layer
name and blob index, a MatConvNet layer and weights{J}, a Keras variable path, a PyTorch
state_dict key, a trace tensor key), in the file's order, each with the framework's own layout.
No reader unpickles anything: the formats are decoded from their bytes (protobuf wire format),
read through HDF5 or MAT readers that hold no code, or, for PyTorch, through
`torch.load(weights_only=True)`, which refuses every pickle opcode that would build an arbitrary
object. `fit.py` matches a checkpoint to one side's tensors.
"""

from dataclasses import dataclass, field
from pathlib import Path

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


_READERS = {}  # suffix -> (framework, reader function)


def reader(*suffixes, framework):
    """Register a reader for file names ending in one of `suffixes`."""

    def register(fn):
        for suffix in suffixes:
            _READERS[suffix] = (framework, fn)
        return fn

    return register


SUFFIXES = (".caffemodel", ".mat", ".weights.h5", ".keras", ".h5", ".pt", ".pth")


def looks_like_checkpoint(text):
    """Whether a `--weights` value names a file rather than a mode (zeros, seed:N, a, b)."""
    base = text.rsplit("@", 1)[0] if "@" in text else text
    return base.lower().endswith(SUFFIXES) or "/" in text or Path(base).exists()


def read(spec):
    """The Checkpoint a `--weights FILE` value names; `trace.h5@STEP` picks a trace's step."""
    from . import caffemodel, keras_h5, matfile, torch_state, trace_step  # noqa: F401  (they register)

    path, step = _split_step(spec)
    p = Path(path)
    if not p.exists():
        raise CheckpointError(f"--weights: no such file; expected a checkpoint ({_formats()}).", path=path)
    if p.is_dir():
        raise CheckpointError(f"--weights: is a folder; expected a checkpoint file ({_formats()}).", path=path)
    name = p.name.lower()
    if step is not None and not name.endswith(".h5"):
        raise CheckpointError(f"--weights: @{step} picks a step of a parity trace (.h5); this file is not one.",
                              path=path)
    if name.endswith(".h5"):
        from .trace_step import is_trace

        if is_trace(path):
            return trace_step.read(path, step)
    for suffix in sorted(_READERS, key=len, reverse=True):
        if name.endswith(suffix):
            return _READERS[suffix][1](path)
    raise CheckpointError(f"--weights: cannot tell the checkpoint format from the file name; expected one of "
                          f"{_formats()}.", path=path)


def _split_step(spec):
    path, sep, step = spec.rpartition("@")
    if not sep or not path.lower().endswith(".h5"):
        return spec, None
    if not step.lstrip("-").isdigit():
        raise CheckpointError(f"--weights: expected TRACE.h5@STEP with STEP an integer; received @{step!r}.",
                              path=path)
    return path, int(step)


def _formats():
    return ("Caffe .caffemodel, MatConvNet .mat, Keras .weights.h5/.keras/.h5, PyTorch .pt/.pth state_dict, "
            "a parity trace .h5[@STEP]")


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
