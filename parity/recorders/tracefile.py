"""Write parity's HDF5 trace format (docs/trace-format.md), one step at a time.

Standalone on purpose: it needs numpy and h5py and nothing of parity, so a recorder that runs
inside another framework's environment (pycaffe, PyTorch) can carry this file along.

    w = TraceWriter("run.h5", writer="my-recorder", meta={"dtype": "float32"})
    w.add_side("A", tensors=[{"layer": "fc1", "key": "fc1.weight", "role": "kernel",
                             "shape": (30, 784), "layout": "out,in"}, ...], attrs={"dialect": "pytorch"})
    for step in range(steps + 1):
        w.append("A", step, weights={...}, grads={"data": {...}}, loss={"data": 0.25}, lr=0.5)
        w.end_step()                      # flush: the file is readable up to here
    w.close()                             # sets `complete`

Every per-step dataset has the step as its first axis, starts empty, grows by one row per
step (chunked one step per chunk, gzip-compressed) and is flushed after each step, so a run of
any length holds one step in memory and a reader sees every finished step, even of a run that
is still going (HDF5 single-writer/multiple-reader mode) or that was killed.
"""

import json
import os
import time
import uuid

import h5py
import numpy as np

FORMAT = "parity-trace"
FORMAT_VERSION = 1
ROLES = ("kernel", "bias", "gamma", "beta")
LOSS_TERMS = ("total", "data", "reg")
GRAD_TERMS = ("total", "data", "reg")
COMPRESSION = {"compression": "gzip", "compression_opts": 1, "shuffle": True}


def _text(value):
    return str(value) if isinstance(value, str) else json.dumps(value, default=str)


class TraceWriter:
    """One trace file, written incrementally. Sides are added before their first step."""

    def __init__(self, path, writer="unknown", meta=None):
        self.path = str(path)
        if os.path.exists(self.path):
            os.remove(self.path)
        self.file = h5py.File(self.path, "w", libver="latest")
        self._sides = {}  # label -> {"tensors": [...], "group": h5py.Group, "datasets": {...}}
        self._rows = None
        self._swmr = False
        self.steps_written = 0
        attrs = self.file.attrs
        attrs["format"] = FORMAT
        attrs["format_version"] = FORMAT_VERSION
        attrs["complete"] = False
        attrs["writer"] = writer
        attrs["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        attrs["run_id"] = uuid.uuid4().hex
        attrs["steps_written"] = 0
        for key, value in (meta or {}).items():
            self.set_meta(key, value)
        self.file.create_group("sides")

    # -- metadata -----------------------------------------------------------------------------------
    def set_meta(self, key, value):
        """A file attribute: numbers and strings as they are, anything else as JSON text."""
        if value is None:
            return
        if isinstance(value, (bool, np.bool_)):
            self.file.attrs[key] = bool(value)
        elif isinstance(value, (int, float, np.integer, np.floating)):
            self.file.attrs[key] = value
        else:
            self.file.attrs[key] = _text(value)

    def add_side(self, label, tensors, attrs=None, inputs=None):
        """Declare a side: its parameter tensors in forward order (dicts with layer, key, role, shape,
        layout and optionally by_key) and its attributes (spec, dialect, framework, dtype, ...).
        `inputs`: what the side's first layer sees, in the samples' stored layout (N, ...), optional."""
        if self._swmr:
            raise RuntimeError("sides must be added before the first end_step()")
        group = self.file["sides"].create_group(label)
        group.attrs["label"] = label
        for key, value in (attrs or {}).items():
            if value is None:
                continue
            group.attrs[key] = value if isinstance(value, (bool, int, float, np.number)) else _text(value)
        tensor_group = group.create_group("tensors")
        clean = []
        for i, t in enumerate(tensors):
            g = tensor_group.create_group(f"{i:04d}")
            meta = {"layer": str(t["layer"]), "key": str(t["key"]), "role": str(t["role"]),
                    "shape": [int(s) for s in t["shape"]], "layout": str(t.get("layout") or ""),
                    "by_key": bool(t.get("by_key", False))}
            for k, v in meta.items():
                g.attrs[k] = np.asarray(v, dtype=np.int64) if k == "shape" else v
            clean.append(meta)
        if inputs is not None:
            x = np.asarray(inputs)
            group.create_dataset("input", data=x, chunks=True, **COMPRESSION)
        self._sides[label] = {"tensors": clean, "group": group, "datasets": {}}

    # -- steps --------------------------------------------------------------------------------------
    def _grow(self, group, name, value, dtype=None):
        """Append `value` as the next row of dataset `name` (created on the first step)."""
        value = np.asarray(value, dtype=dtype)
        if name not in group:
            if self._swmr:
                raise RuntimeError(f"{group.name}/{name} first appears after step 0; every dataset must exist "
                                   "from the first step")
            group.create_dataset(name, shape=(0, *value.shape), maxshape=(None, *value.shape),
                                 chunks=(1, *value.shape) if value.ndim else (256,), dtype=value.dtype,
                                 **COMPRESSION)
        ds = group[name]
        n = ds.shape[0]
        if tuple(ds.shape[1:]) != tuple(value.shape):
            raise ValueError(f"{ds.name}: step row has shape {value.shape}, expected {ds.shape[1:]}")
        ds.resize(n + 1, axis=0)
        ds[n] = value
        return ds

    def append(self, label, step, weights, grads=None, loss=None, lr=None, activations=None):
        """One step of one side. `weights`: key -> array (native layout); `grads`: term -> (key -> array)
        for the terms the side has ("total", or "data" and "reg"); `loss`: term -> float;
        `lr`: the learning rate of the update that follows this step (None: unknown);
        `activations`: [(name, array)] at each stage end, forward order (optional)."""
        side = self._sides[label]
        group = side["group"]
        self._grow(group, "step", int(step), np.int64)
        self._grow(group, "lr", np.nan if lr is None else float(lr), np.float64)
        loss_group = group.require_group("loss")
        for term, value in (loss or {}).items():
            if term not in LOSS_TERMS:
                raise ValueError(f"unknown loss term {term!r}; expected one of {LOSS_TERMS}")
            if value is not None:
                self._grow(loss_group, term, float(value), np.float64)
        tensors = group["tensors"]
        for i, t in enumerate(side["tensors"]):
            g = tensors[f"{i:04d}"]
            self._grow(g, "weight", _native(weights[t["key"]], t))
            for term, values in (grads or {}).items():
                if term not in GRAD_TERMS:
                    raise ValueError(f"unknown gradient term {term!r}; expected one of {GRAD_TERMS}")
                if values is not None:
                    self._grow(g, f"grad_{term}", _native(values[t["key"]], t))
        if activations:
            acts = group.require_group("activations")
            for j, (name, value) in enumerate(activations):
                ds = self._grow(acts, f"{j:04d}", value)
                if "name" not in ds.attrs:
                    ds.attrs["name"] = str(name)

    def append_rows(self, step, rows):
        """parity check's own comparison of the step: [(ident, label, rel_error, tolerance)]."""
        if self._rows is None:
            group = self.file.create_group("comparison")
            idents = [list(ident) + [label] for ident, label, _, _ in rows]
            group.attrs["rows"] = json.dumps(idents)
            self._rows = {json.dumps(list(ident)): k for k, (ident, _, _, _) in enumerate(rows)}
            self._row_group = group
        width = len(self._rows)
        rel, tol, seen = np.full(width, np.nan), np.full(width, np.nan), np.zeros(width, bool)
        for ident, _, err, tolerance in rows:
            k = self._rows.get(json.dumps(list(ident)))
            if k is None:
                continue  # a row that did not exist at step 0 (the input is compared at step 0 only)
            rel[k] = np.nan if err is None else err
            tol[k], seen[k] = tolerance, True
        self._grow(self._row_group, "step", int(step), np.int64)
        self._grow(self._row_group, "rel_error", rel)
        self._grow(self._row_group, "tolerance", tol)
        self._grow(self._row_group, "present", seen)

    def end_step(self):
        """Flush the step just appended. After the first, the file is in single-writer/multiple-reader
        mode: other processes may open it read-only (h5py.File(path, 'r', swmr=True)) while it grows."""
        self.steps_written += 1
        self.file.attrs["steps_written"] = self.steps_written
        if not self._swmr:
            self.file.swmr_mode = True
            self._swmr = True
        self.file.flush()

    def close(self, complete=True, final=None):
        """Close the file; with `complete`, mark it finished and add the `final` attributes."""
        if self.file is None:
            return
        self.file.close()
        self.file = None
        if complete or final:
            with h5py.File(self.path, "r+") as f:
                for key, value in (final or {}).items():
                    if value is None:
                        continue
                    f.attrs[key] = value if isinstance(value, (bool, int, float, np.number, str)) else _text(value)
                f.attrs["complete"] = bool(complete)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        self.close(complete=kind is None)
        return False


def _native(value, tensor):
    """A tensor's array in its declared native shape (a framework may hand it with extra unit axes)."""
    value = np.asarray(value)
    shape = tuple(tensor["shape"])
    if value.shape != shape:
        if value.size != int(np.prod(shape)):
            raise ValueError(f"{tensor['key']}: array of shape {value.shape}, declared {shape}")
        value = value.reshape(shape)
    return value


# -- the contract's seeded starting weights, for recorders that start a real framework from them ------

def seeded(seed, index, role, canonical_shape):
    """`--weights seed:N`: Glorot-uniform kernels, normal(0, 0.01) biases and betas, 1 + normal(0, 0.01)
    scales, in float32, from numpy's default_rng([seed, parameter index, role code]) in canonical
    (Keras) shape: a dense kernel (in, out), a conv kernel (h, w, in, out). Same draw as parity's."""
    rng = np.random.default_rng([seed, index, {"kernel": 0, "bias": 1, "gamma": 2, "beta": 3}.get(role, 9)])
    shape = tuple(int(s) for s in canonical_shape)
    if role == "kernel":
        if len(shape) == 2:
            fan_in, fan_out = shape
        else:
            receptive = int(np.prod(shape[:-2]))
            fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape).astype(np.float32)
    if role == "gamma":
        return (1.0 + rng.normal(0.0, 0.01, size=shape)).astype(np.float32)
    return rng.normal(0.0, 0.01, size=shape).astype(np.float32)


def read_start(path, label=None):
    """Step 0's weights of a parity trace, key -> array in the recorded side's native layout, and the
    side's tensors in order: to start a real framework from exactly the weights `parity record` used."""
    with h5py.File(str(path), "r") as f:
        sides = f["sides"]
        name = label if label is not None else sorted(sides)[0]
        tensors = sides[name]["tensors"]
        out = []
        for k in sorted(tensors):
            g = tensors[k]
            out.append((str(g.attrs["key"]), str(g.attrs["role"]), np.asarray(g["weight"][0])))
        return out
