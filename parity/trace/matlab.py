"""`parity import-matlab FOLDER --out T.h5`: the folder parity_record_simplenn.m writes, as a trace.

The folder holds manifest.txt and raw little-endian float32 files in MATLAB's column-major order
(docs/trace-format.md, "MATLAB / Octave folder"). Steps are converted one at a time. A folder whose
manifest has no `end` line (the recording was cut short) becomes a trace marked incomplete, up to
its last `step` line.
"""

from pathlib import Path

import numpy as np

from ..errors import ParityError
from ..recorders.tracefile import TraceWriter
from .record import versions

MAGIC = "parity-matlab-trace"
VERSION = 1


class MatlabFolderError(ParityError):
    """The folder cannot be read: exit 2."""


def _fail(folder, message, line=None):
    return MatlabFolderError(message, path=str(Path(folder) / "manifest.txt"), line=line)


def read_manifest(folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise MatlabFolderError("is not a folder; expected the folder parity_record_simplenn.m wrote.",
                                path=str(folder))
    path = folder / "manifest.txt"
    if not path.exists():
        raise MatlabFolderError("has no manifest.txt; expected the folder parity_record_simplenn.m wrote.",
                                path=str(folder))
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines or lines[0].split()[:1] != [MAGIC]:
        raise _fail(folder, f"does not start with '{MAGIC} <version>'.", 1)
    try:
        version = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise _fail(folder, "has no format version after its first word.", 1) from None
    if version > VERSION:
        raise _fail(folder, f"is format version {version}, newer than this parity reads (up to {VERSION}): "
                            "upgrade parity.", 1)
    meta, tensors, steps, inputs, ended = {}, [], [], None, False
    for number, line in enumerate(lines[1:], start=2):
        words = line.split()
        if not words:
            continue
        try:
            kind = words[0]
            if kind == "meta":
                meta[words[1]] = line.split(None, 2)[2] if len(words) > 2 else ""
            elif kind == "tensor":
                index, layer, role, layout, ndims = int(words[1]), words[2], words[3], words[4], int(words[5])
                dims = tuple(int(d) for d in words[6:6 + ndims])
                if index != len(tensors) or len(dims) != ndims:
                    raise ValueError
                tensors.append({"index": index, "layer": layer, "role": role,
                                "layout": "" if layout == "-" else layout, "dims": dims})
            elif kind == "input":
                ndims = int(words[2])
                inputs = (words[1], tuple(int(d) for d in words[3:3 + ndims]))
            elif kind == "step":
                steps.append((int(words[1]), float(words[2]), float(words[3])))
            elif kind == "end":
                ended = True
            else:
                raise ValueError
        except (IndexError, ValueError):
            raise _fail(folder, f"cannot read line {line.strip()!r}.", number) from None
    if not tensors:
        raise _fail(folder, "lists no tensor lines.")
    return meta, tensors, steps, inputs, ended


def _read_f32(path, dims, folder):
    try:
        raw = np.fromfile(path, dtype="<f4")
    except OSError as err:
        raise MatlabFolderError(f"cannot read {path.name}: {err}.", path=str(folder)) from None
    need = int(np.prod(dims))
    if raw.size != need:
        raise MatlabFolderError(f"{path.name} holds {raw.size} float32 values; the manifest gives it shape "
                                f"{'x'.join(map(str, dims))} ({need} values): the file is truncated or corrupt.",
                                path=str(folder))
    return raw.reshape(dims, order="F")


def _native(tensor):
    """parity's native shape for a MatConvNet parameter: filters (h, w, in, out), vectors 1-D."""
    return tuple(tensor["dims"]) if tensor["role"] == "kernel" else (int(np.prod(tensor["dims"])),)


def _meta(meta, folder, n):
    return {**{k: v for k, v in versions().items() if k in ("parity_version", "numpy_version", "h5py_version")},
            "framework": meta.get("framework", "MATLAB"), "recorder": meta.get("writer"), "dtype": "float32",
            "steps": int(meta["steps"]) if meta.get("steps", "").isdigit() else None, "samples_count": n,
            "imported_from": str(folder)}


def import_folder(folder, out):
    folder = Path(folder)
    meta, tensors, steps, inputs, ended = read_manifest(folder)
    if not steps:
        raise _fail(folder, "lists no completed step: the recording stopped before step 0 was written.")
    counts = {}
    for t in tensors:
        counts[t["layer"]] = counts.get(t["layer"], -1) + 1
        t["key"] = f"{t['layer']}/{counts[t['layer']]}"
        t["shape"] = _native(t)
    x = None
    if inputs is not None:
        x = _read_f32(folder / inputs[0], inputs[1], folder)
        x = np.moveaxis(x.reshape(inputs[1] + (1,) * (4 - len(inputs[1]))), 3, 0)  # H W C N -> N H W C
    n = int(meta.get("samples") or (len(x) if x is not None else 0)) or None
    try:
        writer = TraceWriter(out, writer="matlab-simplenn", meta=_meta(meta, folder, n))
    except OSError as err:
        raise ParityError(f"--out: cannot write {out}: {err.strerror or err}.") from None
    attrs = {"spec": meta.get("spec") or str(folder), "dialect": "matconvnet",
             "framework": meta.get("framework", "MATLAB"), "dtype": "float32", "penalised": False,
             "separates_terms": True, "has_grads": True}
    if x is not None:
        attrs["input_range"] = f"[{float(x.min()):.4g}, {float(x.max()):.4g}] (x as given)"
    writer.add_side("A", [{k: t[k] for k in ("layer", "key", "role", "shape", "layout")} for t in tensors],
                    attrs=attrs, inputs=None if x is None else x.astype(np.float64).reshape(len(x), -1))
    try:
        for number, (step, loss, rate) in enumerate(steps):
            if step != number:
                raise _fail(folder, f"lists step {step} where step {number} was expected.")
            weights, grads = {}, {}
            for t in tensors:
                weights[t["key"]] = _read_f32(folder / f"w_{step}_{t['index']}.f32", t["dims"], folder).reshape(
                    t["shape"])
                grads[t["key"]] = _read_f32(folder / f"g_{step}_{t['index']}.f32", t["dims"], folder).reshape(
                    t["shape"])
            writer.append("A", step, weights, grads={"data": grads}, loss={"data": loss}, lr=rate)
            writer.end_step()
    except BaseException:
        writer.close(complete=False)
        raise
    writer.close(complete=ended, final={"steps_run": steps[-1][0]})
    return len(steps), ended
