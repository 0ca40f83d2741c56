"""Read a trace (docs/trace-format.md): validate it, then hand out one step of one side at a time.

Every problem with the file is a TraceError (exit 2) that names the file: missing, not HDF5,
truncated or corrupt, not a parity trace, or written by a newer format version.
"""

import json
import math
from pathlib import Path

import numpy as np

from ..description import Tensor
from ..engines.base import Evaluation
from ..errors import ParityError
from ..recorders.tracefile import FORMAT, FORMAT_VERSION


class TraceError(ParityError):
    """A trace file that cannot be read: exit 2."""


def _h5py():
    import h5py

    return h5py


def open_trace(path):
    return Trace(path)


class Trace:
    """An open trace file; use as a context manager. Partial files (a run still going, or killed)
    are read up to their last complete step."""

    def __init__(self, path):
        self.path = str(path)
        p = Path(self.path)
        if not p.exists():
            raise TraceError("no such file; expected a parity trace (.h5).", path=self.path)
        if p.is_dir():
            raise TraceError("is a folder; expected a parity trace (.h5). A MATLAB recorder's folder becomes a "
                             "trace with `parity import-matlab FOLDER --out T.h5`.", path=self.path)
        self.file = _open(self.path)
        try:
            self._validate()
        except BaseException:
            self.file.close()
            raise

    def _validate(self):
        attrs = self.file.attrs
        fmt = _attr(attrs, "format")
        if fmt != FORMAT:
            raise TraceError("is an HDF5 file but not a parity trace (its 'format' attribute is "
                             f"{fmt!r}; expected {FORMAT!r}); traces come from `parity record`, `parity check "
                             "--trace` or the recorders in parity/recorders.", path=self.path)
        version = _attr(attrs, "format_version")
        if not isinstance(version, (int, np.integer)) or version < 1:
            raise TraceError(f"has an invalid format_version {version!r}; the file is corrupt.", path=self.path)
        if version > FORMAT_VERSION:
            raise TraceError(f"was written in trace format version {int(version)}, newer than this parity reads "
                             f"(versions up to {FORMAT_VERSION}); a newer parity wrote it: upgrade parity to read it.",
                             path=self.path)
        self.version = int(version)
        if "sides" not in self.file:
            raise TraceError("is truncated or corrupt: it has no 'sides' group.", path=self.path)
        self.sides = {}
        for label in self.file["sides"]:
            self.sides[label] = TraceSide(self, label)
        if not self.sides:
            raise TraceError("holds no side: the run that wrote it stopped before its first step"
                             f"{self._why_stopped()}.", path=self.path)

    def _why_stopped(self):
        first = self.meta.get("first_divergence")
        if isinstance(first, dict) and first.get("quantity") == "structure":
            return f" (a structural mismatch at {first.get('layer_a')} / {first.get('layer_b')})"
        return ""

    @property
    def meta(self):
        """The file's attributes, JSON text decoded."""
        return {k: _attr(self.file.attrs, k) for k in self.file.attrs}

    @property
    def complete(self):
        return bool(_attr(self.file.attrs, "complete"))

    @property
    def run_id(self):
        return _attr(self.file.attrs, "run_id")

    def side(self, prefer):
        """Side `prefer` ("A" or "B") when the trace has it, else its only side."""
        if prefer in self.sides:
            return self.sides[prefer]
        if len(self.sides) == 1:
            return next(iter(self.sides.values()))
        raise TraceError(f"has sides {sorted(self.sides)} and no side {prefer!r}.", path=self.path)

    def rows(self):
        """parity check's own per-step comparison, when the trace was written by `check --trace`:
        (idents, tolerance array (steps, rows), present mask) or None."""
        group = self.file.get("comparison")
        if group is None:
            return None
        idents = [tuple(r[:4]) for r in json.loads(_attr(group.attrs, "rows", raw=True))]
        return idents, self._read(group, "tolerance"), self._read(group, "present")

    def _read(self, group, name, index=None):
        try:
            ds = group[name]
            return np.asarray(ds[()] if index is None else ds[index])
        except KeyError:
            raise TraceError(f"is truncated or corrupt: {group.name}/{name} is missing.", path=self.path) from None
        except (OSError, ValueError, RuntimeError) as err:
            raise TraceError(f"is corrupt: reading {group.name}/{name} failed ({_reason(err)}).",
                             path=self.path) from None

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class TraceSide:
    """One side of a trace: its tensors, attributes and steps."""

    def __init__(self, trace, label):
        self.trace, self.label = trace, label
        self.group = trace.file["sides"][label]
        g = self.group
        self.attrs = {k: _attr(g.attrs, k) for k in g.attrs}
        if "tensors" not in g:
            raise TraceError(f"is truncated or corrupt: side {label} has no tensors group.", path=trace.path)
        self.tensors, self._groups = [], []
        for name in sorted(g["tensors"]):
            tg = g["tensors"][name]
            try:
                a = tg.attrs
                self.tensors.append(Tensor(str(_attr(a, "layer")), str(_attr(a, "key")), str(_attr(a, "role")),
                                           tuple(int(s) for s in np.asarray(a["shape"]).ravel()),
                                           str(_attr(a, "layout") or ""), bool(_attr(a, "by_key"))))
            except (KeyError, TypeError, ValueError):
                raise TraceError(f"is corrupt: side {label} tensor {name} lacks its layer/key/role/shape/layout "
                                 "attributes.", path=trace.path) from None
            self._groups.append(tg)
        self.loss_terms = [t for t in ("total", "data", "reg") if "loss" in g and t in g["loss"]]
        first = self._groups[0] if self._groups else None
        self.grad_terms = [t for t in ("total", "data", "reg") if first is not None and f"grad_{t}" in first]
        self.steps = self._count()

    def _count(self):
        """Steps fully written: the shortest of the side's per-step datasets (a partial file's last
        step may be half written)."""
        g = self.group
        lengths = []
        for name in ("step", "lr"):
            if name not in g:
                raise TraceError(f"is truncated or corrupt: side {self.label} has no '{name}' dataset.",
                                 path=self.trace.path)
            lengths.append(g[name].shape[0])
        lengths += [g["loss"][t].shape[0] for t in self.loss_terms]
        for tg in self._groups:
            if "weight" not in tg:
                raise TraceError(f"is truncated or corrupt: side {self.label} tensor {tg.name} has no weights.",
                                 path=self.trace.path)
            lengths += [tg["weight"].shape[0]] + [tg[f"grad_{t}"].shape[0] for t in self.grad_terms]
        if "activations" in g:
            lengths += [g["activations"][n].shape[0] for n in g["activations"]]
        return min(lengths) if lengths else 0

    # -- attributes the comparison needs ------------------------------------------------------------------
    @property
    def dtype(self):
        return str(self.attrs.get("dtype") or "float32")

    @property
    def separates_terms(self):
        return "data" in self.loss_terms and "data" in self.grad_terms

    @property
    def has_reg(self):
        return "reg" in self.loss_terms and "reg" in self.grad_terms

    @property
    def penalised(self):
        return bool(self.attrs.get("penalised"))

    @property
    def name(self):
        return f"{self.trace.path}:{self.label}"

    @property
    def description(self):
        text = self.attrs.get("description")
        if not text:
            return None
        from ..description.toml_io import loads

        try:
            return loads(text if isinstance(text, str) else json.dumps(text), self.trace.path)
        except ParityError:
            return None  # a description from another parity version: the comparison goes on without it

    def input(self):
        return self.trace._read(self.group, "input") if "input" in self.group else None

    # -- steps ----------------------------------------------------------------------------------------------
    def read(self, i):
        """Step row i: (step number, weights by key, Evaluation, learning rate of the next update or None)."""
        path, g = self.trace, self.group
        step = int(path._read(g, "step", i))
        lr = float(path._read(g, "lr", i))
        weights, grads = {}, {t: {} for t in self.grad_terms}
        for t, tg in zip(self.tensors, self._groups):
            weights[t.key] = path._read(tg, "weight", i)
            for term in self.grad_terms:
                grads[term][t.key] = path._read(tg, f"grad_{term}", i)
        loss = {t: float(path._read(g["loss"], t, i)) for t in self.loss_terms}
        if "total" not in grads and "data" in grads:
            grads["total"] = ({k: v + grads["reg"][k] for k, v in grads["data"].items()} if "reg" in grads
                              else grads["data"])
        if "total" not in loss and "data" in loss:
            loss["total"] = loss["data"] + loss.get("reg", 0.0)
        activations = None
        if "activations" in g:
            acts = g["activations"]
            activations = [(str(_attr(acts[n].attrs, "name") or n), path._read(acts, n, i)) for n in sorted(acts)]
        ev = Evaluation(loss_total=loss.get("total"), loss_data=loss.get("data"), loss_reg=loss.get("reg"),
                        grads_total=grads.get("total"), grads_data=grads.get("data"), grads_reg=grads.get("reg"),
                        activations=activations)
        return step, weights, ev, (None if math.isnan(lr) else lr)


def _open(path):
    """Plain read first (a finished file, or one whose writer died); a file a live writer holds in
    single-writer/multiple-reader mode opens as a SWMR reader. Never SWMR first: a SWMR reader does not
    check the end of file, and a truncated file would then fail late, or hang."""
    h5py = _h5py()
    try:
        return h5py.File(path, "r")
    except OSError as err:
        if "already open for write" in str(err):
            try:
                return h5py.File(path, "r", libver="latest", swmr=True)
            except OSError:
                pass
        raise TraceError(_open_failure(path, err), path=path) from None


def _open_failure(path, err):
    text = _reason(err)
    with open(path, "rb") as f:
        head = f.read(8)
    if head != b"\x89HDF\r\n\x1a\n":
        return ("is not an HDF5 file (it does not start with the HDF5 signature); expected a parity trace "
                "written by `parity record`, `parity check --trace` or a recorder.")
    if "truncated" in text:
        return f"is truncated: it is shorter than its HDF5 header says ({text}); the copy or the run that wrote it " \
               "was cut off."
    if "already open" in text or "consistency flags" in text:
        return ("is open for writing by a process that is not in single-writer/multiple-reader mode (or was left "
                f"so by one that died); if no run is writing it, `h5clear -s {path}` clears the flag ({text}).")
    return f"cannot be read as HDF5: the file is corrupt ({text})."


def _reason(err):
    text = str(err).strip()
    return text[:300] if text else type(err).__name__


def _attr(attrs, key, raw=False):
    if key not in attrs:
        return None
    value = attrs[key]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        value = value.item()
    if raw or not isinstance(value, str):
        return value
    if value[:1] in ("{", "[") or value in ("null", "true", "false"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
