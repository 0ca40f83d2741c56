"""Writing traces from parity's own runs: `parity check --trace` (both sides, from run_check's
on_step) and `parity record` (one side alone, from exactly the weights it would start from in check)."""

import os
import sys
from importlib import metadata

from .. import __version__
from ..compare import row_label
from ..engines.factory import select_device
from ..errors import ParityError
from ..live import EngineSource, start_alone
from ..recorders.tracefile import TraceWriter
from ..sides import prepare_sides
from ..steploop import Result, run, update_rates


def versions():
    out = {"parity_version": __version__}
    for name in ("tensorflow", "keras", "numpy", "h5py"):
        try:
            out[f"{name}_version"] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[f"{name}_version"] = "not installed"
    return out


def run_meta(opts, writer, samples=None):
    kind, _, arg = str(opts.weights).partition(":")
    meta = {**versions(), "writer": writer, "command": " ".join(["parity", *sys.argv[1:]]) if sys.argv else None,
            "steps": int(opts.steps), "weights": str(opts.weights), "seed": int(arg or 0) if kind == "seed" else None,
            "optimizer": opts.optimizer, "lr": float(opts.lr), "dtype": opts.dtype, "device": opts.device,
            "data": opts.data or "default"}
    tf = sys.modules.get("tensorflow")  # what TensorFlow could run on, when a side has loaded it
    if tf is not None and hasattr(tf, "config"):
        try:
            meta["devices"] = [d.name for d in tf.config.list_physical_devices()]
        except Exception:
            pass
    if samples is not None:
        meta.update(samples_source=str(samples.source), samples_count=int(len(samples.y)),
                    data_fingerprint=samples.fingerprint)
    return meta


def side_attrs(side, engine, inp, samples, spec=None):
    from ..description.toml_io import dumps

    try:
        description = dumps(side.description)
    except Exception:  # a description that does not serialise: the trace goes on without it
        description = None
    return {"spec": str(spec or side.path), "dialect": side.dialect, "framework": side.dialect, "dtype": engine.dtype,
            "engine_label": engine.label, "penalised": bool(side.description.penalties()),
            "separates_terms": bool(engine.separates_terms), "has_grads": bool(engine.has_grads),
            "input_range": inp.describe(samples), "notes": list(side.notes) + list(inp.notes),
            "description": description}


def tensor_meta(engine):
    return [{"layer": t.layer, "key": t.key, "role": t.role, "shape": t.shape, "layout": t.layout,
             "by_key": t.by_key} for t in engine.tensors]


def _grads(engine, ev):
    if engine.separates_terms and ev.grads_data is not None:
        return {"data": ev.grads_data, "reg": ev.grads_reg}
    return {"total": ev.grads_total} if ev.grads_total is not None else {}


def _losses(engine, ev):
    if engine.separates_terms and ev.loss_data is not None:
        return {"data": ev.loss_data, "reg": ev.loss_reg}
    return {"total": ev.loss_total}


def append_side(writer, label, step, engine, ev, weights, lr, activations):
    writer.append(label, step, weights, _grads(engine, ev), _losses(engine, ev), lr,
                  ev.activations if activations else None)


class CheckTrace:
    """`parity check --trace PATH`: run_check's on_step writer. A float32 noise rerun (pass 1)
    replaces the first pass's result, so its step 0 starts the file again: the trace always
    describes the result the check reports."""

    def __init__(self, path, opts, activations=False, specs=(None, None)):
        self.path, self.opts, self.activations, self.specs = str(path), opts, activations, specs
        folder = os.path.dirname(os.path.abspath(self.path))
        if os.path.isdir(self.path) or not os.path.isdir(folder):  # say so before any training
            why = "it is a folder" if os.path.isdir(self.path) else f"there is no folder {folder}"
            raise ParityError(f"--trace: cannot write {self.path}: {why}.")
        self.writer = None
        self.sides = self.inputs = self.samples = None

    def begin(self, sides, inputs, samples):
        self.sides, self.inputs, self.samples = sides, inputs, samples

    def __call__(self, pass_index, step, engines, evaluations, weights, rows, rates):
        if step == 0:
            self._start(pass_index, engines)
        for label, engine, ev, w, lr in zip("AB", engines, evaluations, weights, rates):
            append_side(self.writer, label, step, engine, ev, w, lr, self.activations)
        self.writer.append_rows(step, [(r.ident, row_label(r), r.rel_error, r.tolerance) for r in rows])
        self.writer.end_step()

    def _start(self, pass_index, engines):
        if self.writer is not None:
            self.writer.close(complete=False)
        self.writer = _writer(self.path, run_meta(self.opts, "parity check", self.samples))
        self.writer.set_meta("pass", pass_index)
        self.writer.set_meta("activations", bool(self.activations))
        for label, side, engine, inp, spec in zip("AB", self.sides, engines, self.inputs, self.specs):
            self.writer.add_side(label, tensor_meta(engine), side_attrs(side, engine, inp, self.samples, spec),
                                 inputs=inp.stored)

    def finish(self, result):
        if self.writer is None:  # stopped before step 0 (a structural mismatch): an empty trace says so
            self.writer = _writer(self.path, run_meta(self.opts, "parity check", self.samples))
        from ..report.json_report import first_divergence

        self.writer.close(complete=True, final={"status": result.status, "steps_run": int(result.steps_run),
                                                "first_divergence": first_divergence(result.first),
                                                "causes": [c.code for c in result.causes]})

    def abort(self):
        if self.writer is not None:
            self.writer.close(complete=False)


def _writer(path, meta, option="--trace"):
    try:
        return TraceWriter(path, writer=meta.get("writer", "parity"), meta=meta)
    except OSError as err:
        raise ParityError(f"{option}: cannot write {path}: {err.strerror or err}.") from None


def record(spec, opts, out, activations=False, progress=None):
    """`parity record SPEC --out T.h5`: one side alone through the step loop, from the weights it would
    start from in check. Returns (steps recorded, why it stopped early or None, side, input, samples)."""
    from ..check import validate_options

    validate_options(opts)
    (side,), samples, (inp,) = prepare_sides((spec,), opts, (opts.a_input,), ("--input",), ("the spec",),
                                            (opts.a_set,))
    engine = start_alone(side, opts, select_device(opts.device))
    writer = _writer(out, run_meta(opts, "parity record", samples), "--out")
    writer.set_meta("activations", bool(activations))
    writer.add_side("A", tensor_meta(engine), side_attrs(side, engine, inp, samples, spec), inputs=inp.stored)

    def sink(view, rows, rates):
        append_side(writer, "A", view.step, engine, view.evaluations[0], view.weights[0], rates[0], activations)
        writer.end_step()

    result = Result("recorded", 0, None, [], [], [], [], {})
    try:
        run(EngineSource([engine], [inp.x], samples.y, opts.steps + 1), result,
            rates=lambda own: update_rates(own, opts), sink=sink, progress=progress)
    except BaseException:
        writer.close(complete=False)
        raise
    stopped = f"{result.stopped}: recording stopped there" if result.stopped else None
    writer.close(complete=True, final={"steps_run": result.steps_run, "stopped": stopped})
    return result.steps_run, stopped, side, inp, samples
