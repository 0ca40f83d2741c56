"""Reading the frameworks' own checkpoint files (`--weights FILE`): one reader per format.

Every reader returns a Checkpoint: the file's arrays keyed as the file names them (a Caffe layer
name and blob index, a MatConvNet layer and weights{J}, a Keras variable path, a PyTorch
state_dict key, a trace tensor key), in the file's order, each with the framework's own layout.
No reader unpickles anything: the formats are decoded from their bytes (protobuf wire format),
read through HDF5 or MAT readers that hold no code, or, for PyTorch, through
`torch.load(weights_only=True)`, which refuses every pickle opcode that would build an arbitrary
object. `fit.py` matches a checkpoint to one side's tensors.
"""

from pathlib import Path

from .base import READERS, Checkpoint, CheckpointError, Entry

__all__ = ["Checkpoint", "CheckpointError", "Entry", "read", "looks_like_checkpoint"]

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
    for suffix in sorted(READERS, key=len, reverse=True):
        if name.endswith(suffix):
            return READERS[suffix][1](path)
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
