"""A step of a parity trace as a checkpoint (`trace.h5@STEP`; the last complete step by default; a negative
STEP counts from the end). Side A's tensors, or the trace's only side; keys and layouts as recorded."""

from .base import Checkpoint, CheckpointError, Entry

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def is_trace(path):
    with open(path, "rb") as f:
        if f.read(8) != HDF5_SIGNATURE:
            return False
    import h5py

    from ..recorders.tracefile import FORMAT

    try:
        with h5py.File(path, "r") as f:
            value = f.attrs.get("format")
    except OSError:
        return False
    return (value.decode() if isinstance(value, bytes) else value) == FORMAT


def read(path, step=None):
    from ..trace.reader import open_trace

    with open_trace(path) as trace:
        side = trace.side("A")
        if side.steps == 0:
            raise CheckpointError("--weights: the trace holds no complete step.", path=path)
        first, last = side.read(0)[0], side.read(side.steps - 1)[0]
        wanted = last if step is None else (step if step >= 0 else last + 1 + step)
        row = wanted - first  # rows are consecutive steps from the first recorded one
        if not 0 <= row < side.steps:
            raise CheckpointError(f"--weights: the trace has no step {step}; it holds steps {first} to {last}.",
                                  path=path)
        number, weights, _, _ = side.read(row)
        if number != wanted:
            raise CheckpointError(f"--weights: the trace's steps are not consecutive (row {row} is step {number}); "
                                  "the file is corrupt.", path=path)
        ckpt = Checkpoint(path, "trace", by_order=True)
        ckpt.notes.append(f"weights from step {wanted} of side {side.label}")
        for t in side.tensors:
            ckpt.entries.append(Entry(t.key, t.layer, weights[t.key], t.layout, t.role))
    return ckpt
